package cluster

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Stack is a stack as it lives on the control plane.
type Stack struct {
	// XR is the composite resource: the LambdaStack, or the XLambdaStack of a claim.
	XR *unstructured.Unstructured
	// Composed are the composed resources the XR references, as they are now.
	Composed []composed.Unstructured
}

// ReadStack reads the live stack of a request (a LambdaStack, or a LambdaStackClaim through its
// XLambdaStack); nil without error when it does not exist yet.
func (c *Cluster) ReadStack(ctx context.Context, request *unstructured.Unstructured) (*Stack, error) {
	xr, err := c.Get(ctx, request.GetAPIVersion(), request.GetKind(), request.GetNamespace(), request.GetName())
	if err != nil || xr == nil {
		return nil, err
	}
	if xr.GetKind() == v1alpha1.KindLambdaStackClaim {
		ref, _, _ := unstructured.NestedStringMap(xr.Object, "spec", "resourceRef")
		if ref["name"] == "" {
			return nil, nil // the claim has no composite yet
		}
		if xr, err = c.Get(ctx, ref["apiVersion"], ref["kind"], "", ref["name"]); err != nil || xr == nil {
			return nil, err
		}
	}
	s := &Stack{XR: xr}
	refs, _, _ := unstructured.NestedSlice(xr.Object, resourceRefsPath(xr)...)
	for _, r := range refs {
		ref, _ := r.(map[string]any)
		apiVersion, _ := ref["apiVersion"].(string)
		kind, _ := ref["kind"].(string)
		name, _ := ref["name"].(string)
		// a namespaced XR's resources are in its namespace; a cluster-scoped XR names the
		// namespace of each namespaced resource (the outputs ConfigMap in its claim's namespace)
		ns, _ := ref["namespace"].(string)
		if xr.GetNamespace() != "" {
			ns = xr.GetNamespace()
		}
		o, err := c.Get(ctx, apiVersion, kind, ns, name)
		if err != nil {
			return nil, fmt.Errorf("composed resource of %s: %w", xr.GetName(), err)
		}
		if o != nil {
			s.Composed = append(s.Composed, composed.Unstructured{Unstructured: *o})
		}
	}
	return s, nil
}

// resourceRefsPath is where an XR lists its composed resources: spec.crossplane.resourceRefs
// (Crossplane v2) or spec.resourceRefs (the legacy XLambdaStack).
func resourceRefsPath(xr *unstructured.Unstructured) []string {
	if xr.GetKind() == v1alpha1.KindXLambdaStack {
		return []string{"spec", "resourceRefs"}
	}
	return []string{"spec", "crossplane", "resourceRefs"}
}

// claimOnly are the spec fields of a claim that Crossplane does not copy to its composite.
var claimOnly = []string{"compositeDeletePolicy", "resourceRef", "writeConnectionSecretToRef"}

// WithRequest is the live XR with the spec of request (as the API server would store it, see
// DryRunApply): what Crossplane composes once the request is applied. Crossplane's own fields
// of the live XR (composition, references to composed resources, claim) are kept.
func (s *Stack) WithRequest(request *unstructured.Unstructured) *unstructured.Unstructured {
	xr := s.XR.DeepCopy()
	live, _, _ := unstructured.NestedMap(xr.Object, "spec")
	spec, _, _ := unstructured.NestedMap(request.Object, "spec")
	if spec == nil {
		spec = map[string]any{}
	}
	if request.GetKind() == v1alpha1.KindLambdaStackClaim {
		for _, k := range claimOnly {
			delete(spec, k)
		}
	}
	for _, k := range crossplaneFields(xr) {
		if v, ok := live[k]; ok {
			spec[k] = v
		}
	}
	_ = unstructured.SetNestedMap(xr.Object, spec, "spec")
	return xr
}

// crossplaneFields are the spec fields Crossplane owns on a composite.
func crossplaneFields(xr *unstructured.Unstructured) []string {
	if xr.GetKind() == v1alpha1.KindXLambdaStack {
		return []string{"claimRef", "compositionRef", "compositionRevisionRef", "compositionSelector",
			"compositionUpdatePolicy", "resourceRefs", "writeConnectionSecretToRef"}
	}
	return []string{"crossplane"}
}
