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
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/spec3/lambdastack/apis/v1alpha1"
	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/internal/procstat"
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
	state, pidsDir, e2eDir  string
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
	flag.StringVar(&c.e2eDir, "e2e-dir", "", "test/e2e (restart.sh).")
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
// platform granted the stages (fleet.GrantStages).
func (h *harness) apply(ctx context.Context) error {
	templates, err := fleet.Templates(h.root, templatePaths...)
	if err != nil {
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
	for i := range h.c.n {
		t := templates[i%len(templates)]
		u := &unstructured.Unstructured{Object: kruntime.DeepCopyJSON(t)}
		u.SetName(fmt.Sprintf("%s%03d", prefix, i))
		u.SetNamespace(namespaces[i%len(namespaces)])
		u.SetAnnotations(nil)
		if err := unstructured.SetNestedField(u.Object, fmt.Sprintf("app%03d", i), "spec", "app"); err != nil {
			return err
		}
		fleet.OwnSecrets(u)
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

// snap reads the stacks' composites and managed resources from the API server.
func (h *harness) snap(ctx context.Context) (*snapshot, error) {
	s := &snapshot{mrs: map[string]*mr{}, xrs: map[string]*xr{}}
	ids := map[string]bool{}
	for _, st := range h.stacks {
		ids[st.id] = true
	}
	kinds := map[schema.GroupKind]bool{}
	var composites []*unstructured.Unstructured
	for _, gvr := range []schema.GroupVersionResource{fleet.XRGVR, fleet.ClusterGVR} {
		l, err := h.dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		for i := range l.Items {
			u := &l.Items[i]
			id := u.GetNamespace() + "/" + u.GetName()
			if u.GetNamespace() == "" {
				id = u.GetLabels()["crossplane.io/claim-namespace"] + "/" + u.GetLabels()["crossplane.io/claim-name"]
			}
			if !ids[id] {
				continue
			}
			x := &xr{obj: u}
			fs, _, _ := unstructured.NestedSlice(u.Object, "status", "failures")
			for _, f := range fs {
				if m, _ := f.(map[string]any); m != nil {
					n, _ := m["name"].(string)
					x.failures = append(x.failures, n)
				}
			}
			s.xrs[id] = x
			composites = append(composites, u)
			for _, r := range resourceRefs(u) {
				gv, _ := schema.ParseGroupVersion(r["apiVersion"])
				if simprovider.IsManaged(gv.Group) {
					kinds[schema.GroupKind{Group: gv.Group, Kind: r["kind"]}] = true
				}
			}
		}
	}
	// composite (namespace/name) -> stack id
	owner := map[string]string{}
	for id, x := range s.xrs {
		owner[x.obj.GetNamespace()+"/"+x.obj.GetName()] = id
	}
	for gk := range kinds {
		gvr, ok := h.kinds[gk]
		if !ok {
			return nil, fmt.Errorf("%s is composed but not installed", gk)
		}
		l, err := h.dyn.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: "crossplane.io/composite"})
		if err != nil {
			return nil, err
		}
		for i := range l.Items {
			u := &l.Items[i]
			id, ok := owner[u.GetNamespace()+"/"+u.GetLabels()["crossplane.io/composite"]]
			if !ok {
				continue
			}
			m := &mr{key: providerstandin.Key(gk, u.GetNamespace(), u.GetName()), stack: id,
				part: u.GetAnnotations()[simprovider.AnnotationCompositionResourceName],
				uid:  string(u.GetUID()), created: u.GetCreationTimestamp().UTC().Format(time.RFC3339),
				extName: u.GetAnnotations()[simprovider.AnnotationExternalName], deleting: u.GetDeletionTimestamp() != nil,
				paths: map[string]bool{}, ready: fleet.Condition(u, "Ready"), synced: fleet.Condition(u, "Synced"), obj: u}
			fp, _, _ := unstructured.NestedMap(u.Object, "spec", "forProvider")
			leafPaths(fp, "", m.paths)
			s.mrs[m.key] = m
		}
	}
	h.mu.Lock()
	h.kindsCounted = len(kinds)
	h.mu.Unlock()
	return s, nil
}

func resourceRefs(u *unstructured.Unstructured) []map[string]string {
	refs, found, _ := unstructured.NestedSlice(u.Object, "spec", "crossplane", "resourceRefs")
	if !found {
		refs, _, _ = unstructured.NestedSlice(u.Object, "spec", "resourceRefs")
	}
	var out []map[string]string
	for _, r := range refs {
		m, _ := r.(map[string]any)
		e := map[string]string{}
		for k, v := range m {
			e[k], _ = v.(string)
		}
		out = append(out, e)
	}
	return out
}

// leafPaths records every leaf of v (list elements as []: a list keeps its path while it has an
// element).
func leafPaths(v any, path string, out map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 && path != "" {
			out[path] = true
		}
		for k, e := range t {
			leafPaths(e, path+"."+k, out)
		}
	case []any:
		if len(t) == 0 {
			out[path+"[]"] = true
		}
		for _, e := range t {
			leafPaths(e, path+"[]", out)
		}
	default:
		out[path] = true
	}
}

