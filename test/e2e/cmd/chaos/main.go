//go:build e2e

// Command chaos injects faults into the local e2e control plane (make chaos, test/e2e/chaos.sh)
// and checks, from the API server's own data, that no stack loses anything on the way. It
// brings N stacks to Ready (both flavours, every stage, releases, several regions: the example
// requests as templates, spread over team namespaces a platform team granted the stages), then
// injects one fault after another:
//
//	function-kill   the function SIGKILLed during reconciles, several times; the package
//	                runtime restarts it after its back-off, as the kubelet restarts a container
//	restart-*       Crossplane core, kube-apiserver, etcd (data kept) stopped and started again
//	standin-*       the provider stand-in (SIMULATED provider-aws) failing through its simulation
//	                control file: Synced=False with the provider's throttling error, observations
//	                without ARNs, resources not Ready after they were Ready
//	env-invalid     a stage's EnvironmentConfig edited to an invalid value, then fixed
//	request-invalid requests edited to a value the API server's schema admits and the function
//	                refuses, then fixed
//	burst           every request changed at once (memory size), twice in a row
//
// After every fault it checks: every managed resource from before is still there with the same
// UID and creation timestamp and external name (recreations, must be 0); no managed resource lost
// a spec.forProvider field while the fault lasted (sampled during the fault; shrinks, must be 0);
// every stack is Ready again within the recovery bound (measured, worst per fault); the stacks'
// conditions told the truth while the fault lasted; and across the run the function's RSS and
// goroutines (from its Prometheus metrics) stay within bounds.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/spec3/lambdastack/apis/v1alpha1"
	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/internal/simprovider"
	"github.com/spec3/lambdastack/test/e2e/fleet"
	"github.com/spec3/lambdastack/test/e2e/providerstandin"
)

// templates: every stage example (both flavours), releases with an alias and provisioned
// concurrency, and a stack in two regions.
// The first four cover both flavours, a release and two regions (the short run in make e2e).
var templatePaths = []string{
	"examples/dev.yaml", "examples/legacy-claim.yaml", "examples/release/prod-alias.yaml", "examples/release/two-region.yaml",
	"examples/staging.yaml", "examples/prod.yaml", "examples/qa.yaml",
}

const prefix = "chaos-"

type config struct {
	n, namespaces, kills    int
	readyTimeout, bound     time.Duration
	hold                    time.Duration
	state, pidsDir, cpDir   string
	out                     string
	faults                  string
	maxRSSMiB, maxGoroutine int
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 50, "Stacks.")
	flag.IntVar(&c.namespaces, "namespaces", 5, "Team namespaces to spread them over.")
	flag.IntVar(&c.kills, "kills", 3, "How often the function is SIGKILLed.")
	flag.DurationVar(&c.readyTimeout, "ready-timeout", 20*time.Minute, "How long the stacks may take to be Ready at first.")
	flag.DurationVar(&c.bound, "recovery-bound", 5*time.Minute, "Every stack must be Ready again within this after a fault ends.")
	flag.DurationVar(&c.hold, "hold", 40*time.Second, "How long a provider failure or an invalid edit lasts (at least until the stacks report it).")
	flag.StringVar(&c.state, "state", "", "The e2e state directory (test/e2e/.state).")
	flag.StringVar(&c.cpDir, "controlplane-dir", "", "test/e2e/controlplane (restart.sh).")
	flag.StringVar(&c.out, "out", "_output/chaos.md", "Report file (also printed).")
	flag.StringVar(&c.faults, "faults", "all", "Comma-separated fault kinds (function-kill, restart, standin, env-invalid, request-invalid, burst) or single faults (e.g. standin-no-arns); or all.")
	flag.IntVar(&c.maxRSSMiB, "max-rss", 256, "Bound of the function's RSS (MiB).")
	flag.IntVar(&c.maxGoroutine, "max-goroutines", 500, "Bound of the function's goroutines.")
	flag.Parse()
	c.pidsDir = filepath.Join(c.state, "pids")
	h, err := newHarness(c)
	if err == nil {
		err = h.run(context.Background())
	}
	if h != nil {
		h.writeReport(err)
	}
	if err != nil {
		log.Fatal("chaos: ", err)
	}
}

