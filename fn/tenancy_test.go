package fn

import (
	"reflect"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// The tenancy rules of docs/tenancy.md, each replayed as the attack of issue 12 first (refused
// with a Fatal result that names the field and leaves the desired state alone), then the
// granted case.

func nsObject(name string, labels map[string]any) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name, "labels": labels}}
}

// withNamespace adds the answer to the owner-namespace requirement.
func withNamespace(t *testing.T, req *fnv1.RunFunctionRequest, ns map[string]any) *fnv1.RunFunctionRequest {
	if req.RequiredResources == nil {
		req.RequiredResources = map[string]*fnv1.Resources{}
	}
	req.RequiredResources[requirementNamespace] = &fnv1.Resources{Items: []*fnv1.Resource{{Resource: mustStruct(t, ns)}}}
	return req
}

// Rule 1: stages are bound to namespaces.
func TestStageBoundToNamespaces(t *testing.T) {
	prodForA := sharedEnvConfig("stage-prod", "prod", map[string]any{"namespaces": []any{"team-a"}, "providerConfigName": "aws-prod"})
	iam := map[string]any{"auth": map[string]any{"type": "iam"}}

	t.Run("refused: another namespace asks for a bound stage", func(t *testing.T) {
		t.Logf("%s", wantFatal(t, newRequest(t, xrIn("team-b", map[string]any{"stage": "prod", "api": iam}), []map[string]any{prodForA}, nil),
			"namespace team-b may not use stage prod", "data.namespaces", "platform.spec3.io/stage=prod"))
	})
	t.Run("refused: stage prod without an EnvironmentConfig", func(t *testing.T) {
		wantFatal(t, newRequest(t, xrIn("team-b", map[string]any{"stage": "prod", "api": iam}), []map[string]any{}, nil),
			"stage prod is a production stage and has no EnvironmentConfig")
	})
	t.Run("refused: a claim from another namespace", func(t *testing.T) {
		wantFatal(t, newRequest(t, claimXR("team-b", map[string]any{"stage": "prod", "api": iam}), []map[string]any{prodForA}, nil),
			"namespace team-b may not use stage prod")
	})
	t.Run("refused: the namespace's labels do not match the selector", func(t *testing.T) {
		sel := sharedEnvConfig("stage-dev", "dev", map[string]any{"namespaces": []any{"team-a"},
			"namespaceSelector": map[string]any{"matchLabels": map[string]any{"platform.spec3.io/stage-dev": "granted"}}})
		req := withNamespace(t, newRequest(t, xrIn("team-b", nil), []map[string]any{sel}, nil), nsObject("team-b", map[string]any{"platform.spec3.io/stage-dev": "no"}))
		wantFatal(t, req, "namespace team-b may not use stage dev", "data.namespaceSelector")
	})
	t.Run("refused: an empty selector selects nothing", func(t *testing.T) {
		sel := sharedEnvConfig("stage-dev", "dev", map[string]any{"namespaces": []any{"team-a"}, "namespaceSelector": map[string]any{}})
		req := withNamespace(t, newRequest(t, xrIn("team-b", nil), []map[string]any{sel}, nil), nsObject("team-b", map[string]any{"x": "y"}))
		wantFatal(t, req, "namespace team-b may not use stage dev")
	})

	t.Run("granted: a listed namespace", func(t *testing.T) {
		got := wantComposed(t, newRequest(t, xrIn("team-a", map[string]any{"stage": "prod", "api": iam}), []map[string]any{prodForA}, nil))
		if got[KeyFunction]["metadata"].(map[string]any)["namespace"] != "team-a" {
			t.Errorf("function not in team-a: %v", got[KeyFunction]["metadata"])
		}
	})
	t.Run("granted: a claim from a listed namespace", func(t *testing.T) {
		wantComposed(t, newRequest(t, claimXR("team-a", map[string]any{"stage": "prod", "api": iam}), []map[string]any{prodForA}, nil))
	})
	t.Run("granted: a namespace the selector matches, once Crossplane sent it", func(t *testing.T) {
		sel := sharedEnvConfig("stage-dev", "dev", map[string]any{"namespaces": []any{"team-a"},
			"namespaceSelector": map[string]any{"matchLabels": map[string]any{"platform.spec3.io/stage-dev": "granted"}}})
		req := newRequest(t, xrIn("team-b", nil), []map[string]any{sel}, nil)
		first := run(t, req)
		if len(first.GetResults()) != 0 || len(first.GetDesired().GetResources()) != 0 {
			t.Fatalf("before the Namespace is known: want no results and nothing composed, got %v and %d resources", first.GetResults(), len(first.GetDesired().GetResources()))
		}
		sl := first.GetRequirements().GetResources()[requirementNamespace]
		if sl.GetKind() != "Namespace" || sl.GetApiVersion() != "v1" || sl.GetMatchName() != "team-b" {
			t.Fatalf("requirement for the owner's Namespace: %v", sl)
		}
		withNamespace(t, req, nsObject("team-b", map[string]any{"platform.spec3.io/stage-dev": "granted"}))
		wantComposed(t, req)
	})
	t.Run("granted with a warning: a built-in stage without an EnvironmentConfig", func(t *testing.T) {
		rsp := run(t, newRequest(t, xrIn("anyone", nil), []map[string]any{}, nil))
		if res := rsp.GetResults(); len(res) != 1 || res[0].GetSeverity() != fnv1.Severity_SEVERITY_WARNING || !strings.Contains(res[0].GetMessage(), "single-team cluster") {
			t.Fatalf("want the single-team warning, got %v", res)
		}
	})
}