// compare records, against the state before every fault, the managed resources deleted or
// recreated or renamed in AWS (recreations) and those that lost a spec.forProvider field
// (shrinks).
func (h *harness) compare(r *faultResult, s *snapshot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := func(l []string, v string) []string {
		if slices.Contains(l, v) {
			return l
		}
		return append(l, v)
	}
	for k, b := range h.base.mrs {
		c, ok := s.mrs[k]
		switch {
		case !ok:
			r.recreations = seen(r.recreations, k+": gone")
		case c.uid != b.uid || c.created != b.created:
			r.recreations = seen(r.recreations, fmt.Sprintf("%s: recreated (uid %s -> %s)", k, b.uid, c.uid))
		case c.deleting:
			r.recreations = seen(r.recreations, k+": being deleted")
		case b.extName != "" && c.extName != b.extName:
			r.recreations = seen(r.recreations, fmt.Sprintf("%s: external name %q -> %q", k, b.extName, c.extName))
		}
		if !ok {
			continue
		}
		var lost []string
		for p := range b.paths {
			if !c.paths[p] {
				lost = append(lost, p)
			}
		}
		if len(lost) > 0 {
			sort.Strings(lost)
			r.shrinks = seen(r.shrinks, fmt.Sprintf("%s: spec.forProvider lost %s", k, strings.Join(lost, ", ")))
		}
	}
	r.samples++
}

// sample reads the state once during a fault and compares it; an API server that does not
// answer (being restarted) is skipped.
func (h *harness) sample(ctx context.Context, r *faultResult) *snapshot {
	s, err := h.snap(ctx)
	if err != nil {
		return nil
	}
	h.compare(r, s)
	return s
}

