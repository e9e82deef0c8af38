package fn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// RequirementStageConfig is the name of the required resource carrying the stage's
// EnvironmentConfig.
const RequirementStageConfig = "stage-config"

// composite is the observed XR decoded into the API types.
type composite struct {
	Flavour   Flavour
	Kind      string
	Name      string
	Namespace string
	UID       string
	Spec      v1alpha1.LambdaStackSpec
	Status    v1alpha1.LambdaStackStatus
	Object    map[string]any
}

// decodeComposite reads the observed XR; its kind picks the flavour.
func decodeComposite(req *fnv1.RunFunctionRequest) (composite, error) {
	raw := req.GetObserved().GetComposite().GetResource()
	if raw == nil {
		return composite{}, fmt.Errorf("the request has no observed composite resource")
	}
	obj := raw.AsMap()
	xr := composite{Object: obj}
	switch kind, _ := obj["kind"].(string); kind {
	case v1alpha1.KindLambdaStack:
		xr.Flavour, xr.Kind = Namespaced, kind
	case v1alpha1.KindXLambdaStack:
		xr.Flavour, xr.Kind = Legacy, kind
	default:
		return composite{}, fmt.Errorf("kind %q is not served by this function (want %s or %s)", kind, v1alpha1.KindLambdaStack, v1alpha1.KindXLambdaStack)
	}
	var typed v1alpha1.LambdaStack
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &typed); err != nil {
		return composite{}, fmt.Errorf("cannot decode %s: %w", xr.Kind, err)
	}
	xr.Name, xr.Namespace, xr.UID = typed.Name, typed.Namespace, string(typed.UID)
	xr.Spec, xr.Status = typed.Spec, typed.Status
	if xr.Flavour == Namespaced && xr.Namespace == "" {
		return composite{}, fmt.Errorf("metadata.namespace: a %s is namespaced but has no namespace", xr.Kind)
	}
	if xr.Name == "" {
		return composite{}, fmt.Errorf("metadata.name: the composite resource has no name")
	}
	return xr, nil
}

// stageConfigSelector asks Crossplane for the EnvironmentConfig(s) labelled with the stage.
func stageConfigSelector(stage string) *fnv1.ResourceSelector {
	return &fnv1.ResourceSelector{
		ApiVersion: "apiextensions.crossplane.io/v1beta1",
		Kind:       "EnvironmentConfig",
		Match: &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{
			Labels: map[string]string{v1alpha1.StageLabel: stage},
		}},
	}
}

// stageConfig returns the stage's profile from its EnvironmentConfig: nil when none exists,
// resolved=false when Crossplane has not yet answered the requirement.
func stageConfig(req *fnv1.RunFunctionRequest, stage string) (profile *v1alpha1.StageProfile, resolved bool, err error) {
	rr, ok := req.GetRequiredResources()[RequirementStageConfig]
	if !ok {
		return nil, false, nil
	}
	items := rr.GetItems()
	switch len(items) {
	case 0:
		return nil, true, nil
	case 1:
	default:
		names := make([]string, 0, len(items))
		for _, i := range items {
			names = append(names, nameOf(i.GetResource().AsMap()))
		}
		sort.Strings(names)
		return nil, true, fmt.Errorf("spec.stage: %d EnvironmentConfigs are labelled %s=%s (%s); keep exactly one", len(items), v1alpha1.StageLabel, stage, strings.Join(names, ", "))
	}
	obj := items[0].GetResource().AsMap()
	p, err := decodeProfile(obj["data"])
	if err != nil {
		return nil, true, fmt.Errorf("EnvironmentConfig %s (stage %s): %w", nameOf(obj), stage, err)
	}
	return p, true, nil
}

// decodeProfile reads an EnvironmentConfig's data strictly: a misspelt key is an error that
// names it, not a setting silently ignored.
func decodeProfile(data any) (*v1alpha1.StageProfile, error) {
	p := &v1alpha1.StageProfile{}
	if data == nil {
		return p, nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("data: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return p, nil
}

func nameOf(obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	n, _ := meta["name"].(string)
	return n
}
