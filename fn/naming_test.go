package fn

import (
	"strings"
	"testing"
)

func TestAWSName(t *testing.T) {
	long := strings.Repeat("a", 60)
	cases := map[string]struct {
		limit        int
		stage, app   string
		parts        []string
		want         string
		wantLen      int
		wantPrefixOf string
	}{
		"short":           {limit: 64, stage: "dev", app: "mcp", want: "dev-mcp"},
		"with part":       {limit: 64, stage: "prod", app: "mcp", parts: []string{"role"}, want: "prod-mcp-role"},
		"empty part":      {limit: 64, stage: "prod", app: "mcp", parts: []string{""}, want: "prod-mcp"},
		"exactly limit":   {limit: 13, stage: "prod", app: "mcp", parts: []string{"role"}, want: "prod-mcp-role"},
		"one over limit":  {limit: 12, stage: "prod", app: "mcp", parts: []string{"role"}, wantLen: 12, wantPrefixOf: "prod-mcp-role"},
		"truncated":       {limit: 64, stage: "staging", app: long, parts: []string{"role"}, wantLen: 64, wantPrefixOf: "staging-" + long},
		"truncated small": {limit: 20, stage: "prod", app: "service-with-a-long-name", wantLen: 20, wantPrefixOf: "prod-service"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := awsName(tc.limit, tc.stage+"-"+tc.app, "-", tc.parts...)
			if len(got) > tc.limit {
				t.Fatalf("%q is %d characters, limit %d", got, len(got), tc.limit)
			}
			if tc.want != "" && got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if tc.wantLen != 0 && len(got) != tc.wantLen {
				t.Errorf("got %q (%d), want length %d", got, len(got), tc.wantLen)
			}
			if tc.wantPrefixOf != "" && !strings.HasPrefix(tc.wantPrefixOf, got[:len(got)-9]) {
				t.Errorf("%q does not keep a prefix of %q", got, tc.wantPrefixOf)
			}
		})
	}
}

func TestFitNameIsStableAndDistinct(t *testing.T) {
	a := strings.Repeat("x", 70) + "-role"
	b := strings.Repeat("x", 70) + "-policy"
	if fitName(a, 64) != fitName(a, 64) {
		t.Fatal("not deterministic")
	}
	if fitName(a, 64) == fitName(b, 64) {
		t.Fatalf("two long names sharing a prefix collide: %q", fitName(a, 64))
	}
	if got := fitName("dev-mcp", 64); got != "dev-mcp" {
		t.Fatalf("a short name changed: %q", got)
	}
}

