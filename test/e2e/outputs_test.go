//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	xpcomposed "github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"

	lscluster "github.com/spec3/lambdastack/internal/cluster"
	"github.com/spec3/lambdastack/internal/motoserver"
	"github.com/spec3/lambdastack/internal/outputs"
)

// The outputs of a stack as an app team reads them: the ConfigMap <name>-outputs the function
// composes in the request's namespace (internal/outputs is the contract), status.effective, and
// lambdastack logs, which reads both.

// keyOutputs is the composition-resource-name of the outputs ConfigMap (fn/outputs.go).
const keyOutputs = "outputs-configmap"

// checkOutputs: the outputs ConfigMap is in the request's namespace under the request's name,
// controlled by the composite, and says what the stack's status and composed resources say (ARNs,
// endpoint, custom URL, the logs role, every queue's URL, every log group); the CLI's reading of
// the live stack finds it; status.effective lists the entries of testdata/expected.yaml and agrees
// with the composed Function and log group.
func checkOutputs(ctx context.Context, t *testing.T, c *cluster, s *stack) {
	t.Helper()
	cm := s.composed[keyOutputs]
	if cm == nil {
		t.Errorf("%s: no outputs ConfigMap (%s)", s.name, keyOutputs)
		return
	}
	want := outputs.ConfigMapName(s.request.GetName())
	if cm.GetNamespace() != s.request.GetNamespace() || cm.GetName() != want {
		t.Errorf("%s: outputs ConfigMap %s/%s, want %s/%s", s.name, cm.GetNamespace(), cm.GetName(), s.request.GetNamespace(), want)
	}
	if got := str(s.xr, "status", "outputsConfigMap"); got != want {
		t.Errorf("%s: status.outputsConfigMap %q, want %q", s.name, got, want)
	}
	// the values settle in the reconcile that makes the stack Ready; read it until they agree
	var last *unstructured.Unstructured
	eventually(t, readyTimeout, s.name+" outputs ConfigMap agrees with the stack", func() (bool, string) {
		u, err := c.get(ctx, "v1", "ConfigMap", cm.GetNamespace(), cm.GetName())
		if err != nil {
			return false, err.Error()
		}
		last = u
		problems := outputsProblems(s, u)
		return len(problems) == 0, strings.Join(problems, "; ")
	})
	o, _ := outputs.Read(last)
	t.Logf("%s: outputs %s: endpoint=%q functionArn=%q logsRoleArn=%q queues=%d logGroups=%d", s.name, o.Source, o.Endpoint, o.FunctionARN, o.LogsRoleARN, len(o.QueueURLs), len(o.LogGroups))

	// lambdastack diff and invoke read the live stack through internal/cluster: the ConfigMap
	// is among its composed resources, for a claim's cluster-scoped composite too
	cl, err := lscluster.New(c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	live, err := cl.ReadStack(ctx, s.request)
	if err != nil || live == nil {
		t.Fatalf("%s: reading the live stack: %v", s.name, err)
	}
	if !slices.ContainsFunc(live.Composed, func(u xpcomposed.Unstructured) bool { return u.GetKind() == "ConfigMap" && u.GetName() == want }) {
		t.Errorf("%s: the live stack as the CLI reads it lacks its outputs ConfigMap (%d composed resources)", s.name, len(live.Composed))
	}

	checkEffective(t, s)
}

// outputsProblems compares the ConfigMap with the status and the composed resources.
func outputsProblems(s *stack, cm *unstructured.Unstructured) []string {
	o, err := outputs.Read(cm)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for key, p := range map[string]struct{ got, status string }{
		outputs.KeyEndpoint:     {o.Endpoint, "apiEndpoint"},
		outputs.KeyCustomURL:    {o.CustomURL, "customUrl"},
		outputs.KeyFunctionName: {o.FunctionName, "functionName"},
		outputs.KeyFunctionARN:  {o.FunctionARN, "functionArn"},
		outputs.KeyAliasARN:     {o.AliasARN, "aliasArn"},
		outputs.KeyRegion:       {o.Region, "region"},
		outputs.KeyLogsRoleARN:  {o.LogsRoleARN, "logsRoleArn"},
	} {
		if want := str(s.xr, "status", p.status); p.got != want {
			problems = append(problems, fmt.Sprintf("%s=%q, status.%s=%q", key, p.got, p.status, want))
		}
	}
	if o.FunctionName == "" || o.FunctionARN == "" || o.Region == "" {
		problems = append(problems, "functionName, functionArn or region missing")
	}
	role := s.composed["logs-reader"]
	if (role == nil) != (o.LogsRoleARN == "") || role != nil && o.LogsRoleARN != str(role, "status", "atProvider", "arn") {
		problems = append(problems, fmt.Sprintf("logsRoleArn %q, the logs role composed: %v", o.LogsRoleARN, role != nil))
	}
	queues := map[string]string{}
	var groups []string
	for key, u := range s.composed {
		switch u.GetKind() {
		case "Queue":
			queues[key] = str(u, "status", "atProvider", "url")
		case "Group":
			groups = append(groups, str(u, "spec", "forProvider", "region")+" "+awsIdentity(u))
		}
	}
	if fmt.Sprint(o.QueueURLs) != fmt.Sprint(queues) {
		problems = append(problems, fmt.Sprintf("queue URLs %v, the queues composed %v", o.QueueURLs, queues))
	}
	var listed []string
	for _, g := range o.LogGroups {
		listed = append(listed, g.Region+" "+g.Name)
	}
	slices.Sort(listed)
	slices.Sort(groups)
	if !slices.Equal(listed, groups) {
		problems = append(problems, fmt.Sprintf("logGroups %v, the log groups composed %v", listed, groups))
	}
	return problems
}

// checkEffective: the entries testdata/expected.yaml lists, and the memory, timeout and retention
// status.effective reports are those of the composed Function and log group.
func checkEffective(t *testing.T, s *stack) {
	t.Helper()
	entries, _, _ := unstructured.NestedSlice(s.xr.Object, "status", "effective")
	got := map[string]string{}
	for _, e := range entries {
		m, _ := e.(map[string]any)
		got[fmt.Sprint(m["name"])] = fmt.Sprintf("%v from %v", m["value"], m["source"])
	}
	if len(got) == 0 {
		t.Errorf("%s: no status.effective", s.name)
		return
	}
	for name, want := range s.exp.Effective {
		if got[name] != want {
			t.Errorf("%s: status.effective %s = %q, want %q", s.name, name, got[name], want)
		}
	}
	for name, at := range map[string]struct{ key, path string }{
		"function.memoryMB":         {"function", "memorySize"},
		"function.timeoutSeconds":   {"function", "timeout"},
		"function.logRetentionDays": {"log-group", "retentionInDays"},
	} {
		value, _, _ := strings.Cut(got[name], " from ")
		if u := s.composed[at.key]; u == nil || str(u, "spec", "forProvider", at.path) != value {
			t.Errorf("%s: status.effective %s = %q, but %s has %s %q", s.name, name, got[name], at.key, at.path, str(u, "spec", "forProvider", at.path))
		}
	}
	t.Logf("%s: status.effective has %d settings", s.name, len(got))
}

// testLogs runs lambdastack logs as a team would, against the dev stack (whose stage names who may
// read logs) and the staging stack (whose stage names nobody). moto plays AWS for STS and
// CloudWatch Logs: the provider stand-in creates nothing in it, so the test writes into the
// stack's log groups what Lambda and API Gateway would (creating the groups as the provider
// would have). moto checks no trust or IAM policy: the role is assumed whatever it says (the
// policy is checked by fn's tests), so this shows the CLI finds the role and groups in the
// ConfigMap the function composed and reads every group with them.
func testLogs(ctx context.Context, t *testing.T, c *cluster, dev, staging *stack) {
	if dev.xr == nil || staging.xr == nil {
		t.Skip("the requests were not composed")
	}
	endpoint := motoserver.Start(t)
	motoserver.UseTestCredentials(t)
	bin := buildCLI(ctx, t, c.root)

	fnGroup, apiGroup := awsIdentity(dev.composed["log-group"]), awsIdentity(dev.composed["api-log-group"])
	region := str(dev.xr, "status", "region")
	now := time.Now().Truncate(time.Second)
	motoserver.WriteLogs(t, endpoint, region, fnGroup, now.Add(-3*time.Minute), "START RequestId: 1", "ERROR tool call failed")
	motoserver.WriteLogs(t, endpoint, region, apiGroup, now.Add(-2*time.Minute), `{"requestId":"a","status":"502"}`)
	motoserver.WriteLogs(t, endpoint, region, "/aws/lambda/team-mcp-staging_staging-mcp-server", now.Add(-time.Minute), "another stack's line")

	logs := func(s *stack, args ...string) (int, string, string) {
		return runCLI(ctx, t, bin, c.kubeconfig, append([]string{"logs", s.request.GetName(), "-n", s.request.GetNamespace(), "--endpoint-url", endpoint}, args...)...)
	}

	code, stdout, stderr := logs(dev, "--since", "10m")
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if _, rest, ok := strings.Cut(l, " "); ok { // drop the timestamp
			got = append(got, rest)
		}
	}
	want := []string{fnGroup + " START RequestId: 1", fnGroup + " ERROR tool call failed", apiGroup + ` {"requestId":"a","status":"502"}`}
	if code != 0 || !slices.Equal(got, want) {
		t.Errorf("lambdastack logs %s: exit %d\n%s%s\nwant exit 0 and the lines %q", dev.name, code, stdout, stderr, want)
	}
	code, stdout, stderr = logs(dev, "--since", "10m", "--filter", "ERROR")
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(stdout), fnGroup+" ERROR tool call failed") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("lambdastack logs --filter ERROR: exit %d\n%s%s", code, stdout, stderr)
	}

	// the staging stage names nobody: the stack has no logs role, and the CLI says why
	code, stdout, stderr = logs(staging)
	if code != 1 || !strings.Contains(stderr, outputs.KeyLogsRoleARN+" (the stage's EnvironmentConfig names no principal") {
		t.Errorf("lambdastack logs %s: exit %d\n%s%s\nwant exit 1 naming %s", staging.name, code, stdout, stderr, outputs.KeyLogsRoleARN)
	}
}
