package fn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	sdkcomposed "github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/spec3/lambdastack/apis/v1alpha1"
	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/internal/simprovider"
)

// xrObject is a minimal valid LambdaStack; spec overrides are merged over its spec.
func xrObject(spec map[string]any) map[string]any {
	s := map[string]any{
		"stage": "dev",
		"app":   "mcp",
		"function": map[string]any{
			"code": map[string]any{"s3": map[string]any{"bucket": "artifacts", "key": "mcp/abc.zip"}},
		},
	}
	for k, v := range spec {
		if v == nil {
			delete(s, k)
			continue
		}
		s[k] = v
	}
	return map[string]any{
		"apiVersion": v1alpha1.APIVersion,
		"kind":       v1alpha1.KindLambdaStack,
		"metadata":   map[string]any{"name": "mcp", "namespace": "team", "uid": "0000-1111"},
		"spec":       s,
	}
}

// legacyXR is the XLambdaStack Crossplane creates for the claim mcp in namespace team.
func legacyXR(spec map[string]any) map[string]any {
	o := unclaimedXR(spec)
	o["metadata"].(map[string]any)["labels"] = map[string]any{labelClaimNamespace: "team", labelClaimName: "mcp"}
	return o
}

// unclaimedXR is an XLambdaStack created without a claim (by a cluster administrator).
func unclaimedXR(spec map[string]any) map[string]any {
	o := xrObject(spec)
	o["kind"] = v1alpha1.KindXLambdaStack
	delete(o["metadata"].(map[string]any), "namespace")
	return o
}

func mustStruct(t testing.TB, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// request builds a RunFunctionRequest; envConfigs nil means Crossplane has not answered the
// stage-config requirement yet, an empty slice that no EnvironmentConfig matched.
func newRequest(t testing.TB, xr map[string]any, envConfigs []map[string]any, observed map[string]map[string]any) *fnv1.RunFunctionRequest {
	t.Helper()
	req := &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: "t"},
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: mustStruct(t, xr)}},
	}
	if envConfigs != nil {
		items := make([]*fnv1.Resource, 0, len(envConfigs))
		for _, e := range envConfigs {
			items = append(items, &fnv1.Resource{Resource: mustStruct(t, e)})
		}
		req.RequiredResources = map[string]*fnv1.Resources{RequirementStageConfig: {Items: items}}
	}
	if len(observed) > 0 {
		req.Observed.Resources = map[string]*fnv1.Resource{}
		for k, o := range observed {
			req.Observed.Resources[k] = &fnv1.Resource{Resource: mustStruct(t, o)}
		}
	}
	return req
}

// envConfig is a stage's EnvironmentConfig; unless data says otherwise it binds the stage to the
// namespace of xrObject (team) and gives that team the account (sharedAccount: false), as the
// platform would for a team with an account of its own. Tests of a shared account list the
// namespaces (ownership_test.go).
func envConfig(name, stage string, data map[string]any) map[string]any {
	if data == nil {
		data = map[string]any{}
	}
	if _, ok := data["namespaces"]; !ok {
		data["namespaces"] = []any{"team"}
		if _, ok := data["sharedAccount"]; !ok {
			data["sharedAccount"] = false
		}
	}
	return map[string]any{
		"apiVersion": "apiextensions.crossplane.io/v1beta1",
		"kind":       "EnvironmentConfig",
		"metadata":   map[string]any{"name": name, "labels": map[string]any{v1alpha1.StageLabel: stage}},
		"data":       data,
	}
}

// testBoundary is the permissions boundary a shared-account stage names (ownership.go).
const testBoundary = "arn:aws:iam::" + testAccount + ":policy/platform/owner-boundary"

// sharedEnvConfig is envConfig of a stage whose account the namespaces in data share, with the
// permissions boundary such a stage must name (unless data names one) and, unless data says
// what it grants, the code bucket of xrObject granted (like the examples' CI bucket).
func sharedEnvConfig(name, stage string, data map[string]any) map[string]any {
	if _, ok := data["grants"]; !ok {
		data["grants"] = map[string]any{"resources": []any{"arn:aws:s3:::artifacts/*"}}
	}
	p, _ := data["permissions"].(map[string]any)
	if p == nil {
		p = map[string]any{}
		data["permissions"] = p
	}
	if _, ok := p["permissionsBoundaryArn"]; !ok {
		p["permissionsBoundaryArn"] = testBoundary
	}
	return envConfig(name, stage, data)
}

