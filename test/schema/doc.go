// Package schema validates Kubernetes objects the way a kube-apiserver would
// on create, using the real k8s.io/apiextensions-apiserver machinery:
//
//   - unknown fields: structural pruning (pruning.PruneWithOptions with path
//     tracking, plus strict ObjectMeta decoding) — every pruned path is an
//     error, like kubectl/SSA with fieldValidation=Strict;
//   - defaulting of the structural schema (needed before CEL: provider-aws
//     rules read spec.managementPolicies, which defaults to ["*"]);
//   - ObjectMeta validation (name is a DNS-1123 subdomain, namespace present
//     exactly on namespaced kinds, labels, annotations, …);
//   - OpenAPI v3 schema validation (types, enums, required, formats, …);
//   - embedded-resource metadata and x-kubernetes-list-type checks;
//   - the CRD's x-kubernetes-validations CEL rules, with the apiserver's
//     cost limits and its "skip CEL when the object is already broken" rule.
//
// Schemas come from provider-aws v2.5.0's CRDs in the Go module cache (see
// [ProviderAWSDir]) or from a Crossplane CompositeResourceDefinition, which is
// turned into its CRD with Crossplane's own xcrd.ForCompositeResource (see
// [ValidateAgainstXRD]). Compiled validators are cached per GVK.
package schema