// Rule 2: the account comes from the platform, not the request.
func TestProviderConfigFromThePlatform(t *testing.T) {
	dev := sharedEnvConfig("stage-dev", "dev", map[string]any{"namespaces": []any{"team-b"}, "providerConfigName": "aws-dev"})
	none := map[string]any{"auth": map[string]any{"type": "none"}}

	t.Run("refused: dev request names prod's provider config", func(t *testing.T) {
		wantFatal(t, newRequest(t, xrIn("team-b", map[string]any{"providerConfigName": "aws-prod", "api": none}), []map[string]any{dev}, nil),
			`spec.providerConfigName: "aws-prod" is not granted to stage dev (granted: aws-dev)`)
	})
	t.Run("refused: built-in stage, request names another provider config", func(t *testing.T) {
		wantFatal(t, newRequest(t, xrIn("team-b", map[string]any{"providerConfigName": "aws-prod", "api": none}), []map[string]any{}, nil),
			`spec.providerConfigName: "aws-prod" is not granted to stage dev (granted: dev)`)
	})
	t.Run("refused: a region outside prod's allowedRegions", func(t *testing.T) {
		prod := sharedEnvConfig("stage-prod", "prod", map[string]any{"region": "eu-central-1", "allowedRegions": []any{"eu-central-1"}})
		wantFatal(t, newRequest(t, xrObject(map[string]any{"stage": "prod", "region": "ap-south-1"}), []map[string]any{prod}, nil),
			"region ap-south-1 is not allowed for stage prod")
	})

	t.Run("granted: the namespaced flavour uses the ProviderConfig of its own namespace", func(t *testing.T) {
		got := wantComposed(t, newRequest(t, xrIn("team-b", nil), []map[string]any{dev}, nil))
		for k, r := range got {
			ref, _ := lookup(r, "spec", "providerConfigRef").(map[string]any)
			if ref == nil {
				continue // Usage
			}
			if ref["kind"] != "ProviderConfig" || ref["name"] != "aws-dev" || lookup(r, "metadata", "namespace") != "team-b" {
				t.Errorf("%s: providerConfigRef %v in namespace %v", k, ref, lookup(r, "metadata", "namespace"))
			}
		}
	})
	t.Run("granted: ClusterProviderConfig where the stage says so; a listed alternative", func(t *testing.T) {
		cl := sharedEnvConfig("stage-dev", "dev", map[string]any{"namespaces": []any{"team-b"}, "providerConfigName": "aws-dev",
			"providerConfigKind": "ClusterProviderConfig", "allowedProviderConfigNames": []any{"aws-dev-2"}})
		got := wantComposed(t, newRequest(t, xrIn("team-b", map[string]any{"providerConfigName": "aws-dev-2"}), []map[string]any{cl}, nil))
		if ref := lookup(got[KeyFunction], "spec", "providerConfigRef").(map[string]any); ref["kind"] != "ClusterProviderConfig" || ref["name"] != "aws-dev-2" {
			t.Errorf("providerConfigRef %v", ref)
		}
	})
}