// settingsFor resolves a request the way RunFunction does.
func settingsFor(t testing.TB, xr map[string]any, env map[string]any) *settings {
	t.Helper()
	s, err := resolveRequest(t, xr, env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// resolveRequest resolves a request the way RunFunction does and returns resolveFor's error.
func resolveRequest(t testing.TB, xr map[string]any, env map[string]any) (*settings, error) {
	t.Helper()
	var envs []map[string]any
	if env != nil {
		envs = []map[string]any{env}
	}
	req := newRequest(t, xr, envs, nil)
	c, err := decodeComposite(req)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := stageConfig(req, c.Spec.Stage)
	if err != nil {
		t.Fatal(err)
	}
	return resolveFor(c, ownerNamespace(req, c), p)
}

// byKey indexes built resources.
func byKey(t testing.TB, s *settings) map[string]map[string]any {
	t.Helper()
	m, _, _ := planByKey(t, s, nil)
	return m
}

func readyObserved(obj map[string]any, atProvider map[string]any) map[string]any {
	o := map[string]any{}
	for k, v := range obj {
		o[k] = v
	}
	st := map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}
	if atProvider != nil {
		st["atProvider"] = atProvider
	}
	o["status"] = st
	return o
}

// prodEnvs is the prod stage's EnvironmentConfig binding it to the test namespace: a production
// stage needs one (rule 1 of docs/tenancy.md).
func prodEnvs() []map[string]any {
	return []map[string]any{envConfig("stage-prod", "prod", map[string]any{})}
}

// refusal is a request the function must refuse with one Fatal result (and no desired state)
// whose message says each of want; envs are the stage's EnvironmentConfigs (nil: none).
type refusal struct {
	xr   map[string]any
	envs []map[string]any
	want []string
}

// wantRefusals runs a refusal table, each case as a subtest: one Fatal result saying what the
// case wants, naming the field rather than an internal error, and the desired state untouched.
func wantRefusals(t *testing.T, cases map[string]refusal) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			msg := wantFatal(t, newRequest(t, tc.xr, orNoEnvs(tc.envs), nil), tc.want...)
			if strings.Contains(msg, "internal error") || strings.Contains(msg, "unrecognized type") {
				t.Errorf("message does not name the field: %s", msg)
			}
		})
	}
}

// devEnvs is the dev stage's EnvironmentConfig with data (bound to namespace team); none when
// data is nil.
func devEnvs(data map[string]any) []map[string]any {
	if data == nil {
		return nil
	}
	return []map[string]any{envConfig("stage-dev", "dev", data)}
}

// orNoEnvs is envs, or an answered requirement with no EnvironmentConfig when envs is nil.
func orNoEnvs(envs []map[string]any) []map[string]any {
	if envs == nil {
		return []map[string]any{}
	}
	return envs
}

// shuffledRequest builds a RunFunctionRequest whose maps (XR spec, tags, environment, the
// EnvironmentConfigs' data, every observed resource) are filled in a random key order, with the
// EnvironmentConfig list and the observed resources inserted in a random order.
func shuffledRequest(t testing.TB, xr map[string]any, envs []map[string]any, observed map[string]map[string]any, rng *rand.Rand) *fnv1.RunFunctionRequest {
	t.Helper()
	req := &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: "determinism"},
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: shuffledStruct(t, xr, rng)}},
	}
	order := rng.Perm(len(envs))
	items := make([]*fnv1.Resource, 0, len(envs))
	for _, i := range order {
		items = append(items, &fnv1.Resource{Resource: shuffledStruct(t, envs[i], rng)})
	}
	req.RequiredResources = map[string]*fnv1.Resources{RequirementStageConfig: {Items: items}}
	if len(observed) > 0 {
		keys := make([]string, 0, len(observed))
		for k := range observed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		req.Observed.Resources = make(map[string]*fnv1.Resource, len(keys))
		for _, k := range keys {
			req.Observed.Resources[k] = &fnv1.Resource{Resource: shuffledStruct(t, observed[k], rng)}
		}
	}
	return req
}

