//go:build e2e

package main

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/spec3/lambdastack/internal/procstat"
	"github.com/spec3/lambdastack/test/e2e/fleet"
)

// The cost of one stack of each stage: before the fleet, k stacks of one stage at a time are
// applied on the otherwise empty control plane, until Ready, then left alone for a steady-state
// window, then deleted (and their managed resources gone) before the next stage. What the
// control plane's metrics counted in each phase, divided by k, is one stack's cost.

// stageCost is what k stacks of one stage cost.
type stageCost struct {
	stage   string
	k       int
	objects float64 // composed resources per stack (the XR's resourceRefs once Ready)
	toReady time.Duration
	ramp    delta // from the creates until all k are Ready
	steady  delta // the steady-state window
	kasRamp time.Duration
	kasIdle time.Duration // kube-apiserver CPU in the steady-state window
}

func stageCosts(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, sc *scraper, c config, templates []map[string]any, namespaces []string, kasPID int) ([]stageCost, error) {
	var out []stageCost
	for _, t := range templates {
		stage, _, _ := unstructured.NestedString(t, "spec", "stage")
		if c.stages != "" && !slices.Contains(strings.Split(c.stages, ","), stage) {
			continue
		}
		var stacks []*unstructured.Unstructured
		for i := range c.stageN {
			u := &unstructured.Unstructured{Object: kruntime.DeepCopyJSON(t)}
			u.SetName(fmt.Sprintf("cost-%s-%d", stage, i))
			u.SetNamespace(namespaces[i%len(namespaces)])
			u.SetAnnotations(nil)
			if err := unstructured.SetNestedField(u.Object, fmt.Sprintf("cost%s%d", stage, i), "spec", "app"); err != nil {
				return nil, err
			}
			fleet.Own(u)
			stacks = append(stacks, u)
		}
		res, err := stageCost1(ctx, dyn, mapper, sc, c, stage, stacks, kasPID)
		if err != nil {
			return out, fmt.Errorf("stage %s: %w", stage, err)
		}
		out = append(out, res)
		// each stage's row as soon as it is measured: a later stage or the fleet may not finish
		var row strings.Builder
		stageTable(&row, []stageCost{res})
		log.Printf("stage %s measured (load %s):\n%s", stage, procstat.LoadAvg(), row.String())
	}
	return out, nil
}

