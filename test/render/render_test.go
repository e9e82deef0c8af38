// Package render_test renders every example through the Crossplane CLI's render package and the
// Crossplane core render engine (bin/crossplane-core), with the function served in-process, and
// compares the output with the committed snapshots in testdata/ (go test ./test/render -update
// rewrites them; review the diff).
package render_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"
	"google.golang.org/grpc"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/crossplane/cli/v2/cmd/crossplane/render"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"
	ucomposite "github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composite"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/fn"
	"github.com/spec3/lambdastack/internal/stackrender/rendertest"
)

var update = flag.Bool("update", false, "rewrite the snapshots in testdata/")

// root is the repository root, relative to this package.
const root = "../.."

// Cases are every example of examples/index.txt; the snapshot of each is testdata/<Name>.yaml.
var Cases = func() []examples.Example {
	all, err := examples.Index(root)
	if err != nil {
		panic(err)
	}
	return all
}()

func TestRenderSnapshots(t *testing.T) {
	addr := startFunction(t)
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) {
			out := Render(t, addr, c.Request, loadObserved(t, c.Observed))
			got := Marshal(t, out)
			golden := filepath.Join("testdata", c.Name+".yaml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("no snapshot (run go test ./test/render -update and review it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("render of %s differs from %s (run go test ./test/render -update and review the diff):\n%s", c.Request, golden, lineDiff(string(want), string(got)))
			}
		})
	}
}

// TestRenderIsDeterministic renders each example twice: the bytes must not change.
func TestRenderIsDeterministic(t *testing.T) {
	addr := startFunction(t)
	for _, c := range Cases {
		a := Marshal(t, Render(t, addr, c.Request, nil))
		b := Marshal(t, Render(t, addr, c.Request, nil))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders differ:\n%s", c.Name, lineDiff(string(a), string(b)))
		}
	}
}

// TestExamplesBecomeReady plays the provider (simulated: SimulateProvider marks every managed
// resource Ready and writes the status.atProvider fields AWS would) until the function composes
// nothing new, then checks the XR is Ready with its status filled. Before that, the XR must not
// be Ready.
func TestExamplesBecomeReady(t *testing.T) {
	addr := startFunction(t)
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) {
			out := Render(t, addr, c.Request, nil)
			if cond := condition(out.CompositeResource.Object, "Ready"); cond == "True" {
				t.Fatalf("XR is Ready before any resource exists")
			}
			var observed []composed.Unstructured
			for round := 0; ; round++ {
				if round == 5 {
					t.Fatalf("the function still composes new resources after %d rounds", round)
				}
				before := len(observed)
				observed = SimulateProvider(out.ComposedResources)
				out = Render(t, addr, c.Request, observed)
				if len(out.ComposedResources) == before && condition(out.CompositeResource.Object, "Ready") == "True" {
					break
				}
			}
			status, _, _ := unstructured.NestedMap(out.CompositeResource.Object, "status")
			for _, field := range []string{"functionArn", "roleArn", "functionName", "logGroupName", "stage", "region"} {
				if v, _ := status[field].(string); v == "" {
					t.Errorf("status.%s is empty once every resource is ready: %v", field, status)
				}
			}
			if got := condition(out.CompositeResource.Object, fn.ConditionResourcesReady); got != "True" {
				t.Errorf("condition %s = %q, want True", fn.ConditionResourcesReady, got)
			}
			if c.Set == examples.SetStage {
				checkObservedFixture(t, c.Name, SimulateProvider(out.ComposedResources))
			}
		})
	}
}

const observedHeader = `# SIMULATED provider status: the composed resources of this example as provider-aws would
# report them once created (Ready, with made-up ARNs and IDs in account 123456789012), written by
# the simulated provider internal/simprovider (go test ./test/render -update). Not from AWS.
# make render passes it with -o to show the parts the function composes only after AWS has
# assigned IDs.
`

