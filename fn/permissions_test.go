package fn

import (
	"reflect"
	"strings"
	"testing"
)

const (
	ownTable   = "arn:aws:dynamodb:us-east-1:" + testAccount + ":table/orders"
	otherTable = "arn:aws:dynamodb:us-east-1:999999999999:table/orders"
	readOnlyS3 = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	teamPolicy = "arn:aws:iam::" + testAccount + ":policy/team/mcp-read"
	boundary   = "arn:aws:iam::" + testAccount + ":policy/lambda-boundary"
)

func stmt(actions []any, resources []any) map[string]any {
	return map[string]any{"actions": actions, "resources": resources}
}

func permissionsXR(stage string, perms map[string]any) map[string]any {
	return xrObject(map[string]any{"stage": stage, "permissions": perms})
}

func TestPermissionsRefusals(t *testing.T) {
	allowAll := guardedDev(map[string]any{"allowWildcardActions": true, "allowWildcardResources": true, "allowedResourceAccountIds": []any{"999999999999"}})
	cases := map[string]refusal{
		"a wildcard action": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"s3:Get*"}, []any{"arn:aws:s3:::bucket/*"})}}),
			envs: guardedDev(nil),
			want: []string{"spec.permissions.statements[0].actions", "s3:Get* is a wildcard action", "allowWildcardActions"},
		},
		"a service wildcard": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"sqs:*"}, []any{"arn:aws:sqs:us-east-1:" + testAccount + ":q"})}}),
			envs: guardedDev(nil),
			want: []string{"sqs:* is a wildcard action"},
		},
		"resource *": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"s3:ListAllMyBuckets"}, []any{"*"})}}),
			envs: guardedDev(nil),
			want: []string{"spec.permissions.statements[0].resources", `"*" (every resource) is refused on stage dev`, "allowWildcardResources"},
		},
		"a wildcard account": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"sqs:SendMessage"}, []any{"arn:aws:sqs:us-east-1:*:q"})}}),
			envs: guardedDev(nil),
			want: []string{"reaches resources of any account"},
		},
		"every bucket": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"s3:GetObject"}, []any{"arn:aws:s3:::*"})}}),
			envs: guardedDev(nil),
			want: []string{"arn:aws:s3:::* is every resource of the service"},
		},
		"another account": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"dynamodb:GetItem"}, []any{otherTable})}}),
			envs: guardedDev(nil),
			want: []string{"spec.permissions.statements[0].resources", "is in account 999999999999, not in stage dev's account " + testAccount},
		},
		"an account on a stage that names none": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"dynamodb:GetItem"}, []any{ownTable})}}),
			envs: []map[string]any{envConfig("stage-dev", "dev", map[string]any{})},
			want: []string{"names no account (data.accountId)"},
		},
		"another partition": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"dynamodb:GetItem"}, []any{"arn:aws-cn:dynamodb:cn-north-1:" + testAccount + ":table/x"})}}),
			envs: guardedDev(nil),
			want: []string{"is in partition aws-cn, the stack in aws"},
		},
		"another team's secret": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"secretsmanager:GetSecretValue"}, []any{"arn:aws:secretsmanager:us-east-1:" + testAccount + ":secret:other/token-AbCdEf"})}}),
			envs: []map[string]any{envConfig("stage-dev", "dev", map[string]any{"accountId": testAccount, "secretNamePrefix": "{namespace}/"})},
			want: []string{`secret "other/token-AbCdEf" is not under this namespace's prefix "team/"`},
		},
		"not an ARN": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"s3:GetObject"}, []any{"my-bucket"})}}),
			envs: guardedDev(nil),
			want: []string{`"my-bucket" is not an ARN`},
		},
		"iam:* even where wildcards are allowed": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"iam:*"}, []any{"*"})}}),
			envs: allowAll,
			want: []string{"iam:*: IAM wildcards are never granted"},
		},
		"* even where wildcards are allowed": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"*"}, []any{"*"})}}),
			envs: allowAll,
			want: []string{"*: a wildcard over every service includes IAM and Organizations"},
		},
		"an IAM write": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"iam:PassRole", "iam:PutRolePolicy", "iam:GetRole"}, []any{"arn:aws:iam::" + testAccount + ":role/admin"})}}),
			envs: allowAll,
			want: []string{"iam:PassRole: IAM actions other than Get*/List* reads are never granted", "iam:PutRolePolicy: IAM actions"},
		},
		"organizations": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"organizations:ListAccounts"}, []any{"*"})}}),
			envs: allowAll,
			want: []string{"organizations:ListAccounts: Organizations actions are never granted"},
		},
		"sts:AssumeRole on *": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"sts:AssumeRole"}, []any{"*"})}}),
			envs: allowAll,
			want: []string{"sts:AssumeRole: sts:AssumeRole on a wildcard resource is never granted"},
		},
		"a wildcard matching sts:AssumeRole on every role": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{stmt([]any{"sts:Assume*"}, []any{"arn:aws:iam::" + testAccount + ":role/*"})}}),
			envs: allowAll,
			want: []string{"sts:Assume*: sts:AssumeRole on a wildcard resource"},
		},
		"Deny": {
			xr:   permissionsXR("dev", map[string]any{"statements": []any{map[string]any{"effect": "Deny", "actions": []any{"s3:GetObject"}, "resources": []any{"arn:aws:s3:::b/*"}}}}),
			envs: guardedDev(nil),
			want: []string{"spec.permissions.statements[0].effect", `"Deny": only Allow statements`},
		},
		"a bad condition": {
			xr: permissionsXR("dev", map[string]any{"statements": []any{map[string]any{"actions": []any{"s3:GetObject"}, "resources": []any{"arn:aws:s3:::b/*"},
				"conditions": []any{
					map[string]any{"operator": "StringSorta", "key": "aws:SourceVpce", "values": []any{"vpce-1"}},
					map[string]any{"operator": "StringEquals", "key": "aws:SourceVpce", "values": []any{"vpce-1"}},
					map[string]any{"operator": "StringEquals", "key": "aws:SourceVpce", "values": []any{"vpce-2"}},
				}}}}),
			envs: guardedDev(nil),
			want: []string{"spec.permissions.statements[0].conditions[0].operator", `"StringSorta" is not an IAM condition operator`, "conditions[2]: StringEquals aws:SourceVpce is given twice"},
		},
		"a managed policy not on the allowlist": {
			xr:   permissionsXR("dev", map[string]any{"managedPolicyArns": []any{readOnlyS3}}),
			envs: guardedDev(map[string]any{"allowedManagedPolicyArns": []any{teamPolicy}}),
			want: []string{"spec.permissions.managedPolicyArns[0]", readOnlyS3 + " is not allowed on stage dev", "allowedManagedPolicyArns"},
		},
		"a managed policy on a stage without EnvironmentConfig": {
			xr:   permissionsXR("dev", map[string]any{"managedPolicyArns": []any{readOnlyS3}}),
			envs: []map[string]any{},
			want: []string{"is not allowed on stage dev"},
		},
		"a boundary that is no policy": {
			xr:   xrObject(nil),
			envs: guardedDev(map[string]any{"permissionsBoundaryArn": "arn:aws:iam::" + testAccount + ":role/x"}),
			want: []string{"EnvironmentConfig data.permissions.permissionsBoundaryArn", "is not an IAM policy ARN"},
		},
		"a policy too long": {
			xr: permissionsXR("dev", map[string]any{"statements": func() []any {
				var out []any
				for i := range 20 {
					var res []any
					for j := range 10 {
						res = append(res, "arn:aws:dynamodb:us-east-1:"+testAccount+":table/a-rather-long-table-name-"+string(rune('a'+i))+string(rune('a'+j)))
					}
					out = append(out, stmt([]any{"dynamodb:GetItem"}, res))
				}
				return out
			}()}),
			envs: guardedDev(nil),
			want: []string{"spec.permissions.statements: the policy takes", "more than the 6144 left"},
		},
	}
	wantRefusals(t, cases)
}

