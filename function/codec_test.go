package main

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/spec3/lambdastack/fn"
	"github.com/spec3/lambdastack/test/bench"
)

func TestCodecFieldNumbers(t *testing.T) {
	for _, c := range []struct {
		msg   protoreflect.ProtoMessage
		field protoreflect.Name
		want  protowire.Number
	}{
		{&fnv1.RunFunctionRequest{}, "observed", fieldRequestObserved},
		{&fnv1.RunFunctionRequest{}, "desired", fieldRequestDesired},
		{&fnv1.RunFunctionRequest{}, "extra_resources", fieldRequestExtra},
		{&fnv1.RunFunctionRequest{}, "required_resources", fieldRequestRequired},
		{&fnv1.Resources{}, "items", fieldResourcesItems},
		{&fnv1.State{}, "composite", fieldStateComposite},
		{&fnv1.State{}, "resources", fieldStateResources},
		{&fnv1.Resource{}, "resource", fieldResourceStruct},
		{&structpb.Struct{}, "fields", fieldStructFields},
		{&structpb.ListValue{}, "values", fieldListValues},
		{&structpb.Value{}, "null_value", fieldValueNull},
		{&structpb.Value{}, "number_value", fieldValueNumber},
		{&structpb.Value{}, "string_value", fieldValueString},
		{&structpb.Value{}, "bool_value", fieldValueBool},
		{&structpb.Value{}, "struct_value", fieldValueStruct},
		{&structpb.Value{}, "list_value", fieldValueList},
	} {
		fd := c.msg.ProtoReflect().Descriptor().Fields().ByName(c.field)
		if fd == nil || fd.Number() != c.want {
			t.Errorf("%s.%s: field number %v, the codec uses %d", c.msg.ProtoReflect().Descriptor().FullName(), c.field, fd, c.want)
		}
	}
	for _, fd := range []protoreflect.FieldDescriptor{
		(&fnv1.State{}).ProtoReflect().Descriptor().Fields().ByName("resources"),
		(&structpb.Struct{}).ProtoReflect().Descriptor().Fields().ByName("fields"),
		(&fnv1.RunFunctionRequest{}).ProtoReflect().Descriptor().Fields().ByName("required_resources"),
		(&fnv1.RunFunctionRequest{}).ProtoReflect().Descriptor().Fields().ByName("extra_resources"),
	} {
		if fd.MapKey().Number() != fieldMapKey || fd.MapValue().Number() != fieldMapValue {
			t.Errorf("%s: map entry field numbers %d, %d; the codec uses %d, %d", fd.FullName(), fd.MapKey().Number(), fd.MapValue().Number(), fieldMapKey, fieldMapValue)
		}
	}
}

// exampleRequests are the benchmark requests: every example stage, first and later reconcile.
func exampleRequests(t testing.TB) []*fnv1.RunFunctionRequest {
	t.Helper()
	root, err := bench.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	f := &fn.Function{Log: logging.NewNopLogger()}
	var out []*fnv1.RunFunctionRequest
	for _, st := range bench.Stages {
		first, err := bench.FirstRequest(root, st)
		if err != nil {
			t.Fatal(err)
		}
		later, err := bench.LaterRequest(context.Background(), f.RunFunction, first)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, first, later)
	}
	return out
}

// TestCodecRoundTrip: requests decode to what proto.Unmarshal gives (on the fast path), and
// responses encode to bytes proto.Unmarshal reads back as the response.
func TestCodecRoundTrip(t *testing.T) {
	c := newCodec()
	f := &fn.Function{Log: logging.NewNopLogger()}
	rng := rand.New(rand.NewPCG(7, 11))
	reqs := exampleRequests(t)
	for range 50 {
		reqs = append(reqs, randomRequest(rng))
	}
	for i, req := range reqs {
		raw, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		fast := &fnv1.RunFunctionRequest{}
		if err := unmarshalRequest(raw, fast); err != nil {
			t.Fatalf("request %d: not decoded on the fast path: %v", i, err)
		}
		if !proto.Equal(fast, req) {
			t.Fatalf("request %d: fast path decodes something else", i)
		}
		viaCodec := &fnv1.RunFunctionRequest{}
		if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(raw)}, viaCodec); err != nil || !proto.Equal(viaCodec, req) {
			t.Fatalf("request %d: codec decodes something else (%v)", i, err)
		}

		rsp, err := f.RunFunction(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*fnv1.RunFunctionResponse{rsp, {Desired: req.GetObserved(), Meta: &fnv1.ResponseMeta{Tag: "echo"}}} {
			bs, err := c.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			back := &fnv1.RunFunctionResponse{}
			if err := proto.Unmarshal(bs.Materialize(), back); err != nil {
				t.Fatalf("request %d: response does not decode: %v", i, err)
			}
			if !proto.Equal(back, r) {
				t.Fatalf("request %d: response decodes to something else", i)
			}
			bs.Free()
		}
	}
}

