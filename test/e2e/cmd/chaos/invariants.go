//go:build e2e

// The invariants make chaos checks from the API server's data: snapshots of every managed
// resource, recreations and shrinks, recovery, truthful conditions.

package main

import (
	"context"
	"fmt"
	"log"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/spec3/lambdastack/internal/simprovider"
	"github.com/spec3/lambdastack/test/e2e/fleet"
	"github.com/spec3/lambdastack/test/e2e/providerstandin"
)

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

// during samples every 2 s until stopped.
func (h *harness) during(ctx context.Context, r *faultResult) (stop func()) {
	return every(ctx, 2*time.Second, func() { h.sample(ctx, r) })
}

// every runs f now and then every d until the returned stop is called (it waits for a run in
// progress) or ctx ends.
func every(ctx context.Context, d time.Duration, f func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			f()
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-time.After(d):
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
