// Package stackrender renders a LambdaStack request the way Crossplane composes it: through the
// Crossplane CLI's render package and the Crossplane core render engine (the crossplane-core
// binary), with the LambdaStack function built into this program served in-process and the
// Configuration's Compositions embedded. lambdastack diff and invoke use it.
package stackrender

import (
	"context"
	"fmt"
	"os/exec"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/crossplane/cli/v2/cmd/crossplane/render"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"
	ucomposite "github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composite"
	apiextensionsv1 "github.com/crossplane/crossplane/apis/v2/apiextensions/v1"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	renderv1alpha1 "github.com/crossplane/cli/v2/proto/render/v1alpha1"

	"github.com/spec3/lambdastack/apis/v1alpha1"
	"github.com/spec3/lambdastack/compositions"
	"github.com/spec3/lambdastack/examples"
)

// DefaultCoreBinary is the render engine looked up on the PATH when none is given: the
// `crossplane` binary of the Crossplane core release, installed as crossplane-core (README).
const DefaultCoreBinary = "crossplane-core"

// AnnotationResource is the annotation that names a composed resource's part of the stack.
const AnnotationResource = "crossplane.io/composition-resource-name"

// maxRounds bounds how often a render asks Lookup for what the function requires.
const maxRounds = 4

// Lookup fetches the resources the function requires (e.g. the stage's EnvironmentConfig and
// the owner's Namespace from a cluster).
type Lookup func(ctx context.Context, selectors []*fnv1.ResourceSelector) ([]unstructured.Unstructured, error)

// Input is one render.
type Input struct {
	// Request is a LambdaStack, an XLambdaStack or a LambdaStackClaim (rendered as the
	// XLambdaStack Crossplane creates for it).
	Request map[string]any
	// Observed are the composed resources as they exist (nil: none yet).
	Observed []composed.Unstructured
	// Required are resources the function may ask for, offered up front (e.g. files).
	Required []unstructured.Unstructured
	// Lookup, when set, is asked for what the function requires beyond Required.
	Lookup Lookup
}

// Output is what the render composed.
type Output struct {
	XR       *unstructured.Unstructured
	Composed []composed.Unstructured // sorted by part
	Results  []unstructured.Unstructured
}

// Part names a composed resource's part of the stack (its composition-resource-name).
func Part(o *composed.Unstructured) string { return o.GetAnnotations()[AnnotationResource] }

// Engine renders requests. Start it once, Close it when done.
type Engine struct {
	core string
	addr string
	stop func()
}

// Start finds the render engine (core: a path or a name on the PATH; "" means
// DefaultCoreBinary) and serves the function.
func Start(core string) (*Engine, error) {
	if core == "" {
		core = DefaultCoreBinary
	}
	path, err := exec.LookPath(core)
	if err != nil {
		return nil, fmt.Errorf("render engine %q not found (%w): install the `crossplane` binary of the Crossplane core release as crossplane-core on the PATH, or pass --crossplane-core PATH", core, err)
	}
	addr, stop, err := serveFunction()
	if err != nil {
		return nil, err
	}
	return &Engine{core: path, addr: addr, stop: stop}, nil
}

// Close stops the function.
func (e *Engine) Close() { e.stop() }

// Render renders in. When the function asks for resources Required does not hold and Lookup is
// set, it fetches them and renders again.
func (e *Engine) Render(ctx context.Context, in Input) (Output, error) {
	xr, comp, xrd, err := composite(in.Request)
	if err != nil {
		return Output{}, err
	}
	required := in.Required
	asked := map[string]bool{}
	for round := 1; ; round++ {
		out, err := e.once(ctx, render.CompositionInputs{
			CompositeResource: xr, Composition: comp, XRD: xrd,
			FunctionAddrs:     map[string]string{comp.Spec.Pipeline[0].FunctionRef.Name: e.addr},
			ObservedResources: in.Observed, RequiredResources: required,
		})
		// The function may refuse for want of what it asked for (a production stage without its
		// EnvironmentConfig): fetch that first, then render again.
		fresh := unasked(out.RequiredResources, asked)
		if len(fresh) == 0 || in.Lookup == nil {
			if err != nil {
				return Output{}, err
			}
			return finish(out)
		}
		if round == maxRounds {
			return Output{}, fmt.Errorf("the function still asks for more resources after %d rounds", round)
		}
		more, lerr := in.Lookup(ctx, fresh)
		if lerr != nil {
			return Output{}, lerr
		}
		required = append(append([]unstructured.Unstructured(nil), required...), more...)
	}
}

