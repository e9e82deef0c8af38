package fn

import (
	"strings"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/go-logr/logr/funcr"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestRunFunctionAsksForTheStageConfigFirst(t *testing.T) {
	req := newRequest(t, xrObject(nil), nil, nil)
	want := &fnv1.RunFunctionResponse{
		Meta: &fnv1.ResponseMeta{Tag: "t", Ttl: durationpb.New(time.Minute)},
		Requirements: &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
			RequirementStageConfig: {
				ApiVersion: "apiextensions.crossplane.io/v1beta1",
				Kind:       "EnvironmentConfig",
				Match: &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{
					Labels: map[string]string{"platform.spec3.io/stage": "dev"},
				}},
			},
		}},
	}
	if diff := cmp.Diff(want, run(t, req), protocmp.Transform()); diff != "" {
		t.Errorf("RunFunction(): -want +got:\n%s", diff)
	}
}

func TestRunFunctionComposesTheCoreStack(t *testing.T) {
	rsp := run(t, newRequest(t, xrObject(nil), []map[string]any{}, nil))
	// dev has no EnvironmentConfig here: the one result is the single-team warning (tenancy.go)
	if res := rsp.GetResults(); len(res) != 1 || res[0].GetSeverity() != fnv1.Severity_SEVERITY_WARNING || !strings.Contains(res[0].GetMessage(), "single-team cluster") {
		t.Fatalf("unexpected results: %v", res)
	}
	for _, key := range []string{KeyRole, keyRolePolicy, KeyFunction, KeyLogGroup} {
		r, ok := rsp.GetDesired().GetResources()[key]
		if !ok {
			t.Errorf("no desired %s", key)
			continue
		}
		if r.GetReady() != fnv1.Ready_READY_FALSE {
			t.Errorf("%s is %v before it is observed", key, r.GetReady())
		}
	}
	st := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
	if st["functionName"] != "team_dev_mcp" || st["stage"] != "dev" || st["logGroupName"] != "/aws/lambda/team_dev_mcp" {
		t.Errorf("status %v", st)
	}
	if got := rsp.GetMeta().GetTtl().AsDuration(); got != time.Minute {
		t.Errorf("ttl %s", got)
	}
}

func TestRunFunctionReadinessFollowsObservedResources(t *testing.T) {
	first := run(t, newRequest(t, xrObject(nil), []map[string]any{}, nil))
	observed := map[string]map[string]any{}
	for k, r := range first.GetDesired().GetResources() {
		var at map[string]any
		switch k {
		case KeyFunction:
			at = map[string]any{"arn": "arn:aws:lambda:us-east-1:123456789012:function:team_dev_mcp"}
		case KeyRole:
			at = map[string]any{"arn": "arn:aws:iam::123456789012:role/team_dev_mcp_role"}
		}
		observed[k] = readyObserved(r.GetResource().AsMap(), at)
	}
	// One resource still not ready: the stack waits for it.
	delete(observed[KeyLogGroup], "status")
	rsp := run(t, newRequest(t, xrObject(nil), []map[string]any{}, observed))
	if rsp.GetDesired().GetResources()[KeyLogGroup].GetReady() != fnv1.Ready_READY_FALSE {
		t.Error("log group without Ready condition is ready")
	}
	if rsp.GetDesired().GetResources()[KeyFunction].GetReady() != fnv1.Ready_READY_TRUE {
		t.Error("ready function is not ready")
	}
	cond := rsp.GetConditions()[0]
	if cond.GetType() != ConditionResourcesReady || cond.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || !strings.Contains(cond.GetMessage(), KeyLogGroup) {
		t.Errorf("condition %v", cond)
	}
	st := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
	if st["functionArn"] != "arn:aws:lambda:us-east-1:123456789012:function:team_dev_mcp" || st["roleArn"] != "arn:aws:iam::123456789012:role/team_dev_mcp_role" {
		t.Errorf("status %v", st)
	}
}

func TestRunFunctionExplainsIAMPropagation(t *testing.T) {
	first := run(t, newRequest(t, xrObject(nil), []map[string]any{}, nil))
	fnObj := first.GetDesired().GetResources()[KeyFunction].GetResource().AsMap()
	fnObj["status"] = map[string]any{"conditions": []any{map[string]any{
		"type": "Synced", "status": "False", "reason": "ReconcileError",
		"message": "create failed: InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda.",
	}}}
	rsp := run(t, newRequest(t, xrObject(nil), []map[string]any{}, map[string]map[string]any{KeyFunction: fnObj}))
	var found bool
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING && strings.Contains(r.GetMessage(), "heals by itself") {
			found = true
		}
	}
	if !found {
		t.Errorf("no propagation hint in %v", rsp.GetResults())
	}
}

