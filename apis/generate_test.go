// Package apis_test checks that the committed XRDs are what the Go types generate.
package apis_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestXRDsAreGenerated(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("../hack/generate.sh", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/generate.sh: %v\n%s", err, b)
	}
	for _, f := range []string{"lambdastacks.yaml", "xlambdastacks.yaml"} {
		want, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("apis/%s is missing: run make generate", f)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("apis/%s is stale: the Go types in apis/v1alpha1 changed; run make generate and commit the result", f)
		}
	}
}