// TestCodecEdgeCases: inputs off the fast path decode exactly as proto.Unmarshal decodes them,
// errors included.
func TestCodecEdgeCases(t *testing.T) {
	str := func(fields ...[]byte) []byte { // a Struct of raw map entries
		var b []byte
		for _, f := range fields {
			b = protowire.AppendTag(b, 1, protowire.BytesType)
			b = protowire.AppendBytes(b, f)
		}
		return b
	}
	entry := func(key string, val []byte) []byte {
		b := protowire.AppendTag(nil, 1, protowire.BytesType)
		b = protowire.AppendString(b, key)
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		return protowire.AppendBytes(b, val)
	}
	strVal := func(s string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, 3, protowire.BytesType), s)
	}
	request := func(s []byte) []byte { // observed.composite.resource = s
		res := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), s)
		state := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), res)
		return protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), state)
	}
	cases := map[string][]byte{
		"duplicate key":         request(str(entry("a", strVal("1")), entry("a", strVal("2")))),
		"invalid UTF-8 key":     request(str(entry("\xff", strVal("1")))),
		"invalid UTF-8 value":   request(str(entry("a", strVal("\xff")))),
		"two kinds":             request(str(entry("a", append(strVal("x"), protowire.AppendVarint(protowire.AppendTag(nil, 4, protowire.VarintType), 1)...)))),
		"unknown value field":   request(str(entry("a", append(strVal("x"), protowire.AppendVarint(protowire.AppendTag(nil, 9, protowire.VarintType), 1)...)))),
		"value without kind":    request(str(entry("a", nil))),
		"entry without value":   request(str(protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "a"))),
		"entry without key":     request(str(protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), strVal("x")))),
		"truncated":             request(str(entry("a", strVal("x"))))[:9],
		"observed twice":        append(request(str(entry("a", strVal("1")))), request(str(entry("b", strVal("2"))))...),
		"wrong wire type":       protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 5),
		"long string":           request(str(entry("a", strVal(strings.Repeat("é", 20000))))),
		"unknown request field": append(request(str(entry("a", strVal("1")))), protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 5)...),
		"empty":                 nil,
	}
	c := newCodec()
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) { compareDecoding(t, c, raw) })
	}
}

func compareDecoding(t *testing.T, c codec, raw []byte) {
	t.Helper()
	want := &fnv1.RunFunctionRequest{}
	wantErr := proto.Unmarshal(raw, want)
	got := &fnv1.RunFunctionRequest{}
	gotErr := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(raw)}, got)
	if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
		t.Fatalf("error %v, proto.Unmarshal gives %v", gotErr, wantErr)
	}
	if wantErr == nil && !proto.Equal(got, want) {
		t.Fatalf("decodes to %v, proto.Unmarshal to %v", got, want)
	}
}

// TestCodecMutations: requests with random bytes changed, dropped or inserted decode as
// proto.Unmarshal decodes them (a deterministic complement to FuzzCodecUnmarshal).
func TestCodecMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var seeds [][]byte
	for _, req := range append(exampleRequests(t)[:4], randomRequest(rng), randomRequest(rng)) {
		raw, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, raw)
	}
	c := newCodec()
	for i := range 5000 {
		in := append([]byte(nil), seeds[i%len(seeds)]...)
		for range 1 + rng.IntN(4) {
			p := rng.IntN(len(in))
			switch rng.IntN(3) {
			case 0:
				in[p] = byte(rng.IntN(256))
			case 1:
				in = append(in[:p], in[p+1:]...)
			case 2:
				in = append(in[:p], append([]byte{byte(rng.IntN(256))}, in[p:]...)...)
			}
		}
		compareDecoding(t, c, in)
	}
}

