// Package simprovider is the SIMULATED provider-aws of this project's tests, benchmarks and e2e
// stand-in: provider-aws does not run here (it takes hours to compile and needs AWS credentials).
// It never calls AWS and proves nothing about AWS; it proves the function's readiness, status and
// deferred-value logic against what the real provider would write to the Kubernetes objects.
//
// For a managed resource (groups *.aws.upbound.io and *.aws.m.upbound.io) it decides what the
// real provider's managed reconciler would record, with made-up but well-formed values:
//   - the external name (the object's name for named resources, an ID made up from a hash for
//     resources AWS identifies by ID);
//   - spec.forProvider references (…Ref, …Refs, …Selector) resolved to the referenced managed
//     resource's external name, ARN, ID or invoke ARN, as the provider's generated resolvers do;
//   - status.atProvider: the parameters as AWS echoes them plus the attributes AWS computes
//     (arn, id, invokeArn, apiEndpoint, invokeUrl, version, tagsAll, …);
//   - Ready and Synced conditions.
//
// What each kind's external name, references and observation are is declared once per kind in
// internal/kinds (the registry of the kinds a stack composes); this package plays them.
//
// Observe plays it offline for the composed resources of one stack (unit tests, render tests,
// benchmarks); the e2e stand-in (test/e2e/providerstandin) plays it against a control plane.
// It does not validate parameters against AWS, honour late-initialization, connection secrets,
// drift, rate limits, or IAM permissions.
package simprovider

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/spec3/lambdastack/internal/kinds"
)

const (
	// AccountID is the made-up AWS account of every ARN the simulated provider writes.
	AccountID = "123456789012"
	// Finalizer is the finalizer the real provider puts on managed resources.
	Finalizer = "finalizer.managedresource.crossplane.io"
	// AnnotationExternalName is Crossplane's external-name annotation.
	AnnotationExternalName = kinds.AnnotationExternalName

	// GroupSuffixNamespaced and GroupSuffixCluster end the API groups of provider-aws's
	// namespaced and cluster-scoped managed resources.
	GroupSuffixNamespaced = kinds.GroupSuffixNamespaced
	GroupSuffixCluster    = kinds.GroupSuffixCluster
)

// IsManaged reports whether an API group is one of provider-aws's.
func IsManaged(group string) bool {
	return strings.HasSuffix(group, GroupSuffixNamespaced) || strings.HasSuffix(group, GroupSuffixCluster)
}

// Hash is the hex SHA-256 of s: the seed of the made-up values of one resource.
func Hash(s string) string { return kinds.Hash(s) }

// NewExternalName is the external name the provider records when it creates the resource: the
// object's name, or the ID AWS assigns (made up from h) for kinds AWS identifies by ID.
func NewExternalName(kind, name, h string, fp map[string]any) string {
	if k, ok := kinds.ByKind(kind); ok && k.SimulatedID != nil {
		return k.SimulatedID(kinds.Observation{FP: fp, Region: region(fp), Account: AccountID, Hash: h})
	}
	return name
}

func region(fp map[string]any) string {
	if r, _ := fp["region"].(string); r != "" {
		return r
	}
	return "us-east-1"
}

// Service is the AWS service of an API group (lambda.aws.m.upbound.io -> lambda).
func Service(group string) string { return strings.SplitN(group, ".", 2)[0] }

// References of provider-aws v2.5.0 (from its generated resolvers) are declared per kind in
// internal/kinds. Unknown references make the resource fail loudly, so a new reference in the
// composition needs an entry there.

// Reference modes a Lookup is asked for.
const (
	ModeRef      = "ref"      // v is {name: …}
	ModeRefs     = "refs"     // v is [{name: …}, …]
	ModeSelector = "selector" // v is {matchLabels: …, matchControllerRef: …}
)

// Lookup returns the managed resources of kind target a reference of mode with value v points
// at (in the referencing resource's namespace), with their status as observed so far.
type Lookup func(target schema.GroupKind, mode string, v any) ([]*unstructured.Unstructured, error)

// SecretKeyCheck verifies that the Kubernetes Secret key a …SecretRef names exists; nil skips the
// check.
type SecretKeyCheck func(ref any) error

