// Package fn composes a LambdaStack: the AWS managed resources of one stage of a serverless
// service, for the namespaced (Crossplane v2) and the legacy cluster-scoped flavour. It is
// domain code only; function/ serves it over gRPC.
//
// # The flow of one call (RunFunction, fn.go)
//
//  1. decode: the observed XR into the API types (input.go).
//  2. stage config: ask Crossplane for the stage's EnvironmentConfig; compose nothing until it
//     answers (input.go).
//  3. tenancy: the owner namespace must be granted the stage (tenancy.go).
//  4. resolve: request > stage config > built-in profile, merged into settings (settings.go;
//     each feature's resolveX in its file).
//  5. validate: every field-error of every feature, in one refusal (validate.go calls each
//     feature's validateX; tenancy checks in validateTenancy; in an account teams share, what a
//     request names must be its namespace's own or granted: checkOwned, ownership.go; the
//     stage's ceilings: quotas.go), then a stack that exists must keep its account and region
//     and its naming scheme (tenancy.go).
//  6. plan: the parts compose the desired resources in their declared order (plan.go: parts),
//     with readiness, status and warnings: a pure function of settings and observed state.
//  7. compose: write the whole desired state, conditions and TTL into the response (fn.go).
//
// # Invariants
//
//   - Keys and AWS names never change for a stack: they are built from the request's names
//     (naming.go), and a stack composed under older rules keeps its names (tenancy.go).
//   - A composed resource is never dropped while the stack lives: a part that waits for a value
//     only AWS knows composes once it is known and then always, keeping the value it was last
//     composed with (observed.go). The one exception is the upgrade from v0.1's shape
//     (iam.go, migrateRolePolicies): the execution role's per-concern inline policies and its
//     X-Ray attachment are dropped (deleted) only once the one merged policy that holds their
//     statements is reported applied, the Usages a stack no longer needs (usage.go) go at
//     once, and an egress rule object that provider-aws never created in AWS goes once it is
//     observe-only (network.go: its deletion calls nothing in AWS); no AWS resource of any
//     other kind is ever dropped, renamed or replaced.
//   - A refusal changes nothing: any error is one Fatal result naming the field, and the
//     request's desired state goes back untouched, so Crossplane neither applies nor deletes.
//   - The same request gives byte-identical output.
//
// # Words
//
// The request is the XR's spec; the stage config (stageCfg) is the stage's EnvironmentConfig
// data (v1alpha1.StageProfile), the platform's word; a built-in profile (profiles.go) is what a
// stage is based on. settings are the three merged; each feature's part of them is its
// <feature>Config.
//
// # Adding a part (one AWS resource or a few) to a feature, or a new feature
//
//  1. In the feature's file (one file per feature: lambda.go, api.go, monitoring.go, ...): its
//     key constant, the field of its <feature>Config and resolveX line, its checks in validateX
//     (messages start with the field), and a builder method composing it through b.managed (a
//     new feature also adds its part to parts in plan.go, naming in needs any part whose
//     resources it reads with b.hasComposed).
//  2. A kind not composed before: one entry in internal/kinds (its group, what AWS identifies it
//     by, its references and what the simulated provider reports), and its CRDs in
//     package/activation-policy.yaml (test/render's packaged test fails without them). A core
//     Kubernetes kind (the outputs ConfigMap) needs no activation but Crossplane's RBAC, which
//     the same test reads from Crossplane's Helm chart; a kind no provider reconciles is ready
//     once it exists (providerless, observed.go).
//  3. Tests in the feature's test file; then `go test ./test/render -update` for the snapshots,
//     the composed set of test/e2e/testdata/expected.yaml, and docs/services.md.
package fn
