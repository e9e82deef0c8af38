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
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
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

	s, resolved, err := tenantSettings(req, rsp, xr, env)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if !resolved {
		// Crossplane calls again with the owner's Namespace (tenancy.go); compose nothing until then.
		return rsp, nil
	}
	if err := f.compose(req, rsp, xr, s); err != nil {
		rsp = response.To(req, response.DefaultTTL) // drop anything half-written
		response.Fatal(rsp, err)
	}
	return rsp, nil
}

func (f *Function) compose(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, xr composite, s *Settings) error {
	o := observedFrom(req)

	desired, pending, err := Plan(s, o)
	if err != nil {
		return err
	}
	b := &builder{s: s}

	sb := &structBuilder{}
	resources := make(map[string]*fnv1.Resource, len(desired))
	var unready []string
	for _, c := range desired {
		st, err := sb.newStruct(c.Object)
		if err != nil {
			return fmt.Errorf("internal error: resource %s: %w", c.Key, err)
		}
		r := &fnv1.Resource{Resource: st, Ready: fnv1.Ready_READY_FALSE}
		if o.readiness(c) == resource.ReadyTrue {
			r.Ready = fnv1.Ready_READY_TRUE
		} else {
			unready = append(unready, c.Key)
		}
		resources[c.Key] = r
	}

	status := compositeStatus(b, o)
	statusSt, err := statusStruct(&status, sb)
	if err != nil {
		return fmt.Errorf("internal error: status: %w", err)
	}
	apiVersion := structpb.NewNullValue()
	if xr.APIVersion != nil {
		apiVersion = proto.Clone(xr.APIVersion).(*structpb.Value)
	}
	xrStruct := &structpb.Struct{Fields: map[string]*structpb.Value{
		"apiVersion": apiVersion,
		"kind":       structpb.NewStringValue(xr.Kind),
		"status":     structpb.NewStructValue(statusSt),
	}}

	rsp.Desired = &fnv1.State{Composite: &fnv1.Resource{Resource: xrStruct}, Resources: resources}
	if len(pending) > 0 {
		// Crossplane derives the XR's readiness from the desired resources only; parts that are
		// not desired yet (they wait for observed values) would not hold it back. An explicit
		// READY_FALSE does; READY_TRUE is never set, so readiness otherwise stays derived.
		rsp.Desired.Composite.Ready = fnv1.Ready_READY_FALSE
	}
	ttl := s.TTL
	if f.TTL > 0 {
		ttl = f.TTL
	}
	rsp.Meta.Ttl = durationpb.New(ttl)

	if msg := waitingMessage(unready, pending); msg != "" {
		response.ConditionFalse(rsp, ConditionResourcesReady, "Creating").
			WithMessage(msg).TargetCompositeAndClaim()
	} else {
		response.ConditionTrue(rsp, ConditionResourcesReady, "Available").TargetCompositeAndClaim()
	}
	for _, w := range releaseWarnings(s, o) {
		response.Warning(rsp, fmt.Errorf("%s", w)).TargetCompositeAndClaim()
	}
	if hint := iamPropagationHint(o); hint != "" {
		response.Warning(rsp, fmt.Errorf("%s", hint)).TargetCompositeAndClaim()
	}
	return nil
}

// waitingMessage names the composed resources that are not ready and the parts not composed yet
// because they wait for values AWS reports; "" when nothing waits.
func waitingMessage(unready, pending []string) string {
	var parts []string
	if len(unready) > 0 {
		parts = append(parts, "waiting for "+strings.Join(unready, ", "))
	}
	if len(pending) > 0 {
		parts = append(parts, "composed once AWS reports what they need: "+strings.Join(pending, ", "))
	}
	return strings.Join(parts, "; ")
}
