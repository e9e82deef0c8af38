package render_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/test/schema"
)

// packagingProblems names each managed resource kind the function composes (apiVersion and kind,
// as collected by TestRenderedResourcesMatchTheirCRDs) that an install of the Configuration
// would not serve: its CRD not activated by package/activation-policy.yaml (provider-aws v2
// packages are SafeStart), or its provider family (provider-aws-<service>) not a dependency in
// package/crossplane.yaml.
func packagingProblems(t *testing.T, kinds map[string]bool) []string {
	t.Helper()
	var problems []string
	var policy struct {
		Spec struct {
			Activate []string `json:"activate"`
		} `json:"spec"`
	}
	var meta struct {
		Spec struct {
			DependsOn []struct {
				Package string `json:"package"`
			} `json:"dependsOn"`
		} `json:"spec"`
	}
	for file, into := range map[string]any{"package/activation-policy.yaml": &policy, "package/crossplane.yaml": &meta} {
		raw, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	var deps []string
	for _, d := range meta.Spec.DependsOn {
		deps = append(deps, d.Package)
	}
	for k := range kinds {
		apiVersion, kind, _ := strings.Cut(k, " ")
		group, _, _ := strings.Cut(apiVersion, "/")
		if strings.HasSuffix(group, ".crossplane.io") || !strings.Contains(apiVersion, "/") {
			continue // Crossplane's own kinds (Usage, ClusterUsage), core kinds (ConfigMap)
		}
		crd, err := schema.ProviderAWS().CRDName(group, kind)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", k, err))
			continue
		}
		if !slices.Contains(policy.Spec.Activate, crd) {
			problems = append(problems, fmt.Sprintf("%s is composed but package/activation-policy.yaml does not activate %s", k, crd))
		}
		family := "xpkg.upbound.io/upbound/provider-aws-" + strings.SplitN(group, ".", 2)[0]
		if !slices.Contains(deps, family) {
			problems = append(problems, fmt.Sprintf("%s is composed but package/crossplane.yaml does not depend on %s", k, family))
		}
	}
	slices.Sort(problems)
	return problems
}

func TestPackagingProblemsNameAnUnservedKind(t *testing.T) {
	got := packagingProblems(t, map[string]bool{
		"lambda.aws.m.upbound.io/v1beta1 Function": true,
		"s3.aws.m.upbound.io/v1beta1 Bucket":       true,
		"protection.crossplane.io/v1beta1 Usage":   true,
		"v1 ConfigMap":                             true,
	})
	want := []string{
		"s3.aws.m.upbound.io/v1beta1 Bucket is composed but package/activation-policy.yaml does not activate buckets.s3.aws.m.upbound.io",
		"s3.aws.m.upbound.io/v1beta1 Bucket is composed but package/crossplane.yaml does not depend on xpkg.upbound.io/upbound/provider-aws-s3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}
