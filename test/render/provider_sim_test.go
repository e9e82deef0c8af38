package render_test

import (
	"sort"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"

	"github.com/spec3/lambdastack/internal/simprovider"
)

// SimulateProvider stands in for provider-aws, which does not run here: the composed resources
// as the simulated provider (internal/simprovider) reports them once created in AWS. It proves
// the function's readiness and status logic, not AWS.
func SimulateProvider(desired []composed.Unstructured) []composed.Unstructured {
	in := make(map[string]map[string]any, len(desired))
	for _, d := range desired {
		in[d.GetAnnotations()[simprovider.AnnotationCompositionResourceName]] = d.Object
	}
	observed := simprovider.Observe(nil, in)
	keys := make([]string, 0, len(observed))
	for k := range observed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]composed.Unstructured, 0, len(keys))
	for _, k := range keys {
		o := composed.New()
		o.SetUnstructuredContent(observed[k])
		out = append(out, *o)
	}
	return out
}
