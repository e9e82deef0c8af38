package render_test

import (
	"strings"
	"testing"

	"github.com/spf13/afero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/cli/v2/cmd/crossplane/render"
)

// TestLaterReconcileFailureDeletesNothing brings an example stack up (rendered, then made
// observed by the simulated provider until nothing new is composed), then breaks the request
// or its stage config and renders again with those observed resources. The function answers
// Fatal; the Crossplane render engine (the core's composite reconciler) stops the reconcile with
// that message, and every observed resource is still there, unchanged: nothing was applied,
// nothing garbage-collected.
func TestLaterReconcileFailureDeletesNothing(t *testing.T) {
	addr := startFunction(t)
	cases := map[string]struct {
		request string
		breakIt func(t *testing.T, xr map[string]any) []unstructured.Unstructured // nil: the example configs
		want    string
	}{
		"code source removed": {request: "examples/dev.yaml", want: "spec.function.code", breakIt: func(_ *testing.T, xr map[string]any) []unstructured.Unstructured {
			xr["spec"].(map[string]any)["function"].(map[string]any)["code"] = map[string]any{}
			return nil
		}},
		"aws: tag added to the legacy claim": {request: "examples/legacy-claim.yaml", want: "spec.tags", breakIt: func(_ *testing.T, xr map[string]any) []unstructured.Unstructured {
			xr["spec"].(map[string]any)["tags"].(map[string]any)["aws:owner"] = "x"
			return nil
		}},
		"stage config turned malformed": {request: "examples/prod.yaml", want: `unknown field "regoin"`, breakIt: func(t *testing.T, _ map[string]any) []unstructured.Unstructured {
			configs := exampleConfigs(t)
			for i := range configs {
				if configs[i].GetName() == "stage-prod" {
					if err := unstructured.SetNestedField(configs[i].Object, "eu-west-1", "data", "regoin"); err != nil {
						t.Fatal(err)
					}
				}
			}
			return configs
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			request := ReadRequest(t, tc.request)
			_, observed := renderSettled(t, addr, tc.request)

			bad := runtime.DeepCopyJSON(request)
			configs := tc.breakIt(t, bad)
			broken, deleted, err := RenderObject(t, addr, bad, observed, configs)
			if err == nil {
				t.Fatalf("rendering the broken request succeeded with %d resources", len(broken.ComposedResources))
			}
			msg := err.Error()
			if !strings.Contains(msg, "returned a fatal result") || !strings.Contains(msg, tc.want) {
				t.Fatalf("want the engine to stop on the function's Fatal result naming %q, got: %v", tc.want, err)
			}
			t.Logf("%d observed resources; engine: %s", len(observed), firstLine(msg))
			for _, d := range deleted {
				t.Errorf("%s %s was deleted", d.GetKind(), d.GetName())
			}
			for _, r := range broken.ComposedResources {
				t.Errorf("%s %s was applied", r.GetKind(), r.GetName())
			}
		})
	}
}

// TestEngineDeletesWhatTheFunctionDrops is the counterpart that shows the check above can
// fail: when a successful reconcile no longer composes a part (the API turned off), the render
// engine garbage-collects its observed resources and reports them as deleted.
func TestEngineDeletesWhatTheFunctionDrops(t *testing.T) {
	addr := startFunction(t)
	const request = "examples/staging.yaml"
	_, observed := renderSettled(t, addr, request)
	noAPI := ReadRequest(t, request)
	if err := unstructured.SetNestedField(noAPI, false, "spec", "api", "enabled"); err != nil {
		t.Fatal(err)
	}
	_, deleted, err := RenderObject(t, addr, noAPI, observed, nil)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, d := range deleted {
		kinds[d.GetKind()] = true
	}
	if !kinds["API"] || !kinds["Stage"] || !kinds["Integration"] {
		t.Fatalf("turning the API off deleted %d resources (%v); want the API's", len(deleted), kinds)
	}
	t.Logf("turning the API off deleted %d observed resources", len(deleted))
}

func exampleConfigs(t *testing.T) []unstructured.Unstructured {
	t.Helper()
	configs, err := render.LoadRequiredResources(afero.NewOsFs(), root+"/examples/environmentconfigs")
	if err != nil {
		t.Fatal(err)
	}
	return configs
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
