package fn

import (
	"path"
	"strings"
)

// Functions do not run when a stack is deleted, so Crossplane deletes every composed resource at
// once. Usages make it delete in a safe order: a resource in use is deleted only after its user.
// (They are enforced by Crossplane's admission webhook.) A Usage is an object of its own, written
// and watched like the others, so the stack composes one only where the order matters (needed).

// usagePairs lists "of is used by by" as key prefixes; regional resources pair per region.
var usagePairs = []struct {
	of, by, reason string
	needed         func(*builder) bool
}{
	{KeyLogGroup, KeyFunction, "a function deleted after its log group could recreate it with no retention",
		(*builder).mayRecreateLogGroup},
	{KeyRole, KeyFunction, "Lambda manages the function's network interfaces with this role until the function is gone",
		func(b *builder) bool { return b.s.Network != nil }},
	{keySecurityGroup, KeyFunction, "the function's network interfaces use this security group until the function is gone",
		func(*builder) bool { return true }},
}

// mayRecreateLogGroup: the log group is deleted with the stack (not retained) and the function
// may create log groups: Lambda writes its logs with the execution role, which creates a missing
// group when it is allowed logs:CreateLogGroup: through AWSLambdaBasicExecutionRole
// (managedLogPolicy), a managed policy of the team's (its document is unknown here) or a team
// statement whose actions match it. The stack's own policy allows no logs:CreateLogGroup.
func (b *builder) mayRecreateLogGroup() bool {
	s := b.s
	if s.Retain {
		return false // the log groups are stateful: retained, never deleted
	}
	if s.ManagedLogPolicy || len(s.Permissions.ManagedPolicyARNs) > 0 {
		return true
	}
	for _, st := range s.Permissions.Statements {
		for _, a := range st.Actions {
			if ok, _ := path.Match(strings.ToLower(a), "logs:createloggroup"); ok {
				return true
			}
		}
	}
	return false
}

// usages composes a Usage (ClusterUsage for the legacy flavour) for every pair whose resources
// the stack composes; it runs after every other part.
func (b *builder) usages() {
	all := b.composedSoFar()
	byKey := make(map[string]composed, len(all))
	for _, c := range all {
		byKey[c.Key] = c
	}
	for _, p := range usagePairs {
		if !p.needed(b) {
			continue
		}
		b.regional(func(_, suffix string) {
			of, okOf := byKey[p.of+suffix]
			if !okOf {
				of, okOf = byKey[p.of] // global resources (the role) have no regional suffix
			}
			by, okBy := byKey[p.by+suffix]
			if okOf && okBy {
				b.add(b.usage(of, by, p.reason))
			}
		})
	}
}

func (b *builder) usage(of, by composed, reason string) composed {
	key := "usage-" + of.Key + "-by-" + by.Key
	kind, apiVersion := "Usage", "protection.crossplane.io/v1beta1"
	meta := map[string]any{"name": objectName(b.s, key), "labels": b.labels("")}
	if b.s.Flavour == legacy {
		kind = "ClusterUsage"
	} else {
		meta["namespace"] = b.s.Namespace
	}
	return composed{Key: key, Object: map[string]any{
		"apiVersion": apiVersion,
		"kind":       kind,
		"metadata":   meta,
		"spec": map[string]any{
			"of":             usageRef(of),
			"by":             usageRef(by),
			"reason":         reason,
			"replayDeletion": true,
		},
	}}
}

func usageRef(c composed) map[string]any {
	meta, _ := c.Object["metadata"].(map[string]any)
	return map[string]any{
		"apiVersion":  c.Object["apiVersion"],
		"kind":        c.Object["kind"],
		"resourceRef": map[string]any{"name": meta["name"]},
	}
}