// once runs the render engine one time. A Fatal result of the function is an error carrying its
// message, returned with what the engine reported (the resources the function asked for).
func (e *Engine) once(ctx context.Context, in render.CompositionInputs) (render.CompositionOutputs, error) {
	req, err := render.BuildCompositeRequest(in)
	if err != nil {
		return render.CompositionOutputs{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	eng := render.NewEngineFromFlags(&render.EngineFlags{CrossplaneBinary: e.core}, logging.NewNopLogger())
	rsp, renderErr := eng.Render(ctx, req)
	var out render.CompositionOutputs
	if rsp.GetComposite() != nil {
		if out, err = render.ParseCompositeResponse(rsp.GetComposite()); err != nil {
			return out, err
		}
	}
	if renderErr != nil {
		if msg := fatalMessage(rsp.GetComposite()); msg != "" {
			return out, fmt.Errorf("the function refused the request: %s", msg)
		}
		return out, fmt.Errorf("render engine %s: %w", e.core, renderErr)
	}
	return out, nil
}

// fatalMessage is the message of the last warning event of a partial output: where the engine
// reports the Fatal result that stopped the pipeline.
func fatalMessage(out *renderv1alpha1.CompositeOutput) string {
	msg := ""
	for _, ev := range out.GetEvents() {
		if ev.GetType() == "Warning" {
			msg = ev.GetMessage()
		}
	}
	return msg
}

// composite turns a request into the composite resource to render, with the Composition (and
// for the legacy flavour the XRD) to render it with.
func composite(request map[string]any) (*ucomposite.Unstructured, *apiextensionsv1.Composition, *unstructured.Unstructured, error) {
	obj := runtime.DeepCopyJSON(request)
	legacy := examples.ClaimToXR(obj) || obj["kind"] == v1alpha1.KindXLambdaStack
	if obj["apiVersion"] != v1alpha1.APIVersion || (obj["kind"] != v1alpha1.KindLambdaStack && !legacy) {
		return nil, nil, nil, fmt.Errorf("not a LambdaStack request: apiVersion %v, kind %v (want %s %s, %s or %s)",
			obj["apiVersion"], obj["kind"], v1alpha1.APIVersion, v1alpha1.KindLambdaStack, v1alpha1.KindLambdaStackClaim, v1alpha1.KindXLambdaStack)
	}
	raw := compositions.Namespaced
	if legacy {
		raw = compositions.Legacy
	}
	comp := &apiextensionsv1.Composition{}
	if err := yaml.Unmarshal(raw, comp); err != nil {
		return nil, nil, nil, fmt.Errorf("the embedded Composition: %w", err)
	}
	if len(comp.Spec.Pipeline) != 1 {
		return nil, nil, nil, fmt.Errorf("the embedded Composition %s has %d pipeline steps, want the one that calls the function", comp.GetName(), len(comp.Spec.Pipeline))
	}
	xr := ucomposite.New()
	xr.SetUnstructuredContent(obj)
	return xr, comp, xrdFor(legacy), nil
}

// unasked returns the selectors not asked for before and marks them asked.
func unasked(selectors []*fnv1.ResourceSelector, asked map[string]bool) []*fnv1.ResourceSelector {
	var fresh []*fnv1.ResourceSelector
	for _, s := range selectors {
		key := s.String()
		if !asked[key] {
			asked[key] = true
			fresh = append(fresh, s)
		}
	}
	return fresh
}

// finish sorts the composed resources by part and stamps conditions with the fixed time the
// Crossplane CLI uses, so two renders of the same input are equal.
func finish(out render.CompositionOutputs) (Output, error) {
	res := Output{XR: &unstructured.Unstructured{Object: out.CompositeResource.Object}, Composed: out.ComposedResources, Results: out.Results}
	sort.Slice(res.Composed, func(i, j int) bool { return Part(&res.Composed[i]) < Part(&res.Composed[j]) })
	objs := []*unstructured.Unstructured{res.XR}
	for i := range res.Composed {
		objs = append(objs, &unstructured.Unstructured{Object: res.Composed[i].Object})
	}
	for _, o := range objs {
		if err := render.ReplaceConditionTimestamps(o); err != nil {
			return Output{}, err
		}
	}
	return res, nil
}
