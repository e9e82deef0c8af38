package stackrender_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/afero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/crossplane/cli/v2/cmd/crossplane/render"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/internal/stackrender"
	"github.com/spec3/lambdastack/internal/stackrender/rendertest"
)

const root = "../.."

func environmentConfigs(t *testing.T) []unstructured.Unstructured {
	t.Helper()
	r, err := render.LoadRequiredResources(afero.NewOsFs(), filepath.Join(root, "examples", "environmentconfigs"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// yamlOf writes an object as YAML: a render and a file compare equal whatever their number types.
func yamlOf(t *testing.T, obj map[string]any) string {
	t.Helper()
	b, err := sigsyaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// snapshot reads test/render/testdata/<name>.yaml: the XR and the composed resources by part.
func snapshot(t *testing.T, name string) (map[string]any, map[string]map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "test", "render", "testdata", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var xr map[string]any
	parts := map[string]map[string]any{}
	for {
		obj := map[string]any{}
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		u := unstructured.Unstructured{Object: obj}
		switch {
		case xr == nil:
			xr = obj
		case u.GetKind() != "Result":
			parts[u.GetAnnotations()[stackrender.AnnotationResource]] = obj
		}
	}
	return xr, parts
}

// The engine gives every example exactly the render of the project's snapshots (test/render,
// rendered from the repository's Composition and XRD files): the embedded Compositions and the
// legacy flavour's XRD identity are the ones the package ships.
func TestRenderMatchesTheSnapshots(t *testing.T) {
	eng := rendertest.Engine(t)
	all, err := examples.Index(root)
	if err != nil {
		t.Fatal(err)
	}
	required := environmentConfigs(t)
	for _, c := range all {
		t.Run(c.Name, func(t *testing.T) {
			in := stackrender.Input{Request: rendertest.Request(t, c.Request), Required: required}
			if c.Observed != "" {
				if in.Observed, err = render.LoadObservedResources(afero.NewOsFs(), filepath.Join(root, c.Observed)); err != nil {
					t.Fatal(err)
				}
			}
			out, err := eng.Render(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			wantXR, wantParts := snapshot(t, c.Name)
			if got, want := yamlOf(t, out.XR.Object), yamlOf(t, wantXR); got != want {
				t.Errorf("XR differs from the snapshot:\n%s\nwant\n%s", got, want)
			}
			if len(out.Composed) != len(wantParts) {
				t.Errorf("%d composed resources, the snapshot has %d", len(out.Composed), len(wantParts))
			}
			for i := range out.Composed {
				part := stackrender.Part(&out.Composed[i])
				if got, want := yamlOf(t, out.Composed[i].Object), yamlOf(t, wantParts[part]); got != want {
					t.Errorf("%s differs from the snapshot:\n%s\nwant\n%s", part, got, want)
				}
			}
		})
	}
}

// Asked through Lookup (as from a cluster), the function gets the stage's EnvironmentConfig and
// renders what it renders with every EnvironmentConfig offered up front.
func TestLookupAnswersWhatTheFunctionAsks(t *testing.T) {
	eng := rendertest.Engine(t)
	configs := environmentConfigs(t)
	var asked []string
	lookup := func(_ context.Context, selectors []*fnv1.ResourceSelector) ([]unstructured.Unstructured, error) {
		var out []unstructured.Unstructured
		for _, s := range selectors {
			asked = append(asked, s.GetKind())
			for _, c := range configs {
				if c.GetKind() == s.GetKind() && labels.SelectorFromSet(s.GetMatchLabels().GetLabels()).Matches(labels.Set(c.GetLabels())) && s.GetMatchName() == "" {
					out = append(out, c)
				}
			}
		}
		return out, nil
	}
	request := rendertest.Request(t, "examples/prod.yaml")
	viaLookup, err := eng.Render(context.Background(), stackrender.Input{Request: request, Lookup: lookup})
	if err != nil {
		t.Fatal(err)
	}
	upFront, err := eng.Render(context.Background(), stackrender.Input{Request: request, Required: configs})
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) == 0 || asked[0] != "EnvironmentConfig" {
		t.Errorf("the function asked for %v, want the EnvironmentConfig first", asked)
	}
	if len(viaLookup.Composed) == 0 || !reflect.DeepEqual(viaLookup.Composed, upFront.Composed) {
		t.Errorf("render through Lookup composed %d resources, up front %d, or they differ", len(viaLookup.Composed), len(upFront.Composed))
	}
}

func TestRefusedRequestIsAnError(t *testing.T) {
	eng := rendertest.Engine(t)
	request := rendertest.Request(t, "examples/dev.yaml")
	request["spec"].(map[string]any)["stage"] = "nosuchstage"
	_, err := eng.Render(context.Background(), stackrender.Input{Request: request})
	if err == nil || !strings.Contains(err.Error(), "the function refused the request") || !strings.Contains(err.Error(), "spec.stage") {
		t.Fatalf("err = %v, want the function's refusal naming spec.stage", err)
	}
	request = map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}
	if _, err := eng.Render(context.Background(), stackrender.Input{Request: request}); err == nil || !strings.Contains(err.Error(), "not a LambdaStack request") {
		t.Fatalf("a ConfigMap: %v", err)
	}
}

func TestMissingEngine(t *testing.T) {
	if _, err := stackrender.Start("/nonexistent/crossplane-core"); err == nil || !strings.Contains(err.Error(), "install the `crossplane` binary of the Crossplane core release as crossplane-core") {
		t.Fatalf("err = %v", err)
	}
}
