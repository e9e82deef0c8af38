// Package preview says what applying a LambdaStack request would change: it renders the stack
// before and after (internal/stackrender) and compares the composed resources
// (internal/stackdiff), either against the live stack on a control plane or between two
// request files.
package preview

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"

	"github.com/spec3/lambdastack/internal/cluster"
	"github.com/spec3/lambdastack/internal/stackdiff"
	"github.com/spec3/lambdastack/internal/stackrender"
)

// Offline compares the renders of two requests. required holds what the function may ask for
// (EnvironmentConfigs, Namespaces); observed, when given, plays the composed resources as they
// exist, for both renders.
func Offline(ctx context.Context, eng *stackrender.Engine, before, after map[string]any, required []unstructured.Unstructured, observed []composed.Unstructured) (stackdiff.Report, error) {
	b, err := eng.Render(ctx, stackrender.Input{Request: before, Required: required, Observed: observed})
	if err != nil {
		return stackdiff.Report{}, fmt.Errorf("before: %w", err)
	}
	a, err := eng.Render(ctx, stackrender.Input{Request: after, Required: required, Observed: observed})
	if err != nil {
		return stackdiff.Report{}, fmt.Errorf("after: %w", err)
	}
	return stackdiff.Compare(byPart(b.Composed), byPart(a.Composed))
}

// Live compares the live stack of a request with what Crossplane composes once the request is
// applied. The request is first validated and defaulted by the API server (a server-side apply
// dry run); the function then renders the live XR as it is and with the request's spec, both
// with the live composed resources observed and the EnvironmentConfig and Namespace it asks
// for read from the cluster. A resource that exists is compared between the two renders, so
// only the request's change shows, not what the provider filled in.
func Live(ctx context.Context, eng *stackrender.Engine, cl *cluster.Cluster, request *unstructured.Unstructured) (stackdiff.Report, error) {
	applied, err := cl.Apply(ctx, request, true)
	if err != nil {
		return stackdiff.Report{}, err
	}
	stack, err := cl.ReadStack(ctx, request)
	if err != nil {
		return stackdiff.Report{}, err
	}
	if stack == nil { // a new stack: everything is added
		a, err := eng.Render(ctx, stackrender.Input{Request: applied.Object, Lookup: cl.Required})
		if err != nil {
			return stackdiff.Report{}, err
		}
		return stackdiff.Compare(nil, byPart(a.Composed))
	}
	now, err := eng.Render(ctx, stackrender.Input{Request: stack.XR.Object, Observed: stack.Composed, Lookup: cl.Required})
	if err != nil {
		return stackdiff.Report{}, fmt.Errorf("rendering the live stack: %w", err)
	}
	next, err := eng.Render(ctx, stackrender.Input{Request: stack.WithRequest(applied).Object, Observed: stack.Composed, Lookup: cl.Required})
	if err != nil {
		return stackdiff.Report{}, err
	}
	return stackdiff.Compare(existing(stack.Composed, byPart(now.Composed)), byPart(next.Composed))
}

// existing is the state of the resources that exist: each as the function composes it now, or
// as it lives when the function no longer composes it.
func existing(live []composed.Unstructured, now map[string]*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	out := map[string]*unstructured.Unstructured{}
	for part, o := range byPart(live) {
		if desired, ok := now[part]; ok {
			o = desired
		}
		out[part] = o
	}
	return out
}

// byPart keys composed resources by their part of the stack.
func byPart(objs []composed.Unstructured) map[string]*unstructured.Unstructured {
	out := make(map[string]*unstructured.Unstructured, len(objs))
	for i := range objs {
		out[stackrender.Part(&objs[i])] = &objs[i].Unstructured
	}
	return out
}