func shuffledStruct(t testing.TB, m map[string]any, rng *rand.Rand) *structpb.Struct {
	t.Helper()
	var buf bytes.Buffer
	// Through JSON first: typed values (e.g. []string from YAML helpers) become []any.
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	shuffledJSON(t, generic, rng, &buf)
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(buf.Bytes(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// shuffledJSON encodes v with every object's keys written in a random order, so that the
// Struct decoded from it is built with a different map insertion order each time.
func shuffledJSON(t testing.TB, v any, rng *rand.Rand, buf *bytes.Buffer) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteByte(':')
			shuffledJSON(t, x[k], rng, buf)
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			shuffledJSON(t, e, rng, buf)
		}
		buf.WriteByte(']')
	default:
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
	}
}

func fp(obj map[string]any, path ...string) any {
	return lookup(obj, append([]string{"spec", "forProvider"}, path...)...)
}

// simAPIID is the id the simulated provider gives the API of the test stacks (XR mcp).
var simAPIID = func() string {
	name := objectName(&settings{XRName: "mcp"}, keyAPI)
	return simprovider.NewExternalName("API", name, simprovider.Hash(name), nil)
}()

// simulateObserved is what the simulated provider (internal/simprovider) reports for the
// resources plan composed.
func simulateObserved(desired []composed) observedState {
	in := make(map[string]map[string]any, len(desired))
	for _, c := range desired {
		in[c.Key] = c.Object
	}
	o := observedState{}
	for k, obj := range simprovider.Observe(nil, in) {
		o[resource.Name(k)] = resource.ObservedComposed{Resource: &sdkcomposed.Unstructured{Unstructured: unstructured.Unstructured{Object: obj}}}
	}
	return o
}

// simulateProviderObserved is what the simulated provider reports for the resources a response
// composed, as the observed resources of the next request.
func simulateProviderObserved(rsp *fnv1.RunFunctionResponse) map[string]map[string]any {
	in := map[string]map[string]any{}
	for key, r := range rsp.GetDesired().GetResources() {
		in[key] = r.GetResource().AsMap()
	}
	return simprovider.Observe(nil, in)
}

// planByKey runs plan and indexes the result.
func planByKey(t testing.TB, s *settings, o observedState) (map[string]map[string]any, []composed, []string) {
	t.Helper()
	r := mustPlan(t, s, o)
	m := make(map[string]map[string]any, len(r.Resources))
	for _, c := range r.Resources {
		m[c.Key] = c.Object
	}
	return m, r.Resources, r.Pending
}