func TestPermissionsComposed(t *testing.T) {
	perms := map[string]any{
		"statements": []any{
			map[string]any{"sid": "ReadOrders", "actions": []any{"dynamodb:Query", "dynamodb:GetItem"}, "resources": []any{ownTable, ownTable + "/index/*"}},
			map[string]any{"actions": []any{"s3:GetObject"}, "resources": []any{"arn:aws:s3:::shared-assets/*"},
				"conditions": []any{map[string]any{"operator": "StringEquals", "key": "aws:SourceVpce", "values": []any{"vpce-1a2b3c4d"}}}},
			stmt([]any{"sts:AssumeRole"}, []any{"arn:aws:iam::" + testAccount + ":role/reporting-reader"}),
		},
		"managedPolicyArns": []any{teamPolicy, readOnlyS3},
	}
	envs := guardedDev(map[string]any{"allowedManagedPolicyArns": []any{readOnlyS3, teamPolicy}, "permissionsBoundaryArn": boundary})
	for _, legacy := range []bool{false, true} {
		xr := permissionsXR("dev", perms)
		if legacy {
			xr = legacyXR(map[string]any{"stage": "dev", "permissions": perms})
		}
		m := wantComposed(t, newRequest(t, xr, envs, nil))
		got := teamStatements(t, m)
		want := []statement{
			{Sid: "TeamReadOrders", Effect: "Allow", Action: []string{"dynamodb:GetItem", "dynamodb:Query"}, Resource: []string{ownTable, ownTable + "/index/*"}},
			{Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::shared-assets/*"},
				Condition: map[string]any{"StringEquals": map[string]any{"aws:SourceVpce": []any{"vpce-1a2b3c4d"}}}},
			{Effect: "Allow", Action: []string{"sts:AssumeRole"}, Resource: []string{"arn:aws:iam::" + testAccount + ":role/reporting-reader"}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("legacy=%v: statements %+v\nwant %+v", legacy, got, want)
		}
		if got := lookup(m[keyRolePolicy], "metadata", "annotations", annotationExternalName); got != "team_dev_mcp_execution" {
			t.Errorf("policy name %v", got)
		}
		if got := fp(m[keyRolePolicy], "roleRef", "name"); got != objectName(&settings{XRName: "mcp"}, KeyRole) {
			t.Errorf("roleRef %v", got)
		}
		for key, arn := range map[string]string{"role-managed-aws-amazons3readonlyaccess": readOnlyS3, "role-managed-" + testAccount + "-team-mcp-read": teamPolicy} {
			if got := fp(m[key], "policyArn"); got != arn {
				t.Errorf("legacy=%v: %s policyArn = %v, want %s (keys %v)", legacy, key, got, arn, keysOf(m))
			}
		}
		if got := fp(m[KeyRole], "permissionsBoundary"); got != boundary {
			t.Errorf("permissionsBoundary = %v", got)
		}
	}

	// without spec.permissions and a boundary: nothing of it
	m := wantComposed(t, newRequest(t, xrObject(nil), guardedDev(nil), nil))
	for k := range m {
		if k == keyRolePermissions || strings.HasPrefix(k, keyRoleManaged) {
			t.Errorf("%s composed without spec.permissions", k)
		}
	}
	if st := teamStatements(t, m); len(st) > 0 {
		t.Errorf("team statements without spec.permissions: %+v", st)
	}
	if fp(m[KeyRole], "permissionsBoundary") != nil {
		t.Error("a boundary without the stage setting one")
	}
	// the boundary applies to every role of the stage, with or without spec.permissions
	m = wantComposed(t, newRequest(t, xrObject(nil), guardedDev(map[string]any{"permissionsBoundaryArn": boundary}), nil))
	if got := fp(m[KeyRole], "permissionsBoundary"); got != boundary {
		t.Errorf("permissionsBoundary = %v, want the stage's", got)
	}

	// what the stage allows explicitly is granted
	m = wantComposed(t, newRequest(t, permissionsXR("dev", map[string]any{"statements": []any{
		stmt([]any{"s3:Get*"}, []any{"*"}), stmt([]any{"dynamodb:GetItem"}, []any{otherTable}),
	}}), guardedDev(map[string]any{"allowWildcardActions": true, "allowWildcardResources": true, "allowedResourceAccountIds": []any{"999999999999"}}), nil))
	if st := teamStatements(t, m); len(st) != 2 || st[0].Action[0] != "s3:Get*" || st[1].Resource[0] != otherTable {
		t.Errorf("allowed statements %+v", st)
	}
}
