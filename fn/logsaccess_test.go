package fn

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// ssoPattern is the team's IAM Identity Center role, the usual principal of a stage.
const ssoPattern = "arn:aws:iam::" + testAccount + ":role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_{namespace}_*"

// logsEnv is stage's EnvironmentConfig (in account testAccount) naming the principals that may
// read logs.
func logsEnv(stage string, principals ...any) map[string]any {
	return envConfig("stage-"+stage, stage, map[string]any{"accountId": testAccount, "logsAccess": map[string]any{"principalArns": principals}})
}

func TestLogsAccessRefusals(t *testing.T) {
	const field = "EnvironmentConfig data.logsAccess.principalArns"
	long := make([]any, 0, maxLogsPrincipals)
	for i := range maxLogsPrincipals {
		long = append(long, fmt.Sprintf("arn:aws:iam::%s:role/%s/{namespace}/reader-%d", testAccount, strings.Repeat("p", 180), i))
	}
	wantRefusals(t, map[string]refusal{
		"not an ARN":                 {xrObject(nil), []map[string]any{logsEnv("dev", "team-developers")}, []string{field + "[0]", "is not an IAM role or user ARN"}},
		"a wildcard account":         {xrObject(nil), []map[string]any{logsEnv("dev", "arn:aws:iam::*:role/{namespace}/reader")}, []string{field + "[0]", "in a named account"}},
		"another service":            {xrObject(nil), []map[string]any{logsEnv("dev", "arn:aws:sts::"+testAccount+":assumed-role/{namespace}/x")}, []string{field + "[0]"}},
		"a letter after it":          {xrObject(nil), []map[string]any{logsEnv("dev", "arn:aws:iam::"+testAccount+":role/AWSReservedSSO_{namespace}dev_*")}, []string{field + "[0]", "{namespace} must sit between characters no namespace name contains"}},
		"a dash before it":           {xrObject(nil), []map[string]any{logsEnv("dev", "arn:aws:iam::"+testAccount+":role/team-{namespace}_*")}, []string{field + "[0]", "{namespace} must sit between"}},
		"a wildcard after it":        {xrObject(nil), []map[string]any{logsEnv("dev", "arn:aws:iam::"+testAccount+":role/AWSReservedSSO_{namespace}*")}, []string{field + "[0]", "{namespace} must sit between"}},
		"another placeholder":        {xrObject(nil), []map[string]any{logsEnv("dev", "arn:aws:iam::"+testAccount+":role/{stage}/{namespace}")}, []string{field + "[0]", "the only placeholder is {namespace}"}},
		"the second is broken":       {xrObject(nil), []map[string]any{logsEnv("dev", ssoPattern, "arn:aws:iam::1:role/x")}, []string{field + "[1]"}},
		"too many":                   {xrObject(nil), []map[string]any{logsEnv("dev", append(slices.Clone(long), "arn:aws:iam::"+testAccount+":role/x")...)}, []string{field, "at most 10"}},
		"a trust policy IAM refuses": {xrObject(nil), []map[string]any{logsEnv("dev", long...)}, []string{field, "trust policy would be", "IAM allows 2048"}},
	})
}

// The role: trusted by the principals' accounts for callers matching the stage's patterns with
// the stack's namespace, allowed to read its own log groups; none where the stage names nobody.
func TestLogsRole(t *testing.T) {
	if _, ok := byKey(t, settingsFor(t, xrObject(nil), envConfig("stage-dev", "dev", nil)))[keyLogsReader]; ok {
		t.Error("a logs role without data.logsAccess")
	}
	s := settingsFor(t, xrIn("team-a", nil), envConfig("stage-dev", "dev", map[string]any{"namespaces": []any{"team-a"}, "sharedAccount": false,
		"logsAccess": map[string]any{"principalArns": []any{ssoPattern, "arn:aws:iam::210987654321:role/oncall", ssoPattern}}}))
	role := byKey(t, s)[keyLogsReader]
	if role["kind"] != "Role" || annotations(role)[annotationExternalName] != "team-a_dev_mcp_logs-reader" {
		t.Errorf("logs role %v %v", role["kind"], annotations(role))
	}
	trust := policyOf(t, map[string]any{"spec": map[string]any{"forProvider": map[string]any{"policy": fp(role, "assumeRolePolicy")}}})
	if len(trust.Statement) != 1 {
		t.Fatalf("trust policy %+v", trust)
	}
	st := trust.Statement[0]
	wantAccounts := []any{"arn:aws:iam::" + testAccount + ":root", "arn:aws:iam::210987654321:root"}
	wantPatterns := []any{strings.ReplaceAll(ssoPattern, "{namespace}", "team-a"), "arn:aws:iam::210987654321:role/oncall"}
	cond, _ := st.Condition["ArnLike"].(map[string]any)
	if !slices.Equal(st.Action, []string{"sts:AssumeRole"}) || fmt.Sprint(st.Principal["AWS"]) != fmt.Sprint(wantAccounts) ||
		fmt.Sprint(cond["aws:PrincipalArn"]) != fmt.Sprint(wantPatterns) {
		t.Errorf("trust statement %+v, want %v trusted for %v", st, wantAccounts, wantPatterns)
	}
	inline := fp(role, "inlinePolicy").([]any)
	if len(inline) != 1 {
		t.Fatalf("inline policies %v, want one", inline)
	}
	read := policyOf(t, map[string]any{"spec": map[string]any{"forProvider": inline[0]}})
	if len(read.Statement) != 1 || !slices.Equal(read.Statement[0].Action, logsReadActions) {
		t.Errorf("read policy %+v", read)
	}

	// an XLambdaStack without a claim has no namespace: only the patterns without one remain
	s = settingsFor(t, unclaimedXR(nil), envConfig("stage-dev", "dev", map[string]any{"logsAccess": map[string]any{"principalArns": []any{ssoPattern}}}))
	if _, ok := byKey(t, s)[keyLogsReader]; ok {
		t.Error("a logs role for a stack without a namespace, trusting a {namespace} pattern")
	}
	s = settingsFor(t, unclaimedXR(nil), envConfig("stage-dev", "dev", map[string]any{"logsAccess": map[string]any{"principalArns": []any{ssoPattern, "arn:aws:iam::210987654321:role/oncall"}}}))
	if got := s.LogsAccess.Principals; !slices.Equal(got, []string{"arn:aws:iam::210987654321:role/oncall"}) {
		t.Errorf("principals of an unclaimed stack %v", got)
	}
}

