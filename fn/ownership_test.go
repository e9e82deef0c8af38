package fn

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/iam/owner-boundary.json")

// The shared account of these tests: team-a and team-b both use stage dev in account
// 111111111111 (the setup of examples/environmentconfigs/dev.yaml and of the two-teams e2e
// test). Team-b attacks, team-a's resources are the targets.
const (
	sharedAcct = "111111111111"
	sgA        = "sg-0aaaaaaaaaaaaaaa1"
	sgB        = "sg-0bbbbbbbbbbbbbbb1"
	subnetA    = "subnet-0aaaaaaaaaaaaaaa1"
	subnetB    = "subnet-0bbbbbbbbbbbbbbb1"
)

// sharedDev is the dev stage of team-a and team-b in one account: the boundary, the secret
// prefix, code from each namespace's folder of the artifacts bucket, the platform's shared
// tables, and a network per namespace; extra is merged over it.
func sharedDev(extra map[string]any) []map[string]any {
	d := map[string]any{
		"namespaces": []any{"team-a", "team-b"}, "accountId": sharedAcct, "secretNamePrefix": "{namespace}/",
		"grants": map[string]any{
			"resources": []any{"arn:aws:s3:::artifacts/{namespace}/*", "arn:aws:dynamodb:*:{account}:table/shared_*"},
			"namespaces": map[string]any{
				"team-a": map[string]any{"subnetIds": []any{subnetA}, "securityGroupIds": []any{sgA}},
				"team-b": map[string]any{"subnetIds": []any{subnetB}, "securityGroupIds": []any{sgB},
					"resources": []any{"arn:aws:kms:us-east-1:{account}:key/0b0b0b0b-1111-2222-3333-444444444444"}},
			},
		},
	}
	for k, v := range extra {
		d[k] = v
	}
	return []map[string]any{sharedEnvConfig("stage-dev", "dev", d)}
}

// teamB is a request of namespace team-b, its code in its own folder of the artifacts bucket
// unless spec says otherwise.
func teamB(spec map[string]any) map[string]any {
	if _, ok := spec["function"]; !ok {
		spec["function"] = map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts", "key": "team-b/mcp.zip"}}}
	}
	return xrIn("team-b", spec)
}

func statementOn(resources ...any) map[string]any {
	return map[string]any{"statements": []any{map[string]any{"actions": []any{"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"}, "resources": resources}}}
}

func withStatement(actions []any, resources ...any) map[string]any {
	return map[string]any{"statements": []any{map[string]any{"actions": actions, "resources": resources}}}
}

