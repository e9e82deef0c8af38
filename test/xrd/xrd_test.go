// Package xrd_test checks the project's XRDs (apis/lambdastacks.yaml, apis/xlambdastacks.yaml):
// every example request validates against the CRD Crossplane derives from its XRD (the claim
// against the claim CRD), a table of bad requests is rejected with the expected message, the
// immutable fields' transition rules hold on update, and the Crossplane CLI's
// `crossplane resource validate` agrees offline.
package xrd_test

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/test/schema"
)

// root is the repository root, relative to this package.
const root = "../.."

const (
	kindLambdaStack = "LambdaStack"
	kindClaim       = "LambdaStackClaim"
)

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	m, err := examples.ReadYAML(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// xrdFor returns the XRD serving kind: the namespaced LambdaStack's, or the legacy XLambdaStack's
// (whose claim is LambdaStackClaim).
func xrdFor(t *testing.T, kind string) map[string]any {
	t.Helper()
	file := "lambdastacks.yaml"
	if kind == kindClaim || kind == "XLambdaStack" {
		file = "xlambdastacks.yaml"
	}
	path := filepath.Join(root, "apis", file)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("XRD %s is missing (generated from apis/v1alpha1): %v", path, err)
	}
	xrd, err := schema.ReadXRD(path)
	if err != nil {
		t.Fatal(err)
	}
	return xrd
}

// exampleRequests are the stage examples of examples/index.txt by file name (dev.yaml, ...).
func exampleRequests(t *testing.T) map[string]map[string]any {
	t.Helper()
	stages, err := examples.Stages(root)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, e := range stages {
		out[filepath.Base(e.Request)] = readYAML(t, filepath.Join(root, e.Request))
	}
	if len(out) < 5 {
		t.Fatalf("want at least 5 example requests, found %d", len(out))
	}
	return out
}

func TestExamplesValidateAgainstTheirXRD(t *testing.T) {
	for _, kind := range []string{kindLambdaStack, kindClaim} {
		if err := schema.CheckXRD(xrdFor(t, kind)); err != nil {
			t.Fatalf("XRD of %s: %v", kind, err)
		}
	}
	var claims int
	for name, obj := range exampleRequests(t) {
		t.Run(name, func(t *testing.T) {
			kind := obj["kind"].(string)
			if kind == kindClaim {
				claims++
			}
			if err := schema.ValidateAgainstXRD(xrdFor(t, kind), obj); err != nil {
				t.Error(err)
			}
		})
	}
	if claims == 0 {
		t.Error("no LambdaStackClaim example: the claim CRD is not exercised")
	}
	// The claim's XR: the same spec is a valid XLambdaStack (cluster-scoped).
	for _, obj := range exampleRequests(t) {
		if obj["kind"] != kindClaim {
			continue
		}
		xr := runtime.DeepCopyJSON(obj)
		xr["kind"] = "XLambdaStack"
		delete(xr["metadata"].(map[string]any), "namespace")
		if err := schema.ValidateAgainstXRD(xrdFor(t, "XLambdaStack"), xr); err != nil {
			t.Errorf("XLambdaStack of the claim: %v", err)
		}
	}
}

