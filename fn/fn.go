// Package fn composes a LambdaStack: the AWS managed resources of one stage of a serverless
// service, for the namespaced (Crossplane v2) and the legacy cluster-scoped flavour.
package fn

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"
)

// Function is the LambdaStack composition function.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	Log logging.Logger
	// TTL overrides the stage's response TTL when set (the --ttl flag).
	TTL time.Duration
}

// ConditionResourcesReady reports which composed resources the stack still waits for.
const ConditionResourcesReady = "ResourcesReady"

// RunFunction composes the stack. Any error is a Fatal result with the request's desired state
// untouched, so Crossplane neither applies a partial stack nor deletes anything.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)

	xr, err := decodeComposite(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	rsp.Requirements = &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
		RequirementStageConfig: stageConfigSelector(xr.Spec.Stage),
	}}
	env, resolved, err := stageConfig(req, xr.Spec.Stage)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if !resolved {
		// Crossplane calls again with the stage's EnvironmentConfig; compose nothing until then.
		return rsp, nil
	}

	s, err := resolve(xr, env)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if err := f.compose(req, rsp, xr, s); err != nil {
		rsp = response.To(req, response.DefaultTTL) // drop anything half-written
		response.Fatal(rsp, err)
	}
	return rsp, nil
}

func (f *Function) compose(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, xr composite, s *Settings) error {
	observed, err := request.GetObservedComposedResources(req)
	if err != nil {
		return fmt.Errorf("cannot read observed composed resources: %w", err)
	}
	o := observedState(observed)

	desired, err := Build(s)
	if err != nil {
		return err
	}
	b := &builder{s: s}

	resources := make(map[string]*fnv1.Resource, len(desired))
	for _, c := range desired {
		st, err := structpb.NewStruct(c.Object)
		if err != nil {
			return fmt.Errorf("internal error: resource %s: %w", c.Key, err)
		}
		r := &fnv1.Resource{Resource: st, Ready: fnv1.Ready_READY_FALSE}
		if o.readiness(c) == resource.ReadyTrue {
			r.Ready = fnv1.Ready_READY_TRUE
		}
		resources[c.Key] = r
	}

	status, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ptr(compositeStatus(b, o)))
	if err != nil {
		return fmt.Errorf("internal error: status: %w", err)
	}
	xrStruct, err := structpb.NewStruct(map[string]any{
		"apiVersion": xr.Object["apiVersion"],
		"kind":       xr.Object["kind"],
		"status":     status,
	})
	if err != nil {
		return fmt.Errorf("internal error: status: %w", err)
	}

	rsp.Desired = &fnv1.State{Composite: &fnv1.Resource{Resource: xrStruct}, Resources: resources}
	ttl := s.TTL
	if f.TTL > 0 {
		ttl = f.TTL
	}
	rsp.Meta.Ttl = durationpb.New(ttl)

	if waiting := notReady(desired, o); len(waiting) > 0 {
		response.ConditionFalse(rsp, ConditionResourcesReady, "Creating").
			WithMessage("waiting for " + strings.Join(waiting, ", ")).TargetCompositeAndClaim()
	} else {
		response.ConditionTrue(rsp, ConditionResourcesReady, "Available").TargetCompositeAndClaim()
	}
	if hint := iamPropagationHint(o); hint != "" {
		response.Warning(rsp, fmt.Errorf("%s", hint)).TargetCompositeAndClaim()
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