// FuzzCodecUnmarshal: any bytes decode as proto.Unmarshal decodes them.
func FuzzCodecUnmarshal(f *testing.F) {
	for _, req := range exampleRequests(f)[:1] { // dev's first request (the fuzzer slows on large inputs)
		raw, err := proto.Marshal(req)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 8 {
		req := randomRequest(rng)
		req.Context, req.Desired = nil, nil
		raw, _ := proto.Marshal(req)
		if len(raw) < 4096 {
			f.Add(raw)
		}
	}
	c := newCodec()
	f.Fuzz(func(t *testing.T, raw []byte) { compareDecoding(t, c, raw) })
}

// randomRequest has random Structs (every kind of value, nested, long and empty strings) in
// its observed and desired states.
func randomRequest(rng *rand.Rand) *fnv1.RunFunctionRequest {
	res := func() map[string]*fnv1.Resource {
		m := map[string]*fnv1.Resource{}
		for i := range rng.IntN(4) {
			r := &fnv1.Resource{Resource: randomStruct(rng, 3), Ready: fnv1.Ready(rng.IntN(3))}
			if rng.IntN(3) == 0 {
				r.ConnectionDetails = map[string][]byte{"password": []byte("x")}
			}
			m[strings.Repeat("r", i+1)] = r
		}
		return m
	}
	required := map[string]*fnv1.Resources{}
	for i := range rng.IntN(3) {
		rs := &fnv1.Resources{}
		for range rng.IntN(3) {
			rs.Items = append(rs.Items, &fnv1.Resource{Resource: randomStruct(rng, 2)})
		}
		required[strings.Repeat("q", i+1)] = rs
	}
	return &fnv1.RunFunctionRequest{
		RequiredResources: required,
		ExtraResources:    map[string]*fnv1.Resources{"x": {}}, //nolint:staticcheck // the codec must keep decoding the deprecated field
		Meta:              &fnv1.RequestMeta{Tag: "random"},
		Observed:          &fnv1.State{Composite: &fnv1.Resource{Resource: randomStruct(rng, 3)}, Resources: res()},
		Desired:           &fnv1.State{Composite: &fnv1.Resource{Resource: randomStruct(rng, 2)}, Resources: res()},
		Context:           randomStruct(rng, 2),
	}
}

func randomStruct(rng *rand.Rand, depth int) *structpb.Struct {
	s := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for i := range rng.IntN(12) {
		s.Fields[randomString(rng)+string(rune('a'+i))] = randomValue(rng, depth)
	}
	return s
}

func randomValue(rng *rand.Rand, depth int) *structpb.Value {
	switch k := rng.IntN(7); {
	case k == 0 && depth > 0:
		return structpb.NewStructValue(randomStruct(rng, depth-1))
	case k == 1 && depth > 0:
		l := &structpb.ListValue{}
		for range rng.IntN(5) {
			l.Values = append(l.Values, randomValue(rng, depth-1))
		}
		return structpb.NewListValue(l)
	case k == 2:
		return structpb.NewNumberValue([]float64{0, -1, 1.5, 1e300, math.Inf(1), math.NaN()}[rng.IntN(6)])
	case k == 3:
		return structpb.NewBoolValue(rng.IntN(2) == 0)
	case k == 4:
		return structpb.NewNullValue()
	}
	return structpb.NewStringValue(randomString(rng))
}

func randomString(rng *rand.Rand) string {
	return strings.Repeat([]string{"", "x", "ключ", "a\nb\"c", "€"}[rng.IntN(5)], rng.IntN(200))
}

// BenchmarkCodec compares the codec with protobuf-go (gRPC's default codec) on the prod
// stack's requests and responses.
func BenchmarkCodec(b *testing.B) {
	root, err := bench.FindRoot()
	if err != nil {
		b.Fatal(err)
	}
	st, _ := bench.StageByName("prod")
	f := &fn.Function{Log: logging.NewNopLogger()}
	first, err := bench.FirstRequest(root, st)
	if err != nil {
		b.Fatal(err)
	}
	later, err := bench.LaterRequest(context.Background(), f.RunFunction, first)
	if err != nil {
		b.Fatal(err)
	}
	def := newCodec().fallback
	for _, v := range []struct {
		name string
		req  *fnv1.RunFunctionRequest
	}{{"first", first}, {"later", later}} {
		raw, err := proto.Marshal(v.req)
		if err != nil {
			b.Fatal(err)
		}
		rsp, err := f.RunFunction(context.Background(), v.req)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			codec interface {
				Marshal(any) (mem.BufferSlice, error)
				Unmarshal(mem.BufferSlice, any) error
			}
		}{{"protobuf-go", def}, {"codec", newCodec()}} {
			b.Run("prod/"+v.name+"/unmarshal/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(raw)))
				for b.Loop() {
					if err := c.codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(raw)}, &fnv1.RunFunctionRequest{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("prod/"+v.name+"/marshal/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					bs, err := c.codec.Marshal(rsp)
					if err != nil {
						b.Fatal(err)
					}
					bs.Free()
				}
			})
		}
	}
}