// stack is one request: a namespaced LambdaStack, or a claim and its cluster XLambdaStack.
type stack struct {
	id         string // namespace/name of the request
	namespace  string
	name       string
	claim      bool
	stage      string
	obj        *unstructured.Unstructured
	memoryBase int64
}

// mr is what the invariants read of one managed resource.
type mr struct {
	key, stack, part      string // kind.group/ns/name, the stack's id, composition-resource-name
	uid, created, extName string
	deleting              bool
	paths                 map[string]bool // leaf paths of spec.forProvider
	ready, synced         map[string]any
	obj                   *unstructured.Unstructured
}

// xr is what the invariants read of one stack's composite.
type xr struct {
	obj      *unstructured.Unstructured
	failures []string // names of the managed resources in status.failures
}

type snapshot struct {
	mrs map[string]*mr
	xrs map[string]*xr // by stack id
}

// faultResult is one fault's line of the report.
type faultResult struct {
	name, what  string
	samples     int
	recreations []string
	shrinks     []string
	recovery    time.Duration
	truth       []string // violations
	notes       []string
	err         error
}

type harness struct {
	c      config
	root   string
	dyn    dynamic.Interface
	kinds  map[schema.GroupKind]schema.GroupVersionResource
	stacks []*stack
	base   *snapshot
	start  time.Time

	mu                    sync.Mutex
	results               []*faultResult
	cur                   *faultResult
	rssPeakKiB            int64
	goroutinePeak         int
	goroutineSamples      int
	fnPIDs                map[int]bool
	readyAfter            time.Duration
	mrCount, kindsCounted int
}

func newHarness(c config) (*harness, error) {
	root, err := examples.Root()
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 100, 200
	cfg.Timeout = 20 * time.Second
	cfg.WarningHandler = rest.NoWarnings{}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &harness{c: c, root: root, dyn: dyn, fnPIDs: map[int]bool{}, start: time.Now()}, nil
}

func (h *harness) enabled(kind string) bool {
	return h.c.faults == "all" || slices.Contains(strings.Split(h.c.faults, ","), kind)
}

func (h *harness) run(ctx context.Context) error {
	var err error
	if h.kinds, err = providerstandin.ManagedKinds(ctx, h.dyn); err != nil {
		return err
	}
	if err := h.apply(ctx); err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := h.waitRecovered(ctx, h.c.readyTimeout, nil); err != nil {
		return fmt.Errorf("stacks not Ready at first: %w", err)
	}
	h.readyAfter = time.Since(t0)
	if h.base, err = h.snap(ctx); err != nil {
		return err
	}
	h.mrCount = len(h.base.mrs)
	log.Printf("%d stacks Ready after %s: %d managed resources", len(h.stacks), h.readyAfter.Round(time.Second), h.mrCount)

	stopSampler := h.sampleFunction(ctx)
	defer stopSampler()

	type fault struct {
		kind, name string
		run        func(context.Context, *faultResult) error
	}
	faults := []fault{
		{"function-kill", "function-kill", h.functionKill},
		{"restart", "restart-crossplane", func(ctx context.Context, r *faultResult) error { return h.restart(ctx, r, "crossplane") }},
		{"restart", "restart-kube-apiserver", func(ctx context.Context, r *faultResult) error { return h.restart(ctx, r, "kas") }},
		{"restart", "restart-etcd", func(ctx context.Context, r *faultResult) error { return h.restart(ctx, r, "etcd") }},
		{"standin", "standin-synced-false", func(ctx context.Context, r *faultResult) error {
			return h.standIn(ctx, r, simprovider.FaultSyncedFalse, 30)
		}},
		{"standin", "standin-no-arns", func(ctx context.Context, r *faultResult) error { return h.standIn(ctx, r, simprovider.FaultNoARNs, 30) }},
		{"standin", "standin-not-ready", func(ctx context.Context, r *faultResult) error {
			return h.standIn(ctx, r, simprovider.FaultNotReady, 20)
		}},
		{"env-invalid", "env-invalid", h.envInvalid},
		{"request-invalid", "request-invalid", h.requestInvalid},
		{"burst", "burst", h.burst},
	}
	var failed []string
	for _, f := range faults {
		if !h.enabled(f.kind) && !h.enabled(f.name) {
			continue
		}
		r := &faultResult{name: f.name}
		h.mu.Lock()
		h.results = append(h.results, r)
		h.cur = r
		h.mu.Unlock()
		log.Printf("== fault %s", f.name)
		r.err = f.run(ctx, r)
		h.mu.Lock()
		h.cur = nil
		h.mu.Unlock()
		if r.err == nil {
			// after recovery, the API server's data against the state from before every fault
			if s, err := h.snap(ctx); err != nil {
				r.err = err
			} else {
				h.compare(r, s)
			}
		}
		log.Printf("   %s: recovery %s, %d recreations, %d shrinks, %d untrue conditions, %d samples, err %v",
			f.name, r.recovery.Round(100*time.Millisecond), len(r.recreations), len(r.shrinks), len(r.truth), r.samples, r.err)
		if r.err != nil || len(r.recreations) > 0 || len(r.shrinks) > 0 || len(r.truth) > 0 {
			failed = append(failed, f.name)
		}
	}
	stopSampler()
	if h.rssPeakKiB > int64(h.c.maxRSSMiB)*1024 {
		failed = append(failed, fmt.Sprintf("function RSS peak %.1f MiB > %d MiB", float64(h.rssPeakKiB)/1024, h.c.maxRSSMiB))
	}
	if h.goroutinePeak > h.c.maxGoroutine {
		failed = append(failed, fmt.Sprintf("function goroutines peak %d > %d", h.goroutinePeak, h.c.maxGoroutine))
	}
	if h.goroutineSamples == 0 {
		failed = append(failed, "the function's goroutines could not be read (metrics listener)")
	}
	if err := h.recordPIDs(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("failed: %s", strings.Join(failed, "; "))
	}
	return nil
}

