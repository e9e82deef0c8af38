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
// package/crossplane.yaml; and each core kind (the outputs ConfigMap) that Crossplane may not
// compose as installed by its Helm chart (crossplaneGrants).
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
	var granted map[string][]string
	for k := range kinds {
		apiVersion, kind, _ := strings.Cut(k, " ")
		group, _, _ := strings.Cut(apiVersion, "/")
		if !strings.Contains(apiVersion, "/") { // a core kind: no CRD, but Crossplane's RBAC
			if granted == nil {
				granted = crossplaneGrants(t)
			}
			resource := strings.ToLower(kind) + "s"
			for _, verb := range composeVerbs {
				if !slices.Contains(granted[resource], verb) && !slices.Contains(granted[resource], "*") {
					problems = append(problems, fmt.Sprintf("%s is composed but Crossplane's ClusterRole (Helm chart %s) does not grant %s on %s: a platform must add a ClusterRole labelled rbac.crossplane.io/aggregate-to-crossplane=true (docs/install.md)", k, schema.CrossplaneVersion, verb, resource))
				}
			}
			continue
		}
		if strings.HasSuffix(group, ".crossplane.io") {
			continue // Crossplane's own kinds (Usage, ClusterUsage)
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

// composeVerbs are what Crossplane does with the resources it composes: server-side apply
// (get, create, patch, update), watches of composed kinds (list, watch), deleting a resource the
// function no longer composes.
var composeVerbs = []string{"create", "delete", "get", "list", "patch", "update", "watch"}

// crossplaneGrants are the verbs per core resource that Crossplane's ClusterRole grants as its
// Helm chart installs it (cluster/charts/crossplane/templates/clusterrole.yaml of the Crossplane
// release the stack targets: the ClusterRole crossplane, bound cluster-wide to Crossplane's
// service account, aggregating crossplane:system:aggregate-to-crossplane). The template's lines
// with Helm directives are left out; what remains is the rules as installed.
func crossplaneGrants(t *testing.T) map[string][]string {
	t.Helper()
	dir, err := schema.CrossplaneDir()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "cluster", "charts", "crossplane", "templates", "clusterrole.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(raw), "\n") {
		if !strings.Contains(l, "{{") {
			kept = append(kept, l)
		}
	}
	granted := map[string][]string{}
	for _, doc := range strings.Split(strings.Join(kept, "\n"), "\n---") {
		var role struct {
			Rules []struct {
				APIGroups []string `json:"apiGroups"`
				Resources []string `json:"resources"`
				Verbs     []string `json:"verbs"`
			} `json:"rules"`
		}
		if err := yaml.Unmarshal([]byte(doc), &role); err != nil {
			t.Fatalf("Crossplane's clusterrole.yaml: %v", err)
		}
		for _, r := range role.Rules {
			if !slices.Contains(r.APIGroups, "") {
				continue
			}
			for _, res := range r.Resources {
				granted[res] = append(granted[res], r.Verbs...)
			}
		}
	}
	if len(granted) == 0 {
		t.Fatal("Crossplane's clusterrole.yaml grants nothing on core resources: the template changed")
	}
	return granted
}

func TestPackagingProblemsNameAnUnservedKind(t *testing.T) {
	got := packagingProblems(t, map[string]bool{
		"lambda.aws.m.upbound.io/v1beta1 Function": true,
		"s3.aws.m.upbound.io/v1beta1 Bucket":       true,
		"protection.crossplane.io/v1beta1 Usage":   true,
		"v1 ConfigMap":                             true,
		"v1 Pod":                                   true,
	})
	want := []string{
		"s3.aws.m.upbound.io/v1beta1 Bucket is composed but package/activation-policy.yaml does not activate buckets.s3.aws.m.upbound.io",
		"s3.aws.m.upbound.io/v1beta1 Bucket is composed but package/crossplane.yaml does not depend on xpkg.upbound.io/upbound/provider-aws-s3",
	}
	for _, verb := range composeVerbs { // Crossplane may compose ConfigMaps as installed, not Pods
		want = append(want, "v1 Pod is composed but Crossplane's ClusterRole (Helm chart "+schema.CrossplaneVersion+") does not grant "+verb+
			" on pods: a platform must add a ClusterRole labelled rbac.crossplane.io/aggregate-to-crossplane=true (docs/install.md)")
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}
