package kinds

import "testing"

// TestKindsAreDeclaredOnce: a kind name appears once (the simulated provider and test/e2e look
// kinds up by name), and Lookup finds each kind by its API group in every flavour composing it.
func TestKindsAreDeclaredOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range All {
		if seen[k.Kind] {
			t.Errorf("kind %s is declared twice", k.Kind)
		}
		seen[k.Kind] = true
		if k.Service != "" && k.Group != "" || k.Service == "" && k.Group == "" && k.Version == "" {
			t.Errorf("%s: give a provider-aws Service, a Group or a core Version, not both or neither", k.Kind)
		}
		for _, namespaced := range []bool{true, false} {
			if !k.Composed(namespaced) {
				continue
			}
			if got, ok := Lookup(k.APIGroup(namespaced), k.Kind); !ok || got.Kind != k.Kind {
				t.Errorf("Lookup(%s, %s) = %v, %v", k.APIGroup(namespaced), k.Kind, got.Kind, ok)
			}
		}
	}
	if _, ok := Lookup("lambda.aws.m.upbound.io", "FunctionURL"); ok {
		t.Error("Lookup found a kind the stack does not compose")
	}
	if _, ok := Lookup("lambda.aws.m.upbound.io", "ConfigMap"); ok {
		t.Error("Lookup found the core kind ConfigMap in a provider-aws group")
	}
	if got := (Kind{Version: "v1", Kind: "ConfigMap"}).APIVersion(true); got != "v1" {
		t.Errorf("core apiVersion %q, want v1", got)
	}
	if got := (Kind{Service: "iam", Kind: "Role"}).APIVersion(false); got != "iam.aws.upbound.io/v1beta1" {
		t.Errorf("provider apiVersion %q", got)
	}
}
