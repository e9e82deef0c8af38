package fn

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Resource keys of the IAM part.
const (
	KeyRole            = "role"
	keyRoleBasic       = "role-basic-execution" // only where the stage opts in (managedLogPolicy)
	keyRolePolicy      = "role-execution-policy"
	rolePolicyName     = "execution" // its AWS name: <stem>-execution
	policyBasicExecute = "service-role/AWSLambdaBasicExecutionRole"
	// Before the merge (v0.1), the logs permissions and the tracing attachment: see roleGrants.
	keyRoleLogs     = "role-logs"
	keyRoleTracing  = "role-xray"
	keyRoleInline   = "role-policy"
	policyXRayWrite = "AWSXRayDaemonWriteAccess"
)

// wildcardResourceActions are the only actions the execution role is ever allowed on Resource
// "*": AWS supports no resource-level permissions for them (the EC2 Describe calls Lambda makes
// to place a function in a VPC, and X-Ray's write calls in AWSXRayDaemonWriteAccess).
// docs/tenancy.md lists them; policy_test.go fails on any other action granted on "*" (a team's
// own permissions have "*" only where its stage allows it, permissions.go).
var wildcardResourceActions = []string{
	"ec2:DescribeNetworkInterfaces",
	"ec2:DescribeSubnets",
	"xray:GetSamplingRules",
	"xray:GetSamplingStatisticSummaries",
	"xray:GetSamplingTargets",
	"xray:PutTelemetryRecords",
	"xray:PutTraceSegments",
}

// policyDocument is an IAM policy. The stack's own statements never use wildcard actions
// (policy_test.go); a team's own permissions only where its stage allows them (permissions.go).
type policyDocument struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

