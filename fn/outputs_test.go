package fn

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/spec3/lambdastack/internal/outputs"
	"github.com/spec3/lambdastack/test/schema"
)

// readOutputs decodes the composed outputs ConfigMap the way lambdastack logs does.
func readOutputs(t *testing.T, m map[string]map[string]any) outputs.Outputs {
	t.Helper()
	cm, ok := m[keyOutputs]
	if !ok {
		t.Fatalf("no outputs ConfigMap; composed %v", keysOf(m))
	}
	o, err := outputs.Read(&unstructured.Unstructured{Object: cm})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// The ConfigMap <name>-outputs in the stack's namespace: the names at once, the rest once AWS
// has assigned it; every key named by internal/outputs; its values those of the status.
func TestOutputsConfigMap(t *testing.T) {
	s := settingsFor(t, xrObject(map[string]any{
		"stage":    "prod",
		"release":  map[string]any{"useAlias": true},
		"triggers": map[string]any{"sqs": []any{map[string]any{"name": "jobs", "create": map[string]any{}}}},
		"api":      map[string]any{"routes": []any{"POST /mcp"}},
	}), envConfig("stage-prod", "prod", map[string]any{"logsAccess": map[string]any{
		"principalArns": []any{"arn:aws:iam::" + testAccount + ":role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{namespace}_*"},
	}}))

	first, _, _ := planByKey(t, s, nil)
	o := readOutputs(t, first)
	if o.Source != "team/mcp-outputs" {
		t.Errorf("ConfigMap %s, want team/mcp-outputs", o.Source)
	}
	if o.FunctionName != "team_prod_mcp" || o.Region != "us-east-1" {
		t.Errorf("names known at once: %+v", o)
	}
	if o.Endpoint != "" || o.FunctionARN != "" || o.AliasARN != "" || o.LogsRoleARN != "" || len(o.LogGroups) != 0 || len(o.QueueURLs) != 0 {
		t.Errorf("values AWS assigns are there before anything is observed: %+v", o)
	}

	m, obs := converged(t, s)
	r := mustPlan(t, s, obs)
	st := r.Status
	o = readOutputs(t, m)
	for key, got := range map[string]string{
		outputs.KeyEndpoint: o.Endpoint, outputs.KeyFunctionARN: o.FunctionARN, outputs.KeyAliasARN: o.AliasARN, outputs.KeyLogsRoleARN: o.LogsRoleARN,
	} {
		if got == "" {
			t.Errorf("%s missing once observed", key)
		}
	}
	if o.Endpoint != st.APIEndpoint || o.FunctionARN != st.FunctionARN || o.AliasARN != st.AliasARN || o.LogsRoleARN != st.LogsRoleARN {
		t.Errorf("outputs %+v differ from the status %+v", o, st)
	}
	wantQueues := []string{"failure-queue", "queue-jobs", "queue-jobs-dlq"}
	if got := slices.Sorted(maps.Keys(o.QueueURLs)); !slices.Equal(got, wantQueues) {
		t.Errorf("queue URLs for %v, want %v", got, wantQueues)
	}
	for part, url := range o.QueueURLs {
		if !strings.HasPrefix(url, "https://sqs.us-east-1.amazonaws.com/") {
			t.Errorf("queueUrl.%s = %q", part, url)
		}
	}
	wantGroups := []outputs.LogGroup{{Region: "us-east-1", Name: "/aws/lambda/team_prod_mcp"}, {Region: "us-east-1", Name: "/aws/apigateway/team_prod_mcp"}}
	if !slices.Equal(o.LogGroups, wantGroups) {
		t.Errorf("logGroups %+v, want %+v", o.LogGroups, wantGroups)
	}
	if err := o.ForLogs(); err != nil {
		t.Errorf("lambdastack logs could not use the outputs: %v", err)
	}
	if st.OutputsConfigMap != "mcp-outputs" {
		t.Errorf("status.outputsConfigMap %q", st.OutputsConfigMap)
	}
	cm := m[keyOutputs]
	if err := schema.ValidateComposed(cm); err != nil {
		t.Error(err)
	}
	for k := range cm["data"].(map[string]any) {
		if !slices.ContainsFunc(outputs.Keys, func(c string) bool { return k == c || c == outputs.KeyQueueURLPrefix && strings.HasPrefix(k, c) }) {
			t.Errorf("key %s is not in the contract (internal/outputs)", k)
		}
	}
}

// A ConfigMap has no conditions: it is ready once it exists, and the stack is not Ready before.
func TestOutputsReadyOnceObserved(t *testing.T) {
	s := settingsFor(t, xrObject(nil), nil)
	_, out, _ := planByKey(t, s, nil)
	o := simulateObserved(out)
	cm := composed{Key: keyOutputs, Object: map[string]any{"kind": "ConfigMap"}}
	if !o.ready(cm) {
		t.Error("an observed ConfigMap is not ready")
	}
	delete(o, keyOutputs)
	if o.ready(cm) {
		t.Error("a ConfigMap not observed yet is ready")
	}
	r := mustPlan(t, s, o)
	if r.Status.Summary == "Available" {
		t.Error("the stack is Available before its outputs ConfigMap exists")
	}
}

// A claim's outputs are in the claim's namespace under the claim's name, not the XR's; an
// XLambdaStack without a claim has no namespace and no ConfigMap (its status has the outputs).
func TestOutputsOfClaimsAndUnclaimedStacks(t *testing.T) {
	xr := claimXR("team-b", nil)
	xr["metadata"].(map[string]any)["name"] = "mcp-x7k2p"
	m := byKey(t, settingsFor(t, xr, nil))
	meta := m[keyOutputs]["metadata"].(map[string]any)
	if meta["name"] != "mcp-outputs" || meta["namespace"] != "team-b" {
		t.Errorf("claim's ConfigMap %v/%v, want team-b/mcp-outputs", meta["namespace"], meta["name"])
	}
	if m[keyOutputs]["apiVersion"] != "v1" {
		t.Errorf("apiVersion %v", m[keyOutputs]["apiVersion"])
	}

	s := settingsFor(t, unclaimedXR(nil), nil)
	m = byKey(t, s)
	if _, ok := m[keyOutputs]; ok {
		t.Error("an XLambdaStack without a claim composes a ConfigMap")
	}
	if st := mustPlan(t, s, nil).Status; st.OutputsConfigMap != "" || st.FunctionName == "" {
		t.Errorf("status of an unclaimed stack: outputsConfigMap %q, functionName %q", st.OutputsConfigMap, st.FunctionName)
	}
}

// Every region's log groups are listed, each with its region.
func TestOutputsListEveryRegion(t *testing.T) {
	s := settingsFor(t, xrObject(map[string]any{"regions": []any{"us-east-1", "eu-west-1"},
		"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "a-{region}", "key": "k.zip"}}}}), nil)
	m, _ := converged(t, s)
	var got []string
	for _, g := range readOutputs(t, m).LogGroups {
		got = append(got, g.Region+" "+g.Name)
	}
	want := []string{"us-east-1 /aws/lambda/team_dev_mcp", "eu-west-1 /aws/lambda/team_dev_mcp", "us-east-1 /aws/apigateway/team_dev_mcp", "eu-west-1 /aws/apigateway/team_dev_mcp"}
	if !slices.Equal(got, want) {
		t.Errorf("log groups %v, want %v", got, want)
	}
}
