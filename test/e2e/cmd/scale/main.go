//go:build e2e

// Command scale measures the local e2e control plane under many stacks (make scale,
// test/e2e/scale.sh): it applies N LambdaStacks at once, spread over the namespaced stage
// examples of examples/index.txt and over team namespaces, then reports the time until all are
// Ready, the CPU and peak RSS of the control plane's processes (the function, Crossplane core,
// kube-apiserver, etcd, kube-controller-manager, and the provider stand-in, which plays
// provider-aws and is SIMULATED) over a steady-state window, the function's share of the
// control plane's CPU, and the latency of one XR update (a spec change until the composed Lambda
// Function shows it). It reads the processes' PIDs from the e2e state (test/e2e/controlplane/lib.sh).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/spec3/lambdastack/apis/v1alpha1"
	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/internal/kinds"
	"github.com/spec3/lambdastack/internal/procstat"
	"github.com/spec3/lambdastack/test/e2e/fleet"
)

var (
	xrGVR = schema.GroupVersionResource{Group: v1alpha1.Group, Version: v1alpha1.Version, Resource: "lambdastacks"}
	fnGVR = schema.GroupVersionResource{Group: "lambda.aws.m.upbound.io", Version: "v1beta1", Resource: "functions"}
)

// processes of the control plane, by their name in the e2e PID directory, then those outside it
// (reported, not counted in the control plane's CPU): the provider and, with -local-aws, the
// local AWS the real provider calls.
type process struct {
	pid, name string
	outside   bool
}

var processes = []process{
	{"function", "function-lambdastack", false},
	{"crossplane", "crossplane core", false},
	{"kas", "kube-apiserver", false},
	{"etcd", "etcd", false},
	{"kcm", "kube-controller-manager", false},
	{providerPID, "provider stand-in (SIMULATED provider)", true}, // -provider, -provider-label
}

// providerPID names the provider's PID file (-provider); localAWSPID the local AWS's (-local-aws).
const (
	providerPID = "provider"
	localAWSPID = "local-aws"
)

type config struct {
	n, namespaces, workers int
	steady, timeout        time.Duration
	pids, out, provider    string
	// localAWS is the PID file of the local AWS the real provider calls (moto), reported
	// like the provider; examples is a directory with copies of the stage examples' requests
	// for that AWS (IDs it made up substituted), read instead of examples/ by their file names
	localAWS, examples string
	// the cost of one stack per stage (stages.go): stageN stacks of each stage alone
	stageN                                 int
	stages                                 string // measure only these stages alone (comma-separated); empty: all
	stageSteady, stageSettle, stageTimeout time.Duration
	// xpMetrics is Crossplane's metrics endpoint; ttl, when set, is the response TTL the
	// platform gives every stage (EnvironmentConfig data.responseTTLSeconds); settings
	// describes the control plane's settings for the report.
	xpMetrics, settings string
	ttl                 time.Duration
	// cleanup deletes the fleet at the end and waits until its managed resources are gone, so
	// the control plane can take the next run (E2E_KEEP=1)
	cleanup bool
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 300, "LambdaStacks to apply.")
	flag.IntVar(&c.namespaces, "namespaces", 10, "Team namespaces to spread them over.")
	flag.IntVar(&c.workers, "workers", 8, "Concurrent creates.")
	flag.DurationVar(&c.steady, "steady", 5*time.Minute, "Steady-state window after all are Ready.")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Minute, "How long to wait for all to be Ready.")
	flag.StringVar(&c.pids, "pids", "", "Directory of the control plane's PID files (test/e2e/.state/pids).")
	flag.StringVar(&c.out, "out", "_output/scale.md", "Report file (also printed).")
	flag.StringVar(&c.provider, "provider", "provider-standin", "PID file (in -pids) of the process that plays provider-aws.")
	flag.StringVar(&processes[len(processes)-1].name, "provider-label", processes[len(processes)-1].name, "What the provider is, for the report.")
	flag.StringVar(&c.localAWS, "local-aws", "", "PID file (in -pids) of the local AWS the real provider calls (moto), reported like the provider; empty: none.")
	flag.StringVar(&c.examples, "examples", "", "Directory of the stage examples' requests as the local AWS needs them (make e2e-aws's substitutions), read by file name instead of examples/; empty: examples/.")
	flag.IntVar(&c.stageN, "stage-n", 4, "Stacks of each stage measured alone before the fleet (the cost of one stack per stage); 0 skips it.")
	flag.StringVar(&c.stages, "stages", "", "Comma-separated stages to measure alone (e.g. dev,prod); empty: every stage of the fleet.")
	flag.DurationVar(&c.stageSteady, "stage-steady", 2*time.Minute, "Steady-state window of each stage's stacks.")
	flag.DurationVar(&c.stageSettle, "settle", 15*time.Second, "Wait after all are Ready before a steady-state window starts.")
	flag.DurationVar(&c.stageTimeout, "stage-timeout", 10*time.Minute, "How long one stage's stacks may take to be Ready, and to be deleted.")
	flag.StringVar(&c.xpMetrics, "crossplane-metrics", "", "Crossplane's metrics URL (http://127.0.0.1:<port>/metrics); empty: no Crossplane counters.")
	flag.StringVar(&c.settings, "settings", "", "The control plane's settings, for the report.")
	flag.BoolVar(&c.cleanup, "cleanup", false, "Delete the fleet at the end and wait until every managed resource is gone (reported).")
	flag.DurationVar(&c.ttl, "ttl", 0, "Response TTL the platform sets on every stage's EnvironmentConfig (data.responseTTLSeconds); 0 keeps the stages' own.")
	flag.Parse()
	if c.localAWS != "" {
		processes = append(processes, process{localAWSPID, "local AWS (moto, with LambdaStack's extension)", true})
	}
	if err := run(context.Background(), c); err != nil {
		log.Fatal("scale: ", err)
	}
}