// statement is one IAM policy statement.
type statement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    []string       `json:"Action"`
	Resource  []string       `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// policyJSON renders a policy document; encoding/json sorts nothing itself, so documents are
// built in a fixed order by their callers.
func policyJSON(d policyDocument) string {
	out, err := json.Marshal(d)
	if err != nil { // only plain strings and slices: cannot fail
		panic(err)
	}
	return string(out)
}

func lambdaTrustPolicy() string {
	return policyJSON(policyDocument{Version: "2012-10-17", Statement: []statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "lambda.amazonaws.com"},
		Action:    []string{"sts:AssumeRole"},
	}}})
}

// iam composes the execution role, the attachment of AWS's basic execution policy where the
// stage opts in (managedLogPolicy), and the role's one inline policy: every concern's
// permissions (roleGrants) in one document, within IAM's size limit per role (a role may hold
// 10 managed policies but only maxRolePolicyChars of inline policy in all). A stack composed
// before the merge moves its permissions into it without a moment without them
// (migrateRolePolicies). The team's managed policies are attached by permissions.go.
func (b *builder) iam() {
	s := b.s
	role := map[string]any{
		"assumeRolePolicy": lambdaTrustPolicy(),
		"description":      "Execution role of the " + s.Stage + " " + s.App + " Lambda function (LambdaStack)",
	}
	if boundary := s.Permissions.Guards.PermissionsBoundaryARN; boundary != "" {
		role["permissionsBoundary"] = boundary
	}
	b.add(b.managed(KeyRole, "iam", "Role", mrOpts{externalName: b.name(maxRoleName, "role"), taggable: true}, role))
	if s.ManagedLogPolicy {
		b.attachManagedPolicy(keyRoleBasic, policyBasicExecute)
	}
	b.migrateRolePolicies(b.grants())
}

// roleGrant is one concern's permissions of the execution role.
type roleGrant struct {
	concern string
	// field is what a refusal of the policy's size names for this concern
	field string
	// Before the merge (LambdaStack v0.1) each concern was a resource of its own: an inline
	// policy (legacyKey, AWS name <stem>-<legacyName>), or for X-Ray an attachment of AWS's
	// managed policy (legacyName "").
	legacyKey, legacyName string
	doc                   policyDocument
}

// roleGrants are the concerns of the execution role's inline policy, in the order it lists
// them; each decides in its feature's file whether the stack needs it. The statement IDs of a
// team's own statements (permissions) are prefixed with "Team" in the merged policy: none of
// the stack's own starts with it, so every ID stays unique (IAM requires it within a policy).
var roleGrants = []struct {
	concern, field, legacyKey, legacyName, sidPrefix string
	doc                                              func(*builder) (policyDocument, bool)
}{
	{"logs", "spec.function.logging", keyRoleLogs, "logs", "", (*builder).logsPolicy},
	{"tracing", "spec.function.tracing", keyRoleTracing, "", "", (*builder).tracingPolicy},
	{"network", "spec.network", keyRoleVPC, "network", "", (*builder).networkPolicy},
	{"secrets", "spec.secrets", keyRoleInline, "secrets", "", (*builder).secretsPolicy},
	{"triggers", "spec.triggers.sqs", keyRoleTriggers, "sqs-triggers", "", (*builder).triggersPolicy},
	{"async", "spec.async", keyRoleAsync, "async-destination", "", (*builder).asyncPolicy},
	{"permissions", "spec.permissions.statements", keyRolePermissions, "permissions", teamSidPrefix, (*builder).permissionsPolicy},
}

// teamSidPrefix starts the IDs of a team's own statements in the merged policy.
const teamSidPrefix = "Team"

// grants are the concerns the stack needs, each with its document as its own policy had it.
func (b *builder) grants() []roleGrant {
	var out []roleGrant
	for _, g := range roleGrants {
		if doc, ok := g.doc(b); ok {
			out = append(out, roleGrant{concern: g.concern, field: g.field, legacyKey: g.legacyKey, legacyName: g.legacyName, doc: doc})
		}
	}
	return out
}

// mergedPolicy is the one inline policy holding the grants' statements.
func mergedPolicy(grants []roleGrant) policyDocument {
	doc := policyDocument{Version: "2012-10-17"}
	for _, g := range grants {
		prefix := ""
		for _, r := range roleGrants {
			if r.concern == g.concern {
				prefix = r.sidPrefix
			}
		}
		for _, st := range g.doc.Statement {
			if st.Sid != "" {
				st.Sid = prefix + st.Sid
			}
			doc.Statement = append(doc.Statement, st)
		}
	}
	return doc
}

// maxRolePolicyChars is IAM's limit on the inline policies of one role, all together
// (characters, white space not counted).
const maxRolePolicyChars = 10240

// policyChars is the size of a policy document as IAM counts it against its limits.
func policyChars(doc policyDocument) int {
	n := 0
	for _, r := range policyJSON(doc) {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// migrateRolePolicies composes the role's inline policy (keyRolePolicy) with the grants. A stack
// composed before the merge has a policy or attachment per concern: each is kept as it would
// be composed (the grant's document) until the merged policy holds its statements and the
// provider reports it applied (appliedPolicy); then it is no longer composed, so Crossplane
// deletes it: the one case of a composed resource dropped while the stack lives (doc.go). While
// both exist their sizes add up against IAM's limit per role, so the merged policy takes the
// old concerns in order only as far as the limit allows; the rest follow once the first are
// gone. An old policy too large to be held twice within the limit (a team's statements of
// several thousand characters) stays as it is: the role then has two inline policies, which
// IAM counts the same as one.
func (b *builder) migrateRolePolicies(grants []roleGrant) {
	var legacy, moved []roleGrant
	for _, g := range grants {
		if b.o.exists(g.legacyKey) {
			legacy = append(legacy, g)
		} else {
			moved = append(moved, g)
		}
	}
	legacyChars := 0
	for _, g := range legacy {
		if g.legacyName != "" {
			legacyChars += policyChars(g.doc)
		}
	}
	movedNow := map[string]bool{}
	for _, g := range legacy {
		next := append(append([]roleGrant(nil), moved...), g)
		if policyChars(mergedPolicy(inOrder(next)))+legacyChars <= maxRolePolicyChars {
			moved, movedNow[g.concern] = next, true
		}
	}
	moved = inOrder(moved)
	applied := false
	if len(moved) > 0 {
		doc := policyJSON(mergedPolicy(moved))
		b.add(b.managed(keyRolePolicy, "iam", "RolePolicy", mrOpts{externalName: b.name(maxPolicyName, rolePolicyName)},
			map[string]any{"roleRef": b.ref(KeyRole), "policy": doc}))
		applied = b.o.appliedPolicy(keyRolePolicy, doc)
	}
	for _, g := range legacy {
		if movedNow[g.concern] && applied {
			continue // in the merged policy, which AWS has: the old one goes
		}
		if g.legacyName == "" {
			b.attachManagedPolicy(g.legacyKey, policyXRayWrite)
		} else {
			b.rolePolicy(g.legacyKey, KeyRole, g.legacyName, g.doc)
		}
	}
}

// inOrder sorts grants in the order of roleGrants.
func inOrder(grants []roleGrant) []roleGrant {
	var out []roleGrant
	for _, r := range roleGrants {
		for _, g := range grants {
			if g.concern == r.concern {
				out = append(out, g)
			}
		}
	}
	return out
}

// rolePolicy composes an inline policy named name of the stack's role roleKey.
func (b *builder) rolePolicy(key, roleKey, name string, doc policyDocument) {
	b.add(b.managed(key, "iam", "RolePolicy", mrOpts{externalName: b.name(maxPolicyName, name)},
		map[string]any{"roleRef": b.ref(roleKey), "policy": policyJSON(doc)}))
}

// attachManagedPolicy attaches the AWS managed policy named policy to the role.
func (b *builder) attachManagedPolicy(key, policy string) {
	b.attachPolicyARN(key, newARN(partition(b.s.Region), "iam", "", "aws", "policy/"+policy))
}

// attachPolicyARN attaches the managed policy arn to the role.
func (b *builder) attachPolicyARN(key, arn string) {
	b.add(b.managed(key, "iam", "RolePolicyAttachment", mrOpts{}, map[string]any{
		"policyArn": arn,
		"roleRef":   b.ref(KeyRole),
	}))
}

// logsPolicy lets the function write to its own log group in each region, nothing else (the
// stack creates the log groups, so the function needs no logs:CreateLogGroup); none where the
// stage attaches AWSLambdaBasicExecutionRole instead (managedLogPolicy).
func (b *builder) logsPolicy() (policyDocument, bool) {
	if b.s.ManagedLogPolicy {
		return policyDocument{}, false
	}
	var groups []string
	for _, r := range b.s.Regions {
		groups = append(groups, b.arnPattern("logs", r, "log-group:"+b.logGroupName()+":*"))
	}
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Sid: "WriteOwnLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: uniqueSorted(groups),
	}}}, true
}

// xrayWriteActions are what AWSXRayDaemonWriteAccess allows (on "*", the only resource X-Ray
// accepts for them): the function's traces and the sampling rules.
var xrayWriteActions = []string{
	"xray:GetSamplingRules",
	"xray:GetSamplingStatisticSummaries",
	"xray:GetSamplingTargets",
	"xray:PutTelemetryRecords",
	"xray:PutTraceSegments",
}

// tracingPolicy lets the function send its traces to X-Ray when tracing is on: the statement of
// AWS's AWSXRayDaemonWriteAccess, which v0.1 attached.
func (b *builder) tracingPolicy() (policyDocument, bool) {
	if !b.s.Function.Tracing {
		return policyDocument{}, false
	}
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Sid: "WriteTraces", Effect: "Allow", Action: xrayWriteActions, Resource: []string{"*"},
	}}}, true
}

// validateRolePolicySize refuses a stack whose execution role's inline policy would exceed
// IAM's limit, naming the concern that takes the most of it. It measures the policy as it is
// once the account is known (ARNs hold the account, not *).
func validateRolePolicySize(errs *fieldErrors, s *settings, stageCfg *v1alpha1.StageProfile) {
	acct := firstStr(stageCfg.AccountID, "000000000000")
	b := &builder{s: s, o: observedState{resource.Name(KeyRole): observedWithARN("arn:aws:iam::" + acct + ":role/size")}}
	grants := b.grants()
	n := policyChars(mergedPolicy(grants))
	if n <= maxRolePolicyChars {
		return
	}
	largest, sizes := roleGrant{}, []string{}
	for _, g := range grants {
		c := policyChars(g.doc)
		sizes = append(sizes, fmt.Sprintf("%s %d", g.concern, c))
		if c > policyChars(largest.doc) || largest.concern == "" {
			largest = g
		}
	}
	errs.add(largest.field, "the execution role's inline policy would be %d characters (%s); IAM allows %d in all of a role's inline policies", n, strings.Join(sizes, ", "), maxRolePolicyChars)
}