// Rule 4: a team reads only what is its own.
func TestTeamReadsOnlyItsOwn(t *testing.T) {
	const acct = "333333333333"
	prod := func(extra map[string]any) []map[string]any {
		d := map[string]any{"namespaces": []any{"team-a", "team-b"}, "accountId": acct, "secretNamePrefix": "{namespace}/"}
		for k, v := range extra {
			d[k] = v
		}
		return []map[string]any{sharedEnvConfig("stage-prod", "prod", d)}
	}
	iam := map[string]any{"auth": map[string]any{"type": "iam"}}
	created := func(ns string) []any {
		ref := map[string]any{"name": "aws-credentials", "key": "credentials"}
		if ns != "" {
			ref["namespace"] = ns
		}
		return []any{map[string]any{"name": "db", "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": ref}}}}
	}
	arn := func(account, name string) []any {
		return []any{map[string]any{"name": "db", "arn": "arn:aws:secretsmanager:us-east-1:" + account + ":secret:" + name + "-AbCdEf"}}
	}
	cases := map[string]refusal{
		"claim reads the provider's credentials in crossplane-system": {
			xr: claimXR("team-b", map[string]any{"stage": "prod", "api": iam, "secrets": created("crossplane-system")}), envs: prod(nil),
			want: []string{`spec.secrets[0].create.valueFrom.secretKeyRef.namespace: "crossplane-system": a claim reads Kubernetes Secrets only from its own namespace team-b`},
		},
		"LambdaStack names another namespace's Secret": {
			xr: xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "secrets": created("team-a")}), envs: prod(nil),
			want: []string{`"team-a": a LambdaStack reads Kubernetes Secrets only from its own namespace team-b`},
		},
		"secret of another account": {
			xr: xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "secrets": arn("999999999999", "team-b/db")}), envs: prod(nil),
			want: []string{"spec.secrets[0].arn: the secret is in account 999999999999, not in stage prod's account 333333333333"},
		},
		"another team's secret in the same account": {
			xr: xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "secrets": arn(acct, "team-a/db")}), envs: prod(nil),
			want: []string{`spec.secrets[0].arn: the secret arn:aws:secretsmanager:us-east-1:333333333333:secret:team-a/db-AbCdEf is not namespace team-b's`, "named team-b/… (data.secretNamePrefix)"},
		},
		"a stage that names no account grants no existing secret": {
			xr:   xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "secrets": arn(acct, "team-b/db")}),
			envs: []map[string]any{sharedEnvConfig("stage-prod", "prod", map[string]any{"namespaces": []any{"team-b"}})},
			want: []string{"stage prod's EnvironmentConfig names no account (data.accountId)"},
		},
		"KMS key of another account": {
			xr: xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "secrets": []any{map[string]any{"name": "db", "arn": "arn:aws:secretsmanager:us-east-1:" + acct + ":secret:team-b/db-AbCdEf",
				"kmsKeyArn": "arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}}), envs: prod(nil),
			want: []string{"spec.secrets[0].kmsKeyArn: the KMS key is in account 999999999999"},
		},
		"an alarm topic of another account": {
			xr:   xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "monitoring": map[string]any{"alarmTopicArn": "arn:aws:sns:us-east-1:999999999999:team-x-pager"}}),
			envs: prod(nil),
			want: []string{"spec.monitoring.alarmTopicArn: the SNS topic is in account 999999999999, not in stage prod's account 333333333333"},
		},
		"a security group outside the allowlist": {
			xr:   xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "network": map[string]any{"subnetIds": []any{"subnet-0123456789abcdef0"}, "securityGroupIds": []any{"sg-0aaaaaaaaaaaaaaaa"}}}),
			envs: prod(map[string]any{"allowedSecurityGroupIds": []any{"sg-0bbbbbbbbbbbbbbbb"}, "allowedSubnetIds": []any{"subnet-0123456789abcdef0"}}),
			want: []string{"spec.network.securityGroupIds: sg-0aaaaaaaaaaaaaaaa is not granted to namespace team-b on stage prod (granted: sg-0bbbbbbbbbbbbbbbb)"},
		},
		"a VPC outside the allowlist": {
			xr:   xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "network": map[string]any{"subnetIds": []any{"subnet-0123456789abcdef0"}, "vpcId": "vpc-0aaaaaaaaaaaaaaaa"}}),
			envs: prod(map[string]any{"allowedVpcIds": []any{"vpc-0bbbbbbbbbbbbbbbb"}, "allowedSubnetIds": []any{"subnet-0123456789abcdef0"}}),
			want: []string{"spec.network.vpcId: vpc-0aaaaaaaaaaaaaaaa is not granted to namespace team-b on stage prod (granted: vpc-0bbbbbbbbbbbbbbbb)"},
		},
		"a malformed account in the EnvironmentConfig": {
			xr: xrIn("team-b", map[string]any{"stage": "prod", "api": iam}), envs: prod(map[string]any{"accountId": "33"}),
			want: []string{`EnvironmentConfig data.accountId: "33" is not a 12-digit AWS account ID`},
		},
	}
	wantRefusals(t, cases)

	t.Run("granted: a claim's secret comes from the claim's namespace", func(t *testing.T) {
		got := wantComposed(t, newRequest(t, claimXR("team-b", map[string]any{"stage": "prod", "api": iam, "secrets": created("")}), prod(nil), nil))
		if ns := lookup(got[keySecret+"db"+keySecretVersion], "spec", "forProvider", "secretStringSecretRef", "namespace"); ns != "team-b" {
			t.Errorf("secretStringSecretRef.namespace = %v, want team-b", ns)
		}
	})
	t.Run("granted: the team's own secret, a granted key and security group", func(t *testing.T) {
		own := "arn:aws:secretsmanager:us-east-1:" + acct + ":secret:team-b/db-AbCdEf"
		xr := xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "secrets": []any{map[string]any{"name": "db", "arn": own,
			"kmsKeyArn": "arn:aws:kms:us-east-1:" + acct + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
			"network": map[string]any{"subnetIds": []any{"subnet-0123456789abcdef0"}, "securityGroupIds": []any{"sg-0bbbbbbbbbbbbbbbb"}}})
		got := wantComposed(t, newRequest(t, xr, prod(map[string]any{"allowedSecurityGroupIds": []any{"sg-0bbbbbbbbbbbbbbbb"}, "allowedSubnetIds": []any{"subnet-0123456789abcdef0"},
			"grants": map[string]any{"resources": []any{"arn:aws:s3:::artifacts/*", "arn:aws:kms:*:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}}), nil))
		if p, _ := lookup(got[keyRolePolicy], "spec", "forProvider", "policy").(string); !strings.Contains(p, own) {
			t.Errorf("policy does not grant %s: %s", own, p)
		}
	})
	t.Run("granted: the team's own alarm topic in the stage's account", func(t *testing.T) {
		topic := "arn:aws:sns:us-east-1:" + acct + ":team-b_pager"
		got := wantComposed(t, newRequest(t, xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "monitoring": map[string]any{"alarmTopicArn": topic}}), prod(nil), nil))
		if a := lookup(got[keyAlarmErrors], "spec", "forProvider", "alarmActions"); !reflect.DeepEqual(a, []any{topic}) {
			t.Errorf("alarm-errors alarmActions = %v, want [%s]", a, topic)
		}
	})
	t.Run("granted: a created secret is named under the namespace's prefix", func(t *testing.T) {
		got := wantComposed(t, newRequest(t, xrIn("team-b", map[string]any{"stage": "prod", "api": iam, "secrets": created("")}), prod(nil), nil))
		if n, _ := lookup(got[keySecret+"db"], "spec", "forProvider", "name").(string); !strings.HasPrefix(n, "team-b/") {
			t.Errorf("created secret name %q is not under team-b/", n)
		}
	})
}

// Rule 5: a vanished config is an error, not a fallback.
func TestVanishedStageConfigIsRefused(t *testing.T) {
	prod := sharedEnvConfig("stage-prod", "prod", map[string]any{"namespaces": []any{"team"}, "providerConfigName": "aws-prod", "region": "eu-central-1"})
	xr := xrObject(map[string]any{"stage": "prod", "api": map[string]any{"auth": map[string]any{"type": "iam"}}})
	first := wantComposed(t, newRequest(t, xr, []map[string]any{prod}, nil))
	observed := map[string]map[string]any{}
	for k, r := range first {
		observed[k] = readyObserved(r, nil)
	}

	t.Run("refused: the EnvironmentConfig was deleted", func(t *testing.T) {
		// prod without a config is refused by rule 1 already; a custom stage based on dev shows
		// the fallback rule 5 stops: built-in dev would point at ProviderConfig/dev, us-east-1.
		devLike := sharedEnvConfig("stage-dev", "dev", map[string]any{"namespaces": []any{"team"}, "providerConfigName": "aws-dev", "region": "eu-west-1"})
		dx := xrObject(nil)
		got := wantComposed(t, newRequest(t, dx, []map[string]any{devLike}, nil))
		obs := map[string]map[string]any{}
		for k, r := range got {
			obs[k] = readyObserved(r, nil)
		}
		t.Logf("%s", wantFatal(t, newRequest(t, dx, []map[string]any{}, obs),
			"provider config ProviderConfig/aws-dev -> ProviderConfig/dev", "region eu-west-1 -> us-east-1 (function)", "nothing was changed"))
	})
	t.Run("refused: the EnvironmentConfig now names another account", func(t *testing.T) {
		moved := sharedEnvConfig("stage-prod", "prod", map[string]any{"namespaces": []any{"team"}, "providerConfigName": "aws-other", "region": "eu-central-1"})
		wantFatal(t, newRequest(t, xr, []map[string]any{moved}, observed), "provider config ProviderConfig/aws-prod -> ProviderConfig/aws-other")
	})
	t.Run("granted: unchanged settings reconcile", func(t *testing.T) {
		wantComposed(t, newRequest(t, xr, []map[string]any{prod}, observed))
	})
}

// Rule 3: names are stable. A stack composed under an older naming scheme (before names carried
// the owner, or before they were injective) keeps its names.
func TestNamesOfAnExistingStackNeverChange(t *testing.T) {
	xr := xrIn("team-a", nil)
	env := envConfig("stage-dev", "dev", map[string]any{"namespaces": []any{"team-a"}, "sharedAccount": false, "secretNamePrefix": "{namespace}/"})
	fresh := wantComposed(t, newRequest(t, xr, []map[string]any{env}, nil))
	if got := lookup(fresh[KeyFunction], "metadata", "annotations", annotationExternalName); got != "team-a_dev_mcp" {
		t.Fatalf("new stack's function = %v, want team-a_dev_mcp", got)
	}
	if got := lookup(fresh[KeyFunction], "spec", "forProvider", "roleRef", "name"); got != "mcp--role" {
		t.Errorf("a new stack's roleRef = %v, want mcp--role", got)
	}
	for _, tc := range []struct{ function, role, notIn string }{
		{"dev-mcp", "dev-mcp-role", "team-a"},             // before names carried the owner
		{"team-a_dev-mcp", "team-a_dev-mcp-role", "_mcp"}, // before names were injective
	} {
		t.Run(tc.function, func(t *testing.T) {
			old := map[string]map[string]any{}
			for k, r := range fresh {
				old[k] = readyObserved(deepCopyMap(t, r), nil)
			}
			lookup(old[KeyFunction], "metadata", "annotations").(map[string]any)[annotationExternalName] = tc.function
			for k, r := range old { // composed objects named <xr>-<key>, as before the "--" separator
				r["metadata"].(map[string]any)["name"] = "mcp-" + k
			}
			again := wantComposed(t, newRequest(t, xr, []map[string]any{env}, old))
			for k, n := range awsNames(again) {
				if strings.Contains(n, tc.notIn) {
					t.Errorf("%s of a stack named %s = %q, want its old name", k, tc.function, n)
				}
			}
			if got := lookup(again[KeyRole], "metadata", "annotations", annotationExternalName); got != tc.role {
				t.Errorf("role = %v, want %s", got, tc.role)
			}
			if got := lookup(again[KeyFunction], "spec", "forProvider", "roleRef", "name"); got != "mcp-role" {
				t.Errorf("function's roleRef = %v, want the existing object mcp-role", got)
			}
		})
	}
}
