package fn

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	sdkcomposed "github.com/crossplane/function-sdk-go/resource/composed"
	sdkxr "github.com/crossplane/function-sdk-go/resource/composite"
	"github.com/crossplane/function-sdk-go/response"
	"google.golang.org/protobuf/types/known/durationpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
// untouched, so Crossplane neither applies a partial stack nor deletes anything. With --debug it
// logs one line per call: the XR, its stage and what was composed (never spec values).
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)
	xr, err := decodeComposite(req)
	log := f.Log.WithValues("xr", xr.Kind+" "+path.Join(xr.Namespace, xr.Name), "stage", xr.Spec.Stage, "tag", req.GetMeta().GetTag())
	if err != nil {
		log.Debug("fatal", "error", err)
		response.Fatal(rsp, err)
		return rsp, nil
	}
	rsp.Requirements = &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
		RequirementStageConfig: stageConfigSelector(xr.Spec.Stage),
	}}
	stageCfg, resolved, err := stageConfig(req, xr.Spec.Stage)
	if err != nil {
		log.Debug("fatal", "error", err)
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if !resolved {
		// Crossplane calls again with the stage's EnvironmentConfig; compose nothing until then.
		log.Debug("asked for the stage's EnvironmentConfig")
		return rsp, nil
	}

	// from here on a Fatal result drops anything half-written, requirements included
	fail := func(err error) (*fnv1.RunFunctionResponse, error) {
		rsp = response.To(req, response.DefaultTTL)
		log.Debug("fatal", "error", err)
		response.Fatal(rsp, err)
		return rsp, nil
	}
	observed, err := request.GetObservedComposedResources(req)
	if err != nil {
		return fail(fmt.Errorf("cannot read the observed composed resources: %w", err))
	}
	s, resolved, err := tenantSettings(req, rsp, xr, stageCfg, observed)
	if err != nil {
		return fail(err)
	}
	if !resolved {
		// Crossplane calls again with the owner's Namespace (tenancy.go); compose nothing until then.
		log.Debug("asked for the owner's Namespace")
		return rsp, nil
	}
	r, err := plan(s, observed)
	if err == nil {
		err = f.compose(rsp, xr, r)
	}
	if err != nil {
		return fail(err)
	}
	ready := 0
	for _, c := range r.Resources {
		if c.Ready {
			ready++
		}
	}
	log.Debug("composed", "observed", len(req.GetObserved().GetResources()), "desired", len(r.Resources),
		"ready", ready, "pending", len(r.Pending), "warnings", len(r.Warnings))
	return rsp, nil
}

// compose writes a plan into the response: the whole desired state (composed resources and
// the XR's status), readiness, the ResourcesReady condition, warnings and the TTL.
func (f *Function) compose(rsp *fnv1.RunFunctionResponse, xr composite, r planResult) error {
	desired := make(map[resource.Name]*resource.DesiredComposed, len(r.Resources))
	var unready []string
	for _, c := range r.Resources {
		d := &resource.DesiredComposed{Resource: &sdkcomposed.Unstructured{Unstructured: unstructured.Unstructured{Object: c.Object}}, Ready: resource.ReadyTrue}
		if !c.Ready {
			d.Ready = resource.ReadyFalse
			unready = append(unready, c.Key)
		}
		desired[resource.Name(c.Key)] = d
	}
	status, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&r.Status)
	if err != nil {
		return fmt.Errorf("internal error: status: %w", err)
	}
	dxr := &resource.Composite{Resource: sdkxr.New(), Ready: resource.ReadyUnspecified}
	dxr.Resource.Object = map[string]any{"apiVersion": xr.APIVersion, "kind": xr.Kind, "status": status}
	if len(r.Pending) > 0 {
		// Crossplane derives the XR's readiness from the desired resources only; parts that are
		// not desired yet (they wait for observed values) would not hold it back. An explicit
		// READY_FALSE does; READY_TRUE is never set, so readiness otherwise stays derived.
		dxr.Ready = resource.ReadyFalse
	}

	rsp.Desired = &fnv1.State{} // the function composes the whole desired state
	if err := response.SetDesiredComposedResources(rsp, desired); err != nil {
		return fmt.Errorf("internal error: %w", err)
	}
	if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
		return fmt.Errorf("internal error: %w", err)
	}
	ttl := r.TTL
	if f.TTL > 0 {
		ttl = f.TTL
	}
	rsp.Meta.Ttl = durationpb.New(ttl)

	if len(r.Status.Failures) > 0 {
		// Not "Creating": the provider has answered with an error that will not go away by
		// waiting; the message names each failing part, its kind and the provider's words.
		response.ConditionFalse(rsp, ConditionResourcesReady, ReasonFailing).
			WithMessage(failureMessage(r.Status.Failures)).TargetCompositeAndClaim()
	} else if msg := waitingMessage(unready, r.Pending); msg != "" {
		response.ConditionFalse(rsp, ConditionResourcesReady, "Creating").
			WithMessage(msg).TargetCompositeAndClaim()
	} else {
		response.ConditionTrue(rsp, ConditionResourcesReady, "Available").TargetCompositeAndClaim()
	}
	for _, w := range r.Warnings {
		response.Warning(rsp, errors.New(w)).TargetCompositeAndClaim()
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
