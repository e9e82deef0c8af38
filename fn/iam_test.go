package fn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	sdkcomposed "github.com/crossplane/function-sdk-go/resource/composed"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/spec3/lambdastack/internal/awspolicies"
)

// The upgrade from LambdaStack v0.1, which gave the execution role one inline policy per concern
// (role-logs, role-policy for secrets, role-network, role-triggers, role-async,
// role-permissions) and attached AWSXRayDaemonWriteAccess (role-xray), and composed a Usage of
// the role and the log group by the function in every stack. testdata/release-v0.1/<example>.yaml
// is what examples/observed/<example>.yaml was at v0.1 (commit 3890dd2): every resource of the
// example stack as the simulated provider reports it, Ready. The tests play the provider from
// there and check, at every step, that the role is allowed everything it was allowed before, that
// IAM's size limit per role holds, that nothing but the merged policies and attachments and the
// Usages no longer needed is dropped, that nothing is renamed, and that the stack ends exactly
// like one created now.

// releaseObserved reads the observed state of an example stack at v0.1.
func releaseObserved(t *testing.T, example string) observedState {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "release-v0.1", example+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	o := observedState{}
	dec := kyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if obj == nil {
			continue
		}
		u := unstructured.Unstructured{Object: obj}
		key := u.GetAnnotations()["crossplane.io/composition-resource-name"]
		if key == "" {
			t.Fatalf("%s: %s %s has no composition-resource-name", example, u.GetKind(), u.GetName())
		}
		o[resource.Name(key)] = resource.ObservedComposed{Resource: &sdkcomposed.Unstructured{Unstructured: u}}
	}
	return o
}

// legacyKeys are the resources v0.1 composed that the merge replaces.
var legacyKeys = []string{keyRoleLogs, keyRoleInline, keyRoleVPC, keyRoleTriggers, keyRoleAsync, keyRolePermissions, keyRoleTracing}

// roleAllows is what the role of the stack is allowed by what AWS has: the statements of every
// inline policy and the documents of every attached policy that the provider reports Ready
// (created in AWS) and that is not being deleted, one entry per action, resource and condition.
// Customer managed policies, whose documents are not known here, count by their ARN.
func roleAllows(t *testing.T, o observedState) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	add := func(doc string) {
		var d struct {
			Statement []struct {
				Action    any
				Resource  any
				Condition map[string]any
			}
		}
		if err := json.Unmarshal([]byte(doc), &d); err != nil {
			t.Fatalf("policy %q: %v", doc, err)
		}
		for _, st := range d.Statement {
			cond, _ := json.Marshal(st.Condition)
			for _, a := range strs(st.Action) {
				for _, r := range strs(st.Resource) {
					out[strings.ToLower(a)+" on "+r+" if "+string(cond)] = true
				}
			}
		}
	}
	for key, oc := range o {
		if oc.Resource == nil || oc.Resource.GetDeletionTimestamp() != nil {
			continue
		}
		if st, _, _ := o.condition(string(key), "Ready"); st != "True" {
			continue
		}
		if ref, _ := lookup(oc.Resource.Object, "spec", "forProvider", "roleRef", "name").(string); !strings.HasSuffix(ref, "--"+KeyRole) {
			continue // another role's (the scheduler's, the central logs delivery role's)
		}
		switch oc.Resource.GetKind() {
		case "RolePolicy":
			p, _ := lookup(oc.Resource.Object, "spec", "forProvider", "policy").(string)
			add(p)
		case "RolePolicyAttachment":
			arn, _ := lookup(oc.Resource.Object, "spec", "forProvider", "policyArn").(string)
			if doc, ok := awspolicies.Document(arn); ok {
				add(doc)
			} else {
				out["managed policy "+arn] = true
			}
		}
	}
	return out
}

