package fn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// RequirementStageConfig is the name of the required resource carrying the stage's
// EnvironmentConfig.
const RequirementStageConfig = "stage-config"

// composite is the observed XR decoded into the API types.
type composite struct {
	Flavour   flavour
	Kind      string
	Name      string
	Namespace string
	// ClaimName is the name of the LambdaStackClaim of an XLambdaStack (a label only Crossplane
	// sets); "" for a LambdaStack and an XLambdaStack created without a claim.
	ClaimName string
	Spec      v1alpha1.LambdaStackSpec
	// APIVersion is the observed apiVersion, echoed in the desired XR (nil when absent).
	APIVersion any
}

// decodeComposite reads the observed XR; its kind picks the flavour. The spec is decoded into
// the API type as the API server decodes JSON (field names are case-sensitive, unknown fields
// are ignored, whole numbers fill integer fields). The status is not read: the function
// computes it afresh.
func decodeComposite(req *fnv1.RunFunctionRequest) (composite, error) {
	if req.GetObserved().GetComposite().GetResource() == nil {
		return composite{}, fmt.Errorf("the request has no observed composite resource")
	}
	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		return composite{}, fmt.Errorf("cannot read the observed composite resource: %w", err)
	}
	u := oxr.Resource
	xr := composite{APIVersion: u.Object["apiVersion"], Name: u.GetName(), Namespace: u.GetNamespace()}
	switch kind := u.GetKind(); kind {
	case v1alpha1.KindLambdaStack:
		xr.Flavour, xr.Kind = namespaced, kind
	case v1alpha1.KindXLambdaStack:
		xr.Flavour, xr.Kind = legacy, kind
		xr.ClaimName = u.GetLabels()[labelClaimName]
	default:
		return composite{}, fmt.Errorf("kind %q is not served by this function (want %s or %s)", kind, v1alpha1.KindLambdaStack, v1alpha1.KindXLambdaStack)
	}
	switch spec := u.Object["spec"].(type) {
	case nil:
	case map[string]any:
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(spec, &xr.Spec); err != nil {
			return composite{}, specDecodeError(spec, fmt.Errorf("cannot decode %s: %w", xr.Kind, err))
		}
	default:
		return composite{}, fmt.Errorf("cannot decode %s: want an object, got %T", xr.Kind, spec)
	}
	if xr.Flavour == namespaced && xr.Namespace == "" {
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
	items, resolved, err := request.GetRequiredResource(req, RequirementStageConfig)
	if !resolved || err != nil {
		return nil, resolved, err
	}
	switch len(items) {
	case 0:
		return nil, true, nil
	case 1:
	default:
		names := make([]string, 0, len(items))
		for _, i := range items {
			names = append(names, i.Resource.GetName())
		}
		sort.Strings(names)
		return nil, true, fmt.Errorf("spec.stage: %d EnvironmentConfigs are labelled %s=%s (%s); keep exactly one", len(items), v1alpha1.StageLabel, stage, strings.Join(names, ", "))
	}
	obj := items[0].Resource
	p, err := decodeProfile(obj.Object["data"])
	if err != nil {
		return nil, true, fmt.Errorf("EnvironmentConfig %s (stage %s): %w", obj.GetName(), stage, err)
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

// specDecodeError turns a failure to decode spec into a message naming the field and the type
// it wants (`spec.function.memoryMB: want a number, got string "1024"`), when encoding/json can
// tell which field it is; else the original error.
func specDecodeError(spec map[string]any, err error) error {
	raw, jerr := json.Marshal(spec)
	if jerr != nil {
		return err
	}
	var into v1alpha1.LambdaStackSpec
	var te *json.UnmarshalTypeError
	if errors.As(json.Unmarshal(raw, &into), &te) && te.Field != "" {
		var path []string
		for _, p := range strings.Split(te.Field, ".") {
			if p != "" && (p[0] < 'A' || p[0] > 'Z') { // leave out embedded structs (FunctionSettings)
				path = append(path, p)
			}
		}
		return fmt.Errorf("spec.%s: want %s, got %s", strings.Join(path, "."), jsonTypeName(te.Type.Kind().String()), te.Value)
	}
	return err
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "int", "int64", "int32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "map", "struct", "ptr":
		return "an object"
	}
	return goKind
}
