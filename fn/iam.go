package fn

import (
	"encoding/json"
	"strings"
)

// Resource keys of the IAM part.
const (
	KeyRole            = "role"
	KeyRoleBasic       = "role-basic-execution"
	KeyRoleVPC         = "role-vpc-access"
	KeyRoleTracing     = "role-xray"
	KeyRoleInline      = "role-policy"
	policyBasicExecute = "service-role/AWSLambdaBasicExecutionRole"
	policyVPCAccess    = "service-role/AWSLambdaVPCAccessExecutionRole"
	policyXRayWrite    = "AWSXRayDaemonWriteAccess"
)

// partition is the AWS partition of a region (aws, aws-cn, aws-us-gov).
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// PolicyDocument is an IAM policy. Statements never use wildcard actions (policy_test.go).
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    []string       `json:"Action"`
	Resource  []string       `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// policyJSON renders a policy document; encoding/json sorts nothing itself, so documents are
// built in a fixed order by their callers.
func policyJSON(d PolicyDocument) string {
	out, err := json.Marshal(d)
	if err != nil { // only plain strings and slices: cannot fail
		panic(err)
	}
	return string(out)
}

func lambdaTrustPolicy() string {
	return policyJSON(PolicyDocument{Version: "2012-10-17", Statement: []Statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "lambda.amazonaws.com"},
		Action:    []string{"sts:AssumeRole"},
	}}})
}

// iam composes the execution role and its managed policy attachments. The inline policy
// (secrets) is composed by secrets.go.
func (b *builder) iam() {
	s := b.s
	b.add(b.managed(KeyRole, "iam", "Role", mrOpts{externalName: b.name(maxRoleName, "role"), taggable: true},
		map[string]any{
			"assumeRolePolicy": lambdaTrustPolicy(),
			"description":      "Execution role of the " + s.Stage + " " + s.App + " Lambda function (LambdaStack)",
		}))
	b.attachManagedPolicy(KeyRoleBasic, policyBasicExecute)
	if s.Function.Tracing {
		b.attachManagedPolicy(KeyRoleTracing, policyXRayWrite)
	}
	if s.Network != nil {
		b.attachManagedPolicy(KeyRoleVPC, policyVPCAccess)
	}
}

func (b *builder) attachManagedPolicy(key, policy string) {
	b.add(b.managed(key, "iam", "RolePolicyAttachment", mrOpts{}, map[string]any{
		"policyArn": "arn:" + partition(b.s.Region) + ":iam::aws:policy/" + policy,
		"roleRef":   b.ref(KeyRole),
	}))
}
