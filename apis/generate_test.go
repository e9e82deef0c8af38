// Package apis_test checks that the committed XRDs are what the Go types generate, and that
// Crossplane's API server would accept them.
package apis_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/test/schema"
)

var xrdFiles = []string{"lambdastacks.yaml", "xlambdastacks.yaml"}

func TestXRDsAreGenerated(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("../hack/generate.sh", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/generate.sh: %v\n%s", err, b)
	}
	for _, f := range xrdFiles {
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

// TestXRDsAreValidCrossplaneObjects validates each XRD itself against Crossplane v2.4.0's
// CompositeResourceDefinition CRD (schema and CEL rules), as the API server does on apply: for
// example apiextensions.crossplane.io/v2 refuses claims and the LegacyCluster scope, so the
// claimable XLambdaStack must be an apiextensions.crossplane.io/v1 XRD.
func TestXRDsAreValidCrossplaneObjects(t *testing.T) {
	want := map[string]struct{ apiVersion, scope string }{
		"lambdastacks.yaml":  {"apiextensions.crossplane.io/v2", "Namespaced"},
		"xlambdastacks.yaml": {"apiextensions.crossplane.io/v1", "LegacyCluster"},
	}
	for _, f := range xrdFiles {
		t.Run(f, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			xrd := map[string]any{}
			if err := yaml.Unmarshal(b, &xrd); err != nil {
				t.Fatal(err)
			}
			if err := schema.Crossplane().Validate(xrd); err != nil {
				t.Errorf("apis/%s would be refused by the API server: %v", f, err)
			}
			spec, _ := xrd["spec"].(map[string]any)
			if xrd["apiVersion"] != want[f].apiVersion || spec["scope"] != want[f].scope {
				t.Errorf("apis/%s: %v with scope %v, want %s with scope %s", f, xrd["apiVersion"], spec["scope"], want[f].apiVersion, want[f].scope)
			}
		})
	}
}
