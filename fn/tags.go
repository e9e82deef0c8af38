package fn

import "strings"

// Standard tag keys on every taggable resource.
const (
	TagStage     = "lambdastack:stage"
	TagApp       = "lambdastack:app"
	TagManagedBy = "managed-by"
	TagComposite = "lambdastack:composite"
	ManagedBy    = "crossplane-lambdastack"
)

// maxTags is AWS's limit of tags per resource, user and standard tags together.
const maxTags = 50

func validateTags(errs *fieldErrors, field string, tags map[string]string) {
	for _, k := range sortedKeys(tags) {
		switch {
		case k == "" || len(k) > 128:
			errs.add(field, "tag key %q must be 1-128 characters", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			errs.add(field, "tag key %q starts with aws:, which AWS reserves", k)
		case len(tags[k]) > 256:
			errs.add(field, "tag %q has a value longer than 256 characters", k)
		}
	}
}

// validateTagCount refuses more tags than AWS allows on one resource.
func validateTagCount(errs *fieldErrors, s *Settings) {
	if n := len(tags(s)); n > maxTags {
		errs.add("spec.tags", "%d tags after merging the profile's, the stage's (EnvironmentConfig data.tags) and the request's with the %d standard ones; AWS allows %d", n, len(tags(&Settings{})), maxTags)
	}
}

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