func mustPlan(t testing.TB, s *settings, o observedState) planResult {
	t.Helper()
	r, err := plan(s, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// planSettled plans the stack, and when observed is set plans it again once the simulated
// provider has reported everything the first plan composed.
func planSettled(t testing.TB, s *settings, observed bool) map[string]map[string]any {
	t.Helper()
	m, out, _ := planByKey(t, s, nil)
	if observed {
		m, _, _ = planByKey(t, s, simulateObserved(out))
	}
	return m
}

// converged plays the simulated provider until nothing waits and nothing new is composed.
func converged(t testing.TB, s *settings) (map[string]map[string]any, observedState) {
	t.Helper()
	var o observedState
	for range 5 {
		m, out, pending := planByKey(t, s, o)
		if len(pending) == 0 && len(out) == len(o) {
			return m, o
		}
		o = simulateObserved(out)
	}
	t.Fatalf("the stack still waits or grows after 5 rounds")
	return nil, nil
}

func keysOf(m map[string]map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// fullXR uses every service: jwt API with CORS, a created topic with an email, VPC by vpcId, an
// existing and a created secret (with a key).
func fullXR(stage string) map[string]any {
	return xrObject(map[string]any{
		"stage": stage,
		"api": map[string]any{
			"auth": map[string]any{"type": "jwt", "jwt": map[string]any{"issuer": "https://issuer.example.com", "audiences": []any{"b", "a"}}},
			"cors": map[string]any{"allowOrigins": []any{"https://app.example.com"}},
		},
		"monitoring": map[string]any{"alarms": true, "dashboard": true, "alarmEmails": []any{"ops@example.com"}},
		"network":    map[string]any{"subnetIds": []any{"subnet-0123456789abcdef0"}, "vpcId": "vpc-0123456789abcdef0"},
		"secrets": []any{
			map[string]any{"name": "upstream-token", "arn": "arn:aws:secretsmanager:us-east-1:" + testAccount + ":secret:up-AbCdEf"},
			map[string]any{"name": "signing-key", "kmsKeyArn": "arn:aws:kms:us-east-1:" + testAccount + ":key/1234abcd-12ab",
				"create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "k8s-secret", "key": "value", "namespace": "team"}}}},
		},
	})
}

func conditionOf(rsp *fnv1.RunFunctionResponse, typ string) *fnv1.Condition {
	for _, c := range rsp.GetConditions() {
		if c.GetType() == typ {
			return c
		}
	}
	return nil
}

const otherAccount = "999999999999"

// addRandomTriggers gives a random stack (policy_test.go) SQS triggers, schedules and an async
// config, some of the time, so the policy walk and the CRD checks cover their resources.
func addRandomTriggers(rng *rand.Rand, spec map[string]any) {
	triggers := map[string]any{}
	var sqs []any
	for i := range rng.IntN(3) {
		q := map[string]any{"name": fmt.Sprintf("q%d", i)}
		if rng.IntN(2) == 0 {
			q["queueArn"] = fmt.Sprintf("arn:aws:sqs:us-east-1:123456789012:orders-%d", i)
		} else {
			q["create"] = map[string]any{}
		}
		sqs = append(sqs, q)
	}
	if len(sqs) > 0 {
		triggers["sqs"] = sqs
	}
	if rng.IntN(3) == 0 {
		triggers["schedules"] = []any{map[string]any{"name": "tick", "expression": "rate(5 minutes)", "payload": map[string]any{"n": 1}}}
	}
	if len(triggers) > 0 {
		spec["triggers"] = triggers
	}
	switch rng.IntN(4) {
	case 0:
		spec["async"] = map[string]any{"failureQueue": true, "maximumRetryAttempts": 1}
	case 1:
		spec["async"] = map[string]any{"onFailureArn": "arn:aws:sns:us-east-1:123456789012:failed", "maximumEventAgeSeconds": 300}
	}
}

const testAccount = "123456789012"

// prodXR is a prod stack (alias on) with release settings merged over the default.
func prodXR(release map[string]any, spec map[string]any) map[string]any {
	s := map[string]any{"stage": "prod"}
	if release != nil {
		s["release"] = release
	}
	for k, v := range spec {
		s[k] = v
	}
	return xrObject(s)
}

// observedStack builds the stack, then reports every resource back as the provider would, with
// the given status.atProvider per key and the given spec.forProvider overrides (what the
// function composed on an earlier reconcile).
func observedStack(t *testing.T, s *settings, at map[string]map[string]any, fp map[string]map[string]any) observedState {
	t.Helper()
	o := observedState{}
	for key, a := range at {
		obj := map[string]any{"spec": map[string]any{"forProvider": fp[key]}}
		o[resource.Name(key)] = resource.ObservedComposed{Resource: &sdkcomposed.Unstructured{}}
		o[resource.Name(key)].Resource.Object = readyObserved(obj, a)
	}
	for key, f := range fp {
		if _, ok := at[key]; !ok {
			o[resource.Name(key)] = resource.ObservedComposed{Resource: &sdkcomposed.Unstructured{}}
			o[resource.Name(key)].Resource.Object = map[string]any{"spec": map[string]any{"forProvider": f}}
		}
	}
	return o
}

func builtWith(t *testing.T, s *settings, o observedState) map[string]map[string]any {
	t.Helper()
	r, err := plan(s, o)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]map[string]any{}
	for _, c := range r.Resources {
		m[c.Key] = c.Object
	}
	return m
}

func fnObserved(version string) map[string]any {
	return map[string]any{"arn": "arn:aws:lambda:us-east-1:" + testAccount + ":function:team_prod_mcp", "version": version}
}

func legacyOf(xr map[string]any) map[string]any {
	xr["kind"] = "XLambdaStack"
	delete(xr["metadata"].(map[string]any), "namespace")
	return xr
}

// awsNames collects every AWS name a stack's resources carry: external names and the name,
// functionName and alarmName parameters.
func awsNames(m map[string]map[string]any) map[string]string {
	out := map[string]string{}
	for k, r := range m {
		if n, ok := lookup(r, "metadata", "annotations", annotationExternalName).(string); ok && n != "$default" && n != "live" {
			out[k+" external-name"] = n
		}
		if n, ok := lookup(r, "spec", "forProvider", "name").(string); ok {
			out[k+" name"] = n
		}
	}
	return out
}

func deepCopyMap(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s.AsMap()
}

const (
	testZoneID   = "Z0123456789ABCDEFGHIJ"
	testHostname = "mcp.team.api.example.com"
	testCert     = "arn:aws:acm:us-east-1:" + testAccount + ":certificate/12345678-1234-1234-1234-123456789012"
	testCertEU   = "arn:aws:acm:eu-west-1:" + testAccount + ":certificate/12345678-1234-1234-1234-123456789013"
)

// domainXR is a prod stack (regions, when given) with a custom domain.
func domainXR(domain map[string]any, regions ...string) map[string]any {
	spec := map[string]any{"stage": "prod", "api": map[string]any{"domain": domain}}
	if len(regions) > 0 {
		spec["regions"] = strList(regions)
		spec["function"] = map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "mcp/abc.zip"}}}
	}
	return xrObject(spec)
}

