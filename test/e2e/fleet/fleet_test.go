package fleet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/spec3/lambdastack/examples"
)

// A copy of the prod example in another namespace names that namespace's secrets and hostnames
// (the only ones its stage grants it), and its own app's hostname.
func TestOwnMovesSecretsAndHostnameToTheStacksNamespace(t *testing.T) {
	ts, err := Templates("../../..", "examples/prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: ts[0]}
	u.SetNamespace("chaos-team-01")
	if err := unstructured.SetNestedField(u.Object, "app007", "spec", "app"); err != nil {
		t.Fatal(err)
	}
	Own(u)
	host, _, _ := unstructured.NestedString(u.Object, "spec", "api", "domain", "hostname")
	if host != "app007.chaos-team-01.api.spec3.example" {
		t.Errorf("hostname %q, want app007.chaos-team-01.api.spec3.example", host)
	}
	secrets, _, _ := unstructured.NestedSlice(u.Object, "spec", "secrets")
	found := false
	for _, s := range secrets {
		if arn, ok := s.(map[string]any)["arn"].(string); ok {
			found = true
			if !strings.Contains(arn, ":secret:chaos-team-01/") {
				t.Errorf("secret ARN %q is not under chaos-team-01/", arn)
			}
		}
	}
	if !found {
		t.Error("the prod example has no existing secret any more: pick another example for this test")
	}
}

// The stage templates are the namespaced stage examples; with a directory, its copies of them by
// file name (make scale with the real provider reads the examples with moto's IDs), and a
// missing copy is an error, not a silent fallback to examples/.
func TestStageTemplatesReadCopiesFromADirectory(t *testing.T) {
	root := "../../.."
	orig, err := StageTemplates(root, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orig {
		if o["kind"] != "LambdaStack" {
			t.Errorf("template of kind %v: want only LambdaStack", o["kind"])
		}
	}
	dir := t.TempDir()
	stages, err := examples.Stages(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range stages {
		raw, err := os.ReadFile(filepath.Join(root, e.Request))
		if err != nil {
			t.Fatal(err)
		}
		raw = []byte(strings.ReplaceAll(string(raw), "spec3-lambdastack-artifacts", "local-artifacts"))
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(e.Request)), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copies, err := StageTemplates(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(copies) != len(orig) {
		t.Fatalf("%d templates from the copies, want %d", len(copies), len(orig))
	}
	read := 0
	for i, c := range copies {
		bucket, _, _ := unstructured.NestedString(c, "spec", "function", "code", "s3", "bucket")
		was, _, _ := unstructured.NestedString(orig[i], "spec", "function", "code", "s3", "bucket")
		if was == "spec3-lambdastack-artifacts" {
			read++
			if bucket != "local-artifacts" {
				t.Errorf("template %d: bucket %q, want the copy's local-artifacts", i, bucket)
			}
		}
	}
	if read == 0 {
		t.Error("no stage example names the bucket spec3-lambdastack-artifacts: pick another field for this test")
	}
	if err := os.Remove(filepath.Join(dir, filepath.Base(stages[0].Request))); err != nil {
		t.Fatal(err)
	}
	if _, err := StageTemplates(root, dir); err == nil {
		t.Error("a missing copy gave no error")
	}
}
