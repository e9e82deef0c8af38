// Package bench builds the RunFunctionRequests the benchmarks and the gRPC load generator send:
// every stage example as Crossplane sends it once the stage-config requirement is answered (a
// first reconcile), and a later reconcile of the same stack in which every composed resource is
// observed with the simulated provider's status (internal/simprovider).
package bench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/fn"
	"github.com/spec3/lambdastack/internal/simprovider"
)

// Stage is one example request (a stage example of examples/index.txt).
type Stage = examples.Example

// Stages are the stage examples, in the order of examples/index.txt.
func Stages(root string) ([]Stage, error) { return examples.Stages(root) }

// StageByName returns the stage example called name.
func StageByName(root, name string) (Stage, error) {
	stages, err := Stages(root)
	if err != nil {
		return Stage{}, err
	}
	for _, s := range stages {
		if s.Name == name {
			return s, nil
		}
	}
	return Stage{}, fmt.Errorf("no stage example %q in examples/index.txt", name)
}

// FindRoot is the repository root.
func FindRoot() (string, error) { return examples.Root() }

// Made-up identifiers of what the API server and Crossplane add to an XR they store.
const (
	storedXRUID = "9d2f5c1e-4b7a-4c3e-9f10-2a6b8c0d1e2f"
	storedTime  = simprovider.Time
)

// FirstRequest is the request Crossplane sends for the example once it has answered the
// stage-config requirement: the XR (a claim becomes the XLambdaStack Crossplane creates for it)
// as the observed composite, with the fields the API server and Crossplane add to a stored XR
// (uid, resourceVersion, generation, finalizers, spec.crossplane), and every EnvironmentConfig
// of examples/environmentconfigs that carries the stage's label as the required resources (none
// for a stage without one: an empty answer).
func FirstRequest(root string, st Stage) (*fnv1.RunFunctionRequest, error) {
	xr, err := examples.ReadYAML(filepath.Join(root, st.Request))
	if err != nil {
		return nil, err
	}
	meta := xr["metadata"].(map[string]any)
	claimNS, _ := meta["namespace"].(string)
	composition := "lambdastack"
	if examples.ClaimToXR(xr) {
		meta["labels"] = map[string]any{"crossplane.io/claim-name": meta["name"], "crossplane.io/claim-namespace": claimNS}
		composition = "xlambdastack"
	}
	meta["uid"] = storedXRUID
	meta["resourceVersion"] = "4711"
	meta["generation"] = 1
	meta["creationTimestamp"] = storedTime
	meta["finalizers"] = []any{"composite.apiextensions.crossplane.io"}
	spec, _ := xr["spec"].(map[string]any)
	spec["crossplane"] = map[string]any{
		"compositionRef":          map[string]any{"name": composition},
		"compositionRevisionRef":  map[string]any{"name": composition + "-a1b2c3d"},
		"compositionUpdatePolicy": "Automatic",
	}
	stage, _ := spec["stage"].(string)
	envs, err := examples.StageConfigs(root, stage)
	if err != nil {
		return nil, err
	}
	items := make([]*fnv1.Resource, 0, len(envs))
	for i, env := range envs {
		env["metadata"].(map[string]any)["uid"] = fmt.Sprintf("env-%d", i)
		s, err := structpb.NewStruct(env)
		if err != nil {
			return nil, err
		}
		items = append(items, &fnv1.Resource{Resource: s})
	}

	x, err := structpb.NewStruct(xr)
	if err != nil {
		return nil, err
	}
	return &fnv1.RunFunctionRequest{
		Meta:              &fnv1.RequestMeta{Tag: "bench-" + st.Name},
		Observed:          &fnv1.State{Composite: &fnv1.Resource{Resource: x}},
		Desired:           &fnv1.State{},
		RequiredResources: map[string]*fnv1.Resources{fn.RequirementStageConfig: {Items: items}},
	}, nil
}

// RunFunc calls the function (in-process or over gRPC).
type RunFunc func(context.Context, *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error)

// LaterRequest is a later reconcile of the stack of first: it plays the provider until the
// function composes nothing new (some parts wait for values AWS reports), then returns the
// request of the next reconcile, which carries every composed resource as observed
// by the simulated provider and the XR with the status the function wrote.
func LaterRequest(ctx context.Context, run RunFunc, first *fnv1.RunFunctionRequest) (*fnv1.RunFunctionRequest, error) {
	req := first
	before := -1
	for round := 0; ; round++ {
		rsp, err := run(ctx, req)
		if err != nil {
			return nil, err
		}
		if err := CheckResponse(rsp); err != nil {
			return nil, err
		}
		desired := rsp.GetDesired().GetResources()
		if len(desired) == before {
			return req, nil
		}
		if round == 5 {
			return nil, fmt.Errorf("the function still composes new resources after %d rounds", round)
		}
		before = len(desired)
		req = laterRequest(first, rsp)
	}
}

func laterRequest(first *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse) *fnv1.RunFunctionRequest {
	xr := first.GetObserved().GetComposite().GetResource().AsMap()
	desired := map[string]map[string]any{}
	for k, r := range rsp.GetDesired().GetResources() {
		desired[k] = r.GetResource().AsMap()
	}
	observed := simprovider.Observe(xr, desired)
	keys := make([]string, 0, len(observed))
	for k := range observed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	resources := make(map[string]*fnv1.Resource, len(keys))
	refs := make([]any, 0, len(keys))
	for _, k := range keys {
		o := observed[k]
		refs = append(refs, map[string]any{"apiVersion": o["apiVersion"], "kind": o["kind"], "name": o["metadata"].(map[string]any)["name"]})
		resources[k] = &fnv1.Resource{Resource: mustStruct(o)}
	}
	xr["spec"].(map[string]any)["crossplane"].(map[string]any)["resourceRefs"] = refs
	status := map[string]any{}
	if s, ok := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any); ok {
		status = s
	}
	status["conditions"] = []any{
		map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": storedTime},
		map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": storedTime},
		map[string]any{"type": fn.ConditionResourcesReady, "status": "True", "reason": "Available", "lastTransitionTime": storedTime},
	}
	xr["status"] = status
	return &fnv1.RunFunctionRequest{
		Meta:              first.GetMeta(),
		Observed:          &fnv1.State{Composite: &fnv1.Resource{Resource: mustStruct(xr)}, Resources: resources},
		Desired:           &fnv1.State{},
		RequiredResources: first.GetRequiredResources(),
	}
}

// CheckResponse fails on a Fatal result or a response without composed resources.
func CheckResponse(rsp *fnv1.RunFunctionResponse) error {
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return fmt.Errorf("fatal result: %s", r.GetMessage())
		}
	}
	if len(rsp.GetDesired().GetResources()) == 0 {
		return errors.New("the response composes no resources")
	}
	return nil
}

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}
