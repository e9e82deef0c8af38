package stackrender

import (
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// xrdFor is what the render engine needs of the XRD: nothing for a LambdaStack (the engine then
// uses the Crossplane v2 composite schema), and for the legacy XLambdaStack its identity and
// LegacyCluster scope, which make the engine use the legacy schema (spec.resourceRefs, claim
// references) as Crossplane does. The engine reads no other field of it.
func xrdFor(legacy bool) *unstructured.Unstructured {
	if !legacy {
		return nil
	}
	plural := strings.ToLower(v1alpha1.KindXLambdaStack) + "s"
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.crossplane.io/v1",
		"kind":       "CompositeResourceDefinition",
		"metadata":   map[string]any{"name": plural + "." + v1alpha1.Group},
		"spec": map[string]any{
			"group":    v1alpha1.Group,
			"names":    map[string]any{"kind": v1alpha1.KindXLambdaStack, "plural": plural},
			"scope":    "LegacyCluster",
			"versions": []any{map[string]any{"name": v1alpha1.Version, "served": true, "referenceable": true}},
		},
	}}
}
