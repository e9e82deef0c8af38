package fn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"

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
	// APIVersion is the observed apiVersion, echoed in the desired XR (nil when absent).
	APIVersion *structpb.Value
}

// decodeComposite reads the observed XR; its kind picks the flavour. Only what the function
// uses is decoded (Crossplane sends the whole stored object: metadata, the status the function
// wrote with Crossplane's conditions, spec.crossplane with a reference per composed resource):
// apiVersion, kind, metadata.name, namespace and uid read from the protobuf Struct, and the spec
// decoded into the API type as the API server decodes JSON (field names are case-sensitive,
// unknown fields are ignored). The status is not read: the function computes it afresh.
func decodeComposite(req *fnv1.RunFunctionRequest) (composite, error) {
	raw := req.GetObserved().GetComposite().GetResource()
	if raw == nil {
		return composite{}, fmt.Errorf("the request has no observed composite resource")
	}
	f := raw.GetFields()
	xr := composite{APIVersion: f["apiVersion"]}
	switch kind := f["kind"].GetStringValue(); kind {
	case v1alpha1.KindLambdaStack:
		xr.Flavour, xr.Kind = Namespaced, kind
	case v1alpha1.KindXLambdaStack:
		xr.Flavour, xr.Kind = Legacy, kind
	default:
		return composite{}, fmt.Errorf("kind %q is not served by this function (want %s or %s)", kind, v1alpha1.KindLambdaStack, v1alpha1.KindXLambdaStack)
	}
	meta := f["metadata"].GetStructValue().GetFields()
	xr.Name, xr.Namespace, xr.UID = meta["name"].GetStringValue(), meta["namespace"].GetStringValue(), meta["uid"].GetStringValue()
	if err := decodeInto(f["spec"], &xr.Spec); err != nil {
		return composite{}, specDecodeError(f["spec"], fmt.Errorf("cannot decode %s: %w", xr.Kind, err))
	}
	if xr.Flavour == Namespaced && xr.Namespace == "" {
		return composite{}, fmt.Errorf("metadata.namespace: a %s is namespaced but has no namespace", xr.Kind)
	}
	if xr.Name == "" {
		return composite{}, fmt.Errorf("metadata.name: the composite resource has no name")
	}
	return xr, nil
}

// decodeInto decodes a protobuf object into an API type as the function always has (the
// apimachinery converter: field names are case-sensitive, unknown fields ignored, whole numbers
// fill integer fields); a missing or null value leaves it zero.
func decodeInto(v *structpb.Value, into any) error {
	switch v.GetKind().(type) {
	case nil, *structpb.Value_NullValue:
		return nil
	case *structpb.Value_StructValue:
		return runtime.DefaultUnstructuredConverter.FromUnstructured(v.GetStructValue().AsMap(), into)
	}
	return fmt.Errorf("want an object, got %T", v.AsInterface())
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
			names = append(names, nameOf(i.GetResource()))
		}
		sort.Strings(names)
		return nil, true, fmt.Errorf("spec.stage: %d EnvironmentConfigs are labelled %s=%s (%s); keep exactly one", len(items), v1alpha1.StageLabel, stage, strings.Join(names, ", "))
	}
	obj := items[0].GetResource()
	p, err := decodeProfile(obj.GetFields()["data"])
	if err != nil {
		return nil, true, fmt.Errorf("EnvironmentConfig %s (stage %s): %w", nameOf(obj), stage, err)
	}
	return p, true, nil
}

// decodeProfile reads an EnvironmentConfig's data strictly: a misspelt key is an error that
// names it, not a setting silently ignored.
func decodeProfile(data *structpb.Value) (*v1alpha1.StageProfile, error) {
	p := &v1alpha1.StageProfile{}
	if data == nil {
		return p, nil
	}
	raw, err := appendJSON(make([]byte, 0, 512), data)
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

func nameOf(obj *structpb.Struct) string {
	return obj.GetFields()["metadata"].GetStructValue().GetFields()["name"].GetStringValue()
}

// appendJSON appends the JSON encoding of a protobuf value: what encoding/json makes of the
// value's AsInterface() (object keys sorted, numbers as encoding/json writes a float64), without
// building the intermediate maps.
func appendJSON(b []byte, v *structpb.Value) ([]byte, error) {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return appendJSONString(b, k.StringValue), nil
	case *structpb.Value_BoolValue:
		return strconv.AppendBool(b, k.BoolValue), nil
	case *structpb.Value_NumberValue:
		return appendJSONNumber(b, k.NumberValue)
	case *structpb.Value_StructValue:
		fields := k.StructValue.GetFields()
		keys := make([]string, 0, len(fields))
		for key := range fields {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, key := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, key)
			b = append(b, ':')
			var err error
			if b, err = appendJSON(b, fields[key]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case *structpb.Value_ListValue:
		b = append(b, '[')
		for i, e := range k.ListValue.GetValues() {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	default: // null, or no kind set (AsInterface makes both nil)
		return append(b, "null"...), nil
	}
}

// appendJSONNumber writes a float64 as encoding/json does.
func appendJSONNumber(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("json: unsupported value: %s", strconv.FormatFloat(f, 'g', -1, 64))
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendJSONString writes a string as encoding/json does (HTML-safe escapes included; protobuf
// strings are valid UTF-8, anything else would become U+FFFD as there).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
