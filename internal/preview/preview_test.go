package preview_test

// preview.Offline over rendered before/after pairs: each example request rendered by the function (the
// render engine bin/crossplane-core), once as it is and once changed as a team would change it.

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/afero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/cli/v2/cmd/crossplane/render"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"

	"github.com/spec3/lambdastack/internal/preview"
	"github.com/spec3/lambdastack/internal/stackdiff"
	"github.com/spec3/lambdastack/internal/stackrender/rendertest"
)

// pair renders request as it is and changed by change, and compares them.
func pair(t *testing.T, request, observed string, change func(spec map[string]any)) stackdiff.Report {
	t.Helper()
	required, err := render.LoadRequiredResources(afero.NewOsFs(), filepath.Join("..", "..", "examples", "environmentconfigs"))
	if err != nil {
		t.Fatal(err)
	}
	var obs []composed.Unstructured
	if observed != "" {
		if obs, err = render.LoadObservedResources(afero.NewOsFs(), filepath.Join("..", "..", observed)); err != nil {
			t.Fatal(err)
		}
	}
	before := rendertest.Request(t, request)
	after := runtime.DeepCopyJSON(before)
	change(after["spec"].(map[string]any))
	rep, err := preview.Offline(context.Background(), rendertest.Engine(t), before, after, required, obs)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := stackdiff.Write(&out, rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s:\n%s", request, out.String())
	return rep
}

func set(t *testing.T, spec map[string]any, value any, path ...string) {
	t.Helper()
	if err := unstructured.SetNestedField(spec, value, path...); err != nil {
		t.Fatal(err)
	}
}

func find(rep stackdiff.Report, part string) *stackdiff.Resource {
	for i := range rep.Resources {
		if rep.Resources[i].Part == part {
			return &rep.Resources[i]
		}
	}
	return nil
}

func TestUnchangedRequestHasNoChanges(t *testing.T) {
	for _, r := range []string{"examples/dev.yaml", "examples/prod.yaml", "examples/legacy-claim.yaml", "examples/worker.yaml"} {
		if rep := pair(t, r, "", func(map[string]any) {}); rep.HasChanges() {
			t.Errorf("%s: %+v", r, rep.Resources)
		}
	}
}

// A memory change is one field of the Function, updated in place.
func TestMemoryChangeIsOneFieldOfTheFunction(t *testing.T) {
	rep := pair(t, "examples/dev.yaml", "", func(spec map[string]any) { set(t, spec, int64(512), "function", "memoryMB") })
	if len(rep.Resources) != 1 {
		t.Fatalf("%d resources change, want the function only: %+v", len(rep.Resources), rep.Resources)
	}
	r := rep.Resources[0]
	want := stackdiff.Field{Op: "replace", Path: "/spec/forProvider/memorySize", Old: float64(256), New: float64(512)}
	if r.Part != "function" || r.Kind != "Function" || r.Change != stackdiff.Changed || len(r.Fields) != 1 ||
		r.Fields[0].Path != want.Path || stackdiff.Display(r.Fields[0]) != "spec.forProvider.memorySize: 256 → 512" || r.Loud() {
		t.Fatalf("%+v, want %+v and no replacement", r, want)
	}
}

// A route taken out of the request is a Route AWS deletes.
func TestRemovedRouteIsDeleted(t *testing.T) {
	rep := pair(t, "examples/prod.yaml", "", func(spec map[string]any) { set(t, spec, []any{"POST /mcp"}, "api", "routes") })
	r := find(rep, "api-route-get-health")
	if r == nil || r.Change != stackdiff.Removed || !r.Deleted || r.Kind != "Route" {
		t.Fatalf("api-route-get-health: %+v, want removed and deleted in AWS", r)
	}
	if find(rep, "api-route-post-mcp") != nil {
		t.Errorf("the kept route changes: %+v", find(rep, "api-route-post-mcp"))
	}
}

// Renaming the app renames every named AWS resource: each is replaced, not updated.
func TestRenamedAppIsAReplacement(t *testing.T) {
	rep := pair(t, "examples/dev.yaml", "", func(spec map[string]any) { set(t, spec, "mcp", "app") })
	for _, part := range []string{"function", "role", "log-group", "api-log-group", "role-execution-policy"} {
		r := find(rep, part)
		if r == nil || len(r.Replaced) == 0 || !strings.Contains(r.Replaced[0], "its name in AWS changes from") ||
			!strings.HasSuffix(r.Replaced[0], ` to "`+r.AWSName+`"`) || strings.Contains(r.AWSName, "mcp-server") {
			t.Errorf("%s: %+v, want replaced for its new name", part, r)
		}
	}
	if r := find(rep, "api"); r == nil || r.Loud() {
		t.Errorf("api (an ID in AWS, its name updatable): %+v, want changed in place", r)
	}
	var out bytes.Buffer
	_ = stackdiff.Write(&out, rep)
	if !strings.Contains(out.String(), "!! REPLACED in AWS: function (Function team-mcp-dev_dev_mcp): its name in AWS changes from \"team-mcp-dev_dev_mcp-server\" to \"team-mcp-dev_dev_mcp\"") {
		t.Errorf("no loud line for the function:\n%s", out.String())
	}
}

// A new hostname is a new certificate: ACM cannot change a certificate's domain.
func TestNewHostnameReplacesTheCertificate(t *testing.T) {
	rep := pair(t, "examples/prod.yaml", "", func(spec map[string]any) {
		set(t, spec, "mcp2.team-mcp-prod.api.spec3.example", "api", "domain", "hostname")
	})
	r := find(rep, "domain-certificate")
	if r == nil || len(r.Replaced) == 0 || !strings.Contains(strings.Join(r.Replaced, " "), "AWS cannot change domainName in place") {
		t.Fatalf("domain-certificate: %+v", r)
	}
}

// Dropping a region removes and deletes every resource of the stack there.
func TestDroppedRegion(t *testing.T) {
	rep := pair(t, "examples/release/two-region.yaml", "examples/release/observed/two-region.yaml", func(spec map[string]any) {
		set(t, spec, []any{"eu-central-1"}, "regions")
	})
	if !slices.Equal(rep.Regions, []string{"eu-west-1"}) {
		t.Fatalf("regions left %v, want [eu-west-1]", rep.Regions)
	}
	deleted := 0
	for _, r := range rep.Resources {
		if r.Change == stackdiff.Removed && r.Deleted {
			deleted++
		}
	}
	if deleted == 0 || find(rep, "function-eu-west-1") == nil || !find(rep, "function-eu-west-1").Deleted {
		t.Errorf("%d resources deleted; want the eu-west-1 function among them: %+v", deleted, rep.Resources)
	}
}
