package fn

import (
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Tags (docs/tenancy.md, rules 10 and 13): every taggable resource carries the request's tags, the
// stage's tags, which win (cost and ownership land where the platform says), and the standard
// tags, which identify the stack and its owner and which neither may set in any letter case.

// Standard tag keys on every taggable resource.
const (
	tagStage     = "lambdastack:stage"
	tagApp       = "lambdastack:app"
	tagManagedBy = "managed-by"
	tagComposite = "lambdastack:composite"
	// tagOwner is the owner namespace: the tag the stage's permissions boundary compares
	// between a role and a resource (ownership.go). It is empty on a stack without an owner (an
	// XLambdaStack created without a claim), like the owner field of its names.
	tagOwner  = "lambdastack:owner"
	managedBy = "crossplane-lambdastack"
	// reservedTagPrefix starts every tag key the stack reserves, besides managed-by.
	reservedTagPrefix = "lambdastack:"
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
		case reservedTag(k):
			errs.add(field, "tag key %q is reserved in every letter case: the stack sets %s, %s, %s, %s and %s itself (they say which stack and namespace own a resource)", k, tagStage, tagApp, tagComposite, tagOwner, tagManagedBy)
		case len(tags[k]) > 256:
			errs.add(field, "tag %q has a value longer than 256 characters", k)
		}
	}
}

// reservedTag tells whether k is a standard tag key or one that could pass for one (any key
// starting with lambdastack:, or managed-by), in any letter case.
func reservedTag(k string) bool {
	l := strings.ToLower(k)
	return strings.HasPrefix(l, reservedTagPrefix) || l == tagManagedBy
}

// validatePlatformTags refuses a request's tag that would change one the stage sets, in any
// letter case (owner and Owner would be two tags in AWS, and cost reports would split).
func validatePlatformTags(errs *fieldErrors, s *settings, spec, stage map[string]string) {
	byLower := map[string]string{}
	for k := range stage {
		byLower[strings.ToLower(k)] = k
	}
	for _, k := range sortedKeys(spec) {
		if sk, ok := byLower[strings.ToLower(k)]; ok && (sk != k || spec[k] != stage[sk]) {
			errs.add("spec.tags", "%q: stage %s sets the tag %s=%q (EnvironmentConfig data.tags), and the platform's tags cannot be changed by a request", k, s.Stage, sk, stage[sk])
		}
	}
}

// validateTagCount refuses more tags than AWS allows on one resource.
func validateTagCount(errs *fieldErrors, s *settings) {
	if n := len(tags(s)); n > maxTags {
		errs.add("spec.tags", "%d tags after merging the request's, the stage's (EnvironmentConfig data.tags) and the profile's with the %d standard ones; AWS allows %d", n, len(standardTags(s)), maxTags)
	}
}

// tags returns the tags of every taggable resource: the request's, the stage's (which win),
// then the standard tags.
func tags(s *settings) map[string]any {
	std := standardTags(s)
	out := make(map[string]any, len(s.Tags)+len(std))
	for k, v := range s.Tags {
		out[k] = v
	}
	for k, v := range std {
		out[k] = v
	}
	return out
}

// standardTags identify the stack in the AWS console, in cost reports and to the stage's
// permissions boundary.
func standardTags(s *settings) map[string]any {
	return map[string]any{
		tagStage:     s.Stage,
		tagApp:       s.App,
		tagManagedBy: managedBy,
		tagComposite: compositeID(s),
		tagOwner:     s.Owner,
	}
}

// mergedTags are the user tags of a stack: the request's, then the profile's and the stage's,
// which win.
func mergedTags(spec map[string]string, base, stageCfg *v1alpha1.StageProfile) map[string]string {
	return mergeMaps(spec, base.Tags, stageCfg.Tags)
}

// compositeID names the composite a resource belongs to: kind/namespace/name or kind/name.
func compositeID(s *settings) string {
	if s.Namespace != "" {
		return s.XRKind + "/" + s.Namespace + "/" + s.XRName
	}
	return s.XRKind + "/" + s.XRName
}
