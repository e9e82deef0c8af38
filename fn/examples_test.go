package fn

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

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
			xr["kind"] = v1alpha1.KindXLambdaStack
			delete(xr["metadata"].(map[string]any), "namespace")
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