// domainEnv is the prod stage granting the zone api.example.com (domains overrides its fields).
func domainEnv(domains map[string]any) map[string]any {
	d := map[string]any{"hostedZoneId": testZoneID, "zoneName": "api.example.com"}
	for k, v := range domains {
		if v == nil {
			delete(d, k)
			continue
		}
		d[k] = v
	}
	return envConfig("stage-prod", "prod", map[string]any{"accountId": testAccount, "domains": d})
}

// ordersMetric is a metric counted from JSON log lines, with an alarm when fewer than 1 order a
// period is placed.
func ordersMetric(alarm bool) map[string]any {
	m := map[string]any{"name": "OrdersPlaced", "pattern": `{ $.event = "order_placed" }`, "unit": "Count"}
	if alarm {
		m["alarm"] = map[string]any{"threshold": int64(1), "comparison": "LessThanThreshold", "evaluationPeriods": int64(3)}
	}
	return m
}

// xrIn is xrObject in namespace ns.
func xrIn(ns string, spec map[string]any) map[string]any {
	xr := xrObject(spec)
	xr["metadata"].(map[string]any)["namespace"] = ns
	return xr
}

// claimXR is the XLambdaStack Crossplane creates for a claim in namespace ns.
func claimXR(ns string, spec map[string]any) map[string]any {
	xr := legacyXR(spec)
	xr["metadata"].(map[string]any)["labels"] = map[string]any{labelClaimNamespace: ns, labelClaimName: "mcp"}
	return xr
}

// wantFatal runs req and wants exactly one Fatal result containing each of want, with the
// request's desired state returned untouched.
func wantFatal(t *testing.T, req *fnv1.RunFunctionRequest, want ...string) string {
	t.Helper()
	return wantFatalResponse(t, req, want...).GetResults()[0].GetMessage()
}

// wantFatalResponse is wantFatal's check, returning the whole response.
func wantFatalResponse(t *testing.T, req *fnv1.RunFunctionRequest, want ...string) *fnv1.RunFunctionResponse {
	t.Helper()
	rsp := run(t, req)
	res := rsp.GetResults()
	if len(res) != 1 || res[0].GetSeverity() != fnv1.Severity_SEVERITY_FATAL {
		t.Fatalf("want one Fatal result, got %v", res)
	}
	for _, w := range want {
		if !strings.Contains(res[0].GetMessage(), w) {
			t.Errorf("Fatal %q does not say %q", res[0].GetMessage(), w)
		}
	}
	if diff := cmp.Diff(req.GetDesired(), rsp.GetDesired(), protocmp.Transform()); diff != "" {
		t.Errorf("desired state changed on a Fatal result: %s", diff)
	}
	return rsp
}

// wantComposed runs req and wants no Fatal result; it returns the desired resources by key.
func wantComposed(t *testing.T, req *fnv1.RunFunctionRequest) map[string]map[string]any {
	t.Helper()
	rsp := run(t, req)
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			t.Fatalf("refused: %s", r.GetMessage())
		}
	}
	out := map[string]map[string]any{}
	for k, r := range rsp.GetDesired().GetResources() {
		out[k] = r.GetResource().AsMap()
	}
	if len(out) == 0 {
		t.Fatal("nothing composed")
	}
	return out
}

func matches(pattern, name string) bool {
	ok, _ := path.Match(pattern, name)
	return ok
}