func strs(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// inlineChars is the size of the role's inline policies as IAM counts it against its limit.
func inlineChars(t *testing.T, resources []composed) int {
	t.Helper()
	n := 0
	for _, c := range resources {
		if c.Object["kind"] == "RolePolicy" && fp(c.Object, "roleRef", "name") == objectNameOf(c.Object, KeyRole) {
			var d policyDocument
			if err := json.Unmarshal([]byte(fp(c.Object, "policy").(string)), &d); err != nil {
				t.Fatal(err)
			}
			n += policyChars(d)
		}
	}
	return n
}

// objectNameOf is the object name of key in the stack of obj (<xr>--<key>).
func objectNameOf(obj map[string]any, key string) string {
	name, _ := lookup(obj, "metadata", "name").(string)
	xr, _, _ := strings.Cut(name, "--")
	return xr + "--" + key
}

// missing lists what want allows that got does not.
func missing(want, got map[string]bool) []string {
	var out []string
	for k := range want {
		if !got[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// observeSome is o with the resources of desired the provider has handled: the keys in ready
// as the simulated provider reports them, every other desired resource as it was in o (or not
// yet created), and nothing that desired no longer holds (Crossplane deleted it).
func observeSome(o observedState, desired []composed, ready func(key string) bool) observedState {
	var now []composed
	for _, c := range desired {
		if ready(c.Key) {
			now = append(now, c)
		}
	}
	out := simulateObserved(now)
	for _, c := range desired {
		if _, ok := out[resource.Name(c.Key)]; !ok && o.exists(c.Key) {
			out[resource.Name(c.Key)] = o[resource.Name(c.Key)]
		}
	}
	return out
}

// TestUpgradeFromTheReleaseKeepsPermissionsAndIdentity plays every example stack from its v0.1
// observed state through the upgrade: first with the merged policy not yet created in AWS, then
// created, then with the old policies deleted.
func TestUpgradeFromTheReleaseKeepsPermissionsAndIdentity(t *testing.T) {
	for _, ex := range loadExampleRequests(t) {
		t.Run(ex.name, func(t *testing.T) {
			var env map[string]any
			if len(ex.envs) > 0 {
				env = ex.envs[0]
			}
			s := settingsFor(t, ex.xr, env)
			o0 := releaseObserved(t, ex.name)
			// what tenantSettings does for a stack that exists: it keeps the names it was
			// composed with (the release's names are <owner>_<stage>-<app>...)
			keepNameScheme(o0, s)
			keepObjectNames(o0, s)
			before := roleAllows(t, o0)
			if len(before) == 0 {
				t.Fatal("the release's role is allowed nothing: the fixture is wrong")
			}
			var legacy []string
			for _, k := range legacyKeys {
				if o0.exists(k) {
					legacy = append(legacy, k)
				}
			}
			if len(legacy) == 0 {
				t.Fatal("the release's stack has none of the policies the merge replaces")
			}

			// 1. the first call of the new function: the merged policy is added, everything else
			// stays as it was (same objects, names and AWS names; old policies byte for byte)
			r1 := mustPlan(t, s, o0)
			m1 := map[string]composed{}
			for _, c := range r1.Resources {
				m1[c.Key] = c
			}
			if _, ok := m1[keyRolePolicy]; !ok {
				t.Fatalf("no %s composed", keyRolePolicy)
			}
			for key, oc := range o0 {
				k := string(key)
				c, ok := m1[k]
				if !ok {
					if strings.HasPrefix(k, "usage-") {
						continue // a Usage no longer needed: not an AWS resource
					}
					t.Errorf("%s (%s) dropped on the first call", k, oc.Resource.GetKind())
					continue
				}
				if got, want := lookup(c.Object, "metadata", "name"), oc.Resource.GetName(); got != want {
					t.Errorf("%s renamed: %v, was %s", k, got, want)
				}
				if got, want := lookup(c.Object, "metadata", "annotations", annotationExternalName), oc.Resource.GetAnnotations()[annotationExternalName]; want != "" && got != want && lookup(c.Object, "metadata", "annotations") != nil {
					t.Errorf("%s: AWS name %v, was %s (a new AWS resource)", k, got, want)
				}
				if slices.Contains(legacy, k) {
					// every parameter as the release composed it (the observed object also holds
					// what the provider resolved from references)
					was := oc.Resource.Object["spec"].(map[string]any)["forProvider"].(map[string]any)
					for f, v := range c.Object["spec"].(map[string]any)["forProvider"].(map[string]any) {
						if !reflect.DeepEqual(v, was[f]) {
							t.Errorf("%s.%s changed while the merged policy is not there yet: %v, was %v", k, f, v, was[f])
						}
					}
				}
			}
			if n := inlineChars(t, r1.Resources); n > maxRolePolicyChars {
				t.Errorf("the role's inline policies would take %d characters, over IAM's %d", n, maxRolePolicyChars)
			}

			// 2. the provider has not created the merged policy yet (or reports it failing): the
			// old ones stay
			notYet := observeSome(o0, r1.Resources, func(k string) bool { return k != keyRolePolicy })
			notYet[resource.Name(keyRolePolicy)] = resource.ObservedComposed{Resource: &sdkcomposed.Unstructured{Unstructured: unstructured.Unstructured{
				Object: map[string]any{"spec": m1[keyRolePolicy].Object["spec"], "status": map[string]any{"conditions": []any{
					map[string]any{"type": "Ready", "status": "False", "reason": "Creating"},
					map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError"},
				}}}}}}
			wantKeys(t, keysIn(mustPlan(t, s, notYet).Resources), legacy, nil)

			// 3. the merged policy is in AWS: the old ones go
			o2 := observeSome(o0, r1.Resources, func(string) bool { return true })
			if miss := missing(before, roleAllows(t, o2)); len(miss) > 0 {
				t.Errorf("with both policies the role lacks %v", miss)
			}
			r2 := mustPlan(t, s, o2)
			wantKeys(t, keysIn(r2.Resources), []string{keyRolePolicy, KeyRole, KeyFunction, KeyLogGroup}, legacy)

			// 4. the old ones are deleted: the merged policy alone allows everything
			o3 := observeSome(o2, r2.Resources, func(string) bool { return true })
			if miss := missing(before, roleAllows(t, o3)); len(miss) > 0 {
				t.Errorf("once the old policies are gone the role lacks %v", miss)
			}
			if extra := missing(roleAllows(t, o3), before); len(extra) > 0 {
				t.Errorf("the upgrade grants the role more than before: %v", extra)
			}

			// ... and the stack is exactly what a new one is
			// (but for the release's egress rules, which AWS has: they stay SecurityGroupEgressRules,
			// fn/network.go)
			fresh, _ := converged(t, s)
			var got []string
			for _, k := range keysOf(keysIn(mustPlan(t, s, o3).Resources)) {
				if o3.createdInAWS(k) && strings.HasPrefix(k, keyEgressRuleV1) {
					k = keySecurityEgress + strings.TrimPrefix(k, keyEgressRuleV1)
				}
				got = append(got, k)
			}
			slices.Sort(got)
			if want := keysOf(fresh); !slices.Equal(got, want) {
				t.Errorf("after the upgrade the stack composes %v\nwhere a new one composes %v", got, want)
			}
		})
	}
}

func keysIn(resources []composed) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, c := range resources {
		m[c.Key] = c.Object
	}
	return m
}

// releaseShape is the stack as v0.1 composed it from the same settings, once every resource is
// observed: the merged policy split into one policy per concern (and the X-Ray attachment).
func releaseShape(t *testing.T, s *settings) observedState {
	t.Helper()
	_, o := converged(t, s)
	delete(o, resource.Name(keyRolePolicy))
	b := &builder{s: s, o: o, tags: tags(s), composedBy: map[string]string{}, part: &part{name: "release"}}
	for _, g := range b.grants() {
		if g.legacyName == "" {
			b.attachManagedPolicy(g.legacyKey, policyXRayWrite)
		} else {
			b.rolePolicy(g.legacyKey, KeyRole, g.legacyName, g.doc)
		}
	}
	for k, v := range simulateObserved(b.out) {
		o[k] = v
	}
	return o
}

// teamStatementsOf are n statements of a team, each about 170 characters.
func teamStatementsOf(n int) []any {
	var out []any
	for i := range n {
		out = append(out, map[string]any{"sid": fmt.Sprintf("ReadTable%02d", i), "actions": []any{"dynamodb:GetItem", "dynamodb:Query"},
			"resources": []any{fmt.Sprintf("arn:aws:dynamodb:us-east-1:%s:table/orders-archive-%02d", testAccount, i)}})
	}
	return out
}

// A team's statements too large to be held twice within IAM's limit per role: the other
// concerns move first, the team's policy stays as it is, and at no step does the role exceed
// the limit or lose a permission.
func TestUpgradeMovesWithinIAMsSizeLimit(t *testing.T) {
	xr := fullXR("dev")
	xr["spec"].(map[string]any)["permissions"] = map[string]any{"statements": teamStatementsOf(35)}
	s := settingsFor(t, xr, guardedDev(nil)[0])
	team, _ := (&builder{s: s}).permissionsPolicy()
	if n := policyChars(team); n < maxRolePolicyChars/2 || n > maxPermissionsPolicy {
		t.Fatalf("the team's policy takes %d characters; the test needs more than half of %d and at most %d", n, maxRolePolicyChars, maxPermissionsPolicy)
	}
	o := releaseShape(t, s)
	before := roleAllows(t, o)
	for step := range 4 {
		r := mustPlan(t, s, o)
		if n := inlineChars(t, r.Resources); n > maxRolePolicyChars {
			t.Fatalf("step %d: the role's inline policies take %d characters, over IAM's %d", step, n, maxRolePolicyChars)
		}
		m := keysIn(r.Resources)
		if _, ok := m[keyRolePermissions]; !ok {
			t.Fatalf("step %d: the team's policy was dropped although it cannot move", step)
		}
		if p, _ := fp(m[keyRolePolicy], "policy").(string); strings.Contains(p, teamSidPrefix+"ReadTable00") {
			t.Errorf("step %d: the team's statements are in the merged policy while their own policy stays", step)
		}
		o = observeSome(o, r.Resources, func(string) bool { return true })
		if miss := missing(before, roleAllows(t, o)); len(miss) > 0 {
			t.Fatalf("step %d: the role lacks %v", step, miss)
		}
	}
	wantKeys(t, keysIn(mustPlan(t, s, o).Resources), []string{keyRolePolicy, keyRolePermissions},
		[]string{keyRoleLogs, keyRoleInline, keyRoleVPC, keyRoleTracing})
}

// A stack whose role would need more inline policy than IAM allows (every part within the
// XRD's limits) is refused, naming the concern that takes the most.
func TestRolePolicySizeIsRefused(t *testing.T) {
	var secrets, queues, subnets []any
	for i := range 20 {
		secrets = append(secrets, map[string]any{"name": fmt.Sprintf("upstream-token-%02d", i),
			"arn":       fmt.Sprintf("arn:aws:secretsmanager:us-east-1:%s:secret:team/upstream-token-%02d-AbCdEf", testAccount, i),
			"kmsKeyArn": fmt.Sprintf("arn:aws:kms:us-east-1:%s:key/1234abcd-12ab-34cd-56ef-1234567890%02d", testAccount, i)})
	}
	for i := range 5 {
		queues = append(queues, map[string]any{"name": fmt.Sprintf("orders-%d", i), "queueArn": fmt.Sprintf("arn:aws:sqs:us-east-1:%s:orders-%d", testAccount, i)})
	}
	for i := range 16 {
		subnets = append(subnets, fmt.Sprintf("subnet-0123456789abcde%02d", i))
	}
	xr := xrObject(map[string]any{"permissions": map[string]any{"statements": teamStatementsOf(35)}, "secrets": secrets,
		"triggers": map[string]any{"sqs": queues},
		"network":  map[string]any{"subnetIds": subnets, "securityGroupIds": []any{"sg-0123456789abcdef0"}}})
	_, err := resolveRequest(t, xr, envConfig("stage-dev", "dev", map[string]any{"accountId": testAccount, "allowedSecurityGroupIds": []any{"sg-0123456789abcdef0"}}))
	if err == nil || !strings.Contains(err.Error(), "spec.permissions.statements: the execution role's inline policy would be") || !strings.Contains(err.Error(), "IAM allows 10240") {
		t.Fatalf("err = %v, want the role's inline policy refused", err)
	}
	t.Log(err)
}

// Every statement of the stack's own has an ID, none with the prefix of a team's, so the IDs of
// the merged policy are unique whatever a team calls its statements.
func TestStackStatementIDs(t *testing.T) {
	xr := fullXR("dev")
	xr["spec"].(map[string]any)["triggers"] = map[string]any{"sqs": []any{map[string]any{"name": "jobs", "create": map[string]any{}}}}
	xr["spec"].(map[string]any)["async"] = map[string]any{"failureQueue": true}
	xr["spec"].(map[string]any)["permissions"] = map[string]any{"statements": []any{
		map[string]any{"sid": "WriteOwnLogs", "actions": []any{"dynamodb:GetItem"}, "resources": []any{"arn:aws:dynamodb:us-east-1:" + testAccount + ":table/t"}},
	}}
	m, _ := converged(t, settingsFor(t, xr, guardedDev(nil)[0]))
	seen := map[string]bool{}
	for _, st := range policyOf(t, m[keyRolePolicy]).Statement {
		if seen[st.Sid] {
			t.Errorf("statement ID %q twice", st.Sid)
		}
		seen[st.Sid] = true
	}
	for _, g := range roleGrants {
		if g.concern == "permissions" {
			continue
		}
		for sid := range seen {
			if strings.HasPrefix(sid, teamSidPrefix) && !strings.HasPrefix(sid, teamSidPrefix+"WriteOwnLogs") {
				t.Errorf("the stack's own statement %s starts with the team's prefix", sid)
			}
		}
	}
	if !seen["WriteOwnLogs"] || !seen[teamSidPrefix+"WriteOwnLogs"] {
		t.Errorf("statement IDs %v, want the stack's WriteOwnLogs and the team's as %sWriteOwnLogs", seen, teamSidPrefix)
	}
}

// The tracing statement allows exactly what AWSXRayDaemonWriteAccess, which v0.1 attached, does.
func TestTracingStatementIsXRayDaemonWriteAccess(t *testing.T) {
	doc, _ := awspolicies.Document("arn:aws:iam::aws:policy/" + policyXRayWrite)
	var d struct {
		Statement []struct{ Action, Resource []string }
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil || len(d.Statement) != 1 {
		t.Fatalf("AWSXRayDaemonWriteAccess: %v %s", err, doc)
	}
	want := slices.Sorted(slices.Values(d.Statement[0].Action))
	got, ok := (&builder{s: &settings{Function: functionConfig{Tracing: true}}}).tracingPolicy()
	if !ok || !slices.Equal(got.Statement[0].Action, want) || !slices.Equal(got.Statement[0].Resource, d.Statement[0].Resource) {
		t.Errorf("tracing statement %+v, want %v on %v", got.Statement, want, d.Statement[0].Resource)
	}
}