// TestEnvironmentConfigsValidate: the example stage configs are valid EnvironmentConfigs
// (Crossplane v2.4.0's CRD).
func TestEnvironmentConfigsValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(root, "examples", "environmentconfigs", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no EnvironmentConfig examples")
	}
	for _, f := range files {
		if err := schema.Crossplane().Validate(readYAML(t, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// set sets a dotted path in obj, creating maps; "[i]" indexes a list. nil deletes the key.
func set(t *testing.T, obj map[string]any, path string, value any) {
	t.Helper()
	keys := strings.Split(path, ".")
	var cur any = obj
	for i, k := range keys {
		idx := -1
		if open := strings.IndexByte(k, '['); open >= 0 {
			n, err := strconv.Atoi(k[open+1 : len(k)-1])
			if err != nil || n < 0 {
				t.Fatalf("bad path %q", path)
			}
			idx = n
			k = k[:open]
		}
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("path %q: %q is not an object", path, k)
		}
		last := i == len(keys)-1
		if idx >= 0 {
			list, _ := m[k].([]any)
			for len(list) <= idx {
				list = append(list, map[string]any{})
			}
			m[k] = list
			if last {
				list[idx] = value
				return
			}
			cur = list[idx]
			continue
		}
		if last {
			if value == nil {
				delete(m, k)
			} else {
				m[k] = value
			}
			return
		}
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		cur = next
	}
}

// badRequest is a request the XRD must reject: base is an example file, edits are applied in
// order, and the error must contain every want string (and report the path, when given).
type badRequest struct {
	name  string
	base  string
	edits []edit
	path  string
	want  []string
}

type edit struct {
	path  string
	value any
}

func e(path string, value any) edit { return edit{path, value} }

var badRequests = []badRequest{
	{name: "unknown field", base: "dev.yaml", edits: []edit{e("spec.functoin", map[string]any{})}, path: "spec.functoin", want: []string{"unknown field"}},
	{name: "unknown nested field", base: "prod.yaml", edits: []edit{e("spec.function.memorySize", 512)}, path: "spec.function.memorySize", want: []string{"unknown field"}},
	{name: "app missing", base: "dev.yaml", edits: []edit{e("spec.app", nil)}, path: "spec.app", want: []string{"Required value"}},
	{name: "stage pattern", base: "dev.yaml", edits: []edit{e("spec.stage", "Dev_1")}, path: "spec.stage", want: []string{"should match"}},
	{name: "stage too long", base: "dev.yaml", edits: []edit{e("spec.stage", "a-very-long-stage-name")}, path: "spec.stage", want: []string{"Too long"}},
	{name: "app pattern", base: "dev.yaml", edits: []edit{e("spec.app", "MCP")}, path: "spec.app", want: []string{"should match"}},
	{name: "memory too small", base: "dev.yaml", edits: []edit{e("spec.function.memoryMB", 64)}, path: "spec.function.memoryMB", want: []string{"greater than or equal to 128"}},
	{name: "memory too large", base: "prod.yaml", edits: []edit{e("spec.function.memoryMB", 20000)}, path: "spec.function.memoryMB", want: []string{"less than or equal to 10240"}},
	{name: "timeout too long", base: "dev.yaml", edits: []edit{e("spec.function.timeoutSeconds", 901)}, path: "spec.function.timeoutSeconds", want: []string{"less than or equal to 900"}},
	{name: "bad runtime", base: "dev.yaml", edits: []edit{e("spec.function.runtime", "python2.7")}, path: "spec.function.runtime", want: []string{"Unsupported value"}},
	{name: "bad architecture", base: "dev.yaml", edits: []edit{e("spec.function.architecture", "sparc")}, path: "spec.function.architecture", want: []string{"Unsupported value"}},
	{name: "bad log retention", base: "dev.yaml", edits: []edit{e("spec.function.logRetentionDays", 2)}, path: "spec.function.logRetentionDays", want: []string{"Unsupported value"}},
	{name: "ephemeral storage too small", base: "staging.yaml", edits: []edit{e("spec.function.ephemeralStorageMB", 256)}, path: "spec.function.ephemeralStorageMB", want: []string{"greater than or equal to 512"}},
	{name: "log level with Text logs (CEL)", base: "dev.yaml", edits: []edit{e("spec.function.logging.format", "Text")}, path: "spec.function.logging", want: []string{"need format JSON"}},
	{name: "bad log level", base: "dev.yaml", edits: []edit{e("spec.function.logging.applicationLogLevel", "VERBOSE")}, path: "spec.function.logging.applicationLogLevel", want: []string{"Unsupported value"}},
	{name: "layer without version", base: "staging.yaml", edits: []edit{e("spec.function.layers[0]", "arn:aws:lambda:eu-west-1:222222222222:layer:mcp-shared-deps")}, path: "spec.function.layers[0]", want: []string{"should match"}},
	{name: "six layers", base: "staging.yaml", edits: []edit{e("spec.function.layers", []any{"a", "b", "c", "d", "e", "f"})}, path: "spec.function.layers", want: []string{"must have at most 5 items"}},
	{name: "KMS alias instead of key", base: "staging.yaml", edits: []edit{e("spec.function.kmsKeyArn", "arn:aws:kms:eu-west-1:222222222222:alias/lambda")}, path: "spec.function.kmsKeyArn", want: []string{"should match"}},
	{name: "both code sources (CEL)", base: "dev.yaml", edits: []edit{e("spec.function.code.imageUri", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mcp:1")}, path: "spec.function.code", want: []string{"exactly one of s3 or imageUri"}},
	{name: "no code source (CEL)", base: "dev.yaml", edits: []edit{e("spec.function.code", map[string]any{})}, path: "spec.function.code", want: []string{"exactly one of s3 or imageUri"}},
	{name: "bad image URI", base: "dev.yaml", edits: []edit{e("spec.function.code", map[string]any{"imageUri": "docker.io/library/x:1"})}, path: "spec.function.code.imageUri", want: []string{"should match"}},
	{name: "STAGE environment variable (CEL)", base: "dev.yaml", edits: []edit{e("spec.function.environment.STAGE", "x")}, path: "spec.function.environment", want: []string{"STAGE is set by the stack"}},
	{name: "bad environment variable name (CEL)", base: "dev.yaml", edits: []edit{e("spec.function.environment.1X", "x")}, path: "spec.function.environment", want: []string{"environment variable names must start with a letter"}},
	{name: "aws: tag key (CEL)", base: "dev.yaml", edits: []edit{e("spec.tags.aws:owner", "x")}, path: "spec.tags", want: []string{"must not start with aws:"}},
	{name: "AWS: tag key (CEL)", base: "prod.yaml", edits: []edit{e("spec.tags.AWS:Owner", "x")}, path: "spec.tags", want: []string{"must not start with aws:"}},
	{name: "ownership tag key (CEL)", base: "dev.yaml", edits: []edit{e("spec.tags.LambdaStack:Owner", "team-a")}, path: "spec.tags", want: []string{"set by the stack (in any letter case)"}},
	{name: "tag value too long (CEL)", base: "dev.yaml", edits: []edit{e("spec.tags.team", strings.Repeat("v", 257))}, path: "spec.tags", want: []string{"at most 256 characters"}},
	{name: "inline secret value (CEL)", base: "prod.yaml", edits: []edit{e("spec.secrets[0].value", "hunter2")}, path: "spec.secrets[0]", want: []string{"inline secret values are not allowed"}},
	{name: "secret with arn and create (CEL)", base: "prod.yaml", edits: []edit{e("spec.secrets[1].arn", "arn:aws:secretsmanager:eu-central-1:333333333333:secret:x-AbC123")}, path: "spec.secrets[1]", want: []string{"exactly one of arn or create"}},
	{name: "bad secret ARN", base: "prod.yaml", edits: []edit{e("spec.secrets[0].arn", "arn:aws:s3:::bucket")}, path: "spec.secrets[0].arn", want: []string{"should match"}},
	{name: "Deny statement", base: "prod.yaml", edits: []edit{e("spec.permissions.statements[0].effect", "Deny")}, path: "spec.permissions.statements[0].effect", want: []string{"Unsupported value"}},
	{name: "action without service", base: "prod.yaml", edits: []edit{e("spec.permissions.statements[0].actions[0]", "GetItem")}, path: "spec.permissions.statements[0].actions[0]", want: []string{"should match"}},
	{name: "statement without resources", base: "prod.yaml", edits: []edit{e("spec.permissions.statements[0].resources", []any{})}, path: "spec.permissions.statements[0].resources", want: []string{"should have at least 1 items"}},
	{name: "managed policy ARN of a role", base: "prod.yaml", edits: []edit{e("spec.permissions.managedPolicyArns[0]", "arn:aws:iam::333333333333:role/admin")}, path: "spec.permissions.managedPolicyArns[0]", want: []string{"should match"}},
	{name: "duplicate secret name", base: "prod.yaml", edits: []edit{e("spec.secrets[1].name", "upstream-token")}, path: "spec.secrets[1]", want: []string{"Duplicate value"}},
	{name: "jwt without jwt block (CEL)", base: "staging.yaml", edits: []edit{e("spec.api.auth.jwt", nil)}, path: "spec.api", want: []string{"spec.api.auth.jwt is required"}},
	{name: "lambda without lambda block (CEL)", base: "qa.yaml", edits: []edit{e("spec.api.auth.lambda", nil)}, path: "spec.api", want: []string{"spec.api.auth.lambda is required"}},
	{name: "authorizer ARN of a layer", base: "qa.yaml", edits: []edit{e("spec.api.auth.lambda.functionArn", "arn:aws:lambda:eu-west-2:444444444444:layer:x:1")}, path: "spec.api.auth.lambda.functionArn", want: []string{"should match"}},
	{name: "authorizer TTL over an hour", base: "qa.yaml", edits: []edit{e("spec.api.auth.lambda.resultTTLSeconds", 7200)}, path: "spec.api.auth.lambda.resultTTLSeconds", want: []string{"less than or equal to 3600"}},
	{name: "route scopes twice for a route", base: "staging.yaml", edits: []edit{e("spec.api.auth.jwt.routeScopes[1]", map[string]any{"route": "POST /mcp", "scopes": []any{"x"}})}, path: "spec.api.auth.jwt.routeScopes[1]", want: []string{"Duplicate value"}},
	{name: "unknown auth type", base: "staging.yaml", edits: []edit{e("spec.api.auth.type", "basic")}, path: "spec.api.auth.type", want: []string{"Unsupported value"}},
	{name: "bad route key", base: "prod.yaml", edits: []edit{e("spec.api.routes[0]", "FETCH /mcp")}, path: "spec.api.routes[0]", want: []string{"should match"}},
	{name: "duplicate route", base: "prod.yaml", edits: []edit{e("spec.api.routes[1]", "POST /mcp")}, path: "spec.api.routes[1]", want: []string{"Duplicate value"}},
	{name: "bad subnet ID", base: "prod.yaml", edits: []edit{e("spec.network.subnetIds[0]", "subnet-xyz")}, path: "spec.network.subnetIds[0]", want: []string{"should match"}},
	{name: "securityGroupIds and vpcId (CEL)", base: "prod.yaml", edits: []edit{e("spec.network.vpcId", "vpc-0123456789abcdef0")}, path: "spec.network", want: []string{"exactly one of securityGroupIds or vpcId"}},
	{name: "egressCidrs without vpcId (CEL)", base: "prod.yaml", edits: []edit{e("spec.network.egressCidrs", []any{"10.0.0.0/8"})}, path: "spec.network", want: []string{"egressCidrs applies only"}},
	{name: "bad egress CIDR", base: "qa.yaml", edits: []edit{e("spec.network.egressCidrs", []any{"10.0.0.0/33"})}, path: "spec.network.egressCidrs[0]", want: []string{"should match"}},
	{name: "bad region", base: "staging.yaml", edits: []edit{e("spec.region", "Europe")}, path: "spec.region", want: []string{"should match"}},
	{name: "region not in regions (CEL)", base: "staging.yaml", edits: []edit{e("spec.regions", []any{"eu-central-1", "us-east-1"})}, path: "spec", want: []string{"spec.region must be one of spec.regions"}},
	{name: "canary with pinnedVersion (CEL)", base: "prod.yaml", edits: []edit{e("spec.release", map[string]any{"pinnedVersion": "3", "canary": map[string]any{"additionalVersion": "4", "weight": 10}})}, path: "spec.release", want: []string{"cannot be combined"}},
	{name: "canary weight 100", base: "prod.yaml", edits: []edit{e("spec.release", map[string]any{"canary": map[string]any{"additionalVersion": "4", "weight": 100}})}, path: "spec.release.canary.weight", want: []string{"less than or equal to 99"}},
	{name: "bad alarm topic ARN", base: "dev.yaml", edits: []edit{e("spec.monitoring", map[string]any{"alarmTopicArn": "alarms"})}, path: "spec.monitoring.alarmTopicArn", want: []string{"should match"}},
	{name: "metric filter pattern over AWS's 1024", base: "prod.yaml", edits: []edit{e("spec.monitoring.metrics[0].pattern", strings.Repeat("x", 1025))}, path: "spec.monitoring.metrics[0].pattern", want: []string{"Too long"}},
	{name: "bad metric name", base: "prod.yaml", edits: []edit{e("spec.monitoring.metrics[0].name", "tool:calls")}, path: "spec.monitoring.metrics[0].name", want: []string{"should match"}},
	{name: "bad metric alarm comparison", base: "prod.yaml", edits: []edit{e("spec.monitoring.metrics[0].alarm.comparison", "Above")}, path: "spec.monitoring.metrics[0].alarm.comparison", want: []string{"Unsupported value"}},
	{name: "bad metadata name", base: "dev.yaml", edits: []edit{e("metadata.name", "MCP_Server")}, path: "metadata.name", want: []string{"RFC 1123"}},
	{name: "claim: unknown field", base: "legacy-claim.yaml", edits: []edit{e("spec.functoin", map[string]any{})}, path: "spec.functoin", want: []string{"unknown field"}},
	{name: "claim: aws: tag key (CEL)", base: "legacy-claim.yaml", edits: []edit{e("spec.tags.aws:x", "y")}, path: "spec.tags", want: []string{"must not start with aws:"}},
	{name: "claim: bad compositeDeletePolicy", base: "legacy-claim.yaml", edits: []edit{e("spec.compositeDeletePolicy", "Never")}, path: "spec.compositeDeletePolicy", want: []string{"Unsupported value"}},
	{name: "claim without namespace", base: "legacy-claim.yaml", edits: []edit{e("metadata.namespace", nil)}, path: "metadata.namespace", want: []string{"Required value"}},
}

// TestBadRequestsAreRejected: each bad request fails XRD validation with its message.
func TestBadRequestsAreRejected(t *testing.T) {
	examples := exampleRequests(t)
	for _, bc := range badRequests {
		t.Run(bc.name, func(t *testing.T) {
			base, ok := examples[bc.base]
			if !ok {
				t.Fatalf("no example %s", bc.base)
			}
			obj := runtime.DeepCopyJSON(base)
			xrd := xrdFor(t, obj["kind"].(string))
			if err := schema.ValidateAgainstXRD(xrd, obj); err != nil {
				t.Fatalf("the base example is invalid already: %v", err)
			}
			for _, ed := range bc.edits {
				set(t, obj, ed.path, ed.value)
			}
			checkRejected(t, schema.ValidateAgainstXRD(xrd, obj), bc.path, bc.want)
		})
	}
	t.Logf("%d bad requests rejected by the XRDs", len(badRequests))
}

func checkRejected(t *testing.T, err error, path string, want []string) {
	t.Helper()
	if err == nil {
		t.Fatal("accepted")
	}
	t.Logf("rejected: %v", err)
	var verr *schema.Error
	if !errors.As(err, &verr) {
		t.Fatalf("want a field error, got %T: %v", err, err)
	}
	if path != "" {
		paths := verr.Paths()
		found := false
		for _, p := range paths {
			found = found || p == path
		}
		if !found {
			sort.Strings(paths)
			t.Errorf("path %q not reported; got %q", path, paths)
		}
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message does not contain %q", w)
		}
	}
}

// TestImmutableFieldsOnUpdate: spec.stage and spec.app cannot change once created (transition
// rules self == oldSelf, checked as the apiserver checks an update); other fields can.
func TestImmutableFieldsOnUpdate(t *testing.T) {
	examples := exampleRequests(t)
	cases := []struct {
		name, base, path string
		value            any
		want             string
	}{
		{"stage changed", "dev.yaml", "spec.stage", "staging", "spec.stage is immutable"},
		{"app changed", "prod.yaml", "spec.app", "other-app", "spec.app is immutable"},
		{"claim: stage changed", "legacy-claim.yaml", "spec.stage", "prod", "spec.stage is immutable"},
		{"custom hostname changed", "prod.yaml", "spec.api.domain.hostname", "api.team-mcp-prod.api.spec3.example", "spec.api.domain.hostname is immutable"},
		{"custom domain's latency routing changed", "prod.yaml", "spec.api.domain.latencyRouting", false, ""},
		{"memory changed", "dev.yaml", "spec.function.memoryMB", 512, ""},
		{"tags changed", "prod.yaml", "spec.tags.team", "platform", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := examples[tc.base]
			obj := runtime.DeepCopyJSON(old)
			set(t, obj, tc.path, tc.value)
			xrd := xrdFor(t, obj["kind"].(string))
			if err := schema.ValidateAgainstXRD(xrd, obj); err != nil {
				t.Fatalf("the changed request is not valid on create: %v", err)
			}
			err := schema.ValidateAgainstXRD(xrd, obj, schema.Update(old))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("update refused: %v", err)
				}
				return
			}
			checkRejected(t, err, tc.path, []string{tc.want})
		})
	}
}