// randomStack is a valid request using a random mix of every feature.
func randomStack(rng *rand.Rand) map[string]any {
	pick := func(opts ...any) any { return opts[rng.IntN(len(opts))] }
	spec := map[string]any{
		"stage": pick("dev", "staging", "prod"),
		"function": map[string]any{
			"code":    pick(map[string]any{"s3": map[string]any{"bucket": "artifacts", "key": "k.zip"}}, map[string]any{"imageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/mcp:1"}),
			"tracing": pick(true, false),
		},
	}
	api := map[string]any{"enabled": rng.IntN(5) > 0}
	switch rng.IntN(4) {
	case 0:
		api["auth"] = map[string]any{"type": "jwt", "jwt": map[string]any{"issuer": "https://issuer.example.com", "audiences": []any{"a"},
			"routeScopes": []any{map[string]any{"route": "$default", "scopes": []any{"s"}}}}}
	case 1:
		api["auth"] = map[string]any{"type": "none"}
		api["public"] = true
	case 2:
		api["auth"] = map[string]any{"type": "lambda", "lambda": map[string]any{"functionArn": "arn:aws:lambda:us-east-1:123456789012:function:authorizer"}}
	}
	spec["api"] = api
	spec["monitoring"] = map[string]any{"alarms": pick(true, false), "dashboard": pick(true, false)}
	if rng.IntN(2) == 0 {
		n := map[string]any{"subnetIds": []any{"subnet-0a1b2c3d4e5f60718"}}
		if rng.IntN(2) == 0 {
			n["vpcId"] = "vpc-0e1f2a3b4c5d60712"
		} else {
			n["securityGroupIds"] = []any{"sg-0c1d2e3f4a5b60710"}
		}
		spec["network"] = n
	}
	var secrets []any
	for i := range rng.IntN(4) {
		sec := map[string]any{"name": fmt.Sprintf("s%d", i)}
		if rng.IntN(2) == 0 {
			sec["arn"] = fmt.Sprintf("arn:aws:secretsmanager:eu-west-1:123456789012:secret:x/s%d-AbCdEf", i)
		} else {
			sec["create"] = map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "k", "key": "v", "namespace": "team"}}}
		}
		if rng.IntN(2) == 0 {
			sec["kmsKeyArn"] = fmt.Sprintf("arn:aws:kms:eu-west-1:123456789012:key/%d", i)
		}
		secrets = append(secrets, sec)
	}
	if len(secrets) > 0 {
		spec["secrets"] = secrets
	}
	if rng.IntN(3) == 0 {
		spec["release"] = map[string]any{"useAlias": true, "provisionedConcurrency": 1}
	}
	if perms := randomPermissions(rng, narrowGrants, rng.IntN(4)); perms != nil {
		spec["permissions"] = perms
	}
	addRandomTriggers(rng, spec)
	if rng.IntN(2) == 0 {
		return legacyXR(spec)
	}
	return xrObject(spec)
}

// A grant a statement of spec.permissions may ask for: actions on resources.
type grant struct{ actions, resources []any }

// narrowGrants are explicit actions on explicit resources, what any stage accepts.
var narrowGrants = []grant{
	{[]any{"dynamodb:GetItem", "dynamodb:PutItem"}, []any{"arn:aws:dynamodb:us-east-1:123456789012:table/orders"}},
	{[]any{"s3:GetObject"}, []any{"arn:aws:s3:::assets/*"}},
	{[]any{"sqs:SendMessage"}, []any{"arn:aws:sqs:us-east-1:123456789012:jobs"}},
	{[]any{"iam:GetRole"}, []any{"arn:aws:iam::123456789012:role/x"}},
	{[]any{"sts:AssumeRole"}, []any{"arn:aws:iam::123456789012:role/reader"}},
}

// randomPermissions is a spec.permissions of n statements drawn from pool (nil for n 0).
func randomPermissions(rng *rand.Rand, pool []grant, n int) map[string]any {
	if n == 0 {
		return nil
	}
	var st []any
	for range n {
		g := pool[rng.IntN(len(pool))]
		s := map[string]any{"actions": g.actions, "resources": g.resources}
		if rng.IntN(3) == 0 {
			s["conditions"] = []any{map[string]any{"operator": "StringEquals", "key": "aws:ResourceTag/team", "values": []any{"mcp"}}}
		}
		st = append(st, s)
	}
	return map[string]any{"statements": st}
}

// guardedDev is dev's EnvironmentConfig with the stage's account and the given guards.
func guardedDev(guards map[string]any) []map[string]any {
	data := map[string]any{"accountId": testAccount}
	if guards != nil {
		data["permissions"] = guards
	}
	return []map[string]any{envConfig("stage-dev", "dev", data)}
}