// Resolve fills the reference fields of m (a managed resource's spec.forProvider of kind gk,
// recursively) whose value is unset. It reports whether it changed m and which references it
// could not resolve (yet), each prefixed with path.
func Resolve(gk schema.GroupKind, m map[string]any, path string, lookup Lookup, secretKey SecretKeyCheck) (bool, []string) {
	changed := false
	var unresolved []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		var field, mode string
		switch {
		case strings.HasSuffix(k, "SecretRef"):
			// a Kubernetes Secret key the provider reads (e.g. secretStringSecretRef)
			if secretKey != nil {
				if err := secretKey(v); err != nil {
					unresolved = append(unresolved, fmt.Sprintf("%s.%s: %v", path, k, err))
				}
			}
			continue
		case strings.HasSuffix(k, "Refs"):
			field, mode = strings.TrimSuffix(k, "Refs"), ModeRefs
		case strings.HasSuffix(k, "Ref"):
			field, mode = strings.TrimSuffix(k, "Ref"), ModeRef
		case strings.HasSuffix(k, "Selector"):
			field, mode = strings.TrimSuffix(k, "Selector"), ModeSelector
		}
		if mode == "" {
			switch vv := v.(type) {
			case map[string]any:
				c, u := Resolve(gk, vv, path+"."+k, lookup, secretKey)
				changed, unresolved = changed || c, append(unresolved, u...)
			case []any:
				for i, e := range vv {
					if em, ok := e.(map[string]any); ok {
						c, u := Resolve(gk, em, fmt.Sprintf("%s.%s[%d]", path, k, i), lookup, secretKey)
						changed, unresolved = changed || c, append(unresolved, u...)
					}
				}
			}
			continue
		}
		kind, _ := kinds.Lookup(gk.Group, gk.Kind)
		t, ok := kind.References[field]
		if !ok {
			unresolved = append(unresolved, fmt.Sprintf("%s.%s: the simulated provider does not know this reference", path, k))
			continue
		}
		list := mode == ModeRefs || t.Field != "" || (mode == ModeSelector && strings.HasSuffix(field, "s"))
		if t.Field != "" {
			field = t.Field
		}
		if cur, ok := m[field]; ok && cur != nil && cur != "" {
			if l, isList := cur.([]any); !isList || len(l) > 0 {
				continue // already set (by the composition or an earlier resolution)
			}
		}
		stem := strings.TrimSuffix(k, "Selector")
		if mode == ModeSelector && (m[stem+"Ref"] != nil || m[stem+"Refs"] != nil) {
			continue // the Ref wins over the selector
		}
		tgk := schema.GroupKind{Group: t.Service + strings.TrimPrefix(gk.Group, Service(gk.Group)), Kind: t.Kind}
		targets, err := lookup(tgk, mode, v)
		if err != nil {
			unresolved = append(unresolved, fmt.Sprintf("%s.%s: %v", path, k, err))
			continue
		}
		var values []any
		var names []any
		for _, tgt := range targets {
			val := extract(tgt, t.Extract)
			if val == "" {
				unresolved = append(unresolved, fmt.Sprintf("%s.%s: %s %s has no %s yet", path, k, t.Kind, tgt.GetName(), t.Extract))
				break
			}
			values = append(values, val)
			names = append(names, map[string]any{"name": tgt.GetName()})
		}
		if len(values) != len(targets) {
			continue
		}
		if list {
			m[field] = values
			if mode == ModeSelector {
				m[stem+"Refs"] = names
			}
		} else {
			m[field] = values[0]
			if mode == ModeSelector {
				m[stem+"Ref"] = names[0]
			}
		}
		changed = true
	}
	return changed, unresolved
}

func extract(t *unstructured.Unstructured, what string) string {
	switch what {
	case "externalName":
		return t.GetAnnotations()[AnnotationExternalName]
	case "integrationPrefixed":
		if n := t.GetAnnotations()[AnnotationExternalName]; n != "" {
			return "integrations/" + n
		}
		return ""
	}
	v, _, _ := unstructured.NestedString(t.Object, "status", "atProvider", what)
	return v
}