// Rule 9 of docs/tenancy.md, each attack of issue 22 that names an existing resource of the
// shared account replayed as team-b's request: refused, naming the field, the ARN and where the
// platform grants it; then team-b's own equivalents compose.
func TestOwnershipInASharedAccount(t *testing.T) {
	const arnA = "arn:aws:lambda:us-east-1:" + sharedAcct + ":function:team-a_dev_mcp"
	const queueA = "arn:aws:sqs:us-east-1:" + sharedAcct + ":team-a_dev_mcp_sqs-jobs"
	grants := "data.grants.resources, or data.grants.namespaces.team-b.resources"
	code := func(c map[string]any) map[string]any { return map[string]any{"code": c} }
	wantRefusals(t, map[string]refusal{
		"refused: own permissions replace team-a's code and configuration": {
			xr: teamB(map[string]any{"permissions": statementOn(arnA)}), envs: sharedDev(nil),
			want: []string{"spec.permissions.statements[0].resources: the resource " + arnA + " is not namespace team-b's", "stage dev shares account 111111111111 between namespaces", "named team-b_… or team-b/…", grants},
		},
		"refused: a subscription filter on team-a's log group": {
			xr:   teamB(map[string]any{"permissions": withStatement([]any{"logs:PutSubscriptionFilter"}, "arn:aws:logs:us-east-1:"+sharedAcct+":log-group:/aws/lambda/team-a_dev_mcp:*")}),
			envs: sharedDev(nil), want: []string{"spec.permissions.statements[0].resources: the resource arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/team-a_dev_mcp:* can match resources that are not namespace team-b's"},
		},
		"refused: creating a queue team-a's stacks will use later": {
			xr:   teamB(map[string]any{"permissions": withStatement([]any{"sqs:CreateQueue"}, "arn:aws:sqs:us-east-1:"+sharedAcct+":team-a_dev_next_sqs-jobs")}),
			envs: sharedDev(nil), want: []string{"spec.permissions.statements[0].resources: the resource arn:aws:sqs:us-east-1:111111111111:team-a_dev_next_sqs-jobs is not namespace team-b's"},
		},
		"refused: creating a log group team-a's stacks will use later": {
			xr:   teamB(map[string]any{"permissions": withStatement([]any{"logs:CreateLogGroup"}, "arn:aws:logs:us-east-1:"+sharedAcct+":log-group:/aws/lambda/team-a_dev_next")}),
			envs: sharedDev(nil), want: []string{"is not namespace team-b's"},
		},
		"refused: a name prefix another namespace's names begin with": {
			xr:   teamB(map[string]any{"permissions": statementOn("arn:aws:lambda:us-east-1:" + sharedAcct + ":function:team-b*")}),
			envs: sharedDev(nil), want: []string{"function:team-b* can match resources that are not namespace team-b's"},
		},
		"refused: a ? where the namespace ends": {
			xr:   teamB(map[string]any{"permissions": statementOn("arn:aws:lambda:us-east-1:" + sharedAcct + ":function:team-?_*")}),
			envs: sharedDev(nil), want: []string{"can match resources that are not namespace team-b's"},
		},
		"refused: every function of the account": {
			xr: teamB(map[string]any{"permissions": statementOn("arn:aws:lambda:us-east-1:" + sharedAcct + ":function:*")}), envs: sharedDev(nil),
			want: []string{"function:* matches every resource of its type", "data.permissions.allowWildcardResources allows it"},
		},
		"refused: every function, on a stage allowing wildcard resources": {
			xr:   teamB(map[string]any{"permissions": statementOn("arn:aws:lambda:us-east-1:" + sharedAcct + ":function:*")}),
			envs: sharedDev(map[string]any{"permissions": map[string]any{"permissionsBoundaryArn": testBoundary, "allowWildcardResources": true}}),
			want: []string{"function:* can match resources that are not namespace team-b's"},
		},
		"refused: every object of every bucket": {
			xr:   teamB(map[string]any{"permissions": withStatement([]any{"s3:GetObject"}, "arn:aws:s3:::*/*")}),
			envs: sharedDev(nil), want: []string{"arn:aws:s3:::*/* matches every resource of its type"},
		},
		"refused: every table": {
			xr:   teamB(map[string]any{"permissions": withStatement([]any{"dynamodb:GetItem"}, "arn:aws:dynamodb:us-east-1:"+sharedAcct+":table/*")}),
			envs: sharedDev(nil), want: []string{"table/* matches every resource of its type"},
		},
		"refused: every key": {
			xr:   teamB(map[string]any{"permissions": withStatement([]any{"kms:Decrypt"}, "arn:aws:kms:us-east-1:"+sharedAcct+":key/*")}),
			envs: sharedDev(nil), want: []string{"key/* matches every resource of its type"},
		},
		"refused: ?* in the account": {
			xr:   teamB(map[string]any{"permissions": withStatement([]any{"sqs:SendMessage"}, "arn:aws:sqs:us-east-1:"+sharedAcct+":?*")}),
			envs: sharedDev(nil), want: []string{":?* matches every resource of its type"},
		},
		"refused: \"*\" on a stage allowing wildcard resources": {
			xr:   teamB(map[string]any{"permissions": withStatement([]any{"sqs:SendMessage"}, "*")}),
			envs: sharedDev(map[string]any{"permissions": map[string]any{"permissionsBoundaryArn": testBoundary, "allowWildcardResources": true}}),
			want: []string{`spec.permissions.statements[0].resources: "*" (every resource) reaches other namespaces' resources`},
		},
		"refused: a bucket the stage does not grant": {
			xr:   teamB(map[string]any{"permissions": withStatement([]any{"s3:GetObject"}, "arn:aws:s3:::team-a-data/*")}),
			envs: sharedDev(nil), want: []string{"arn:aws:s3:::team-a-data/* can match resources that are not namespace team-b's", "resources of s3 are named by ID or in a namespace shared by every account"},
		},
		"refused: a KMS key granted to team-a only": {
			xr:   teamB(map[string]any{"permissions": withStatement([]any{"kms:Decrypt"}, "arn:aws:kms:us-east-1:"+sharedAcct+":key/0a0a0a0a-1111-2222-3333-444444444444")}),
			envs: sharedDev(nil), want: []string{"resources of kms are named by ID"},
		},
		"refused: team-a's queue as trigger": {
			xr:   teamB(map[string]any{"api": nil, "triggers": map[string]any{"sqs": []any{map[string]any{"name": "steal", "queueArn": queueA}}}}),
			envs: sharedDev(nil), want: []string{"spec.triggers.sqs[0].queueArn: the SQS queue " + queueA + " is not namespace team-b's", grants},
		},
		"refused: team-a's queue as failure destination": {
			xr: teamB(map[string]any{"async": map[string]any{"onFailureArn": queueA}}), envs: sharedDev(nil),
			want: []string{"spec.async.onFailureArn: the SQS queue " + queueA + " is not namespace team-b's"},
		},
		"refused: the account's default event bus as failure destination": {
			xr:   teamB(map[string]any{"async": map[string]any{"onFailureArn": "arn:aws:events:us-east-1:" + sharedAcct + ":event-bus/default"}}),
			envs: sharedDev(nil), want: []string{"spec.async.onFailureArn: the EventBridge event bus arn:aws:events:us-east-1:111111111111:event-bus/default is not namespace team-b's"},
		},
		"refused: team-a's function as authorizer": {
			xr:   teamB(map[string]any{"api": map[string]any{"auth": map[string]any{"type": "lambda", "lambda": map[string]any{"functionArn": arnA}}}}),
			envs: sharedDev(nil), want: []string{"spec.api.auth.lambda.functionArn: the authorizer function " + arnA + " is not namespace team-b's"},
		},
		"refused: team-a's alarm topic": {
			xr:   teamB(map[string]any{"monitoring": map[string]any{"alarmTopicArn": "arn:aws:sns:us-east-1:" + sharedAcct + ":team-a_pager"}}),
			envs: sharedDev(nil), want: []string{"spec.monitoring.alarmTopicArn: the SNS topic arn:aws:sns:us-east-1:111111111111:team-a_pager is not namespace team-b's"},
		},
		"refused: team-a's layer": {
			xr:   teamB(map[string]any{"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts", "key": "team-b/mcp.zip"}}, "layers": []any{"arn:aws:lambda:us-east-1:" + sharedAcct + ":layer:team-a_deps:3"}}}),
			envs: sharedDev(nil), want: []string{"spec.function.layers[0]: the layer arn:aws:lambda:us-east-1:111111111111:layer:team-a_deps:3 is not namespace team-b's"},
		},
		"refused: a KMS key of the account for the environment": {
			xr:   teamB(map[string]any{"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts", "key": "team-b/mcp.zip"}}, "kmsKeyArn": "arn:aws:kms:us-east-1:" + sharedAcct + ":key/0a0a0a0a-1111-2222-3333-444444444444"}}),
			envs: sharedDev(nil), want: []string{"spec.function.kmsKeyArn: the KMS key arn:aws:kms:us-east-1:111111111111:key/0a0a0a0a-1111-2222-3333-444444444444 is not namespace team-b's"},
		},
		"refused: team-a's code": {
			xr:   teamB(map[string]any{"function": code(map[string]any{"s3": map[string]any{"bucket": "artifacts", "key": "team-a/mcp.zip"}})}),
			envs: sharedDev(nil), want: []string{"spec.function.code.s3: the code object arn:aws:s3:::artifacts/team-a/mcp.zip is not namespace team-b's", "keyed team-b/…"},
		},
		"refused: code from any bucket": {
			xr:   teamB(map[string]any{"function": code(map[string]any{"s3": map[string]any{"bucket": "team-a-builds", "key": "mcp.zip"}})}),
			envs: sharedDev(nil), want: []string{"spec.function.code.s3: the code object arn:aws:s3:::team-a-builds/mcp.zip is not namespace team-b's"},
		},
		"refused: team-a's image repository": {
			xr:   teamB(map[string]any{"function": code(map[string]any{"imageUri": sharedAcct + ".dkr.ecr.us-east-1.amazonaws.com/team-a/mcp:1"})}),
			envs: sharedDev(nil), want: []string{"spec.function.code.imageUri: the image repository arn:aws:ecr:us-east-1:111111111111:repository/team-a/mcp is not namespace team-b's"},
		},
		"refused: team-a's security group": {
			xr:   teamB(map[string]any{"network": map[string]any{"subnetIds": []any{subnetB}, "securityGroupIds": []any{sgA}}}),
			envs: sharedDev(nil), want: []string{"spec.network.securityGroupIds: " + sgA + " is not granted to namespace team-b on stage dev (granted: " + sgB + ")", "data.grants.namespaces.team-b.securityGroupIds"},
		},
		"refused: team-a's subnet": {
			xr:   teamB(map[string]any{"network": map[string]any{"subnetIds": []any{subnetA}, "securityGroupIds": []any{sgB}}}),
			envs: sharedDev(nil), want: []string{"spec.network.subnetIds: " + subnetA + " is not granted to namespace team-b on stage dev (granted: " + subnetB + ")"},
		},
		"refused: a VPC no list grants, on a shared account": {
			xr:   teamB(map[string]any{"network": map[string]any{"subnetIds": []any{subnetB}, "vpcId": "vpc-0aaaaaaaaaaaaaaa1"}}),
			envs: sharedDev(nil), want: []string{"spec.network.vpcId: vpc-0aaaaaaaaaaaaaaa1 is not granted to namespace team-b on stage dev (granted: none)"},
		},
	})

	t.Run("granted: team-b's own equivalents and what the stage grants", func(t *testing.T) {
		own := "arn:aws:lambda:us-east-1:" + sharedAcct + ":function:team-b_dev_mcp"
		ownQueue := "arn:aws:sqs:us-east-1:" + sharedAcct + ":team-b_jobs"
		xr := teamB(map[string]any{
			"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "any-bucket", "key": "team-b/mcp.zip"}},
				"layers":    []any{"arn:aws:lambda:us-east-1:" + sharedAcct + ":layer:team-b_deps:3"},
				"kmsKeyArn": "arn:aws:kms:us-east-1:" + sharedAcct + ":key/0b0b0b0b-1111-2222-3333-444444444444"},
			"permissions": map[string]any{"statements": []any{
				map[string]any{"actions": []any{"lambda:InvokeFunction"}, "resources": []any{own, "arn:aws:lambda:us-east-1:" + sharedAcct + ":function:team-b_*"}},
				map[string]any{"actions": []any{"dynamodb:GetItem"}, "resources": []any{"arn:aws:dynamodb:us-east-1:" + sharedAcct + ":table/shared_orders", "arn:aws:dynamodb:*:" + sharedAcct + ":table/team-b_*/index/*"}},
				map[string]any{"actions": []any{"s3:GetObject"}, "resources": []any{"arn:aws:s3:::artifacts/team-b/*"}},
				map[string]any{"actions": []any{"secretsmanager:GetSecretValue"}, "resources": []any{"arn:aws:secretsmanager:us-east-1:" + sharedAcct + ":secret:team-b/*"}},
				map[string]any{"actions": []any{"logs:PutSubscriptionFilter"}, "resources": []any{"arn:aws:logs:us-east-1:" + sharedAcct + ":log-group:/aws/lambda/team-b_dev_mcp:*"}},
			}},
			"triggers":   map[string]any{"sqs": []any{map[string]any{"name": "jobs", "queueArn": ownQueue}}},
			"async":      map[string]any{"onFailureArn": "arn:aws:sqs:us-east-1:" + sharedAcct + ":team-b_failed"},
			"api":        map[string]any{"auth": map[string]any{"type": "lambda", "lambda": map[string]any{"functionArn": "arn:aws:lambda:us-east-1:" + sharedAcct + ":function:team-b_authorizer:live"}}},
			"monitoring": map[string]any{"alarmTopicArn": "arn:aws:sns:us-east-1:" + sharedAcct + ":team-b_pager"},
			"network":    map[string]any{"subnetIds": []any{subnetB}, "securityGroupIds": []any{sgB}},
			"secrets":    []any{map[string]any{"name": "db", "arn": "arn:aws:secretsmanager:us-east-1:" + sharedAcct + ":secret:team-b/db-AbCdEf"}},
		})
		got := wantComposed(t, newRequest(t, xr, sharedDev(nil), nil))
		if b := fp(got[KeyRole], "permissionsBoundary"); b != testBoundary {
			t.Errorf("execution role's permissionsBoundary = %v, want the stage's %s", b, testBoundary)
		}
		wantComposed(t, newRequest(t, teamB(map[string]any{"function": code(map[string]any{"imageUri": sharedAcct + ".dkr.ecr.us-east-1.amazonaws.com/team-b/mcp:1"})}), sharedDev(nil), nil))
	})

	t.Run("granted: an account of one namespace is all that namespace's", func(t *testing.T) {
		own := devEnvs(map[string]any{"accountId": sharedAcct})
		wantComposed(t, newRequest(t, xrObject(map[string]any{"permissions": statementOn("arn:aws:lambda:us-east-1:" + sharedAcct + ":function:legacy-name"),
			"triggers": map[string]any{"sqs": []any{map[string]any{"name": "jobs", "queueArn": "arn:aws:sqs:us-east-1:" + sharedAcct + ":jobs"}}}}), own, nil))
		// but a strict stage still refuses every resource of a type (issue 22's wildcards)
		for _, r := range []string{"arn:aws:lambda:us-east-1:" + sharedAcct + ":function:*", "arn:aws:s3:::*/*", "arn:aws:dynamodb:us-east-1:" + sharedAcct + ":table/*",
			"arn:aws:kms:us-east-1:" + sharedAcct + ":key/*", "arn:aws:sqs:us-east-1:" + sharedAcct + ":?*", "arn:aws:lambda:us-east-1:" + sharedAcct + ":?*"} {
			wantFatal(t, newRequest(t, xrObject(map[string]any{"permissions": withStatement([]any{"lambda:GetFunction"}, r)}), own, nil),
				"spec.permissions.statements[0].resources: "+r+" matches every resource of its type")
		}
	})
}

