package fn

import "strings"

// Standard tag keys on every taggable resource.
const (
	tagStage     = "lambdastack:stage"
	tagApp       = "lambdastack:app"
	tagManagedBy = "managed-by"
	tagComposite = "lambdastack:composite"
	managedBy    = "crossplane-lambdastack"
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
func validateTagCount(errs *fieldErrors, s *settings) {
	if n := len(tags(s)); n > maxTags {
		errs.add("spec.tags", "%d tags after merging the profile's, the stage's (EnvironmentConfig data.tags) and the request's with the %d standard ones; AWS allows %d", n, len(tags(&settings{})), maxTags)
	}
}

// tags returns the tags of every taggable resource: the stage's and the request's tags, then the
// standard tags, which a request cannot override (they identify the stack in the AWS console
// and in cost reports).
func tags(s *settings) map[string]any {
	out := make(map[string]any, len(s.Tags)+4)
	for k, v := range s.Tags {
		out[k] = v
	}
	out[tagStage] = s.Stage
	out[tagApp] = s.App
	out[tagManagedBy] = managedBy
	out[tagComposite] = compositeID(s)
	return out
}

// compositeID names the composite a resource belongs to: kind/namespace/name or kind/name.
func compositeID(s *settings) string {
	if s.Namespace != "" {
		return s.XRKind + "/" + s.Namespace + "/" + s.XRName
	}
	return s.XRKind + "/" + s.XRName
}
