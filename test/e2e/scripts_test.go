package e2e

// Not behind the e2e build tag: `go test ./...` (make test) runs it without a control plane.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/examples"
)

// TestExampleRegion: example-region.sh (the uptest workflow puts each example's code zip in a
// bucket of that region) tells every stage example's region as testdata/expected.yaml has it.
func TestExampleRegion(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/expected.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var exps map[string]struct {
		Status map[string]string `json:"status"`
	}
	if err := yaml.Unmarshal(raw, &exps); err != nil {
		t.Fatal(err)
	}
	stages, err := examples.Stages(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range stages {
		out, err := exec.Command(filepath.Join(root, "test", "e2e", "example-region.sh"), filepath.Join(root, ex.Request)).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v: %s", ex.Request, err, out)
			continue
		}
		want := exps[ex.Name].Status["region"]
		if got := strings.TrimSpace(string(out)); got != want || want == "" {
			t.Errorf("%s: example-region.sh says %q, testdata/expected.yaml %q", ex.Request, got, want)
		}
	}
	if out, err := exec.Command(filepath.Join(root, "test", "e2e", "example-region.sh"), filepath.Join(root, "examples", "providerconfigs.yaml")).CombinedOutput(); err == nil {
		t.Errorf("a file that is no stage example: no error (%s)", out)
	}
}