// during samples every 2 s until done is closed.
func (h *harness) during(ctx context.Context, r *faultResult) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			h.sample(ctx, r)
			select {
			case <-done:
				return
			case <-time.After(2 * time.Second):
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// recovered reports whether every stack is Ready and Synced for its current generation and
// every managed resource of it Ready and Synced; extra, when set, must hold for each stack too.
func (h *harness) recovered(s *snapshot, extra func(*stack, *snapshot) bool) (int, string) {
	ok := 0
	why := ""
	perStack := map[string][]*mr{}
	for _, m := range s.mrs {
		perStack[m.stack] = append(perStack[m.stack], m)
	}
	for _, st := range h.stacks {
		x := s.xrs[st.id]
		switch {
		case x == nil:
			why = st.id + ": no composite yet"
		case !condCurrent(x.obj, "Ready") || !condCurrent(x.obj, "Synced"):
			why = st.id + ": composite not Ready and Synced"
		case len(perStack[st.id]) == 0:
			why = st.id + ": no managed resources yet"
		default:
			good := true
			for _, m := range perStack[st.id] {
				if m.ready == nil || m.ready["status"] != "True" || m.synced == nil || m.synced["status"] != "True" {
					why, good = m.key+": not Ready and Synced", false
					break
				}
			}
			if good && extra != nil && !extra(st, s) {
				why, good = st.id+": not yet as the fault's end wants it", false
			}
			if good {
				ok++
			}
		}
	}
	return ok, why
}

// condCurrent: the condition is True and, where it records one, for the current generation.
func condCurrent(u *unstructured.Unstructured, typ string) bool {
	c := fleet.Condition(u, typ)
	if c == nil || c["status"] != "True" {
		return false
	}
	if g, ok := c["observedGeneration"].(int64); ok && g != u.GetGeneration() {
		return false
	}
	return true
}

// waitRecovered polls until every stack has recovered; it returns how long that took.
func (h *harness) waitRecovered(ctx context.Context, bound time.Duration, extra func(*stack, *snapshot) bool) (time.Duration, error) {
	t0 := time.Now()
	last := time.Time{}
	for {
		s, err := h.snap(ctx)
		if err == nil {
			h.mu.Lock()
			r := h.cur
			h.mu.Unlock()
			if r != nil && h.base != nil {
				h.compare(r, s)
			}
			n, why := h.recovered(s, extra)
			if n == len(h.stacks) {
				return time.Since(t0), nil
			}
			if time.Since(last) > 15*time.Second {
				log.Printf("   %s: %d/%d stacks Ready (e.g. %s)", time.Since(t0).Round(time.Second), n, len(h.stacks), why)
				last = time.Now()
			}
			if time.Since(t0) > bound {
				return time.Since(t0), fmt.Errorf("%d of %d stacks Ready after %s (e.g. %s)", n, len(h.stacks), bound, why)
			}
		} else if time.Since(t0) > bound {
			return time.Since(t0), err
		}
		time.Sleep(time.Second)
	}
}

// recover measures the recovery after a fault ended: a probe (an environment variable named
// after the fault) is sent to every request at once, and the stacks have recovered when every
// stack's Lambda Functions carry it and every stack and managed resource is Ready and Synced
// again; extra, when set, replaces the probe (the burst's own updates are its probe).
func (h *harness) recover(ctx context.Context, r *faultResult, extra func(*stack, *snapshot) bool) error {
	t0 := time.Now()
	if extra == nil {
		probe := fmt.Sprintf("%s-%d", r.name, t0.UnixNano())
		patch := fmt.Sprintf(`{"spec":{"function":{"environment":{"CHAOS_PROBE":%q}}}}`, probe)
		for _, st := range h.stacks {
			for {
				_, err := h.requests(st).Patch(ctx, st.name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
				if err == nil {
					break
				}
				if time.Since(t0) > h.c.bound {
					return fmt.Errorf("probe %s: %w", st.id, err)
				}
				time.Sleep(time.Second)
			}
		}
		extra = func(st *stack, s *snapshot) bool {
			return h.functionsShow(st, s, func(fp map[string]any) bool {
				env := fp["environment"]
				if l, ok := env.([]any); ok && len(l) > 0 {
					env = l[0]
				}
				m, _ := env.(map[string]any)
				vars, _ := m["variables"].(map[string]any)
				return vars["CHAOS_PROBE"] == probe
			})
		}
	}
	_, err := h.waitRecovered(ctx, h.c.bound-time.Since(t0), extra)
	r.recovery = time.Since(t0)
	return err
}

// functionsShow reports whether the stack has Lambda Functions and ok holds for the
// spec.forProvider of each.
func (h *harness) functionsShow(st *stack, s *snapshot, ok func(map[string]any) bool) bool {
	n := 0
	for _, m := range s.mrs {
		if m.stack != st.id || m.obj.GetKind() != "Function" || !strings.HasPrefix(m.obj.GetAPIVersion(), "lambda.") {
			continue
		}
		n++
		fp, _, _ := unstructured.NestedMap(m.obj.Object, "spec", "forProvider")
		if !ok(fp) {
			return false
		}
	}
	return n > 0
}

// --- the function ---------------------------------------------------------------------------

func (h *harness) functionPID() int {
	b, err := os.ReadFile(filepath.Join(h.c.pidsDir, "function.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// metricsAddress is the function's --metrics-address, read from its command line.
func metricsAddress(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	for _, a := range strings.Split(string(b), "\x00") {
		if v, ok := strings.CutPrefix(a, "--metrics-address="); ok {
			return v
		}
	}
	return ""
}

// functionMetrics reads gauges and counters of the function's Prometheus metrics: the
// goroutines (go_goroutines) and RunFunction calls started and handled.
func functionMetrics(pid int) (goroutines, started, handled int, err error) {
	addr := metricsAddress(pid)
	if addr == "" {
		return 0, 0, 0, fmt.Errorf("function %d serves no metrics (no --metrics-address)", pid)
	}
	cl := http.Client{Timeout: 2 * time.Second}
	rsp, err := cl.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, 0, 0, err
	}
	defer rsp.Body.Close() //nolint:errcheck // read only
	sc := bufio.NewScanner(rsp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	found := false
	for sc.Scan() {
		l := sc.Text()
		f := strings.Fields(l)
		if len(f) != 2 || strings.HasPrefix(l, "#") {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch {
		case f[0] == "go_goroutines":
			goroutines, found = int(v), true
		case strings.HasPrefix(f[0], "grpc_server_started_total{") && strings.Contains(f[0], `grpc_method="RunFunction"`):
			started += int(v)
		case strings.HasPrefix(f[0], "grpc_server_handled_total{") && strings.Contains(f[0], `grpc_method="RunFunction"`):
			handled += int(v)
		}
	}
	if !found {
		return 0, 0, 0, errors.New("no go_goroutines in the function's metrics")
	}
	return goroutines, started, handled, sc.Err()
}

// sampleFunction records the function's RSS and goroutines every 2 s until stopped.
func (h *harness) sampleFunction(ctx context.Context) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if pid := h.functionPID(); pid > 0 {
				rss := procstat.StatusKiB(pid, "VmRSS")
				g, _, _, err := functionMetrics(pid)
				h.mu.Lock()
				h.fnPIDs[pid] = true
				h.rssPeakKiB = max(h.rssPeakKiB, rss)
				if err == nil {
					h.goroutinePeak = max(h.goroutinePeak, g)
					h.goroutineSamples++
				}
				h.mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// functionKill SIGKILLs the function c.kills times while Crossplane calls it (every stack is
// touched right before, so reconciles are under way); the package runtime restarts it after its
// back-off, as the kubelet restarts a crashed container.
func (h *harness) functionKill(ctx context.Context, r *faultResult) error {
	r.what = fmt.Sprintf("SIGKILL of the function ×%d during reconciles; restarted by the package runtime after its back-off (the kubelet's part)", h.c.kills)
	stop := h.during(ctx, r)
	defer stop()
	var worstDown time.Duration
	for i := range h.c.kills {
		pid := h.functionPID()
		if pid == 0 {
			return errors.New("no function PID")
		}
		if err := h.touchAll(ctx, fmt.Sprintf("kill-%d", i)); err != nil {
			return err
		}
		// kill while a call is in flight if one is seen within 10 s (the metrics are polled)
		var started, handled int
		for t := time.Now(); time.Since(t) < 10*time.Second; time.Sleep(20 * time.Millisecond) {
			_, s, hd, err := functionMetrics(pid)
			if err != nil {
				return err
			}
			if started, handled = s, hd; started > handled {
				break
			}
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return fmt.Errorf("kill %d: %w", pid, err)
		}
		t0 := time.Now()
		// back until a new process serves
		for {
			if p := h.functionPID(); p != pid && p > 0 {
				if _, _, _, err := functionMetrics(p); err == nil {
					break
				}
			}
			if time.Since(t0) > 2*time.Minute {
				return errors.New("the function was not restarted within 2 minutes")
			}
			time.Sleep(200 * time.Millisecond)
		}
		down := time.Since(t0)
		worstDown = max(worstDown, down)
		r.notes = append(r.notes, fmt.Sprintf("kill %d: pid %d had served %d RunFunction calls, %d in flight at its last metrics read before the kill; a new process served after %s",
			i+1, pid, handled, started-handled, down.Round(100*time.Millisecond)))
		if i < h.c.kills-1 {
			time.Sleep(5 * time.Second)
		}
	}
	stop()
	return h.recover(ctx, r, nil)
}

// touchAll annotates every request, so Crossplane reconciles every stack now.
func (h *harness) touchAll(ctx context.Context, v string) error {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{"chaos.spec3.io/touch":%q}}}`, v)
	for _, s := range h.stacks {
		if _, err := h.requests(s).Patch(ctx, s.name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("touch %s: %w", s.id, err)
		}
	}
	return nil
}

// --- the control plane's processes ----------------------------------------------------------

func (h *harness) restart(ctx context.Context, r *faultResult, name string) error {
	what := map[string]string{"crossplane": "Crossplane core", "kas": "kube-apiserver", "etcd": "etcd (data directory kept)"}[name]
	r.what = what + " stopped (SIGTERM) and started again after 5 s (test/e2e/restart.sh)"
	stop := h.during(ctx, r)
	defer stop()
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(h.c.e2eDir, "restart.sh"), name, "5")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("restart.sh %s: %w", name, err)
	}
	r.notes = append(r.notes, fmt.Sprintf("%s down and back healthy in %s", what, time.Since(t0).Round(100*time.Millisecond)))
	stop()
	return h.recover(ctx, r, nil)
}

// --- the provider stand-in (SIMULATED provider) ---------------------------------------------

func (h *harness) faultsFile() string { return filepath.Join(h.c.state, "standin-faults.json") }

// standIn makes the stand-in play a provider failure on percent of the managed resources for
// the hold time (at least until every affected stack reports it), checking the stacks'
// conditions, then lifts it.
func (h *harness) standIn(ctx context.Context, r *faultResult, mode string, percent int) error {
	r.what = map[string]string{
		simprovider.FaultSyncedFalse: "Synced=False with the provider's throttling error (observe failed: … ThrottlingException: Rate exceeded)",
		simprovider.FaultNoARNs:      "observations without ARNs and ids (eventual consistency)",
		simprovider.FaultNotReady:    "resources reported Ready=False (Unavailable) after they were Ready",
	}[mode] + fmt.Sprintf(" on %d%% of the managed resources (SIMULATED, the stand-in's control file)", percent)
	picked := map[string]*mr{}
	for k, m := range h.base.mrs {
		if simprovider.FaultSelected(simprovider.Hash(m.uid), percent) {
			if mode == simprovider.FaultNoARNs {
				at, _, _ := unstructured.NestedMap(m.obj.Object, "status", "atProvider")
				if !simprovider.HasComputed(at) {
					continue
				}
			}
			picked[k] = m
		}
	}
	stacks := map[string]bool{}
	for _, m := range picked {
		stacks[m.stack] = true
	}
	r.notes = append(r.notes, fmt.Sprintf("%d managed resources of %d stacks picked", len(picked), len(stacks)))
	raw, _ := json.Marshal(providerstandin.Fault{Mode: mode, Percent: percent})
	if err := os.WriteFile(h.faultsFile(), raw, 0o600); err != nil {
		return err
	}
	defer os.Remove(h.faultsFile()) //nolint:errcheck // removed below; this is for errors
	stop := h.during(ctx, r)
	defer stop()

	// the stacks' conditions while it lasts
	truth := func(s *snapshot) []string {
		var bad []string
		for k, p := range picked {
			m := s.mrs[k]
			x := s.xrs[p.stack]
			if m == nil || x == nil {
				continue
			}
			switch mode {
			case simprovider.FaultSyncedFalse:
				if m.synced == nil || m.synced["status"] != "False" {
					bad = append(bad, k+": the stand-in has not failed it yet")
				} else if !slices.Contains(x.failures, m.obj.GetName()) {
					bad = append(bad, fmt.Sprintf("%s: status.failures of %s does not name it", k, p.stack))
				} else if c := fleet.Condition(x.obj, "ResourcesReady"); c == nil || c["reason"] != "ResourceFailing" || !strings.Contains(fmt.Sprint(c["message"]), "ThrottlingException") {
					bad = append(bad, fmt.Sprintf("%s: ResourcesReady of %s is %v, want ResourceFailing with the provider's error", k, p.stack, c))
				}
			case simprovider.FaultNotReady:
				if m.ready == nil || m.ready["reason"] != "Unavailable" {
					bad = append(bad, k+": the stand-in has not taken its readiness back yet")
				} else if c := fleet.Condition(x.obj, "Ready"); c != nil && c["status"] == "True" {
					bad = append(bad, fmt.Sprintf("%s: %s is Ready while it is not", k, p.stack))
				} else if c := fleet.Condition(x.obj, "ResourcesReady"); c == nil || !strings.Contains(fmt.Sprint(c["message"]), p.part) {
					bad = append(bad, fmt.Sprintf("%s: ResourcesReady of %s does not name %s", k, p.stack, p.part))
				}
			case simprovider.FaultNoARNs:
				at, _, _ := unstructured.NestedMap(m.obj.Object, "status", "atProvider")
				if simprovider.HasComputed(at) {
					bad = append(bad, k+": the stand-in still reports its ARN")
				} else if len(x.failures) > 0 {
					bad = append(bad, fmt.Sprintf("%s: %s reports failures %v though nothing failed", k, p.stack, x.failures))
				}
			}
		}
		sort.Strings(bad)
		return bad
	}
	t0 := time.Now()
	var bad []string
	told := time.Duration(0)
	for {
		time.Sleep(2 * time.Second)
		s, err := h.snap(ctx)
		if err != nil {
			continue
		}
		bad = truth(s)
		if len(bad) == 0 && told == 0 {
			told = time.Since(t0)
		}
		if time.Since(t0) >= h.c.hold && (len(bad) == 0 || time.Since(t0) >= h.c.hold+2*time.Minute) {
			break
		}
	}
	if len(bad) > 0 {
		r.truth = bad
	} else {
		r.notes = append(r.notes, fmt.Sprintf("every affected stack told it after %s", told.Round(time.Second)))
	}
	if err := os.Remove(h.faultsFile()); err != nil {
		return err
	}
	stop()
	return h.recover(ctx, r, nil)
}

// --- invalid edits --------------------------------------------------------------------------

// envInvalid sets the dev stage's account to a value that is not an account ID, until every dev
// stack reports it, then restores it.
func (h *harness) envInvalid(ctx context.Context, r *faultResult) error {
	const ec = "stage-dev"
	r.what = "EnvironmentConfig " + ec + ": data.accountId set to \"11111111111x\", then restored"
	res := h.dyn.Resource(fleet.EnvGVR)
	cur, err := res.Get(ctx, ec, metav1.GetOptions{})
	if err != nil {
		return err
	}
	orig, _, _ := unstructured.NestedString(cur.Object, "data", "accountId")
	set := func(v string) error {
		patch := fmt.Sprintf(`{"data":{"accountId":%q}}`, v)
		_, err := res.Patch(ctx, ec, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		return err
	}
	if err := set("11111111111x"); err != nil {
		return err
	}
	stop := h.during(ctx, r)
	defer stop()
	r.truth = h.holdUntilTold(ctx, r, func(st *stack) bool { return st.stage == "dev" }, "data.accountId")
	if err := set(orig); err != nil {
		return err
	}
	stop()
	return h.recover(ctx, r, nil)
}

// holdUntilTold waits at least the hold time and until every affected stack's composite is
// Synced=False with a message containing want; it returns the stacks that never told it.
func (h *harness) holdUntilTold(ctx context.Context, r *faultResult, affected func(*stack) bool, want string) []string {
	t0 := time.Now()
	var bad []string
	told := time.Duration(0)
	n := 0
	for {
		time.Sleep(2 * time.Second)
		s, err := h.snap(ctx)
		if err != nil {
			continue
		}
		bad, n = nil, 0
		for _, st := range h.stacks {
			if !affected(st) {
				continue
			}
			n++
			x := s.xrs[st.id]
			if x == nil {
				continue
			}
			c := fleet.Condition(x.obj, "Synced")
			if c == nil || c["status"] != "False" || !strings.Contains(fmt.Sprint(c["message"]), want) {
				bad = append(bad, fmt.Sprintf("%s: Synced is %v, want False naming %s", st.id, c, want))
			}
		}
		if len(bad) == 0 && told == 0 {
			told = time.Since(t0)
		}
		if time.Since(t0) >= h.c.hold && (len(bad) == 0 || time.Since(t0) >= h.c.hold+2*time.Minute) {
			break
		}
	}
	if len(bad) == 0 {
		r.notes = append(r.notes, fmt.Sprintf("all %d affected stacks Synced=False naming %s after %s", n, want, told.Round(time.Second)))
	}
	return bad
}

// requestInvalid first tries to store a value the XRD's schema forbids with the API server's
// field validation set to Ignore (the API server refuses it: schema and CEL validation cannot
// be bypassed through the API), then edits requests of both flavours to an environment
// variable the schema admits and the function refuses (AWS_REGION is reserved by Lambda; the
// XRD's CEL rule only covers STAGE), and restores them.
func (h *harness) requestInvalid(ctx context.Context, r *faultResult) error {
	r.what = "requests edited to spec.function.environment.AWS_REGION (admitted by the XRD's schema and CEL, refused by the function), then restored"
	// up to two requests of each flavour
	var victims []*stack
	perFlavour := map[bool]int{}
	for _, st := range h.stacks {
		if perFlavour[st.claim] < 2 {
			perFlavour[st.claim]++
			victims = append(victims, st)
		}
	}
	// the schema cannot be bypassed
	bad := `{"spec":{"function":{"memoryMB":64}}}`
	_, err := h.requests(victims[0]).Patch(ctx, victims[0].name, types.MergePatchType, []byte(bad), metav1.PatchOptions{FieldValidation: "Ignore"})
	if err == nil {
		return fmt.Errorf("the API server stored memoryMB 64 for %s", victims[0].id)
	}
	r.notes = append(r.notes, fmt.Sprintf("memoryMB: 64 with fieldValidation=Ignore refused: %s", shorten(err.Error(), 160)))
	ids := map[string]bool{}
	hadEnv := map[string]bool{}
	for _, st := range victims {
		ids[st.id] = true
		cur, err := h.requests(st).Get(ctx, st.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		_, hadEnv[st.id], _ = unstructured.NestedMap(cur.Object, "spec", "function", "environment")
		patch := `{"spec":{"function":{"environment":{"AWS_REGION":"us-east-1"}}}}`
		if _, err := h.requests(st).Patch(ctx, st.name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("the API server refused the edit of %s: %w", st.id, err)
		}
	}
	stop := h.during(ctx, r)
	defer stop()
	r.truth = h.holdUntilTold(ctx, r, func(st *stack) bool { return ids[st.id] }, "spec.function.environment")
	for _, st := range victims {
		// back to the request as it was: without an environment when it had none (a claim
		// with "environment: {}" cannot be synced to its composite in Crossplane v2.4.0: the
		// claim controller sends it as null, which the XRD's schema refuses)
		patch := `{"spec":{"function":{"environment":{"AWS_REGION":null}}}}`
		if !hadEnv[st.id] {
			patch = `{"spec":{"function":{"environment":null}}}`
		}
		if _, err := h.requests(st).Patch(ctx, st.name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return err
		}
	}
	stop()
	return h.recover(ctx, r, nil)
}

// --- a burst of updates ---------------------------------------------------------------------

// burst changes every request's memory at once, twice in a row; recovered means every stack's
// Lambda Functions carry the second value.
func (h *harness) burst(ctx context.Context, r *faultResult) error {
	r.what = "every request's spec.function.memoryMB changed at once, twice in a row (+64 MB, then +128 MB)"
	stop := h.during(ctx, r)
	defer stop()
	want := map[string]int64{}
	for round, add := range []int64{64, 128} {
		t0 := time.Now()
		for _, st := range h.stacks {
			base := st.memoryBase
			if base == 0 {
				base = 512
			}
			want[st.id] = base + add
			patch := fmt.Sprintf(`{"spec":{"function":{"memoryMB":%d}}}`, base+add)
			if _, err := h.requests(st).Patch(ctx, st.name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				return fmt.Errorf("update %s: %w", st.id, err)
			}
		}
		r.notes = append(r.notes, fmt.Sprintf("round %d: %d updates sent in %s", round+1, len(h.stacks), time.Since(t0).Round(time.Millisecond)))
	}
	stop()
	return h.recover(ctx, r, func(st *stack, s *snapshot) bool {
		return h.functionsShow(st, s, func(fp map[string]any) bool {
			v, _, _ := unstructured.NestedInt64(fp, "memorySize")
			return v == want[st.id]
		})
	})
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// recordPIDs writes every function PID seen, for the leak check after the control plane stops.
func (h *harness) recordPIDs() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for pid := range h.fnPIDs {
		fmt.Fprintln(&b, pid)
	}
	return os.WriteFile(filepath.Join(h.c.state, "chaos-function-pids"), []byte(b.String()), 0o600)
}

// --- the report -----------------------------------------------------------------------------

func (h *harness) writeReport(runErr error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var w strings.Builder
	claims, regions, releases := 0, 0, 0
	for _, s := range h.stacks {
		if s.claim {
			claims++
		}
		if rs, _, _ := unstructured.NestedSlice(s.obj.Object, "spec", "regions"); len(rs) > 1 {
			regions++
		}
		if _, ok, _ := unstructured.NestedMap(s.obj.Object, "spec", "release"); ok {
			releases++
		}
	}
	fmt.Fprintf(&w, "# make chaos: %d stacks, %d faults\n\n", len(h.stacks), len(h.results))
	fmt.Fprintf(&w, "Date: %s; machine: %d CPUs, load %s; run took %s.  \n", time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), procstat.LoadAvg(), time.Since(h.start).Round(time.Second))
	fmt.Fprintf(&w, "Stacks: %d (legacy claims: %d, with a release block: %d, in two regions: %d) in %d namespaces; all Ready after %s at first.  \n",
		len(h.stacks), claims, releases, regions, min(h.c.namespaces, h.c.n), h.readyAfter.Round(time.Second))
	fmt.Fprintf(&w, "Managed resources checked: %d of %d kinds, after every fault and every 2 s while it lasted.  \n", h.mrCount, h.kindsCounted)
	fmt.Fprintf(&w, "Recovery bound: %s.\n\n", h.c.bound)
	w.WriteString("| fault | what | samples | recreations | shrinks | untrue conditions | recovery |\n|---|---|---|---|---|---|---|\n")
	totalRec, totalShr := 0, 0
	for _, r := range h.results {
		rec := r.recovery.Round(100 * time.Millisecond).String()
		if r.err != nil {
			rec = "ERROR: " + shorten(r.err.Error(), 200)
		}
		totalRec += len(r.recreations)
		totalShr += len(r.shrinks)
		fmt.Fprintf(&w, "| %s | %s | %d | %d | %d | %d | %s |\n", r.name, r.what, r.samples, len(r.recreations), len(r.shrinks), len(r.truth), rec)
	}
	fmt.Fprintf(&w, "\n**Recreations: %d. Shrinks: %d.**  \n", totalRec, totalShr)
	fmt.Fprintf(&w, "Function: peak RSS %.1f MiB (bound %d MiB), peak goroutines %d (go_goroutines of its metrics, %d samples; bound %d), %d processes (PIDs) over the run.\n",
		float64(h.rssPeakKiB)/1024, h.c.maxRSSMiB, h.goroutinePeak, h.goroutineSamples, h.c.maxGoroutine, len(h.fnPIDs))
	for _, r := range h.results {
		if len(r.notes)+len(r.recreations)+len(r.shrinks)+len(r.truth) == 0 {
			continue
		}
		fmt.Fprintf(&w, "\n%s:\n", r.name)
		for _, n := range r.notes {
			fmt.Fprintf(&w, "- %s\n", n)
		}
		for _, l := range [][]string{r.recreations, r.shrinks, r.truth} {
			for i, v := range l {
				if i == 10 {
					fmt.Fprintf(&w, "- … and %d more\n", len(l)-10)
					break
				}
				fmt.Fprintf(&w, "- VIOLATION %s\n", v)
			}
		}
	}
	if runErr != nil {
		fmt.Fprintf(&w, "\n**FAILED**: %v\n", runErr)
	} else {
		w.WriteString("\n**PASSED**\n")
	}
	fmt.Print("\n" + w.String())
	if err := os.MkdirAll(filepath.Dir(h.c.out), 0o755); err == nil {
		_ = os.WriteFile(h.c.out, []byte(w.String()), 0o644)
	}
}
