package render_test

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"

	"github.com/spec3/lambdastack/test/schema"
)

// variant is an example request changed in memory to reach parts the examples don't compose.
type variant struct {
	name string
	base string
	edit func(spec map[string]any)
}

// variants exercise the optional parts: release (alias, canary, provisioned concurrency,
// pinned version), several regions, container images, a public API with CORS, tracing, an API
// turned off, and the legacy flavour with a created security group, created secrets and alarms.
var variants = []variant{
	{name: "prod-canary", base: "examples/prod.yaml", edit: func(s map[string]any) {
		s["release"] = map[string]any{"useAlias": true, "provisionedConcurrency": int64(5), "canary": map[string]any{"additionalVersion": "7", "weight": int64(10)}}
	}},
	{name: "prod-pinned", base: "examples/prod.yaml", edit: func(s map[string]any) {
		s["release"] = map[string]any{"pinnedVersion": "3"}
	}},
	{name: "prod-two-regions", base: "examples/prod.yaml", edit: func(s map[string]any) {
		s["regions"] = []any{"eu-central-1", "eu-west-1"}
		delete(s, "network") // a VPC belongs to one region
		s["function"].(map[string]any)["code"] = map[string]any{"s3": map[string]any{"bucket": "spec3-lambdastack-artifacts-{region}", "key": "mcp-server/x.zip"}}
	}},
	{name: "dev-image-tracing-x86", base: "examples/dev.yaml", edit: func(s map[string]any) {
		f := s["function"].(map[string]any)
		f["code"] = map[string]any{"imageUri": "111111111111.dkr.ecr.us-east-1.amazonaws.com/team-mcp-dev/mcp:1"} // the team's own repository
		f["tracing"] = true
		f["architecture"] = "x86_64"
		f["reservedConcurrency"] = int64(3)
	}},
	{name: "staging-public-cors-alarms", base: "examples/staging.yaml", edit: func(s map[string]any) {
		s["api"] = map[string]any{
			"auth":   map[string]any{"type": "none"},
			"routes": []any{"GET /health", "$default"},
			"cors":   map[string]any{"allowOrigins": []any{"https://app.example.com"}, "allowCredentials": true},
		}
		s["monitoring"] = map[string]any{"alarms": true, "dashboard": true, "alarmEmails": []any{"oncall@example.com"}}
	}},
	{name: "qa-api-off", base: "examples/qa.yaml", edit: func(s map[string]any) {
		s["api"] = map[string]any{"enabled": false}
	}},
	{name: "legacy-full", base: "examples/legacy-claim.yaml", edit: func(s map[string]any) {
		s["network"] = map[string]any{"subnetIds": []any{"subnet-0123456789abcdef0"}, "vpcId": "vpc-0123456789abcdef0", "egressCidrs": []any{"10.0.0.0/8"}}
		s["secrets"] = []any{
			map[string]any{"name": "token", "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "tok", "key": "value", "namespace": "team-mcp-dev"}}}},
			map[string]any{"name": "upstream", "arn": "arn:aws:secretsmanager:us-east-1:111111111111:secret:team-mcp-dev/up-AbCdEf"},
		}
		s["monitoring"] = map[string]any{"alarms": true, "dashboard": true, "alarmEmails": []any{"oncall@example.com"}}
		s["api"] = map[string]any{"auth": map[string]any{"type": "jwt", "jwt": map[string]any{"issuer": "https://issuer.example.com", "audiences": []any{"a"}}}}
		s["release"] = map[string]any{"useAlias": true, "canary": map[string]any{"additionalVersion": "2", "weight": int64(5)}}
	}},
	{name: "staging-java-snapstart", base: "examples/staging.yaml", edit: func(s map[string]any) {
		f := s["function"].(map[string]any)
		f["runtime"], f["handler"], f["snapStart"] = "java21", "example.Handler::handleRequest", true
		delete(f, "ephemeralStorageMB")
		f["logging"] = map[string]any{"format": "JSON", "applicationLogLevel": "WARN"}
	}},
	{name: "legacy-permissions-lambda-auth-runtime", base: "examples/legacy-claim.yaml", edit: func(s map[string]any) {
		s["permissions"] = map[string]any{"statements": []any{map[string]any{"actions": []any{"sqs:SendMessage"},
			"resources":  []any{"arn:aws:sqs:us-east-1:111111111111:team-mcp-dev_jobs"},
			"conditions": []any{map[string]any{"operator": "Bool", "key": "aws:SecureTransport", "values": []any{"true"}}}}}}
		s["api"] = map[string]any{"routes": []any{"POST /mcp"}, "auth": map[string]any{"type": "lambda", "lambda": map[string]any{
			"functionArn": "arn:aws:lambda:us-east-1:111111111111:function:team-mcp-dev_authorizer:live", "simpleResponses": false}}}
		f := s["function"].(map[string]any)
		f["runtime"], f["handler"], f["snapStart"] = "java17", "example.Handler::handleRequest", true
		f["layers"] = []any{"arn:aws:lambda:us-east-1:111111111111:layer:team-mcp-dev_deps:2"}
		f["kmsKeyArn"] = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		f["logging"] = map[string]any{"format": "JSON", "systemLogLevel": "WARN"}
		s["release"] = map[string]any{"useAlias": true}
	}},
	{name: "legacy-jwt-scopes-tmp", base: "examples/legacy-claim.yaml", edit: func(s map[string]any) {
		s["api"] = map[string]any{"routes": []any{"POST /mcp"}, "auth": map[string]any{"type": "jwt", "jwt": map[string]any{"issuer": "https://issuer.example.com", "audiences": []any{"a"},
			"routeScopes": []any{map[string]any{"route": "POST /mcp", "scopes": []any{"mcp/invoke"}}}}}}
		s["function"].(map[string]any)["ephemeralStorageMB"] = int64(2048)
	}},
}

// schemaCases are every example, then every variant.
func schemaCases(t *testing.T) (names []string, requests []map[string]any) {
	t.Helper()
	for _, c := range Cases {
		names = append(names, c.Name)
		requests = append(requests, ReadRequest(t, c.Request))
	}
	for _, v := range variants {
		r := ReadRequest(t, v.base)
		v.edit(r["spec"].(map[string]any))
		names = append(names, v.name)
		requests = append(requests, r)
	}
	return names, requests
}

// TestRenderedResourcesMatchTheirCRDs validates every composed resource of every example and
// of the variants above, on the first render and on four later ones as the simulated provider
// makes the resources observed (parts that wait for observed values appear then), against the
// CRD of its kind: the managed resources against provider-aws v2.5.0's CRDs (namespaced
// *.aws.m.upbound.io for LambdaStack, cluster-scoped *.aws.upbound.io for the legacy claim),
// Usages and ClusterUsages against Crossplane v2.4.0's own CRDs. OpenAPI schema, unknown
// fields, required fields and the CRDs' CEL rules are checked by the apiserver's code (package
// test/schema). Each request and the rendered XR, status included, validate against our XRD.
func TestRenderedResourcesMatchTheirCRDs(t *testing.T) {
	addr := startFunction(t)
	var validated, distinct int
	kinds := map[string]bool{}
	names, requests := schemaCases(t)
	for i, name := range names {
		request := requests[i]
		t.Run(name, func(t *testing.T) {
			legacy := request["kind"] == "LambdaStackClaim"
			xrd := readXRD(t, legacy)
			if xrd != nil {
				if err := schema.ValidateAgainstXRD(xrd, request); err != nil {
					t.Fatalf("the request itself is invalid: %v", err)
				}
			}
			seen := map[string]bool{}
			var observed []composed.Unstructured
			var last []composed.Unstructured
			for round := range 5 {
				out, _, err := RenderObject(t, addr, request, observed, nil)
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				if len(out.ComposedResources) == 0 {
					t.Fatalf("round %d: nothing composed", round)
				}
				for _, r := range out.ComposedResources {
					id := r.GetAPIVersion() + "/" + r.GetKind() + "/" + r.GetName()
					checkFlavour(t, legacy, request["metadata"].(map[string]any)["namespace"].(string), r)
					if err := schema.ValidateComposed(r.Object); err != nil {
						t.Errorf("round %d: %v", round, err)
					}
					validated++
					if !seen[id] {
						seen[id] = true
						distinct++
					}
					kinds[r.GetAPIVersion()+" "+r.GetKind()] = true
				}
				if xrd != nil {
					if err := schema.ValidateAgainstXRD(xrd, storedXR(t, request, out.CompositeResource.Object)); err != nil {
						t.Errorf("round %d: rendered XR: %v", round, err)
					}
				}
				observed = SimulateProvider(out.ComposedResources)
				last = out.ComposedResources
			}
			// The variants' references stay in the stack too (TestReferencesStayInTheStack
			// covers the examples).
			index := map[string]composed.Unstructured{}
			for _, r := range last {
				index[r.GetName()] = r
			}
			for _, r := range last {
				for _, p := range checkRefs(r, index) {
					t.Errorf("%s %s: %s", r.GetKind(), r.GetName(), p)
				}
			}
			t.Logf("%s: %d distinct composed resources validated", name, len(seen))
		})
	}
	list := make([]string, 0, len(kinds))
	for k := range kinds {
		list = append(list, k)
	}
	sort.Strings(list)
	for _, p := range packagingProblems(t, kinds) {
		t.Error(p)
	}
	t.Logf("schema-validated %d composed resources (%d distinct resources of %d examples and %d variants, %d kinds) against provider-aws v2.5.0 and Crossplane v2.4.0 CRDs; kinds: %s",
		validated, distinct, len(Cases), len(variants), len(list), strings.Join(list, ", "))
}

// checkFlavour: a namespaced stack composes namespaced provider kinds and Usages, the legacy
// one cluster-scoped provider kinds and ClusterUsages; both their outputs ConfigMap in the
// namespace of the request (the claim's for the legacy flavour).
func checkFlavour(t *testing.T, legacy bool, namespace string, r composed.Unstructured) {
	t.Helper()
	group := r.GetObjectKind().GroupVersionKind().Group
	switch {
	case group == "":
		if r.GetKind() != "ConfigMap" || r.GetNamespace() != namespace {
			t.Errorf("%s %s/%s: want the outputs ConfigMap in the request's namespace %s", r.GetKind(), r.GetNamespace(), r.GetName(), namespace)
		}
	case group == "protection.crossplane.io":
		if want := map[bool]string{false: "Usage", true: "ClusterUsage"}[legacy]; r.GetKind() != want {
			t.Errorf("%s %s: want a %s", r.GetKind(), r.GetName(), want)
		}
	case legacy && (!strings.HasSuffix(group, ".aws.upbound.io") || strings.HasSuffix(group, ".aws.m.upbound.io")):
		t.Errorf("%s %s: the legacy flavour composes cluster-scoped *.aws.upbound.io kinds, not %s", r.GetKind(), r.GetName(), group)
	case !legacy && !strings.HasSuffix(group, ".aws.m.upbound.io"):
		t.Errorf("%s %s: a LambdaStack composes namespaced *.aws.m.upbound.io kinds, not %s", r.GetKind(), r.GetName(), group)
	}
}

// storedXR is the XR as the cluster would store it after the render: the render engine returns
// only what its reconcile wrote (spec.crossplane and status), so that is laid over the request.
func storedXR(t *testing.T, request, rendered map[string]any) map[string]any {
	t.Helper()
	xr, _, _ := requestToXR(request)
	full := runtime.DeepCopyJSON(xr.UnstructuredContent())
	if cp, ok, _ := unstructured.NestedMap(rendered, "spec", "crossplane"); ok {
		if err := unstructured.SetNestedMap(full, cp, "spec", "crossplane"); err != nil {
			t.Fatal(err)
		}
	}
	status, ok, _ := unstructured.NestedMap(rendered, "status")
	if !ok || len(status) == 0 {
		t.Fatal("the rendered XR has no status")
	}
	full["status"] = status
	return full
}

func readXRD(t *testing.T, legacy bool) map[string]any {
	t.Helper()
	file := "lambdastacks.yaml"
	if legacy {
		file = "xlambdastacks.yaml"
	}
	xrd, err := schema.ReadXRD(filepath.Join(root, "apis", file))
	if err != nil {
		t.Errorf("the XRD is needed to validate the rendered XR: %v", err)
		return nil
	}
	return xrd
}
