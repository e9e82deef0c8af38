package fn

import (
	"path/filepath"
	"testing"

	"github.com/spec3/lambdastack/examples"
)

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
