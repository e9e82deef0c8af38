package fn

import (
	"encoding/json"
)

// Resource keys of the IAM part.
const (
	KeyRole            = "role"
	keyRoleBasic       = "role-basic-execution" // only where the stage opts in (managedLogPolicy)
	keyRoleLogs        = "role-logs"
	keyRoleTracing     = "role-xray"
	keyRoleInline      = "role-policy"
	policyBasicExecute = "service-role/AWSLambdaBasicExecutionRole"
	policyXRayWrite    = "AWSXRayDaemonWriteAccess"
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

// iam composes the execution role and its managed policy attachments. The inline policy
// (secrets) is composed by secrets.go.
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
	} else {
		b.rolePolicy(keyRoleLogs, KeyRole, "logs", b.logsPolicy())
	}
	if s.Function.Tracing {
		b.attachManagedPolicy(keyRoleTracing, policyXRayWrite)
	}
}

// rolePolicy composes an inline policy named name of the stack's role roleKey.
func (b *builder) rolePolicy(key, roleKey, name string, doc policyDocument) {
	b.add(b.managed(key, "iam", "RolePolicy", mrOpts{externalName: b.name(maxPolicyName, name)},
		map[string]any{"roleRef": b.ref(roleKey), "policy": policyJSON(doc)}))
}

// logsPolicy lets the function write to its own log group in each region, nothing else (the
// stack creates the log groups, so the function needs no logs:CreateLogGroup).
func (b *builder) logsPolicy() policyDocument {
	var groups []string
	for _, r := range b.s.Regions {
		groups = append(groups, b.arnPattern("logs", r, "log-group:"+b.logGroupName()+":*"))
	}
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Sid: "WriteOwnLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: uniqueSorted(groups),
	}}}
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