// TestRunFunctionRefusesBadInput: every bad request gets a Fatal result naming the field, and
// the desired state of the request comes back untouched (nothing applied, nothing deleted).
func TestRunFunctionRefusesBadInput(t *testing.T) {
	code := func(c map[string]any) map[string]any { return map[string]any{"code": c} }
	s3 := map[string]any{"s3": map[string]any{"bucket": "b", "key": "k"}}
	wantRefusals(t, map[string]refusal{
		"unknown stage":        {xr: xrObject(map[string]any{"stage": "qa"}), want: []string{"spec.stage"}},
		"bad stage name":       {xr: xrObject(map[string]any{"stage": "Dev_1"}), want: []string{"spec.stage"}},
		"bad app name":         {xr: xrObject(map[string]any{"app": "MCP"}), want: []string{"spec.app"}},
		"app too long":         {xr: xrObject(map[string]any{"app": strings.Repeat("a", 41), "stage": "staging"}), want: []string{"spec.app"}},
		"missing code":         {xr: xrObject(map[string]any{"function": code(map[string]any{})}), want: []string{"spec.function.code"}},
		"both code sources":    {xr: xrObject(map[string]any{"function": code(map[string]any{"s3": s3["s3"], "imageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"})}), want: []string{"both s3 and imageUri"}},
		"s3 without key":       {xr: xrObject(map[string]any{"function": code(map[string]any{"s3": map[string]any{"bucket": "b"}})}), want: []string{"spec.function.code.s3"}},
		"bad image uri":        {xr: xrObject(map[string]any{"function": code(map[string]any{"imageUri": "docker.io/x"})}), want: []string{"spec.function.code.imageUri"}},
		"bad runtime":          {xr: xrObject(map[string]any{"function": map[string]any{"code": s3, "runtime": "python2.7"}}), want: []string{"spec.function.runtime"}},
		"memory too small":     {xr: xrObject(map[string]any{"function": map[string]any{"code": s3, "memoryMB": 64}}), want: []string{"spec.function.memoryMB"}},
		"memory too large":     {xr: xrObject(map[string]any{"function": map[string]any{"code": s3, "memoryMB": 20000}}), want: []string{"spec.function.memoryMB"}},
		"timeout too long":     {xr: xrObject(map[string]any{"function": map[string]any{"code": s3, "timeoutSeconds": 901}}), want: []string{"spec.function.timeoutSeconds"}},
		"bad architecture":     {xr: xrObject(map[string]any{"function": map[string]any{"code": s3, "architecture": "sparc"}}), want: []string{"spec.function.architecture"}},
		"bad retention":        {xr: xrObject(map[string]any{"function": map[string]any{"code": s3, "logRetentionDays": 2}}), want: []string{"spec.function.logRetentionDays"}},
		"STAGE env reserved":   {xr: xrObject(map[string]any{"function": map[string]any{"code": s3, "environment": map[string]any{"STAGE": "x"}}}), want: []string{"spec.function.environment"}},
		"bad env name":         {xr: xrObject(map[string]any{"function": map[string]any{"code": s3, "environment": map[string]any{"1X": "x"}}}), want: []string{"spec.function.environment"}},
		"aws: tag key":         {xr: xrObject(map[string]any{"tags": map[string]any{"aws:owner": "x"}}), want: []string{"spec.tags"}},
		"AWS: tag key":         {xr: xrObject(map[string]any{"tags": map[string]any{"AWS:Owner": "x"}}), want: []string{"spec.tags"}},
		"tag key too long":     {xr: xrObject(map[string]any{"tags": map[string]any{strings.Repeat("k", 129): "x"}}), want: []string{"spec.tags"}},
		"tag value too long":   {xr: xrObject(map[string]any{"tags": map[string]any{"k": strings.Repeat("v", 257)}}), want: []string{"spec.tags"}},
		"bad region":           {xr: xrObject(map[string]any{"region": "mars-north-1"}), want: []string{"spec.regions"}},
		"region not allowed":   {xr: xrObject(map[string]any{"stage": "prod", "region": "us-west-2", "api": map[string]any{"auth": map[string]any{"type": "iam"}}}), envs: []map[string]any{envConfig("p", "prod", map[string]any{"allowedRegions": []any{"eu-central-1"}})}, want: []string{"not allowed for stage prod"}},
		"public prod api":      {xr: xrObject(map[string]any{"stage": "prod", "api": map[string]any{"auth": map[string]any{"type": "none"}}}), envs: prodEnvs(), want: []string{"spec.api.public: true"}},
		"jwt without issuer":   {xr: xrObject(map[string]any{"api": map[string]any{"auth": map[string]any{"type": "jwt"}}}), want: []string{"spec.api.auth.jwt"}},
		"domain not granted":   {xr: domainXR(map[string]any{"hostname": "mcp.team-b.api.example.com"}), envs: []map[string]any{domainEnv(nil)}, want: []string{"spec.api.domain.hostname"}},
		"bad route":            {xr: xrObject(map[string]any{"api": map[string]any{"routes": []any{"FETCH /x"}}}), want: []string{"spec.api.routes"}},
		"inline secret value":  {xr: xrObject(map[string]any{"secrets": []any{map[string]any{"name": "db", "value": "hunter2"}}}), want: []string{"spec.secrets[0].value"}},
		"secret arn + create":  {xr: xrObject(map[string]any{"secrets": []any{map[string]any{"name": "db", "arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf", "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}}}}}}), want: []string{"spec.secrets[0]"}},
		"bad secret arn":       {xr: xrObject(map[string]any{"secrets": []any{map[string]any{"name": "db", "arn": "arn:aws:s3:::bucket"}}}), want: []string{"spec.secrets[0].arn"}},
		"duplicate secret":     {xr: xrObject(map[string]any{"secrets": []any{map[string]any{"name": "db", "arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"}, map[string]any{"name": "db", "arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:y-AbCdEf"}}}), want: []string{"spec.secrets[1].name"}},
		"bad subnet":           {xr: xrObject(map[string]any{"network": map[string]any{"subnetIds": []any{"subnet-xyz"}, "securityGroupIds": []any{"sg-0123456789abcdef0"}}}), want: []string{"spec.network.subnetIds"}},
		"sg and vpc":           {xr: xrObject(map[string]any{"network": map[string]any{"subnetIds": []any{"subnet-0123456789abcdef0"}, "securityGroupIds": []any{"sg-0123456789abcdef0"}, "vpcId": "vpc-0123456789abcdef0"}}), want: []string{"spec.network"}},
		"bad egress cidr":      {xr: xrObject(map[string]any{"network": map[string]any{"subnetIds": []any{"subnet-0123456789abcdef0"}, "vpcId": "vpc-0123456789abcdef0", "egressCidrs": []any{"10.0.0.1/8"}}}), want: []string{"spec.network.egressCidrs"}},
		"canary and pin":       {xr: xrObject(map[string]any{"stage": "prod", "api": map[string]any{"auth": map[string]any{"type": "iam"}}, "release": map[string]any{"pinnedVersion": "3", "canary": map[string]any{"additionalVersion": "4", "weight": 10}}}), envs: prodEnvs(), want: []string{"spec.release"}},
		"canary without alias": {xr: xrObject(map[string]any{"release": map[string]any{"canary": map[string]any{"additionalVersion": "4", "weight": 10}}}), want: []string{"spec.release.useAlias"}},
		"bad topic arn":        {xr: xrObject(map[string]any{"monitoring": map[string]any{"alarmTopicArn": "topic"}}), want: []string{"monitoring.alarmTopicArn"}},
		"two stage configs":    {xr: xrObject(nil), envs: []map[string]any{envConfig("a", "dev", nil), envConfig("b", "dev", nil)}, want: []string{"keep exactly one"}},
		"config typo":          {xr: xrObject(nil), envs: []map[string]any{envConfig("a", "dev", map[string]any{"regoin": "x"})}, want: []string{`unknown field "regoin"`}},
		"config aws: tag":      {xr: xrObject(nil), envs: []map[string]any{envConfig("a", "dev", map[string]any{"tags": map[string]any{"aws:x": "y"}})}, want: []string{"EnvironmentConfig data.tags"}},
		"not a LambdaStack":    {xr: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x"}}, want: []string{"not served"}},
		"legacy secret ns":     {xr: unclaimedXR(map[string]any{"secrets": []any{map[string]any{"name": "db", "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}}}}}}), want: []string{"secretKeyRef.namespace"}},
	})
}

// TestDebugLogsOneLinePerCall: with a debug logger, every call logs one line naming the XR, its
// stage and the counts of what was composed, and no spec values.
func TestDebugLogsOneLinePerCall(t *testing.T) {
	var lines []string
	log := logging.NewLogrLogger(funcr.New(func(prefix, args string) { lines = append(lines, args) }, funcr.Options{Verbosity: 1}))
	f := &Function{Log: log}
	xr := xrObject(map[string]any{"tags": map[string]any{"secret-looking": "do-not-log"}})
	for _, req := range []*fnv1.RunFunctionRequest{
		newRequest(t, xr, nil, nil),
		newRequest(t, xr, []map[string]any{}, nil),
		newRequest(t, xrObject(map[string]any{"stage": "nope"}), []map[string]any{}, nil),
	} {
		if _, err := f.RunFunction(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("%d log lines for 3 calls: %q", len(lines), lines)
	}
	for _, want := range []string{`"xr"="LambdaStack team/mcp"`, `"stage"="dev"`, `"msg"="composed"`, `"desired"=`, `"ready"=0`, `"pending"=`} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("log line %q lacks %s", lines[1], want)
		}
	}
	if !strings.Contains(lines[0], "EnvironmentConfig") || !strings.Contains(lines[2], `"msg"="fatal"`) {
		t.Errorf("log lines %q", lines)
	}
	for _, l := range lines {
		if strings.Contains(l, "do-not-log") {
			t.Errorf("a spec value is logged: %q", l)
		}
	}
	quiet := &Function{Log: logging.NewLogrLogger(funcr.New(func(_, args string) { t.Errorf("logged without --debug: %s", args) }, funcr.Options{Verbosity: 0}))}
	if _, err := quiet.RunFunction(t.Context(), newRequest(t, xr, []map[string]any{}, nil)); err != nil {
		t.Fatal(err)
	}
}