// checkObservedFixture keeps examples/observed/<name>.yaml equal to the simulated observed state
// of a fully composed example.
func checkObservedFixture(t *testing.T, name string, observed []composed.Unstructured) {
	t.Helper()
	sort.Slice(observed, func(i, j int) bool { return observed[i].GetName() < observed[j].GetName() })
	var buf bytes.Buffer
	buf.WriteString(observedHeader)
	for i, o := range observed {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 { // no empty document before the first: render would read it as a resource
			buf.WriteString("---\n")
		}
		buf.Write(b)
	}
	file := filepath.Join(root, "examples", "observed", name+".yaml")
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil || !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s is stale or missing (run go test ./test/render -update and review it): %v", file, err)
	}
}

// coreBinary is the Crossplane core binary the render engine runs (built once into bin/).
func coreBinary(t *testing.T) string { return rendertest.Core(t) }

// startFunction serves the function in-process on a free loopback port.
func startFunction(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	fnv1.RegisterFunctionRunnerServiceServer(srv, &fn.Function{Log: logging.NewNopLogger()})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// Render renders one request (a LambdaStack, or a LambdaStackClaim rendered as its
// XLambdaStack) with every EnvironmentConfig in examples/environmentconfigs available.
func Render(t *testing.T, addr, request string, observed []composed.Unstructured) render.CompositionOutputs {
	t.Helper()
	out, _, err := RenderObject(t, addr, ReadRequest(t, request), observed, nil)
	if err != nil {
		t.Fatalf("render %s: %v", request, err)
	}
	return out
}

// ReadRequest reads a request file (relative to the repository root).
func ReadRequest(t *testing.T, request string) map[string]any {
	t.Helper()
	obj, err := examples.ReadYAML(filepath.Join(root, request))
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// RenderObject renders a request object like Render. requiredResources nil means every
// EnvironmentConfig in examples/environmentconfigs. Besides the outputs it returns the
// resources the engine deleted (observed composed resources the reconcile garbage-collected),
// and the engine's error (e.g. a pipeline step's Fatal result) together with whatever output
// the engine returned with it: on a Fatal result, what the reconcile applied and deleted
// before it stopped.
func RenderObject(t *testing.T, addr string, request map[string]any, observed []composed.Unstructured, requiredResources []unstructured.Unstructured) (render.CompositionOutputs, []unstructured.Unstructured, error) {
	t.Helper()
	fs := afero.NewOsFs()
	xr, composition, xrdFile := requestToXR(request)
	comp, err := render.LoadComposition(fs, filepath.Join(root, composition))
	if err != nil {
		t.Fatal(err)
	}
	required := requiredResources
	if required == nil {
		if required, err = render.LoadRequiredResources(fs, filepath.Join(root, "examples", "environmentconfigs")); err != nil {
			t.Fatal(err)
		}
	}
	// every function the Composition's pipeline calls, by the name it calls it, is this one
	addrs := map[string]string{}
	for _, s := range comp.Spec.Pipeline {
		addrs[s.FunctionRef.Name] = addr
	}
	in := render.CompositionInputs{
		CompositeResource: xr,
		Composition:       comp,
		FunctionAddrs:     addrs,
		RequiredResources: required,
		ObservedResources: observed,
	}
	if raw, err := os.ReadFile(filepath.Join(root, xrdFile)); err == nil {
		xrd := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(raw, &xrd.Object); err != nil {
			t.Fatal(err)
		}
		in.XRD = xrd
	}
	req, err := render.BuildCompositeRequest(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	eng := render.NewEngineFromFlags(&render.EngineFlags{CrossplaneBinary: coreBinary(t)}, logging.NewNopLogger())
	rsp, renderErr := eng.Render(ctx, req)
	if rsp.GetComposite() == nil {
		if renderErr == nil {
			t.Fatal("the render engine returned no output and no error")
		}
		return render.CompositionOutputs{}, nil, renderErr
	}
	var deleted []unstructured.Unstructured
	for _, d := range rsp.GetComposite().GetDeletedResources() {
		deleted = append(deleted, unstructured.Unstructured{Object: d.AsMap()})
	}
	if rsp.GetComposite().GetCompositeResource() == nil {
		// A Fatal result before the XR was written: no XR to parse.
		return render.CompositionOutputs{}, deleted, renderErr
	}
	out, err := render.ParseCompositeResponse(rsp.GetComposite())
	if err != nil {
		t.Fatal(err)
	}
	// As the CLI does: the engine stamps conditions with the wall clock.
	stable := []map[string]any{out.CompositeResource.Object}
	for _, c := range out.ComposedResources {
		stable = append(stable, c.Object)
	}
	for _, o := range stable {
		if err := render.ReplaceConditionTimestamps(&unstructured.Unstructured{Object: o}); err != nil {
			t.Fatal(err)
		}
	}
	return out, deleted, renderErr
}

// requestToXR turns a request into the XR to render; a claim becomes the XLambdaStack Crossplane
// would create for it. It returns the composition and XRD files to render it with.
func requestToXR(request map[string]any) (xr *compositeUnstructured, composition, xrd string) {
	obj := runtime.DeepCopyJSON(request)
	composition, xrd = "compositions/lambdastack.yaml", "apis/lambdastacks.yaml"
	if examples.ClaimToXR(obj) {
		composition, xrd = "compositions/xlambdastack.yaml", "apis/xlambdastacks.yaml"
	}
	return newComposite(obj), composition, xrd
}

func loadObserved(t *testing.T, file string) []composed.Unstructured {
	t.Helper()
	if file == "" {
		return nil
	}
	obs, err := render.LoadObservedResources(afero.NewOsFs(), filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

// Marshal prints the XR then the composed resources sorted by kind and name, as a YAML stream.
func Marshal(t *testing.T, out render.CompositionOutputs) []byte {
	t.Helper()
	var buf bytes.Buffer
	write := func(obj map[string]any) {
		b, err := yaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	write(out.CompositeResource.Object)
	cds := append([]composed.Unstructured(nil), out.ComposedResources...)
	sort.Slice(cds, func(i, j int) bool {
		ki, kj := cds[i].GetKind()+"/"+cds[i].GetName(), cds[j].GetKind()+"/"+cds[j].GetName()
		return ki < kj
	})
	for _, c := range cds {
		write(c.Object)
	}
	// The render engine reports unready resources in map order: sort its results.
	results := make([]string, 0, len(out.Results))
	for _, r := range out.Results {
		b, err := yaml.Marshal(r.Object)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, string(b))
	}
	sort.Strings(results)
	for _, r := range results {
		buf.WriteString("---\n" + r)
	}
	return buf.Bytes()
}

func condition(obj map[string]any, typ string) string {
	conds, _, _ := unstructured.NestedSlice(obj, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}

// lineDiff shows the first differing lines of two texts.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			out = append(out, fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, a, b))
		}
		if len(out) == 10 {
			out = append(out, "...")
			break
		}
	}
	return strings.Join(out, "\n")
}

type compositeUnstructured = ucomposite.Unstructured

func newComposite(obj map[string]any) *compositeUnstructured {
	xr := ucomposite.New()
	xr.SetUnstructuredContent(obj)
	return xr
}

// renderSettled renders request four times more, each time with what the simulated provider
// made of the last render observed, so parts that wait for observed values are composed; it
// returns the last render and the simulated provider's view of it (every resource Ready).
func renderSettled(t *testing.T, addr, request string) (render.CompositionOutputs, []composed.Unstructured) {
	t.Helper()
	out := Render(t, addr, request, nil)
	for range 4 {
		out = Render(t, addr, request, SimulateProvider(out.ComposedResources))
	}
	return out, SimulateProvider(out.ComposedResources)
}