// What the platform says about ownership is checked too: an account of one namespace admits one,
// a grant's {namespace} cannot begin another namespace's names, and a shared account names the
// boundary of its execution roles.
func TestOwnershipStageConfig(t *testing.T) {
	wantRefusals(t, map[string]refusal{
		"refused: sharedAccount false for two namespaces": {
			xr: teamB(map[string]any{}), envs: sharedDev(map[string]any{"sharedAccount": false}),
			want: []string{"EnvironmentConfig data.sharedAccount: false says the account is one namespace's, but stage dev admits 2 namespaces by name"},
		},
		"refused: sharedAccount false with a namespace selector": {
			xr: xrObject(nil), envs: devEnvs(map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"a": "b"}}}),
			want: []string{"data.sharedAccount: false", "and those data.namespaceSelector selects"},
		},
		"refused: a shared account without the owner boundary": {
			xr:   teamB(map[string]any{}),
			envs: []map[string]any{envConfig("stage-dev", "dev", map[string]any{"namespaces": []any{"team-a", "team-b"}, "accountId": sharedAcct})},
			want: []string{"EnvironmentConfig data.permissions.permissionsBoundaryArn: stage dev shares account 111111111111 between namespaces", "docs/iam/owner-boundary.json"},
		},
		"refused: {namespace}- in a grant": {
			xr:   teamB(map[string]any{}),
			envs: sharedDev(map[string]any{"grants": map[string]any{"resources": []any{"arn:aws:dynamodb:*:{account}:table/{namespace}-*"}}}),
			want: []string{`EnvironmentConfig data.grants.resources: "arn:aws:dynamodb:*:{account}:table/{namespace}-*": {namespace} must be followed by _, / or :`},
		},
		"refused: {namespace}* in a namespace's grant": {
			xr:   teamB(map[string]any{}),
			envs: sharedDev(map[string]any{"grants": map[string]any{"namespaces": map[string]any{"team-b": map[string]any{"resources": []any{"arn:aws:sqs:*:{account}:{namespace}*"}}}}}),
			want: []string{"EnvironmentConfig data.grants.namespaces.team-b.resources", "{namespace} must be followed by"},
		},
		"refused: {account} without an account": {
			xr:   teamB(map[string]any{}),
			envs: sharedDev(map[string]any{"accountId": nil, "grants": map[string]any{"resources": []any{"arn:aws:sqs:*:{account}:{namespace}_*"}}}),
			want: []string{"names {account}, but the EnvironmentConfig names no data.accountId"},
		},
		"refused: a grant that is not an ARN": {
			xr: teamB(map[string]any{}), envs: sharedDev(map[string]any{"grants": map[string]any{"resources": []any{"*"}}}),
			want: []string{`EnvironmentConfig data.grants.resources: "*" is not an ARN pattern`},
		},
		"refused: a malformed subnet in a namespace's network": {
			xr:   teamB(map[string]any{}),
			envs: sharedDev(map[string]any{"grants": map[string]any{"namespaces": map[string]any{"team-b": map[string]any{"subnetIds": []any{"subnet-x"}}}}}),
			want: []string{`EnvironmentConfig data.grants.namespaces.team-b.subnetIds: "subnet-x" is not an ID of that kind`},
		},
	})
}

