//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/internal/iampolicy"
	"github.com/spec3/lambdastack/internal/simprovider"
)

// TestAWS is make e2e-aws (test/e2e/aws.sh): the control plane of make e2e with the REAL
// provider-aws (bin/lambdastack-provider, run by the package runtime for every provider
// revision) against moto, a local AWS, instead of the provider stand-in. The platform's accounts
// are prepared in the local AWS (platformAWS), its ProviderConfigs point every service at it;
// then every example is applied, one after the other: time to Ready, the checks of make e2e on
// what was composed, what the provider observed, and a read-back from AWS with the AWS SDK of
// what a user would check (awsreadback_test.go). Then an update of dev (memory, a route) is seen
// in AWS in place, and each stack is deleted: AWS emptied, prod's retained parts kept. It prints a
// table: example, kinds, time to Ready, AWS calls (moto's request log).
func TestAWS(t *testing.T) {
	if os.Getenv("E2E_PROVIDER") != "real" {
		t.Skip("make e2e-aws only (E2E_PROVIDER=real): the real provider against moto")
	}
	ctx, c, env := awsSuite(t)
	log := motoLog{path: filepath.Join(c.state, "moto-calls.jsonl")}
	dir := t.TempDir()
	setUpAWSPlatform(ctx, t, c, env, dir)

	raw, err := os.ReadFile("testdata/expected.yaml")
	must(t, "testdata/expected.yaml", err)
	exps := map[string]expectation{}
	must(t, "testdata/expected.yaml", yaml.Unmarshal([]byte(env.replace(string(raw))), &exps))
	stages, err := examples.Stages(c.root)
	must(t, "examples", err)

	var rows []awsRow
	var allCalls []awsCall
	stacks := map[string]*stack{}
	var order []string
	_, mark, err := log.calls(0)
	must(t, "moto's request log", err)
	for _, ex := range stages {
		e, ok := exps[ex.Name]
		if !ok {
			t.Fatalf("testdata/expected.yaml has no entry %q", ex.Name)
		}
		e.File = env.writeSubstituted(t, c.root, dir, ex.Request)[0]
		objs, err := readManifests(e.File)
		must(t, e.File, err)
		s := &stack{name: ex.Name, exp: e, request: objs[0], claim: objs[0].GetKind() == "LambdaStackClaim"}
		stacks[ex.Name], order = s, append(order, ex.Name)
		row := awsRow{example: ex.Name}
		ok = t.Run("apply/"+ex.Name, func(t *testing.T) {
			acceptAWSMadeIdentities(s)
			testRequest(ctx, t, c, s)
			row.ready = readyAfter(s.xr)
			row.kinds, row.resources = composedKinds(c, s)
			t.Logf("%s: Ready %s after it was created (%d managed resources)", s.name, row.ready.Round(time.Second), row.resources)
			readBackStack(ctx, t, env, c, s, &row)
		})
		var calls []awsCall
		calls, mark, err = log.calls(mark)
		must(t, "moto's call log", err)
		calls = byProvider(calls)
		row.calls, row.byService = len(calls), summary(calls)
		allCalls = append(allCalls, calls...)
		rows = append(rows, row)
		if !ok {
			t.Errorf("%s: failed through the real provider; going on with the other examples", ex.Name)
		}
	}

	t.Run("update", func(t *testing.T) { testAWSUpdate(ctx, t, env, c, stacks["dev"]) })

	t.Run("delete", func(t *testing.T) {
		for _, name := range order {
			s := stacks[name]
			t.Run(name, func(t *testing.T) {
				testDelete(ctx, t, c, s)
				checkAWSEmptied(ctx, t, env, c, s)
			})
		}
	})
	calls, _, err := log.calls(mark)
	must(t, "moto's call log", err)
	calls = byProvider(calls)
	t.Logf("update and delete of every stack: %d AWS calls (%s)", len(calls), summary(calls))
	allCalls = append(allCalls, calls...)
	t.Run("IAM policy covers every call", func(t *testing.T) { checkIAMPolicy(t, c.root, allCalls) })
	printAWSTable(t, rows)
}

