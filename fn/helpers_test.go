package fn

import (
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/spec3/lambdastack/apis/v1alpha1"
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

// legacyXR is the XLambdaStack Crossplane creates for a claim in namespace team.
func legacyXR(spec map[string]any) map[string]any {
	o := unclaimedXR(spec)
	o["metadata"].(map[string]any)["labels"] = map[string]any{labelClaimNamespace: "team"}
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
// namespace of xrObject (team), as the platform would for that team.
func envConfig(name, stage string, data map[string]any) map[string]any {
	if _, ok := data["namespaces"]; !ok && data != nil {
		data["namespaces"] = []any{"team"}
	}
	if data == nil {
		data = map[string]any{"namespaces": []any{"team"}}
	}
	return map[string]any{
		"apiVersion": "apiextensions.crossplane.io/v1beta1",
		"kind":       "EnvironmentConfig",
		"metadata":   map[string]any{"name": name, "labels": map[string]any{v1alpha1.StageLabel: stage}},
		"data":       data,
	}
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

var _ = resource.ReadyTrue

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

// wantRefusals runs each refusal as a subtest.
func wantRefusals(t *testing.T, cases map[string]refusal) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wantFatal(t, newRequest(t, tc.xr, orNoEnvs(tc.envs), nil), tc.want...)
		})
	}
}

// orNoEnvs is envs, or an answered requirement with no EnvironmentConfig when envs is nil.
func orNoEnvs(envs []map[string]any) []map[string]any {
	if envs == nil {
		return []map[string]any{}
	}
	return envs
}
