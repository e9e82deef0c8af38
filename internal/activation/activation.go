// Package activation reads the Configuration's ManagedResourceActivationPolicy
// (package/activation-policy.yaml): the managed resource kinds LambdaStack composes, the one list
// the real provider's build (hack/providergen) and the providers' IAM policy (internal/iampolicy)
// are made from.
package activation

import (
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// Kinds lists spec.activate of the policy at path: <plural>.<group> names, no wildcards.
func Kinds(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p struct {
		Kind string `json:"kind"`
		Spec struct {
			Activate []string `json:"activate"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if p.Kind != "ManagedResourceActivationPolicy" || len(p.Spec.Activate) == 0 {
		return nil, fmt.Errorf("%s: want a ManagedResourceActivationPolicy with spec.activate", path)
	}
	for _, n := range p.Spec.Activate {
		if strings.Contains(n, "*") {
			return nil, fmt.Errorf("%s: %q: a wildcard does not name the kinds", path, n)
		}
	}
	return p.Spec.Activate, nil
}