// Attributes are the inputs of AtProvider besides the resource's parameters.
type Attributes struct {
	ExternalName string
	Hash         string // seed of made-up values (see Hash)
	Generation   int64  // the version a function that publishes gets
	CreatedAt    string // RFC 3339 creation time of the object
	ModifiedAt   string // AWS's lastModified
	// FunctionARN is the observed ARN of the function an alias points at ("" builds it from
	// forProvider.functionName).
	FunctionARN string
}

// AtProvider is the observation the real provider would write for a managed resource of gk with
// the (resolved) parameters fp: the parameters as AWS echoes them plus the computed attributes.
// Fields the CRD does not declare are pruned by the API server.
func AtProvider(gk schema.GroupKind, fp map[string]any, a Attributes) map[string]any {
	at := map[string]any{}
	for k, v := range fp {
		if strings.HasSuffix(k, "Ref") || strings.HasSuffix(k, "Refs") || strings.HasSuffix(k, "Selector") || strings.HasSuffix(k, "SecretRef") {
			continue
		}
		at[k] = v
	}
	name := a.ExternalName
	region := region(fp)
	acct := AccountID
	h := a.Hash
	at["id"] = name
	if tags, ok := fp["tags"].(map[string]any); ok {
		at["tagsAll"] = tags
	}
	if k, ok := kinds.Lookup(gk.Group, gk.Kind); ok && k.Simulated != nil {
		k.Simulated(at, kinds.Observation{FP: fp, ExternalName: name, Region: region, Account: acct, Hash: h,
			Generation: a.Generation, CreatedAt: a.CreatedAt, ModifiedAt: a.ModifiedAt, FunctionARN: a.FunctionARN})
	}
	return at
}

// Conditions are the Ready and Synced conditions the provider writes: both True when ok, else
// Ready False (Creating) and Synced False with msg.
func Conditions(ok bool, generation int64, now, msg string) []any {
	cond := func(t, status, reason, message string) map[string]any {
		c := map[string]any{"type": t, "status": status, "reason": reason, "lastTransitionTime": now, "observedGeneration": generation}
		if message != "" {
			c["message"] = message
		}
		return c
	}
	if !ok {
		return []any{cond("Ready", "False", "Creating", ""), cond("Synced", "False", "ReconcileError", msg)}
	}
	return []any{cond("Ready", "True", "Available", ""), cond("Synced", "True", "ReconcileSuccess", "")}
}

// Failed operations Fail simulates.
const (
	OpObserve = "observe" // reading the resource from AWS failed (e.g. permissions taken away)
	OpCreate  = "create"  // AWS refused to create the resource (e.g. a quota, permissions)
)

// Fail makes an observed managed resource report that AWS refused an operation, with the
// conditions upjet-based providers write (SIMULATED; awsError is the AWS SDK's error text):
//   - OpObserve: Synced=False ReconcileError "observe failed: <awsError>"; Ready stays as it was.
//   - OpCreate: the resource never existed: no atProvider, Ready=False Creating,
//     LastAsyncOperation=False ApplyFailure "async create failed: failed to create the resource:
//     [{0 <awsError>  []}]" and Synced=False ReconcileError with the same error behind
//     "create failed: ".
func Fail(obj map[string]any, op string, generation int64, now, awsError string) {
	status, _ := obj["status"].(map[string]any)
	if status == nil {
		status = map[string]any{}
		obj["status"] = status
	}
	cond := func(t, st, reason, message string) map[string]any {
		c := map[string]any{"type": t, "status": st, "reason": reason, "lastTransitionTime": now, "observedGeneration": generation}
		if message != "" {
			c["message"] = message
		}
		return c
	}
	switch op {
	case OpObserve:
		ready := cond("Ready", "False", "Creating", "")
		conds, _ := status["conditions"].([]any)
		for _, c := range conds {
			if m, _ := c.(map[string]any); m["type"] == "Ready" {
				ready = m
			}
		}
		status["conditions"] = []any{ready, cond("Synced", "False", "ReconcileError", "observe failed: "+awsError)}
	default:
		async := "async create failed: failed to create the resource: [{0 " + awsError + "  []}]"
		delete(status, "atProvider")
		status["conditions"] = []any{
			cond("Ready", "False", "Creating", ""),
			cond("Synced", "False", "ReconcileError", "create failed: "+async),
			cond("LastAsyncOperation", "False", "ApplyFailure", async),
		}
	}
}
