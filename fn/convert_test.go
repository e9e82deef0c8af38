package fn

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/request"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// The conversions RunFunction makes without reflection (resource.go, status.go, input.go) give
// what the reflective ones they replace give.

func TestStructBuilderMatchesNewStruct(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	objects := []map[string]any{
		{"s": "x", "b": true, "i": 3, "i64": int64(-4), "f": 1.5, "nil": nil, "l": []any{"a", 1, map[string]any{}}, "m": map[string]any{"k": []any{}}},
		{"i32": int32(5), "u": uint(6), "n": json.Number("7.5"), "bytes": []byte("x"), "f32": float32(0.5)},
		{"bad value": "\xff"},
		{"\xfe": "bad key"},
		{"nested": map[string]any{"deeper": []any{map[string]any{"bad": "a\xffb"}}}},
		{"unsupported": struct{}{}},
		{"bad number": json.Number("x")},
	}
	for range 200 {
		objects = append(objects, randomObject(rng, 3))
	}
	for i, m := range objects {
		want, wantErr := structpb.NewStruct(m)
		got, gotErr := (&structBuilder{}).newStruct(m)
		if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
			t.Fatalf("object %d: error %v, structpb.NewStruct gives %v", i, gotErr, wantErr)
		}
		if wantErr == nil && !proto.Equal(got, want) {
			t.Fatalf("object %d: %v, structpb.NewStruct gives %v", i, got, want)
		}
	}
}

// TestStatusStruct: statusStruct gives what the status's JSON encoding gives (which the
// function used before), for a status with every field set and for sparse ones.
func TestStatusStruct(t *testing.T) {
	full := v1alpha1.LambdaStackStatus{}
	fill(reflect.ValueOf(&full).Elem(), "v")
	statuses := []v1alpha1.LambdaStackStatus{
		full,
		{},
		{Stage: "dev", Regions: []v1alpha1.RegionStatus{{Region: "eu-west-1"}, {}}},
		{FunctionARN: "arn", Regions: []v1alpha1.RegionStatus{}},
	}
	for i, st := range statuses {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&st)
		if err != nil {
			t.Fatal(err)
		}
		want, err := structpb.NewStruct(u)
		if err != nil {
			t.Fatal(err)
		}
		got, err := statusStruct(&st, &structBuilder{})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got, want) {
			t.Errorf("status %d: statusStruct gives\n%v\nthe JSON encoding\n%v", i, got, want)
		}
	}
}

// fill sets every string of v (and one element of every slice) so no field is left out.
func fill(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), s+"-"+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), s)
		}
	default:
		panic("fill: " + v.Kind().String() + " in the status: extend fill and statusStruct")
	}
}