func run(t *testing.T, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	t.Helper()
	f := &Function{Log: logging.NewNopLogger()}
	rsp, err := f.RunFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("RunFunction returned an error instead of a result: %v", err)
	}
	return rsp
}

func policyOf(t *testing.T, obj map[string]any) policyDocument {
	t.Helper()
	var d policyDocument
	if err := json.Unmarshal([]byte(fp(obj, "policy").(string)), &d); err != nil {
		t.Fatalf("policy is not JSON: %v", err)
	}
	return d
}

// grantOf is the statements of the role's inline policy (keyRolePolicy) that the concern of
// roleGrants contributes, identified by their statement IDs in the concern's own document
// (prefixed as the merged policy prefixes them).
func grantOf(t *testing.T, m map[string]map[string]any, sids ...string) []statement {
	t.Helper()
	obj, ok := m[keyRolePolicy]
	if !ok {
		t.Fatalf("no %s composed; have %v", keyRolePolicy, keysOf(m))
	}
	var out []statement
	for _, sid := range sids {
		found := false
		for _, st := range policyOf(t, obj).Statement {
			if st.Sid == sid {
				out, found = append(out, st), true
			}
		}
		if !found {
			t.Errorf("%s has no statement %s", keyRolePolicy, sid)
		}
	}
	return out
}

// teamStatements is the team's own statements (spec.permissions.statements) in the role's
// inline policy: those without an ID or with the team's prefix (the stack's own all have IDs
// without it, TestStackStatementIDs).
func teamStatements(t *testing.T, m map[string]map[string]any) []statement {
	t.Helper()
	var out []statement
	for _, st := range policyOf(t, m[keyRolePolicy]).Statement {
		if st.Sid == "" || strings.HasPrefix(st.Sid, teamSidPrefix) {
			out = append(out, st)
		}
	}
	return out
}

const opsTopic = "arn:aws:sns:us-east-1:" + testAccount + ":ops"

// dashboardWidgets are the metric widgets of a dashboard, in order; the text widgets are left
// out (dashboardText).
func dashboardWidgets(t *testing.T, d map[string]any) []decodedWidget {
	t.Helper()
	var out []decodedWidget
	for _, w := range allWidgets(t, d) {
		if w.Type == "metric" {
			out = append(out, w)
		}
	}
	return out
}

func allWidgets(t *testing.T, d map[string]any) []decodedWidget {
	t.Helper()
	body, _ := fp(d, "dashboardBody").(string)
	var b struct {
		Widgets []decodedWidget `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("dashboard body is not JSON: %v", err)
	}
	return b.Widgets
}

// decodedWidget is a dashboard widget as the body says; Markdown is set for text widgets.
type decodedWidget struct {
	Type       string `json:"type"`
	X          int    `json:"x"`
	Y          int    `json:"y"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Properties struct {
		widgetProperties
		Markdown string `json:"markdown"`
	} `json:"properties"`
}

// exampleRequest is an example request as the function receives it: the XR (a claim becomes the
// XLambdaStack Crossplane creates for it) and the EnvironmentConfigs labelled with its stage.
type exampleRequest struct {
	name string
	xr   map[string]any
	envs []map[string]any
}

// loadExampleRequests reads the stage examples of examples/index.txt.
func loadExampleRequests(t testing.TB) []exampleRequest {
	t.Helper()
	root := ".."
	stages, err := examples.Stages(root)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]exampleRequest, 0, len(stages))
	for _, e := range stages {
		xr, err := examples.ReadYAML(filepath.Join(root, e.Request))
		if err != nil {
			t.Fatal(err)
		}
		examples.ClaimToXR(xr)
		stage, _ := lookup(xr, "spec", "stage").(string)
		envs, err := examples.StageConfigs(root, stage)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, exampleRequest{name: e.Name, xr: xr, envs: envs})
	}
	return out
}

// wantKeys wants the resources of keys want composed and those of absent not.
func wantKeys(t *testing.T, m map[string]map[string]any, want, absent []string) {
	t.Helper()
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("%s not composed; have %v", k, keysOf(m))
		}
	}
	for _, k := range absent {
		if _, ok := m[k]; ok {
			t.Errorf("%s composed, want not", k)
		}
	}
}

// wantFields wants each forProvider field of obj (what names it in messages) at its value.
func wantFields(t *testing.T, what string, obj map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if got := fp(obj, k); !reflect.DeepEqual(got, v) {
			t.Errorf("%s %s = %#v, want %#v", what, k, got, v)
		}
	}
}
