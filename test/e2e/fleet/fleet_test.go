package fleet

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
