package cluster

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// Apply applies a request with server-side apply as FieldManager, taking over fields another
// manager set (kubectl apply --server-side --force-conflicts). dryRun asks the API server to
// validate and default it against the XRD without storing it. It returns the object as stored
// (or as it would be).
func (c *Cluster) Apply(ctx context.Context, request *unstructured.Unstructured, dryRun bool) (*unstructured.Unstructured, error) {
	ri, err := c.resource(request.GetAPIVersion(), request.GetKind(), request.GetNamespace())
	if err != nil {
		return nil, err
	}
	obj := request.DeepCopy()
	obj.SetResourceVersion("")
	obj.SetManagedFields(nil)
	unstructured.RemoveNestedField(obj.Object, "status")
	data, err := json.Marshal(obj.Object)
	if err != nil {
		return nil, err
	}
	opts := metav1.PatchOptions{FieldManager: FieldManager, Force: ptr.To(true)}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	out, err := ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, opts)
	if err != nil {
		return nil, fmt.Errorf("applying %s %s: %w", obj.GetKind(), where(obj.GetNamespace(), obj.GetName()), err)
	}
	return out, nil
}
