package fn

import "sort"

// Standard tag keys on every taggable resource.
const (
	TagStage     = "lambdastack:stage"
	TagApp       = "lambdastack:app"
	TagManagedBy = "managed-by"
	TagComposite = "lambdastack:composite"
	ManagedBy    = "crossplane-lambdastack"
)

// tags returns the tags of every taggable resource: the stage's and the request's tags, then the
// standard tags, which a request cannot override (they identify the stack in the AWS console
// and in cost reports).
func tags(s *Settings) map[string]any {
	out := make(map[string]any, len(s.Tags)+4)
	for k, v := range s.Tags {
		out[k] = v
	}
	out[TagStage] = s.Stage
	out[TagApp] = s.App
	out[TagManagedBy] = ManagedBy
	out[TagComposite] = compositeID(s)
	return out
}

// compositeID names the composite a resource belongs to: kind/namespace/name or kind/name.
func compositeID(s *Settings) string {
	if s.Namespace != "" {
		return s.XRKind + "/" + s.Namespace + "/" + s.XRName
	}
	return s.XRKind + "/" + s.XRName
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