func run(ctx context.Context, c config) error {
	root, err := examples.Root()
	if err != nil {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		return err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 50, 100
	cfg.WarningHandler = rest.NoWarnings{}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	pids := map[string]int{}
	for _, p := range processes {
		file := p.pid
		switch p.pid {
		case providerPID:
			file = c.provider
		case localAWSPID:
			file = c.localAWS
		}
		b, err := os.ReadFile(filepath.Join(c.pids, file+".pid"))
		if err != nil {
			return fmt.Errorf("the control plane is not running (test/e2e/controlplane/up.sh and the stand-in): %w", err)
		}
		if pids[p.pid], err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
			return err
		}
	}

	templates, err := fleet.StageTemplates(root, c.examples)
	if err != nil {
		return err
	}
	// stages whose account is one namespace's admit no fleet namespace: left out of the mix
	if templates, err = fleet.Admitted(ctx, dyn, templates); err != nil {
		return err
	}
	stacks := make([]*unstructured.Unstructured, 0, c.n)
	for i := range c.n {
		t := templates[i%len(templates)]
		u := &unstructured.Unstructured{Object: kruntime.DeepCopyJSON(t)}
		u.SetName(fmt.Sprintf("scale-%03d", i))
		u.SetNamespace(fmt.Sprintf("scale-team-%02d", i%c.namespaces))
		u.SetAnnotations(nil)
		if err := unstructured.SetNestedField(u.Object, fmt.Sprintf("app%03d", i), "spec", "app"); err != nil {
			return err
		}
		fleet.Own(u)
		stacks = append(stacks, u)
	}
	var namespaces []string
	for i := range c.namespaces {
		namespaces = append(namespaces, fmt.Sprintf("scale-team-%02d", i))
	}
	if err := fleet.TeamNamespaces(ctx, dyn, namespaces); err != nil {
		return err
	}
	if err := fleet.GrantStages(ctx, dyn, namespaces); err != nil {
		return err
	}
	if err := fleet.GrantAccounts(ctx, dyn, templates, namespaces); err != nil {
		return err
	}
	if c.ttl > 0 {
		if err := setStageTTL(ctx, dyn, c.ttl); err != nil {
			return err
		}
	}
	sc, err := newScraper(cfg, c.xpMetrics)
	if err != nil {
		return err
	}
	if _, err := sc.sample(ctx); err != nil {
		return err
	}

	var report strings.Builder
	fmt.Fprintf(&report, "# make scale: %d LambdaStacks in %d namespaces\n\n", c.n, c.namespaces)
	fmt.Fprintf(&report, "Date: %s  \nMachine: %d CPUs, load before: %s  \nStages (round robin): %s  \nSettings: %s; response TTL %s\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), procstat.LoadAvg(), fleet.StageNames(templates), c.settings, ttlText(c.ttl))

	if c.stageN > 0 {
		dc, err := discovery.NewDiscoveryClientForConfig(cfg)
		if err != nil {
			return err
		}
		mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
		costs, err := stageCosts(ctx, dyn, mapper, sc, c, templates, namespaces, pids["kas"])
		if err != nil {
			return err
		}
		stageTable(&report, costs)
		fmt.Fprintf(&report, "Load after the stages: %s\n\n", procstat.LoadAvg())
		log.Printf("cost per stage measured; load %s", procstat.LoadAvg())
	}

	// Apply all at once; sample CPU meanwhile.
	m0, err := sc.sample(ctx)
	if err != nil {
		return err
	}
	cpu0 := cpuOf(pids)
	t0 := time.Now()
	var failed atomic.Int64
	var wg sync.WaitGroup
	next := make(chan *unstructured.Unstructured)
	for range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range next {
				if _, err := dyn.Resource(xrGVR).Namespace(u.GetNamespace()).Create(ctx, u, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
					log.Printf("create %s/%s: %v", u.GetNamespace(), u.GetName(), err)
					failed.Add(1)
				}
			}
		}()
	}
	for _, u := range stacks {
		next <- u
	}
	close(next)
	wg.Wait()
	applied := time.Since(t0)
	if failed.Load() > 0 {
		return fmt.Errorf("%d creates failed", failed.Load())
	}
	log.Printf("applied %d LambdaStacks in %s", c.n, applied.Round(time.Millisecond))

	var ready int
	resetPeaks(pids)
	for deadline := t0.Add(c.timeout); ; {
		if ready, err = countReady(ctx, dyn); err != nil {
			log.Printf("list: %v", err)
		}
		if ready >= c.n || time.Now().After(deadline) {
			break
		}
		log.Printf("%s: %d/%d Ready (load %s)", time.Since(t0).Round(time.Second), ready, c.n, procstat.LoadAvg())
		time.Sleep(5 * time.Second)
	}
	toReady := time.Since(t0)
	rampCPU := sub(cpuOf(pids), cpu0)
	rampPeak := peaks(pids)
	m1, err := sc.sample(ctx)
	if err != nil {
		return err
	}
	if ready < c.n {
		fmt.Fprintf(&report, "**Not all Ready**: %d of %d after %s.\n\n", ready, c.n, toReady.Round(time.Second))
	}
	fmt.Fprintf(&report, "## Ramp-up\n\nApplied in %s; **all %d Ready after %s** (XR Ready condition, polled every 5 s). Load: %s.\n\n",
		applied.Round(time.Millisecond), ready, toReady.Round(time.Second), procstat.LoadAvg())
	table(&report, pids, rampCPU, toReady, rampPeak)
	perStack(&report, diff(m0, m1), c.n, 0)

	// Steady state.
	log.Printf("steady state for %s", c.steady)
	time.Sleep(c.stageSettle)
	resetPeaks(pids)
	m2, err := sc.sample(ctx)
	if err != nil {
		return err
	}
	cpu1, s0 := cpuOf(pids), time.Now()
	time.Sleep(c.steady)
	steadyCPU, steadyFor := sub(cpuOf(pids), cpu1), time.Since(s0)
	m3, err := sc.sample(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(&report, "\n## Steady state (%s, from %s after all were Ready)\n\nLoad: %s.\n\n", steadyFor.Round(time.Second), c.stageSettle, procstat.LoadAvg())
	table(&report, pids, steadyCPU, steadyFor, peaks(pids))
	perStack(&report, diff(m2, m3), c.n, steadyCPU["kas"])

	// One XR update under that load.
	lat, err := updateLatency(ctx, dyn, stacks[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(&report, "\n## One XR update\n\n%s/%s: spec.function.environment changed; the composed Lambda Function showed it after **%s**.\n",
		stacks[0].GetNamespace(), stacks[0].GetName(), lat.Round(time.Millisecond))
	fmt.Fprintf(&report, "\nLoad after: %s\n", procstat.LoadAvg())

	if c.cleanup {
		d, err := deleteFleet(ctx, dyn, cfg, stacks, namespaces)
		if err != nil {
			return err
		}
		fmt.Fprintf(&report, "\n## Deletion\n\nAll %d deleted, every managed resource gone, after %s.\n", c.n, d.Round(time.Second))
	}

	fmt.Print("\n" + report.String())
	if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(c.out, []byte(report.String()), 0o644)
}

// perStack writes what the control plane's metrics counted over d, per stack: writes (per
// minute when kas, the kube-apiserver's CPU over the window, is given: a steady state).
func perStack(w *strings.Builder, d delta, n int, kas time.Duration) {
	k := float64(n)
	if kas == 0 {
		fmt.Fprintf(w, "\nPer stack until all were Ready: %.0f writes (%.0f server-side applies, %.0f creates, %.0f updates of managed resources/XRs/Usages, %.0f Events), %.0f watch events, %.1f XR reconciles, %.1f RunFunction calls; %.0f other writes in all.\n",
			d.stackWrites()/k, d.applies()/k, d.creates()/k, d.updates()/k, d.events()/k,
			d.watchEventsOf(func(cat string) bool { return cat != catOther })/k, d.xrReconciles/k, d.functionCalls/k, d.other())
		fmt.Fprintf(w, "\nEvery write kind, per stack: %s.\n", d.breakdown(1/k))
		return
	}
	mins := d.d.Minutes()
	fmt.Fprintf(w, "\nPer stack and minute: %.1f writes (%.1f server-side applies, %.1f Events), %.1f watch events, %.2f XR reconciles, %.2f RunFunction calls; kube-apiserver **%.1f ms CPU** per stack and minute.\n",
		d.stackWrites()/k/mins, d.applies()/k/mins, d.events()/k/mins,
		d.watchEventsOf(func(cat string) bool { return cat != catOther })/k/mins, d.xrReconciles/k/mins, d.functionCalls/k/mins,
		float64(kas.Milliseconds())/k/mins)
	fmt.Fprintf(w, "\nEvery write kind, per stack and minute: %s.\n", d.breakdown(1/k/mins))
}

// deleteFleet deletes the stacks and waits until none of them and no managed resource of a
// composed kind (internal/kinds) is left in their namespaces.
func deleteFleet(ctx context.Context, dyn dynamic.Interface, cfg *rest.Config, stacks []*unstructured.Unstructured, namespaces []string) (time.Duration, error) {
	t0 := time.Now()
	for _, u := range stacks {
		if err := dyn.Resource(xrGVR).Namespace(u.GetNamespace()).Delete(ctx, u.GetName(), metav1.DeleteOptions{}); err != nil && !kerrors.IsNotFound(err) {
			return 0, err
		}
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return 0, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	var gvrs []schema.GroupVersionResource
	for _, k := range kinds.All {
		if !k.Composed(true) {
			continue
		}
		m, err := mapper.RESTMapping(schema.GroupKind{Group: k.APIGroup(true), Kind: k.Kind})
		if meta.IsNoMatchError(err) {
			continue // a kind the installed Configuration does not activate composes nothing here
		}
		if err != nil {
			return 0, err
		}
		gvrs = append(gvrs, m.Resource)
	}
	in := map[string]bool{}
	for _, ns := range namespaces {
		in[ns] = true
	}
	for deadline := time.Now().Add(30 * time.Minute); ; {
		left := 0
		xrs, err := dyn.Resource(xrGVR).List(ctx, metav1.ListOptions{})
		if err != nil {
			return 0, err
		}
		for _, x := range xrs.Items {
			if in[x.GetNamespace()] {
				left++
			}
		}
		for _, gvr := range gvrs {
			// composed objects only: every namespace also has ConfigMaps of its own
			// (kube-root-ca.crt), which outlive the fleet
			l, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: "crossplane.io/composite"})
			if err != nil {
				return 0, err
			}
			for _, o := range l.Items {
				if in[o.GetNamespace()] {
					left++
				}
			}
		}
		if left == 0 {
			return time.Since(t0), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%d objects of the fleet left 30 minutes after its deletion", left)
		}
		log.Printf("deleting: %d objects left", left)
		time.Sleep(5 * time.Second)
	}
}

// setStageTTL sets data.responseTTLSeconds on every stage's EnvironmentConfig, as a platform
// running a fleet would.
func setStageTTL(ctx context.Context, dyn dynamic.Interface, ttl time.Duration) error {
	l, err := dyn.Resource(fleet.EnvGVR).List(ctx, metav1.ListOptions{LabelSelector: v1alpha1.StageLabel})
	if err != nil {
		return err
	}
	patch := fmt.Sprintf(`{"data":{"responseTTLSeconds":%d}}`, int64(ttl.Seconds()))
	for _, ec := range l.Items {
		if _, err := dyn.Resource(fleet.EnvGVR).Patch(ctx, ec.GetName(), "application/merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func ttlText(ttl time.Duration) string {
	if ttl == 0 {
		return "as each stage's EnvironmentConfig or built-in profile says"
	}
	return ttl.String() + " on every stage (EnvironmentConfig data.responseTTLSeconds)"
}

func countReady(ctx context.Context, dyn dynamic.Interface) (int, error) {
	l, err := dyn.Resource(xrGVR).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range l.Items {
		if strings.HasPrefix(u.GetName(), "scale-") && fleet.ConditionTrue(&u, "Ready") {
			n++
		}
	}
	return n, nil
}

// updateLatency changes one XR's function environment and times until its composed Lambda
// Function carries the change.
func updateLatency(ctx context.Context, dyn dynamic.Interface, xr *unstructured.Unstructured) (time.Duration, error) {
	value := strconv.FormatInt(time.Now().UnixNano(), 10)
	patch := fmt.Sprintf(`{"spec":{"function":{"environment":{"SCALE_PROBE":%q}}}}`, value)
	t0 := time.Now()
	if _, err := dyn.Resource(xrGVR).Namespace(xr.GetNamespace()).Patch(ctx, xr.GetName(), "application/merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
		return 0, err
	}
	fnName, err := composedName(ctx, dyn, xr, "Function")
	if err != nil {
		return 0, err
	}
	for time.Since(t0) < 5*time.Minute {
		fn, err := dyn.Resource(fnGVR).Namespace(xr.GetNamespace()).Get(ctx, fnName, metav1.GetOptions{})
		if err == nil {
			if v, _, _ := unstructured.NestedString(fn.Object, "spec", "forProvider", "environment", "variables", "SCALE_PROBE"); v == value {
				return time.Since(t0), nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, fmt.Errorf("the Function of %s/%s did not show the update within 5 minutes", xr.GetNamespace(), xr.GetName())
}

// table writes CPU per second, CPU share and peak RSS per process over d.
func table(w *strings.Builder, pids map[string]int, cpu map[string]time.Duration, d time.Duration, peak map[string]int64) {
	var plane time.Duration
	for _, p := range processes {
		if !p.outside {
			plane += cpu[p.pid]
		}
	}
	w.WriteString("| process | CPU (s per s) | share of the control plane's CPU | peak RSS |\n|---|---|---|---|\n")
	for _, p := range processes {
		share := "—"
		if !p.outside && plane > 0 {
			share = fmt.Sprintf("%.1f%%", 100*float64(cpu[p.pid])/float64(plane))
		}
		fmt.Fprintf(w, "| %s | %.3f | %s | %.1f MiB |\n", p.name, cpu[p.pid].Seconds()/d.Seconds(), share, float64(peak[p.pid])/1024)
	}
	fmt.Fprintf(w, "\nThe control plane is the first five (the provider is not part of it); together %.3f CPU-seconds per second.\n", plane.Seconds()/d.Seconds())
}

func cpuOf(pids map[string]int) map[string]time.Duration {
	out := map[string]time.Duration{}
	for name, pid := range pids {
		out[name] = procstat.CPU(pid)
	}
	return out
}

func sub(a, b map[string]time.Duration) map[string]time.Duration {
	out := map[string]time.Duration{}
	for k := range a {
		out[k] = a[k] - b[k]
	}
	return out
}

func resetPeaks(pids map[string]int) {
	for _, pid := range pids {
		procstat.ResetPeak(pid)
	}
}

// peaks is VmHWM (KiB) of each process.
func peaks(pids map[string]int) map[string]int64 {
	out := map[string]int64{}
	for name, pid := range pids {
		out[name] = procstat.StatusKiB(pid, "VmHWM")
	}
	return out
}

// composedName is the name of the XR's composed resource of kind, from its resource references.
func composedName(ctx context.Context, dyn dynamic.Interface, xr *unstructured.Unstructured, kind string) (string, error) {
	cur, err := dyn.Resource(xrGVR).Namespace(xr.GetNamespace()).Get(ctx, xr.GetName(), metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	refs, _, _ := unstructured.NestedSlice(cur.Object, "spec", "crossplane", "resourceRefs")
	for _, r := range refs {
		if m, _ := r.(map[string]any); m["kind"] == kind {
			name, _ := m["name"].(string)
			return name, nil
		}
	}
	return "", fmt.Errorf("%s/%s composes no %s", xr.GetNamespace(), xr.GetName(), kind)
}
