package fn

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// exampleRequest is an example request as the function receives it: the XR (a claim becomes the
// XLambdaStack Crossplane creates for it) and the EnvironmentConfigs labelled with its stage.
type exampleRequest struct {
	name string
	xr   map[string]any
	envs []map[string]any
}

// exampleRequestNames are the example requests under examples/.
var exampleRequestNames = []string{"dev", "staging", "prod", "qa", "legacy-claim"}

func readExampleYAML(t testing.TB, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func loadExampleRequests(t testing.TB) []exampleRequest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "examples", "environmentconfigs", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var configs []map[string]any
	for _, f := range files {
		configs = append(configs, readExampleYAML(t, f))
	}
	out := make([]exampleRequest, 0, len(exampleRequestNames))
	for _, name := range exampleRequestNames {
		xr := readExampleYAML(t, filepath.Join("..", "examples", name+".yaml"))
		if xr["kind"] == v1alpha1.KindLambdaStackClaim {
			// what Crossplane does: a cluster-scoped XR labelled with the claim's namespace
			xr["kind"] = v1alpha1.KindXLambdaStack
			meta := xr["metadata"].(map[string]any)
			meta["labels"] = map[string]any{LabelClaimNamespace: meta["namespace"]}
			delete(meta, "namespace")
		}
		stage, _ := field(xr, "spec", "stage").(string)
		envs := []map[string]any{}
		for _, c := range configs {
			if field(c, "metadata", "labels", v1alpha1.StageLabel) == stage {
				envs = append(envs, c)
			}
		}
		out = append(out, exampleRequest{name: name, xr: xr, envs: envs})
	}
	return out
}

// simulateProviderObserved stands in for provider-aws (simulated, not AWS): every desired resource is
// observed Ready and Synced, with made-up status.atProvider identifiers shaped like AWS's.
func simulateProviderObserved(rsp *fnv1.RunFunctionResponse) map[string]map[string]any {
	out := map[string]map[string]any{}
	for key, r := range rsp.GetDesired().GetResources() {
		o := r.GetResource().AsMap()
		o["status"] = map[string]any{
			"conditions": []any{
				map[string]any{"type": "Ready", "status": "True", "reason": "Available"},
				map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess"},
			},
			"atProvider": map[string]any{
				"arn":     fmt.Sprintf("arn:aws:simulated:eu-central-1:123456789012:%s", key),
				"id":      "sim-" + key,
				"version": "1",
			},
		}
		out[key] = o
	}
	return out
}
