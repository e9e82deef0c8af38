package fn

import "sort"

// Annotations and labels on composed resources.
const (
	annotationExternalName = "crossplane.io/external-name"
	// annotationCreatePending marks a create the provider started (crossplane-runtime).
	annotationCreatePending = "crossplane.io/external-create-pending"
	labelStage              = "platform.spec3.io/stage"
	labelApp                = "platform.spec3.io/app"
	labelRegion             = "platform.spec3.io/region"
)

// composed is one desired composed resource: its key in the pipeline (an RFC 1123 label), its
// object (plain maps, slices and scalars, as structpb converts them) and whether the observed
// resource is ready.
type composed struct {
	Key    string
	Object map[string]any
	Ready  bool
}

// mrOpts describes what a managed resource needs besides its forProvider parameters.
type mrOpts struct {
	externalName string // AWS name; empty when AWS assigns the identifier
	region       string // empty for global services (IAM)
	taggable     bool
	stateful     bool // retained on deletion when the stage says so
	noLateInit   bool // the provider must not copy optional AWS values back into the spec
}

// managed builds a provider-aws managed resource of the stack's flavour: group is the service
// (lambda, iam, ...), the API group suffix follows the flavour.
func (b *builder) managed(key, group, kind string, o mrOpts, forProvider map[string]any) composed {
	s := b.s
	apiGroup := group + ".aws.m.upbound.io"
	if s.Flavour == legacy {
		apiGroup = group + ".aws.upbound.io"
	}
	if o.region != "" {
		forProvider["region"] = o.region
	}
	if o.taggable {
		forProvider["tags"] = b.tags
	}

	meta := map[string]any{
		"name":   objectName(s, key),
		"labels": b.labels(o.region),
	}
	if s.Flavour == namespaced {
		meta["namespace"] = s.Namespace
	}
	if o.externalName != "" {
		meta["annotations"] = map[string]any{annotationExternalName: o.externalName}
	}

	spec := map[string]any{
		"forProvider":       forProvider,
		"providerConfigRef": b.providerConfigRef(),
	}
	retain := o.stateful && s.Retain
	if retain || o.noLateInit {
		spec["managementPolicies"] = managementPolicies(retain, o.noLateInit)
	}
	if retain && s.Flavour == legacy {
		spec["deletionPolicy"] = "Orphan"
	}
	return composed{Key: key, Object: map[string]any{
		"apiVersion": apiGroup + "/v1beta1",
		"kind":       kind,
		"metadata":   meta,
		"spec":       spec,
	}}
}

// managementPolicies leaves out Delete for a retained resource (the AWS resource and its data
// outlive the stack) and LateInitialize where late initialization would pin optional values.
func managementPolicies(retain, noLateInit bool) []any {
	p := []any{"Observe", "Create", "Update"}
	if !noLateInit {
		p = append(p, "LateInitialize")
	}
	if !retain {
		p = append(p, "Delete")
	}
	return p
}

// observeOnly makes a composed managed resource one the provider only observes: deleting it then
// leaves AWS untouched (the legacy kinds also need deletionPolicy Orphan).
func observeOnly(s *settings, c composed) {
	spec := c.Object["spec"].(map[string]any)
	spec["managementPolicies"] = []any{"Observe"}
	if s.Flavour == legacy {
		spec["deletionPolicy"] = "Orphan"
	}
}

func (b *builder) providerConfigRef() map[string]any {
	if b.s.Flavour == legacy {
		return map[string]any{"name": b.s.ProviderConfigName}
	}
	return map[string]any{"kind": b.s.ProviderConfigKind, "name": b.s.ProviderConfigName}
}

func (b *builder) labels(region string) map[string]any {
	l := map[string]any{labelStage: b.s.Stage, labelApp: b.s.App}
	if region != "" {
		l[labelRegion] = region
	}
	return l
}

// ref points at another composed resource of the same stack by its deterministic name (same
// namespace for the namespaced flavour).
func (b *builder) ref(key string) map[string]any {
	return map[string]any{"name": objectName(b.s, key)}
}

// block is a nested singleton parameter block: an object for namespaced kinds, a one-element
// list for the legacy cluster-scoped kinds (their v1beta1 schema keeps Terraform's list shape).
func (b *builder) block(m map[string]any) any {
	if b.s.Flavour == legacy {
		return []any{m}
	}
	return m
}

func strList(in []string) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = v
	}
	return out
}

func sortedStrList(in []string) []any {
	c := append([]string(nil), in...)
	sort.Strings(c)
	return strList(c)
}

func strMap(in map[string]string) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func uniqueSorted(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	n := 0
	for i, v := range out {
		if i == 0 || v != out[n-1] {
			out[n] = v
			n++
		}
	}
	return out[:n]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