// TestAppendJSON: the JSON written from a protobuf value is what encoding/json makes of it.
func TestAppendJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	values := []any{
		"plain", "quote \" backslash \\ control \x01\x1f\x7f newline \n tab \t cr \r bs \b ff \f", "<&> \u2028 é 🙂", "",
		0.0, math.Copysign(0, -1), 1.0, -1536.0, 1536.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, math.MaxInt64, 1.7976931348623157e308, 5e-324,
		true, false, nil, []any{}, map[string]any{}, []any{1.0, "a", nil, []any{map[string]any{"z": 1.0, "a": 2.0}}},
	}
	for range 200 {
		values = append(values, randomObject(rng, 3))
	}
	for i, v := range values {
		pv, err := structpb.NewValue(v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(pv.AsInterface())
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON(nil, pv)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("value %d: appendJSON gives %s, encoding/json %s", i, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := appendJSON(nil, structpb.NewNumberValue(f)); err == nil {
			t.Errorf("appendJSON(%v): no error; encoding/json refuses it", f)
		}
	}
}

// TestObservedFrom: for every observed resource of a later reconcile, the readers answer from
// observedFrom's partial objects exactly as from the SDK's full conversion.
func TestObservedFrom(t *testing.T) {
	for _, ex := range loadExampleRequests(t) {
		var observed map[string]map[string]any
		for range 4 {
			rsp := run(t, newRequest(t, ex.xr, ex.envs, observed))
			observed = simulateProviderObserved(rsp)
		}
		// Add what Crossplane sends besides: metadata, non-string atProvider fields, more
		// conditions, a Synced=False with a message.
		for key, o := range observed {
			o["metadata"].(map[string]any)["uid"] = "u-" + key
			st := o["status"].(map[string]any)
			at, _ := st["atProvider"].(map[string]any)
			if at == nil {
				at = map[string]any{}
				st["atProvider"] = at
			}
			at["nested"] = map[string]any{"arn": "not-read"}
			at["count"] = 3
			st["conditions"] = append(st["conditions"].([]any),
				map[string]any{"type": "Synced", "status": "False", "message": "role defined for the function cannot be assumed", "reason": "ReconcileError"},
				map[string]any{"type": 5, "status": true})
		}
		req := newRequest(t, ex.xr, ex.envs, observed)
		full, err := request.GetObservedComposedResources(req)
		if err != nil {
			t.Fatal(err)
		}
		want, got := observedState(full), observedFrom(req)
		for key, o := range observed {
			for _, typ := range []string{"Ready", "Synced", "LastAsyncOperation", "Missing"} {
				ws, wm, wf := want.condition(key, typ)
				gs, gm, gf := got.condition(key, typ)
				if ws != gs || wm != gm || wf != gf {
					t.Errorf("%s %s: condition %q %q %v, want %q %q %v", ex.name, key, gs, gm, gf, ws, wm, wf)
				}
			}
			at, _ := o["status"].(map[string]any)["atProvider"].(map[string]any)
			for field := range at {
				if w, g := want.atProvider(key, field), got.atProvider(key, field); w != g {
					t.Errorf("%s %s: atProvider %s = %q, want %q", ex.name, key, field, g, w)
				}
			}
			for _, path := range forProviderPaths(o["spec"].(map[string]any)["forProvider"], nil) {
				if w, g := want.kept(key, path...), got.kept(key, path...); w != g {
					t.Errorf("%s %s: kept %v = %q, want %q", ex.name, key, path, g, w)
				}
			}
			if want.exists(key) != got.exists(key) {
				t.Errorf("%s %s: exists differs", ex.name, key)
			}
		}
		if want.exists("nothing") || got.exists("nothing") {
			t.Errorf("a resource that is not observed exists")
		}
	}
}

// forProviderPaths lists every path into a forProvider object (through list elements as kept
// reads them).
func forProviderPaths(v any, prefix []string) [][]string {
	var out [][]string
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			out = append(out, forProviderPaths(e, prefix)...)
		}
	case map[string]any:
		for k, e := range t {
			p := append(append([]string(nil), prefix...), k)
			out = append(out, p)
			out = append(out, forProviderPaths(e, p)...)
		}
	}
	return out
}

func randomObject(rng *rand.Rand, depth int) map[string]any {
	m := map[string]any{}
	for i := range rng.IntN(6) {
		m[strings.Repeat("k", i+1)] = randomAny(rng, depth)
	}
	return m
}

func randomAny(rng *rand.Rand, depth int) any {
	switch k := rng.IntN(8); {
	case k == 0 && depth > 0:
		return randomObject(rng, depth-1)
	case k == 1 && depth > 0:
		l := make([]any, rng.IntN(4))
		for i := range l {
			l[i] = randomAny(rng, depth-1)
		}
		return l
	case k == 2:
		return []float64{0, 1, -2.5, 1e300, 7e-7, 1 << 53}[rng.IntN(6)]
	case k == 3:
		return int64(rng.IntN(1000) - 500)
	case k == 4:
		return rng.IntN(2) == 0
	case k == 5:
		return nil
	}
	return []string{"", "x", "é\"\\\n", "<html>", "\u2028"}[rng.IntN(5)]
}
