package stackrender

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// xrdFor is the XRD the render engine needs to pick the composite's schema: nil (the engine's
// default, the Crossplane v2 schema) for a LambdaStack.
func xrdFor(legacy bool) *unstructured.Unstructured {
	return nil
}
