//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/test/e2e/providerstandin"
)

// TestTenancy plays a platform and two app teams on the local control plane (docs/tenancy.md):
// namespaces team-a and team-b, a ServiceAccount "deployer" in each that may manage LambdaStacks
// and Secrets in its own namespace only, dev granted to both (by namespace label, through the dev
// EnvironmentConfig's namespaceSelector) and prod to team-a only (added to the prod
// EnvironmentConfig's namespaces), and the ProviderConfigs each team was granted in its namespace.
// The platform's objects are created as the admin, as the platform team would; every request is
// applied as a team's ServiceAccount (kubectl --as). It prints what was tried and what was refused.
func TestTenancy(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := clusterWithStandIn(ctx, t)
	if !t.Run("platform", func(t *testing.T) { testPlatform(ctx, t, c) }) {
		t.FailNow()
	}

	var tried []string
	report := func(team, what, outcome string) {
		line := fmt.Sprintf("%-7s %-62s %s", team, what, outcome)
		tried = append(tried, line)
		t.Log(line)
	}
	defer func() {
		t.Logf("what the teams tried and what happened:\n%s", strings.Join(tried, "\n"))
	}()

	// The platform: namespaces (team-a and team-b labelled for dev), the teams' RBAC, the
	// ProviderConfigs each is granted, prod granted to team-a, Crossplane allowed to read
	// namespaces for the dev stage's label selector.
	c.mustKubectl(t, "", "apply", "-f", "examples/crossplane-namespace-reader.yaml")
	for _, ns := range []string{"team-a", "team-b"} {
		c.mustKubectl(t, platformObjects(ns), "apply", "-f", "-")
	}
	c.mustKubectl(t, providerConfig("team-a", "aws-prod", "333333333333"), "apply", "-f", "-")
	c.mustKubectl(t, "", "patch", "environmentconfigs.apiextensions.crossplane.io", "stage-prod", "--type=json",
		"-p", `[{"op":"add","path":"/data/namespaces/-","value":"team-a"}]`)
	t.Cleanup(func() {
		// the example's prod EnvironmentConfig as it was (team-a no longer granted)
		if out, err := c.kubectl("", "apply", "-f", "examples/environmentconfigs/prod.yaml"); err != nil {
			t.Logf("restoring stage-prod: %v: %s", err, out)
		}
	})
	c.mustKubectl(t, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: team-a\nstringData:\n  password: team-a-only\n",
		"--as", deployer("team-a"), "apply", "-f", "-")

	var made []string // namespace/name of every LambdaStack applied, for the clean-up
	t.Cleanup(func() {
		for _, m := range made {
			ns, name, _ := strings.Cut(m, "/")
			if out, err := c.kubectl("", "-n", ns, "delete", "lambdastacks."+group, name, "--ignore-not-found", "--timeout=120s"); err != nil {
				t.Logf("clean-up: %v: %s", err, out)
			}
		}
		for _, ns := range []string{"team-a", "team-b"} {
			_, _ = c.kubectl("", "delete", "namespace", ns, "--wait=false")
		}
	})
	apply := func(t *testing.T, team, name string, spec map[string]any) {
		t.Helper()
		made = append(made, team+"/"+name)
		c.mustKubectl(t, request(team, name, spec), "--as", deployer(team), "apply", "-f", "-")
	}
	// refused applies a request as team and waits for the function's refusal (Synced=False with
	// want in its message); nothing may have been composed for it.
	refused := func(t *testing.T, team, name, what, want string, spec map[string]any) {
		t.Helper()
		apply(t, team, name, spec)
		var msg string
		eventually(t, readyTimeout, name+" refused", func() (bool, string) {
			u, err := c.get(ctx, apiV, "LambdaStack", team, name)
			if err != nil {
				return false, err.Error()
			}
			st, m := condition(u, "Synced")
			msg = m
			return st == "False" && strings.Contains(m, want), "Synced=" + st + ": " + m
		}, func() { t.Log(c.logTail(xpLog, name, 10)) })
		if mrs, err := c.managedWithLabel(ctx, "crossplane.io/composite", name); err != nil || len(mrs) > 0 {
			t.Errorf("%s: the refused request composed %v (%v)", name, mrs, err)
		}
		report(team, what, "REFUSED: "+msg)
	}
	// composedAs applies a request as team and waits until the function composed it (Synced).
	composedAs := func(t *testing.T, team, name, what string, spec map[string]any) {
		t.Helper()
		apply(t, team, name, spec)
		eventually(t, readyTimeout, team+"/"+name+" Synced and composed", func() (bool, string) {
			u, err := c.get(ctx, apiV, "LambdaStack", team, name)
			if err != nil {
				return false, err.Error()
			}
			st, msg := condition(u, "Synced")
			return st == "True" && len(resourceRefs(u)) > 0, "Synced=" + st + ": " + msg
		}, func() { t.Log(c.logTail(xpLog, name, 10)) })
		report(team, what, "composed")
	}
	code := map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "spec3-lambdastack-artifacts", "key": "shared/e2e.zip"}}}
	iam := map[string]any{"auth": map[string]any{"type": "iam"}}

	t.Run("rbac", func(t *testing.T) {
		out, err := c.kubectl(request("team-a", "intruder", map[string]any{"stage": "dev", "app": "intruder", "function": code}),
			"--as", deployer("team-b"), "apply", "-f", "-")
		if err == nil || !strings.Contains(out, "forbidden") {
			t.Fatalf("team-b created a LambdaStack in team-a: %v: %s", err, out)
		}
		report("team-b", "LambdaStack in namespace team-a", "DENIED by RBAC: "+forbiddenLine(out))
		out, err = c.kubectl("", "--as", deployer("team-b"), "-n", "team-a", "get", "secret", "db")
		if err == nil || !strings.Contains(out, "forbidden") {
			t.Fatalf("team-b read team-a's Secret: %v: %s", err, out)
		}
		report("team-b", "read Secret team-a/db", "DENIED by RBAC: "+forbiddenLine(out))
	})

	t.Run("refused", func(t *testing.T) {
		refused(t, "team-b", "b-prod", "stage prod (granted to team-a only)",
			"namespace team-b may not use stage prod",
			map[string]any{"stage": "prod", "app": "shared-api", "function": code, "api": iam})
		refused(t, "team-b", "b-account", "stage dev with providerConfigName: aws-prod, api.auth none",
			`spec.providerConfigName: "aws-prod" is not granted to stage dev`,
			map[string]any{"stage": "dev", "app": "b-account", "function": code, "providerConfigName": "aws-prod", "api": map[string]any{"auth": map[string]any{"type": "none"}}})
		refused(t, "team-b", "b-k8s-secret", "a secret created from Secret team-a/db",
			`"team-a": a LambdaStack reads Kubernetes Secrets only from its own namespace team-b`,
			map[string]any{"stage": "dev", "app": "b-k8s-secret", "function": code, "secrets": []any{map[string]any{"name": "db",
				"create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": "password", "namespace": "team-a"}}}}}})
		refused(t, "team-b", "b-team-a-secret", "team-a's Secrets Manager secret team-a/db",
			`is not namespace team-b's: stage dev shares account 111111111111 between namespaces`,
			map[string]any{"stage": "dev", "app": "b-team-a-secret", "function": code, "secrets": []any{map[string]any{"name": "db",
				"arn": "arn:aws:secretsmanager:us-east-1:111111111111:secret:team-a/db-AbCdEf"}}})
		refused(t, "team-b", "b-other-account", "a secret in another account",
			"the secret is in account 999999999999, not in stage dev's account 111111111111",
			map[string]any{"stage": "dev", "app": "b-other-account", "function": code, "secrets": []any{map[string]any{"name": "db",
				"arn": "arn:aws:secretsmanager:us-east-1:999999999999:secret:team-b/db-AbCdEf"}}})
	})

	t.Run("same-app-on-dev", func(t *testing.T) {
		names := map[string]string{}
		for _, team := range []string{"team-a", "team-b"} {
			apply(t, team, "shared-api", map[string]any{"stage": "dev", "app": "shared-api", "function": code})
		}
		for _, team := range []string{"team-a", "team-b"} {
			eventually(t, readyTimeout, team+"/shared-api Ready", func() (bool, string) {
				u, err := c.get(ctx, apiV, "LambdaStack", team, "shared-api")
				if err != nil {
					return false, err.Error()
				}
				st, msg := condition(u, "Ready")
				return st == "True", "Ready=" + st + ": " + msg
			}, func() { t.Log(c.logTail(xpLog, "shared-api", 10)) })
			u, err := c.get(ctx, apiV, "LambdaStack", team, "shared-api")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range resourceRefs(u) {
				m, err := c.get(ctx, r.APIVersion, r.Kind, r.Namespace, r.Name)
				if err != nil {
					t.Fatal(err)
				}
				if r.Kind == "Function" {
					names[team] = m.GetAnnotations()[providerstandin.AnnotationExternalName]
				}
				if owner, ok, _ := unstructured.NestedString(m.Object, "spec", "forProvider", "tags", "lambdastack:owner"); ok && owner != team {
					t.Errorf("%s %s: owner tag %q, want %s", r.Kind, r.Name, owner, team)
				}
				// the execution role (the logs reader and service roles are not Lambda workloads)
				if r.Kind == "Role" && m.GetAnnotations()["crossplane.io/composition-resource-name"] == "role" && str(m, "spec", "forProvider", "permissionsBoundary") != devBoundary {
					t.Errorf("%s %s: permissionsBoundary %q, want dev's owner boundary %s", r.Kind, r.Name, str(m, "spec", "forProvider", "permissionsBoundary"), devBoundary)
				}
				pcKind, pcName := str(m, "spec", "providerConfigRef", "kind"), str(m, "spec", "providerConfigRef", "name")
				if pcName != "" && (pcKind != "ProviderConfig" || pcName != "dev" || m.GetNamespace() != team) {
					t.Errorf("%s %s: provider config %s/%s in %s, want the ProviderConfig dev of %s", r.Kind, r.Name, pcKind, pcName, m.GetNamespace(), team)
				}
			}
			report(team, "stage dev, app shared-api", "Ready; Lambda function "+names[team])
		}
		if names["team-a"] == "" || names["team-a"] == names["team-b"] {
			t.Errorf("function names: team-a %q, team-b %q; want two distinct names", names["team-a"], names["team-b"])
		}
		if names["team-a"] != "team-a_dev_shared-api" || names["team-b"] != "team-b_dev_shared-api" {
			t.Errorf("function names %v, want <namespace>_dev_shared-api", names)
		}
	})

	// Rules 9-12 of docs/tenancy.md: team-a and team-b share dev's account 111111111111. The
	// platform grants team-a its network; team-b's requests naming team-a's function, queue and
	// security group, or asking for more than dev's quota, are refused, and team-a's own
	// equivalents compose.
	t.Run("shared-account", func(t *testing.T) {
		const acct = "111111111111"
		const sgA, subnetA = "sg-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa1"
		t.Cleanup(func() {
			if out, err := c.kubectl("", "apply", "-f", "examples/environmentconfigs/dev.yaml"); err != nil {
				t.Logf("restoring stage-dev: %v: %s", err, out)
			}
		})
		c.mustKubectl(t, "", "patch", "environmentconfigs.apiextensions.crossplane.io", "stage-dev", "--type=json", "-p",
			`[{"op":"add","path":"/data/grants/namespaces/team-a","value":{"securityGroupIds":["`+sgA+`"],"subnetIds":["`+subnetA+`"]}}]`)
		report("platform", "stage dev: team-a's network (data.grants.namespaces.team-a)", "granted")

		fnA := "arn:aws:lambda:us-east-1:" + acct + ":function:team-a_dev_shared-api"
		queueA := "arn:aws:sqs:us-east-1:" + acct + ":team-a_jobs"
		perms := func(arn string) map[string]any {
			return map[string]any{"statements": []any{map[string]any{"actions": []any{"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"}, "resources": []any{arn}}}}
		}
		refused(t, "team-b", "b-own-perms", "permissions on team-a's function team-a_dev_shared-api",
			"spec.permissions.statements[0].resources: the resource "+fnA+" is not namespace team-b's",
			map[string]any{"stage": "dev", "app": "b-own-perms", "function": code, "permissions": perms(fnA)})
		refused(t, "team-b", "b-trigger", "team-a's queue team-a_jobs as SQS trigger",
			"spec.triggers.sqs[0].queueArn: the SQS queue "+queueA+" is not namespace team-b's",
			map[string]any{"stage": "dev", "app": "b-trigger", "function": code, "triggers": map[string]any{"sqs": []any{map[string]any{"name": "jobs", "queueArn": queueA}}}})
		refused(t, "team-b", "b-destination", "team-a's queue team-a_jobs as failure destination",
			"spec.async.onFailureArn: the SQS queue "+queueA+" is not namespace team-b's",
			map[string]any{"stage": "dev", "app": "b-destination", "function": code, "async": map[string]any{"onFailureArn": queueA}})
		refused(t, "team-b", "b-network", "team-a's security group "+sgA,
			"spec.network.securityGroupIds: "+sgA+" is not granted to namespace team-b on stage dev",
			map[string]any{"stage": "dev", "app": "b-network", "function": code, "network": map[string]any{"subnetIds": []any{subnetA}, "securityGroupIds": []any{sgA}}})
		refused(t, "team-b", "b-concurrency", "reservedConcurrency 1000 on dev (quota 10)",
			"spec.function.reservedConcurrency: 1000 is above stage dev's quota of 10",
			map[string]any{"stage": "dev", "app": "b-concurrency", "function": map[string]any{"code": code["code"], "reservedConcurrency": 1000}})

		own := map[string]any{"stage": "dev", "app": "a-own", "function": map[string]any{"code": code["code"], "reservedConcurrency": 10},
			"permissions": perms("arn:aws:lambda:us-east-1:" + acct + ":function:team-a_*"),
			"triggers":    map[string]any{"sqs": []any{map[string]any{"name": "jobs", "queueArn": queueA}}},
			"async":       map[string]any{"onFailureArn": "arn:aws:sqs:us-east-1:" + acct + ":team-a_failed"},
			"network":     map[string]any{"subnetIds": []any{subnetA}, "securityGroupIds": []any{sgA}}}
		composedAs(t, "team-a", "a-own", "its own function, queue, destination and network; reservedConcurrency 10", own)
		// Ready, not only composed: the next subtest snapshots every managed resource and expects
		// none to change, so a-own's parts must have settled before it starts.
		eventually(t, readyTimeout, "team-a/a-own Ready", func() (bool, string) {
			u, err := c.get(ctx, apiV, "LambdaStack", "team-a", "a-own")
			if err != nil {
				return false, err.Error()
			}
			st, msg := condition(u, "Ready")
			return st == "True", "Ready=" + st + ": " + msg
		}, func() { t.Log(c.logTail(xpLog, "a-own", 10)) })
	})

	// Rule 5: the platform changes the dev stage's account under two existing stacks; both are
	// refused with what changed, and no managed resource is touched.
	t.Run("vanished-config", func(t *testing.T) {
		t.Cleanup(func() {
			if out, err := c.kubectl("", "apply", "-f", "examples/environmentconfigs/dev.yaml"); err != nil {
				t.Logf("restoring stage-dev: %v: %s", err, out)
			}
		})
		before, err := c.snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.mustKubectl(t, "", "patch", "environmentconfigs.apiextensions.crossplane.io", "stage-dev", "--type=json",
			"-p", `[{"op":"replace","path":"/data/providerConfigName","value":"dev-elsewhere"}]`)
		want := "provider config ProviderConfig/dev -> ProviderConfig/dev-elsewhere"
		var msg string
		eventually(t, readyTimeout, "team-a/shared-api refused after the stage's account changed", func() (bool, string) {
			u, err := c.get(ctx, apiV, "LambdaStack", "team-a", "shared-api")
			if err != nil {
				return false, err.Error()
			}
			st, m := condition(u, "Synced")
			msg = m
			return st == "False" && strings.Contains(m, want), "Synced=" + st + ": " + m
		}, func() { t.Log(c.logTail(xpLog, "shared-api", 10)) })
		report("platform", "stage dev re-pointed to providerConfigName dev-elsewhere", "team-a/shared-api REFUSED: "+msg)
		after, err := c.snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k, rv := range before {
			if after[k] != rv {
				t.Errorf("managed resource %s changed (resourceVersion %s -> %q) although its stack was refused", k, rv, after[k])
			}
		}
		c.mustKubectl(t, "", "apply", "-f", "examples/environmentconfigs/dev.yaml")
		eventually(t, readyTimeout, "team-a/shared-api Synced again once the account is restored", func() (bool, string) {
			u, err := c.get(ctx, apiV, "LambdaStack", "team-a", "shared-api")
			if err != nil {
				return false, err.Error()
			}
			st, m := condition(u, "Synced")
			return st == "True", "Synced=" + st + ": " + m
		})
	})

	t.Run("granted-prod", func(t *testing.T) {
		composedAs(t, "team-a", "a-prod", "stage prod, app shared-api (team-a is granted prod, ProviderConfig aws-prod)",
			map[string]any{"stage": "prod", "app": "shared-api", "function": code, "api": iam})
	})
}