func stageCost1(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, sc *scraper, c config, stage string, stacks []*unstructured.Unstructured, kasPID int) (stageCost, error) {
	r := stageCost{stage: stage, k: len(stacks)}
	m0, err := sc.sample(ctx)
	if err != nil {
		return r, err
	}
	cpu0 := procstat.CPU(kasPID)
	for _, u := range stacks {
		if _, err := dyn.Resource(xrGVR).Namespace(u.GetNamespace()).Create(ctx, u, metav1.CreateOptions{}); err != nil {
			return r, err
		}
	}
	var refs []composedRef
	for deadline := time.Now().Add(c.stageTimeout); ; {
		ready, all := 0, []composedRef(nil)
		for _, u := range stacks {
			xr, err := dyn.Resource(xrGVR).Namespace(u.GetNamespace()).Get(ctx, u.GetName(), metav1.GetOptions{})
			if err != nil {
				return r, err
			}
			if fleet.ConditionTrue(xr, "Ready") {
				ready++
			}
			all = append(all, refsOf(xr)...)
		}
		if ready == len(stacks) {
			refs = all
			break
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("%d of %d stacks Ready after %s", ready, len(stacks), c.stageTimeout)
		}
		time.Sleep(time.Second)
	}
	// the API server's CPU is read outside the scrapes of its metrics, which cost it CPU too
	r.kasRamp = procstat.CPU(kasPID) - cpu0
	m1, err := sc.sample(ctx)
	if err != nil {
		return r, err
	}
	r.toReady, r.ramp = m1.at.Sub(m0.at), diff(m0, m1)
	r.objects = float64(len(refs)) / float64(len(stacks))
	log.Printf("stage %s: %d stacks Ready after %s, %.1f composed resources each; steady state for %s",
		stage, len(stacks), r.toReady.Round(time.Second), r.objects, c.stageSteady)

	// let the last writes of the ramp-up land, then the steady-state window
	time.Sleep(c.stageSettle)
	m2, err := sc.sample(ctx)
	if err != nil {
		return r, err
	}
	cpu2 := procstat.CPU(kasPID)
	time.Sleep(c.stageSteady)
	r.kasIdle = procstat.CPU(kasPID) - cpu2
	m3, err := sc.sample(ctx)
	if err != nil {
		return r, err
	}
	r.steady = diff(m2, m3)

	// delete, and wait until every composed resource is gone
	for _, u := range stacks {
		if err := dyn.Resource(xrGVR).Namespace(u.GetNamespace()).Delete(ctx, u.GetName(), metav1.DeleteOptions{}); err != nil && !kerrors.IsNotFound(err) {
			return r, err
		}
	}
	for deadline := time.Now().Add(c.stageTimeout); ; {
		left := 0
		for _, ref := range refs {
			m, err := mapper.RESTMapping(ref.gvk.GroupKind(), ref.gvk.Version)
			if err != nil {
				return r, err
			}
			_, err = dyn.Resource(m.Resource).Namespace(ref.namespace).Get(ctx, ref.name, metav1.GetOptions{})
			if err == nil {
				left++
			} else if !kerrors.IsNotFound(err) {
				return r, err
			}
		}
		for _, u := range stacks {
			if _, err := dyn.Resource(xrGVR).Namespace(u.GetNamespace()).Get(ctx, u.GetName(), metav1.GetOptions{}); err == nil {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("%d objects of the deleted stacks still exist after %s", left, c.stageTimeout)
		}
		time.Sleep(2 * time.Second)
	}
	return r, nil
}

type composedRef struct {
	gvk             schema.GroupVersionKind
	namespace, name string
}

// refsOf lists the composed resources of an XR (spec.crossplane.resourceRefs).
func refsOf(xr *unstructured.Unstructured) []composedRef {
	refs, _, _ := unstructured.NestedSlice(xr.Object, "spec", "crossplane", "resourceRefs")
	var out []composedRef
	for _, r := range refs {
		m, _ := r.(map[string]any)
		apiVersion, _ := m["apiVersion"].(string)
		kind, _ := m["kind"].(string)
		name, _ := m["name"].(string)
		gv, err := schema.ParseGroupVersion(apiVersion)
		if err != nil || kind == "" || name == "" {
			continue
		}
		ns, _ := m["namespace"].(string)
		if ns == "" {
			ns = xr.GetNamespace()
		}
		out = append(out, composedRef{gvk: gv.WithKind(kind), namespace: ns, name: name})
	}
	return out
}

// stageTable writes the cost per stack of each stage.
func stageTable(w *strings.Builder, costs []stageCost) {
	fmt.Fprintf(w, "## Cost of one stack per stage\n\n")
	fmt.Fprintf(w, "Each stage alone on the control plane: %d stacks applied at once, until Ready; then a steady-state window; then deleted. Per stack: composed resources (objects), the API server's writes until Ready (server-side applies, creates, updates of managed resources/XRs/Usages incl. status, Events), the watch events the API server sent, Crossplane's reconciles of the XR and RunFunction calls; at steady state the writes per minute (applies of unchanged objects included) and the kube-apiserver's CPU per minute.\n\n", costsK(costs))
	w.WriteString("| stage | objects | Ready after | writes to Ready | applies | creates | updates | Events | watch events | XR reconciles | function calls | steady writes/min | steady applies/min | steady Events/min | kube-apiserver CPU ms/min |\n")
	w.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range costs {
		k := float64(c.k)
		per := func(v float64) string { return fmt.Sprintf("%.0f", v/k) }
		mins := c.steady.d.Minutes()
		perMin := func(v float64) string { return fmt.Sprintf("%.1f", v/k/mins) }
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.0f |\n",
			c.stage, c.objects, c.toReady.Round(time.Second),
			per(c.ramp.stackWrites()), per(c.ramp.applies()), per(c.ramp.creates()), per(c.ramp.updates()), per(c.ramp.events()),
			per(c.ramp.watchEventsOf(func(cat string) bool { return cat != catOther })),
			per(c.ramp.xrReconciles), per(c.ramp.functionCalls),
			perMin(c.steady.stackWrites()), perMin(c.steady.applies()), perMin(c.steady.events()),
			float64(c.kasIdle.Milliseconds())/k/mins)
	}
	w.WriteString("\nEvery write kind, per stack (to Ready | steady state per minute):\n\n")
	for _, c := range costs {
		k := float64(c.k)
		fmt.Fprintf(w, "- %s: %s | %s; other writes (not about stacks) %.0f | %.1f/min\n", c.stage,
			c.ramp.breakdown(1/k), c.steady.breakdown(1/k/c.steady.d.Minutes()), c.ramp.other(), c.steady.other()/c.steady.d.Minutes())
	}
	w.WriteString("\n")
}

func costsK(costs []stageCost) int {
	if len(costs) == 0 {
		return 0
	}
	return costs[0].k
}