// apply creates the stacks: N requests round robin over the templates, in team namespaces the
// platform granted the stages and their accounts (fleet.GrantStages, fleet.GrantAccounts).
func (h *harness) apply(ctx context.Context) error {
	templates, err := fleet.Templates(h.root, templatePaths...)
	if err != nil {
		return err
	}
	if templates, err = fleet.Admitted(ctx, h.dyn, templates); err != nil {
		return err
	}
	var namespaces []string
	for i := range min(h.c.namespaces, h.c.n) {
		namespaces = append(namespaces, fmt.Sprintf("%steam-%02d", prefix, i))
	}
	if err := fleet.TeamNamespaces(ctx, h.dyn, namespaces); err != nil {
		return err
	}
	if err := fleet.GrantStages(ctx, h.dyn, namespaces); err != nil {
		return err
	}
	if err := fleet.GrantAccounts(ctx, h.dyn, templates, namespaces); err != nil {
		return err
	}
	for i := range h.c.n {
		t := templates[i%len(templates)]
		u := &unstructured.Unstructured{Object: kruntime.DeepCopyJSON(t)}
		u.SetName(fmt.Sprintf("%s%03d", prefix, i))
		u.SetNamespace(namespaces[i%len(namespaces)])
		u.SetAnnotations(nil)
		if err := unstructured.SetNestedField(u.Object, fmt.Sprintf("app%03d", i), "spec", "app"); err != nil {
			return err
		}
		fleet.Own(u)
		s := &stack{id: u.GetNamespace() + "/" + u.GetName(), namespace: u.GetNamespace(), name: u.GetName(),
			claim: u.GetKind() == v1alpha1.KindLambdaStackClaim, obj: u}
		s.stage, _, _ = unstructured.NestedString(u.Object, "spec", "stage")
		s.memoryBase, _, _ = unstructured.NestedInt64(u.Object, "spec", "function", "memoryMB")
		if _, err := h.requests(s).Create(ctx, u, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
			return fmt.Errorf("create %s: %w", s.id, err)
		}
		h.stacks = append(h.stacks, s)
	}
	log.Printf("applied %d stacks in %d namespaces (templates' stages: %s)", len(h.stacks), len(namespaces), fleet.StageNames(templates))
	return nil
}

func (h *harness) requests(s *stack) dynamic.ResourceInterface {
	if s.claim {
		return h.dyn.Resource(fleet.ClaimGVR).Namespace(s.namespace)
	}
	return h.dyn.Resource(fleet.XRGVR).Namespace(s.namespace)
}