func TestObjectName(t *testing.T) {
	if got := objectName(&settings{XRName: "mcp"}, "role"); got != "mcp--role" {
		t.Errorf("got %q", got)
	}
	if got := objectName(&settings{XRName: "mcp", LegacyObjectNames: true}, "role"); got != "mcp-role" {
		t.Errorf("an existing stack's object name changed: %q", got)
	}
	// rule 3 of docs/tenancy.md: XR mcp's api-log-group and XR mcp-api's log-group differ
	if a, b := objectName(&settings{XRName: "mcp"}, "api-log-group"), objectName(&settings{XRName: "mcp-api"}, "log-group"); a == b {
		t.Errorf("two XRs compose the same object name %q", a)
	}
	long := objectName(&settings{XRName: strings.Repeat("n", 80)}, "usage-log-group-by-function")
	if len(long) > 63 {
		t.Errorf("%q is longer than 63", long)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"POST /mcp":       "post-mcp",
		"ANY /{proxy+}":   "any-proxy",
		"$default":        "default",
		"GET /v1/Items/x": "get-v1-items-x",
		"/":               "root",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// Rule 3 of docs/tenancy.md: two stacks in different namespaces that ask for the same stage and
// app in one account and region never name the same AWS resource.
func TestAWSNamesDifferBetweenNamespaces(t *testing.T) {
	spec := map[string]any{"stage": "prod", "api": map[string]any{"auth": map[string]any{"type": "iam"}},
		"monitoring": map[string]any{"alarms": true, "dashboard": true, "alarmEmails": []any{"ops@example.com"}},
		"network":    map[string]any{"subnetIds": []any{"subnet-0123456789abcdef0"}, "vpcId": "vpc-0123456789abcdef0"},
		"secrets":    []any{map[string]any{"name": "db", "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}}}}}}
	env := sharedEnvConfig("stage-prod", "prod", map[string]any{"namespaces": []any{"team-a", "team-b", "team"}, "providerConfigName": "aws-prod", "providerConfigKind": "ClusterProviderConfig",
		"allowedSubnetIds": []any{"subnet-0123456789abcdef0"}, "allowedVpcIds": []any{"vpc-0123456789abcdef0"}})
	names := map[string]map[string]string{}
	for _, ns := range []string{"team-a", "team-b"} {
		names[ns] = awsNames(wantComposed(t, newRequest(t, xrIn(ns, spec), []map[string]any{env}, nil)))
	}
	if len(names["team-a"]) < 10 {
		t.Fatalf("only %d AWS names found: %v", len(names["team-a"]), names["team-a"])
	}
	taken := map[string]string{}
	for k, n := range names["team-a"] {
		taken[n] = k
	}
	for k, n := range names["team-b"] {
		if other, ok := taken[n]; ok {
			t.Errorf("team-b's %s and team-a's %s are both named %q", k, other, n)
		}
	}
	// a claim from team-a gets team-a's owner part too, and an owner that looks like a longer
	// stage cannot produce another namespace's names
	claim := awsNames(wantComposed(t, newRequest(t, claimXR("team-a", spec), []map[string]any{env}, nil)))
	if claim["function external-name"] != "team-a_prod_mcp" {
		t.Errorf("claim's function name = %q, want team-a_prod_mcp", claim["function external-name"])
	}
}

// The longest owner, stage and app keep every AWS name within its limit, distinct, and the same
// on every call.
func TestLongestNamesFitAWSLimits(t *testing.T) {
	owner := strings.Repeat("n", 63)
	stage := "s" + strings.Repeat("t", 15)
	app := "a" + strings.Repeat("p", 39)
	spec := map[string]any{"stage": stage, "app": app, "api": map[string]any{"auth": map[string]any{"type": "iam"}},
		"monitoring": map[string]any{"alarms": true, "dashboard": true, "alarmEmails": []any{"ops@example.com"}},
		"network":    map[string]any{"subnetIds": []any{"subnet-0123456789abcdef0"}, "vpcId": "vpc-0123456789abcdef0"},
		"secrets":    []any{map[string]any{"name": strings.Repeat("z", 32), "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}}}}},
		"triggers": map[string]any{
			"sqs":       []any{map[string]any{"name": strings.Repeat("q", 24), "create": map[string]any{}}, map[string]any{"name": strings.Repeat("q", 23) + "r", "create": map[string]any{}}},
			"schedules": []any{map[string]any{"name": strings.Repeat("c", 24), "expression": "rate(1 hour)"}},
		}}
	env := sharedEnvConfig("stage", stage, map[string]any{"namespaces": []any{owner}, "baseProfile": "prod",
		"allowedSubnetIds": []any{"subnet-0123456789abcdef0"}, "allowedVpcIds": []any{"vpc-0123456789abcdef0"}})
	limits := map[string]int{
		"Function": maxFunctionName, "Role": maxRoleName, "RolePolicy": maxPolicyName, "Group": maxLogGroupName,
		"API": maxAPIName, "MetricAlarm": maxAlarmName, "Dashboard": maxDashboardName, "Topic": maxTopicName,
		"Secret": maxSecretName, "SecurityGroup": maxSGName, "Authorizer": maxAuthorizer,
		"Queue": maxQueueName, "Schedule": maxScheduleName,
	}
	first := wantComposed(t, newRequest(t, xrIn(owner, spec), []map[string]any{env}, nil))
	again := awsNames(wantComposed(t, newRequest(t, xrIn(owner, spec), []map[string]any{env}, nil)))
	seen := map[string]string{}
	for k, r := range first {
		kind, _ := r["kind"].(string)
		for what, n := range awsNames(map[string]map[string]any{k: r}) {
			limit, ok := limits[kind]
			if !ok {
				t.Errorf("%s: no AWS name limit known for kind %s", what, kind)
				continue
			}
			if len(n) > limit {
				t.Errorf("%s: %q is %d characters, %s allows %d", what, n, len(n), kind, limit)
			}
			if again[what] != n {
				t.Errorf("%s: %q, then %q", what, n, again[what])
			}
			if prev, dup := seen[kind+"/"+n]; dup {
				t.Errorf("%s and %s are both %s %q", what, prev, kind, n)
			}
			seen[kind+"/"+n] = what
		}
	}
}

// Rule 14 of docs/tenancy.md: no two different (namespace, stage, app) give the same AWS name in
// one account. The attack of issue 22: stage perf-x with app svc and stage perf with app x-svc,
// both of namespace team on one account, read team_perf-x-svc under the older scheme, and the
// second stack adopted the first one's function; app xy with trigger a-async-failures and app
// xy-sqs-a with its failure queue shared a queue name. An XLambdaStack without a claim never
// takes a namespace's names either.
func TestNamesAreInjective(t *testing.T) {
	spec := func(stage, app string, refNS ...string) map[string]any {
		ref := map[string]any{"name": "s", "key": "k"}
		if len(refNS) > 0 {
			ref["namespace"] = refNS[0] // an XLambdaStack without a claim names it
		}
		return map[string]any{"stage": stage, "app": app, "api": map[string]any{"auth": map[string]any{"type": "iam"}},
			"monitoring": map[string]any{"alarms": true, "dashboard": true, "alarmEmails": []any{"ops@example.com"}},
			"network":    map[string]any{"subnetIds": []any{"subnet-0123456789abcdef0"}, "vpcId": "vpc-0123456789abcdef0"},
			"async":      map[string]any{"failureQueue": true},
			"triggers":   map[string]any{"sqs": []any{map[string]any{"name": "a-async-failures", "create": map[string]any{}}}},
			"secrets":    []any{map[string]any{"name": "db", "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": ref}}}}}
	}
	stacks := []struct {
		what string
		xr   map[string]any
	}{
		{"team perf-x/svc", xrIn("team", spec("perf-x", "svc"))},
		{"team perf/x-svc", xrIn("team", spec("perf", "x-svc"))},
		{"team perf/xy", xrIn("team", spec("perf", "xy"))},
		{"team perf/xy-sqs-a", xrIn("team", spec("perf", "xy-sqs-a"))},
		{"perf-x perf/xy (namespace perf-x)", xrIn("perf-x", spec("perf", "xy"))},
		{"team-perf xy/svc (namespace team-perf)", xrIn("team-perf", spec("xy", "svc"))},
		{"unclaimed team/perf-x-svc", unclaimedXR(spec("team", "perf-x-svc", "platform"))},
		{"unclaimed perf-x/svc", unclaimedXR(spec("perf-x", "svc", "platform"))},
	}
	owner := map[string]string{} // kind/name -> which stack
	for _, st := range stacks {
		meta := st.xr["metadata"].(map[string]any)
		ns, _ := meta["namespace"].(string)
		stage := st.xr["spec"].(map[string]any)["stage"].(string)
		env := sharedEnvConfig("stage-"+stage, stage, map[string]any{"namespaces": []any{ns, "team", "perf-x", "team-perf"}, "baseProfile": "prod",
			"providerConfigName": "one-account", "providerConfigKind": "ClusterProviderConfig",
			"allowedSubnetIds": []any{"subnet-0123456789abcdef0"}, "allowedVpcIds": []any{"vpc-0123456789abcdef0"}})
		got := wantComposed(t, newRequest(t, st.xr, []map[string]any{env}, nil))
		names := awsNames(got)
		if len(names) < 12 {
			t.Fatalf("%s: only %d AWS names: %v", st.what, len(names), names)
		}
		for what, n := range names {
			kind := got[strings.Fields(what)[0]]["kind"].(string)
			if prev, dup := owner[kind+"/"+n]; dup {
				t.Errorf("%s's %s and %s are both %s %q", st.what, what, prev, kind, n)
			}
			owner[kind+"/"+n] = st.what + "'s " + what
		}
	}
	if stemOf(namesOwnerFirst, "team", "perf-x", "svc") != stemOf(namesOwnerFirst, "team", "perf", "x-svc") {
		t.Error("the older scheme's collision this test replays is gone; the cases no longer show anything")
	}
	for _, tc := range []struct{ owner, stage, app, want string }{
		{"team", "perf-x", "svc", "team_perf-x_svc"},
		{"team", "perf", "x-svc", "team_perf_x-svc"},
		{"", "perf", "x-svc", "_perf_x-svc"},
	} {
		if got := stemOf(namesInjective, tc.owner, tc.stage, tc.app); got != tc.want {
			t.Errorf("stem of %q %q %q = %q, want %q", tc.owner, tc.stage, tc.app, got, tc.want)
		}
	}
}

// awsName under the current scheme joins the first part with "_" and the next ones with "-".
func TestAWSNameParts(t *testing.T) {
	if got := awsName(64, "team_dev_mcp", nameSeparator, "sqs", "jobs", "dlq"); got != "team_dev_mcp_sqs-jobs-dlq" {
		t.Errorf("got %q", got)
	}
	if got := awsName(64, "team_dev_mcp", nameSeparator, "", "jobs"); got != "team_dev_mcp_jobs" {
		t.Errorf("an empty part: got %q", got)
	}
}