// The boundary a shared account's roles get is the document of docs/iam/owner-boundary.json
// (go test ./fn -run TestOwnerBoundaryDocument -update rewrites it): owner-tagged resources of
// the role's own namespace or untagged ones, and no owner tag set or removed.
func TestOwnerBoundaryDocument(t *testing.T) {
	var want bytes.Buffer
	if err := json.Indent(&want, []byte(policyJSON(ownerBoundary())), "", "  "); err != nil {
		t.Fatal(err)
	}
	want.WriteString("\n")
	const file = "../docs/iam/owner-boundary.json"
	if *update {
		if err := os.WriteFile(file, want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("%s is not the boundary fn composes requirements for (%v); run go test ./fn -run TestOwnerBoundaryDocument -update:\n%s", file, err, want.String())
	}
	doc := want.String()
	for _, w := range []string{`"aws:ResourceTag/lambdastack:owner": "${aws:PrincipalTag/lambdastack:owner}"`, `"StringEqualsIfExists"`, `"Effect": "Deny"`, `"aws:TagKeys"`} {
		if !strings.Contains(doc, w) {
			t.Errorf("the boundary lacks %s", w)
		}
	}
}

// globWithin, the segment-by-segment inclusion of one IAM pattern in another.
func TestGlobWithin(t *testing.T) {
	const own = "arn:aws:lambda:*:111111111111:function:team-b_*"
	cases := []struct {
		p, g string
		want bool
	}{
		{"arn:aws:lambda:us-east-1:111111111111:function:team-a_dev_mcp", own, false},
		{"arn:aws:lambda:us-east-1:111111111111:function:*", own, false},
		{"arn:aws:lambda:us-east-1:111111111111:function:team-b*", own, false},
		{"arn:aws:lambda:us-east-1:111111111111:function:team-?_*", own, false},
		{"arn:aws:lambda:*:*:function:team-b_*", own, false},
		{"arn:aws:lambda:us-east-1:111111111111:?*", own, false},
		{"arn:aws:lambda:us-east-1:111111111111:function:team-b_x", own, true},
		{"arn:aws:lambda:us-east-1:111111111111:function:team-b_*", own, true},
		{"arn:aws:lambda:us-east-1:111111111111:function:team-b_*:live", own, true},
		{"arn:aws:lambda:us-east-1:111111111111:function:team-b_?", own, true},
		{"arn:aws:lambda:u?-east-1:111111111111:function:team-b_x", own, true},
		{"arn:aws:lambda:us-east-1:111111111111:function:team-b_x", "arn:aws:lambda:us-east-1:111111111111:function:team-b_x", true},
		{"arn:aws:s3:::artifacts/team-b/*", "arn:aws:s3:::artifacts/*", true},
		{"arn:aws:s3:::artifacts/*", "arn:aws:s3:::artifacts/team-b/*", false},
		{"arn:aws:s3:::*/team-b/*", "arn:aws:s3:::artifacts/*", false},
		{"arn:aws:s3:::a*b", "arn:aws:s3:::a*", true},
		{"arn:aws:s3:::a*b", "arn:aws:s3:::*b", true},
		{"arn:aws:s3:::a*", "arn:aws:s3:::a*b", false},
		{"arn:aws:s3:::ab*", "arn:aws:s3:::a?*", true},
		{"arn:aws:s3:::a*", "arn:aws:s3:::a?*", false},
		{"arn:aws:s3:::x**y", "arn:aws:s3:::x*y", true},
		{"*", own, false},
	}
	for _, tc := range cases {
		if got := globWithin(tc.p, tc.g); got != tc.want {
			t.Errorf("globWithin(%q, %q) = %v, want %v", tc.p, tc.g, got, tc.want)
		}
	}
}

// globSegmentWithin against brute force: for every pair of patterns of up to three symbols of
// a, b, * and ?, it says "within" exactly when no word of up to six letters matches the first
// and not the second (a shortest counterexample of such patterns is shorter than that).
func TestGlobWithinAgainstBruteForce(t *testing.T) {
	var patterns, words []string
	var grow func(prefix, alphabet string, max int, out *[]string)
	grow = func(prefix, alphabet string, max int, out *[]string) {
		if len(prefix) == max {
			return
		}
		for _, c := range alphabet {
			w := prefix + string(c)
			*out = append(*out, w)
			grow(w, alphabet, max, out)
		}
	}
	grow("", "ab*?", 3, &patterns)
	words = append(words, "")
	grow("", "ab", 6, &words)
	matched := map[string][]bool{}
	for _, p := range patterns {
		for _, w := range words {
			matched[p] = append(matched[p], iamMatch(p, w))
		}
	}
	for _, p := range patterns {
		for _, g := range patterns {
			counter, found := "", false
			for i, w := range words {
				if matched[p][i] && !matched[g][i] {
					counter, found = w, true
					break
				}
			}
			if got := globSegmentWithin(p, g); got == found {
				t.Errorf("globSegmentWithin(%q, %q) = %v; a word matching the first and not the second: %v %q", p, g, got, found, counter)
			}
		}
	}
}