// awsSuite is what the suites of the real provider start from: the cluster, and the local AWS
// at E2E_MOTO_URL (set by test/e2e/aws.sh and scale.sh); the context ends with the test.
func awsSuite(t *testing.T) (context.Context, *cluster, *awsEnv) {
	t.Helper()
	endpoint := os.Getenv("E2E_MOTO_URL")
	if endpoint == "" {
		t.Fatal("E2E_MOTO_URL is not set (test/e2e/aws.sh and scale.sh set it)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, err := newCluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, c, newAWSEnv(ctx, t, endpoint)
}

// setUpAWSPlatform is the platform's part with the local AWS: its accounts in moto
// (platformAWS), then its part on the cluster (platform.sh) with ProviderConfigs for the local
// AWS and EnvironmentConfigs naming what it created (written to dir).
func setUpAWSPlatform(ctx context.Context, t *testing.T, c *cluster, env *awsEnv, dir string) {
	t.Helper()
	pcs := filepath.Join(dir, "providerconfigs.yaml")
	must(t, "writing the ProviderConfigs", os.WriteFile(pcs, env.providerConfigs(t, c.root), 0o600))
	if !t.Run("platform AWS", func(t *testing.T) { env.platformAWS(ctx, t, c.root) }) {
		t.FailNow()
	}
	envDir := filepath.Join(dir, "environmentconfigs")
	must(t, "mkdir", os.MkdirAll(envDir, 0o700))
	envFiles, err := filepath.Glob(filepath.Join(c.root, "examples", "environmentconfigs", "*.yaml"))
	must(t, "EnvironmentConfigs", err)
	for i, f := range envFiles {
		envFiles[i], _ = filepath.Rel(c.root, f)
	}
	env.writeSubstituted(t, c.root, envDir, envFiles...)
	t.Setenv("PLATFORM_PROVIDERCONFIGS", pcs)
	t.Setenv("PLATFORM_ENVIRONMENTCONFIGS", envDir)
	if !t.Run("platform", func(t *testing.T) {
		testPlatform(ctx, t, c)
		checkRealProvider(ctx, t, c)
	}) {
		t.FailNow()
	}
}

// TestAWSPlatform is the platform step of make e2e-aws alone, for make scale with the real
// provider (E2E_PROVIDER=real test/e2e/scale.sh): the local AWS's accounts and the platform's
// part on the cluster (setUpAWSPlatform), then the stage examples' requests with the local AWS's
// IDs written to E2E_AWS_EXAMPLES, where test/e2e/cmd/scale reads its templates (-examples).
func TestAWSPlatform(t *testing.T) {
	out := os.Getenv("E2E_AWS_EXAMPLES")
	if os.Getenv("E2E_PROVIDER") != "real" || out == "" {
		t.Skip("make scale with the real provider only (E2E_PROVIDER=real, E2E_AWS_EXAMPLES set by test/e2e/scale.sh)")
	}
	ctx, c, env := awsSuite(t)
	must(t, "mkdir "+out, os.MkdirAll(out, 0o700))
	setUpAWSPlatform(ctx, t, c, env, out)
	stages, err := examples.Stages(c.root)
	must(t, "examples", err)
	for _, ex := range stages {
		t.Logf("%s: %s", ex.Name, env.writeSubstituted(t, c.root, out, ex.Request)[0])
	}
}

// checkIAMPolicy: every call the provider made is allowed by the deployment role's policy
// LambdaStack ships (docs/iam/deployer-policy.json, internal/iampolicy). STS is the provider's
// own identity's (assuming the role), not the role's.
func checkIAMPolicy(t *testing.T, root string, calls []awsCall) {
	doc, err := os.ReadFile(filepath.Join(root, "docs", "iam", "deployer-policy.json"))
	must(t, "docs/iam/deployer-policy.json", err)
	missing := map[string]int{}
	for _, c := range calls {
		if c.Service == "sts" {
			continue
		}
		ok, err := iampolicy.Allows(doc, c.iamAction())
		must(t, "the policy", err)
		if !ok {
			missing[c.iamAction()]++
		}
	}
	for a, n := range missing {
		t.Errorf("the provider called %s (%d times), which docs/iam/deployer-policy.json does not allow (internal/iampolicy)", a, n)
	}
	t.Logf("%d calls of the provider, every action allowed by docs/iam/deployer-policy.json", len(calls))
}

type awsRow struct {
	example          string
	kinds            string
	resources        int
	ready            time.Duration
	calls            int
	byService        string
	checked, differs int
}

// readyAfter is the time from the composite's creation to its Ready condition (as the API
// server recorded them).
func readyAfter(xr *unstructured.Unstructured) time.Duration {
	conds, _, _ := unstructured.NestedSlice(xr.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] != "Ready" || m["status"] != "True" {
			continue
		}
		at, err := time.Parse(time.RFC3339, fmt.Sprint(m["lastTransitionTime"]))
		if err != nil {
			return 0
		}
		return at.Sub(xr.GetCreationTimestamp().Time)
	}
	return 0
}

func composedKinds(c *cluster, s *stack) (string, int) {
	n := map[string]int{}
	total := 0
	for _, u := range s.composed {
		if _, managed := c.managed[u.GroupVersionKind().GroupKind()]; !managed {
			continue
		}
		n[u.GetKind()]++
		total++
	}
	var parts []string
	for k, v := range n {
		if v > 1 {
			parts = append(parts, fmt.Sprintf("%s×%d", k, v))
		} else {
			parts = append(parts, k)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", "), total
}

func printAWSTable(t *testing.T, rows []awsRow) {
	t.Helper()
	var b strings.Builder
	b.WriteString("\n| example | managed resources (kinds) | time to Ready | AWS calls (moto's request log) | read back from AWS |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d (%s) | %s | %d (%s) | %d resources, %d differences |\n", r.example, r.resources, r.kinds,
			r.ready.Round(time.Second), r.calls, r.byService, r.checked, r.differs)
	}
	t.Log(b.String())
	if out := os.Getenv("E2E_AWS_REPORT"); out != "" {
		_ = os.WriteFile(out, []byte(b.String()), 0o644)
	}
}

// checkRealProvider: every provider revision is served by the real provider process (the package
// runtime says so in RuntimeHealthy), and no provider stand-in runs.
func checkRealProvider(ctx context.Context, t *testing.T, c *cluster) {
	t.Helper()
	r, err := c.resource("pkg.crossplane.io/v1", "ProviderRevision", "")
	must(t, "ProviderRevisions", err)
	l, err := r.List(ctx, metav1.ListOptions{})
	must(t, "ProviderRevisions", err)
	for _, rev := range l.Items {
		if str(&rev, "spec", "desiredState") != "Active" {
			continue
		}
		if st, msg := condition(&rev, "RuntimeHealthy"); st != "True" || !strings.Contains(msg, "provider-aws's controllers run in local process") {
			t.Errorf("ProviderRevision %s: RuntimeHealthy=%s %q, want the real provider's process", rev.GetName(), st, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(c.state, "pids", "provider-standin.pid")); err == nil {
		t.Error("a provider stand-in runs next to the real provider")
	}
}

// acceptAWSMadeIdentities: an identity in testdata/expected.yaml that AWS makes up (the DNS
// validation record of a certificate, named by ACM; the stand-in makes up another) is not
// compared; its read-back finds the record the certificate asked for. The same for an ARN of a
// resource the stack creates, which the stand-in builds with its made-up account
// (simprovider.AccountID) and AWS with the stage's (worker's queue, as its event source mapping's
// identity); its read-back compares the mapping's source with the queue AWS made.
func acceptAWSMadeIdentities(s *stack) {
	for key, r := range s.exp.Resources {
		if r.Kind == "Record" && strings.HasPrefix(r.AWS, "CNAME _") || strings.Contains(r.AWS, ":"+simprovider.AccountID+":") {
			r.AWS = anyIdentity
			s.exp.Resources[key] = r
		}
	}
}

// readBackStack reads every composed managed resource back from AWS (awsreadback_test.go).
func readBackStack(ctx context.Context, t *testing.T, env *awsEnv, c *cluster, s *stack, row *awsRow) {
	t.Helper()
	keys := make([]string, 0, len(s.composed))
	for k := range s.composed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		u := s.composed[key]
		if _, managed := c.managed[u.GroupVersionKind().GroupKind()]; !managed {
			continue
		}
		if u.GetAnnotations()["crossplane.io/external-create-succeeded"] == "" {
			t.Errorf("%s %s: no crossplane.io/external-create-succeeded: not created by the real provider", u.GetKind(), key)
		}
		rb, ok := readBacks[u.GetKind()]
		if !ok {
			t.Errorf("%s %s: no read-back from AWS for kind %s (awsreadback_test.go)", u.GetKind(), key, u.GetKind())
			continue
		}
		r := env.readCtx(c, s, u)
		found, diff, err := rb(ctx, r)
		row.checked++
		switch {
		case err != nil:
			t.Errorf("%s %s: reading it from AWS: %v", u.GetKind(), key, err)
		case !found:
			t.Errorf("%s %s (%s): not in AWS", u.GetKind(), key, awsIdentity(u))
		case len(diff) > 0:
			row.differs += len(diff)
			t.Errorf("%s %s: AWS differs from what was composed:\n  %s", u.GetKind(), key, strings.Join(diff, "\n  "))
		}
	}
	t.Logf("%s: %d managed resources read back from AWS, %d differences", s.name, row.checked, row.differs)
}

// readCtx places a managed resource: the account of its ProviderConfig, its region.
func (e *awsEnv) readCtx(c *cluster, s *stack, u *unstructured.Unstructured) *readCtx {
	pc := u.GetNamespace() + "/" + str(u, "spec", "providerConfigRef", "name")
	account := e.pcAccount[pc]
	region := str(u, "spec", "forProvider", "region")
	if region == "" {
		region = str(s.xr, "status", "region")
	}
	if region == "" {
		region = "us-east-1"
	}
	return &readCtx{cfg: e.cfg(account, region), account: account, u: u, s: s, c: c}
}

// testAWSUpdate changes dev's memory and its routes: the Lambda function and the API are changed
// in place in AWS (same ARN, same API ID), the old route gone, the new one there.
func testAWSUpdate(ctx context.Context, t *testing.T, env *awsEnv, c *cluster, s *stack) {
	if s == nil || s.xr == nil {
		t.Skip("dev was not composed")
	}
	fn, api := s.composed["function"], s.composed["api"]
	r := env.readCtx(c, s, fn)
	before, err := lambda.NewFromConfig(r.cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(r.external())})
	must(t, "GetFunction before", err)
	apiID := api.GetAnnotations()["crossplane.io/external-name"]
	c.mustKubectl(t, "", "-n", s.request.GetNamespace(), "patch", "lambdastacks."+group, s.request.GetName(), "--type=merge",
		"-p", `{"spec":{"function":{"memoryMB":512},"api":{"routes":["POST /mcp","GET /health"]}}}`)
	eventually(t, 2*readyTimeout, "dev's function at 512 MB and routes POST /mcp, GET /health in AWS", func() (bool, string) {
		out, err := lambda.NewFromConfig(r.cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(r.external())})
		if err != nil {
			return false, err.Error()
		}
		routes, err := apigatewayv2.NewFromConfig(r.cfg).GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: aws.String(apiID)})
		if err != nil {
			return false, err.Error()
		}
		var keys []string
		for _, rt := range routes.Items {
			keys = append(keys, aws.ToString(rt.RouteKey))
		}
		sort.Strings(keys)
		return aws.ToInt32(out.Configuration.MemorySize) == 512 && strings.Join(keys, ",") == "GET /health,POST /mcp",
			fmt.Sprintf("memory %d, routes %v", aws.ToInt32(out.Configuration.MemorySize), keys)
	}, s.dump(ctx, t, c))
	after, err := lambda.NewFromConfig(r.cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(r.external())})
	must(t, "GetFunction after", err)
	if aws.ToString(after.Configuration.FunctionArn) != aws.ToString(before.Configuration.FunctionArn) || aws.ToString(after.Configuration.CodeSha256) != aws.ToString(before.Configuration.CodeSha256) {
		t.Errorf("the function was replaced, want an update in place: %s -> %s", aws.ToString(before.Configuration.FunctionArn), aws.ToString(after.Configuration.FunctionArn))
	}
	if _, err := apigatewayv2.NewFromConfig(r.cfg).GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String(apiID)}); err != nil {
		t.Errorf("the API %s is gone after a route change: %v", apiID, err)
	}
	s.waitReady(ctx, t, c, "dev Ready again", s.dump(ctx, t, c))
	t.Logf("dev: function %s updated in place (512 MB), API %s routes now GET /health, POST /mcp", aws.ToString(after.Configuration.FunctionArn), apiID)
}

// checkAWSEmptied: after the stack is gone from the cluster, AWS has none of its resources but the
// retained ones, which are still there.
func checkAWSEmptied(ctx context.Context, t *testing.T, env *awsEnv, c *cluster, s *stack) {
	t.Helper()
	if s.xr == nil {
		t.Skip("the request was not composed")
	}
	retained := map[string]bool{}
	for _, k := range s.exp.Retained {
		retained[k] = true
	}
	kept, gone := 0, 0
	for key, u := range s.composed {
		rb, ok := readBacks[u.GetKind()]
		if !ok {
			continue
		}
		found, _, err := rb(ctx, env.readCtx(c, s, u))
		switch {
		case err != nil:
			t.Errorf("%s %s: reading it from AWS after the delete: %v", u.GetKind(), key, err)
		case found && !retained[key]:
			t.Errorf("%s %s (%s): still in AWS after the stack was deleted", u.GetKind(), key, awsIdentity(u))
		case !found && retained[key]:
			t.Errorf("%s %s (%s): retained, but gone from AWS", u.GetKind(), key, awsIdentity(u))
		case found:
			kept++
		default:
			gone++
		}
	}
	t.Logf("%s: AWS emptied: %d resources deleted, %d retained as composed", s.name, gone, kept)
}