// Property: whatever the stack, the logs role reads exactly the stack's own log groups (those
// it composes, in every region, with their streams), only with the three read actions, trusts
// only the principals' accounts for the stage's patterns in the stack's namespace, and passes
// the policy walk of policy_test.go.
func TestLogsRoleNamesOnlyTheStacksLogGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 4))
	roles := 0
	for i := range 80 {
		xr := randomStack(rng)
		spec := xr["spec"].(map[string]any)
		if rng.IntN(3) == 0 {
			spec["regions"] = []any{"us-east-1", "eu-west-1"}
			delete(spec, "network")
			spec["function"].(map[string]any)["code"] = map[string]any{"s3": map[string]any{"bucket": "a-{region}", "key": "k.zip"}}
			delete(spec, "triggers")
			if auth, _ := spec["api"].(map[string]any)["auth"].(map[string]any); auth["type"] == "lambda" {
				auth["lambda"] = map[string]any{"functionArn": "arn:aws:lambda:{region}:" + testAccount + ":function:authorizer"}
			}
		}
		s := settingsFor(t, xr, logsEnv(spec["stage"].(string), ssoPattern))
		var o observedState
		for round := range 3 {
			r := mustPlan(t, s, o)
			var role map[string]any
			allowed := map[string]bool{}
			groups := 0
			for _, c := range r.Resources {
				for _, p := range policyProblems(c.Object, c.Key) {
					t.Errorf("stack %d round %d: %s", i, round, p)
				}
				switch {
				case c.Key == keyLogsReader:
					role = c.Object
				case kindOf(c) == "Group":
					groups++
					region, name := forProviderString(c, "region"), externalName(c)
					for _, acct := range []string{"*", testAccount} {
						g := fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, acct, name)
						allowed[g], allowed[g+":*"] = true, true
					}
				}
			}
			if role == nil {
				t.Fatalf("stack %d: no logs role", i)
			}
			roles++
			read := policyOf(t, map[string]any{"spec": map[string]any{"forProvider": fp(role, "inlinePolicy").([]any)[0]}})
			for _, st := range read.Statement {
				if !slices.Equal(st.Action, logsReadActions) {
					t.Errorf("stack %d: actions %v", i, st.Action)
				}
				for _, res := range st.Resource {
					if !allowed[res] {
						t.Errorf("stack %d round %d: the logs role may read %s, which is no log group of the stack", i, round, res)
					}
				}
				if len(st.Resource) != 2*groups {
					t.Errorf("stack %d round %d: %d resources for %d log groups: %v", i, round, len(st.Resource), groups, st.Resource)
				}
			}
			var trust struct{ Statement []map[string]any }
			if err := json.Unmarshal([]byte(fp(role, "assumeRolePolicy").(string)), &trust); err != nil {
				t.Fatal(err)
			}
			want := `[map[Action:[sts:AssumeRole] Condition:map[ArnLike:map[aws:PrincipalArn:[` + strings.ReplaceAll(ssoPattern, "{namespace}", "team") +
				`]]] Effect:Allow Principal:map[AWS:[arn:aws:iam::` + testAccount + `:root]] Sid:TeamReadsStackLogs]]`
			if got := fmt.Sprint(trust.Statement); got != want {
				t.Errorf("stack %d: trust %s, want %s", i, got, want)
			}
			o = simulateObserved(r.Resources)
		}
	}
	if roles < 200 {
		t.Errorf("only %d logs roles checked", roles)
	}
}

// The ARN reaches the status and the outputs once observed.
func TestLogsRoleStatus(t *testing.T) {
	s := settingsFor(t, xrObject(nil), logsEnv("dev", ssoPattern))
	if st := mustPlan(t, s, nil).Status; st.LogsRoleARN != "" {
		t.Errorf("logsRoleArn before the role is observed: %s", st.LogsRoleARN)
	}
	m, o := converged(t, s)
	want := "arn:aws:iam::" + testAccount + ":role/team_dev_mcp_logs-reader"
	if st := mustPlan(t, s, o).Status; st.LogsRoleARN != want {
		t.Errorf("status.logsRoleArn %q, want %q", st.LogsRoleARN, want)
	}
	if got := readOutputs(t, m).LogsRoleARN; got != want {
		t.Errorf("outputs logsRoleArn %q, want %q", got, want)
	}
}

func annotations(obj map[string]any) map[string]any {
	a, _ := obj["metadata"].(map[string]any)["annotations"].(map[string]any)
	return a
}