func deployer(ns string) string { return "system:serviceaccount:" + ns + ":deployer" }

// devBoundary is the owner boundary examples/environmentconfigs/dev.yaml names (docs/tenancy.md,
// rule 10): every execution role of the shared dev account gets it.
const devBoundary = "arn:aws:iam::111111111111:policy/platform/lambdastack-owner-boundary"

// platformObjects is what the platform creates for a team: its namespace (labelled so that the
// dev EnvironmentConfig's namespaceSelector grants it dev), a ServiceAccount allowed to manage
// LambdaStacks and Secrets in that namespace only, and the ProviderConfig dev of the stage's
// account.
func platformObjects(ns string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
  labels:
    platform.spec3.io/stage-dev: granted
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: deployer
  namespace: %[1]s
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: lambdastack-deployer
  namespace: %[1]s
rules:
  - apiGroups: [platform.spec3.io]
    resources: [lambdastacks]
    verbs: [get, list, watch, create, update, patch, delete]
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: lambdastack-deployer
  namespace: %[1]s
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: lambdastack-deployer
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: %[1]s
---
%[2]s`, ns, providerConfig(ns, "dev", "111111111111"))
}

func providerConfig(ns, name, account string) string {
	return fmt.Sprintf(`apiVersion: aws.m.upbound.io/v1beta1
kind: ProviderConfig
metadata:
  name: %s
  namespace: %s
spec:
  credentials:
    source: IRSA
  assumeRoleChain:
    - roleARN: arn:aws:iam::%s:role/lambdastack-deployer-%s
`, name, ns, account, ns)
}

// request is a LambdaStack manifest.
func request(ns, name string, spec map[string]any) string {
	y, _ := yaml.Marshal(map[string]any{
		"apiVersion": apiV, "kind": "LambdaStack",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     spec,
	})
	return string(y)
}

// forbiddenLine is the line of kubectl's output that says what was forbidden.
func forbiddenLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "is forbidden") {
			l = strings.TrimSpace(line)
			break
		}
	}
	if len(l) > 200 {
		l = l[:200] + "…"
	}
	return l
}
