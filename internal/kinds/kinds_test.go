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
		if (k.Service == "") == (k.Group == "") {
			t.Errorf("%s: give a provider-aws Service or a Group, not both or neither", k.Kind)
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
}
