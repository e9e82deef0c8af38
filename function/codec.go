package main

import (
	"errors"
	"math"
	"sync"
	"unicode/utf8"
	"unsafe"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
)

// codec is gRPC's protobuf codec with a faster path for the bulk of RunFunction messages: the
// google.protobuf.Struct objects of the observed and desired states. protobuf-go decodes a
// Struct's map field and sizes and encodes it through reflection, which made up most of the
// CPU a call cost (docs/performance.md); here Structs are decoded and encoded by hand, with the
// protobuf wire format's rules, everything else by protobuf-go.
//
// Decoding takes the fast path only for what Crossplane sends (each Struct field, map entry and
// Value once, valid UTF-8, no unknown fields): on anything else it starts over with
// proto.Unmarshal, so a request decodes to exactly what proto.Unmarshal gives, errors included.
// Encoding writes the desired state's Structs in place of protobuf-go: the bytes differ only in
// field order (the Struct field of each Resource comes last), which every protobuf parser
// accepts; TestCodecRoundTrip checks both directions against protobuf-go.
type codec struct{ fallback encoding.CodecV2 }

func newCodec() codec { return codec{fallback: encoding.GetCodecV2("proto")} }

// bufferPool replaces gRPC's default buffer pool (server option and codec), whose tiers jump
// from 32 KB to 1 MB: every request or response between the two took (and zeroed) a 1 MB
// buffer. Here every power of two from 256 B to 4 MB is a tier.
var bufferPool = func() mem.BufferPool {
	exps := []uint8{8}
	for e := uint8(12); e <= 22; e++ {
		exps = append(exps, e)
	}
	p, err := mem.NewBinaryTieredBufferPool(exps...)
	if err != nil {
		panic(err)
	}
	return p
}()

func (codec) Name() string { return "proto" }

func (c codec) Marshal(v any) (mem.BufferSlice, error) {
	if rsp, ok := v.(*fnv1.RunFunctionResponse); ok && rsp.GetDesired() != nil {
		return marshalResponse(rsp)
	}
	return c.fallback.Marshal(v)
}

func (c codec) Unmarshal(data mem.BufferSlice, v any) error {
	req, ok := v.(*fnv1.RunFunctionRequest)
	if !ok {
		return c.fallback.Unmarshal(data, v)
	}
	buf := data.MaterializeToBuffer(bufferPool)
	defer buf.Free()
	b := buf.ReadOnlyData()
	if err := unmarshalRequest(b, req); err != nil {
		proto.Reset(req)
		return proto.Unmarshal(b, req)
	}
	return nil
}

// errSlowPath: the input is not in the shape the fast path handles.
var errSlowPath = errors.New("not on the fast path")

// Field numbers of the RunFunction messages the fast path reads (TestCodecFieldNumbers checks
// them against the descriptors).
const (
	fieldRequestObserved = 2
	fieldRequestDesired  = 3
	fieldRequestExtra    = 6
	fieldRequestRequired = 8
	fieldResourcesItems  = 1
	fieldStateComposite  = 1
	fieldStateResources  = 2
	fieldResourceStruct  = 1
	fieldMapKey          = 1
	fieldMapValue        = 2
	fieldStructFields    = 1
	fieldListValues      = 1
	fieldValueNull       = 1
	fieldValueNumber     = 2
	fieldValueString     = 3
	fieldValueBool       = 4
	fieldValueStruct     = 5
	fieldValueList       = 6
)

// unmarshalRequest decodes the Structs of the observed and desired states and of the required
// (and extra) resources by hand, the rest of the request with protobuf-go.
func unmarshalRequest(b []byte, req *fnv1.RunFunctionRequest) error {
	// Blocks of values sized to the request: a value takes at least 4 bytes on the wire.
	d := &structDecoder{arena: make([]byte, 0, len(b)), block: min(max(len(b)/64, 16), 512)}
	var rest []byte
	var seenObserved, seenDesired bool
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeField(b)
		if n < 0 {
			return errSlowPath
		}
		field := b[:n]
		b = b[n:]
		if typ == protowire.BytesType && (num == fieldRequestObserved || num == fieldRequestDesired) {
			seen := &seenObserved
			if num == fieldRequestDesired {
				seen = &seenDesired
			}
			if *seen { // a repeated message field merges: leave that to protobuf-go
				return errSlowPath
			}
			*seen = true
			_, _, tn := protowire.ConsumeTag(field)
			v, _ := protowire.ConsumeBytes(field[tn:])
			st, err := d.state(v)
			if err != nil {
				return err
			}
			if num == fieldRequestObserved {
				req.Observed = st
			} else {
				req.Desired = st
			}
			continue
		}
		if typ == protowire.BytesType && (num == fieldRequestRequired || num == fieldRequestExtra) {
			m := &req.RequiredResources
			if num == fieldRequestExtra {
				m = &req.ExtraResources //nolint:staticcheck // decoded like protobuf-go does: older Crossplane versions send extra_resources
			}
			_, _, tn := protowire.ConsumeTag(field)
			v, _ := protowire.ConsumeBytes(field[tn:])
			key, val, err := d.mapEntry(v)
			if err != nil {
				return err
			}
			rs, err := d.resources(val)
			if err != nil {
				return err
			}
			if *m == nil {
				*m = map[string]*fnv1.Resources{}
			}
			if _, dup := (*m)[key]; dup {
				return errSlowPath
			}
			(*m)[key] = rs
			continue
		}
		rest = append(rest, field...)
	}
	if len(rest) == 0 {
		return nil
	}
	return proto.UnmarshalOptions{Merge: true}.Unmarshal(rest, req)
}

// state decodes a State: its composite and resources by hand, anything else with protobuf-go.
func (d *structDecoder) state(b []byte) (*fnv1.State, error) {
	st := &fnv1.State{}
	var rest []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeField(b)
		if n < 0 {
			return nil, errSlowPath
		}
		field := b[:n]
		b = b[n:]
		if typ != protowire.BytesType || (num != fieldStateComposite && num != fieldStateResources) {
			rest = append(rest, field...)
			continue
		}
		_, _, tn := protowire.ConsumeTag(field)
		v, _ := protowire.ConsumeBytes(field[tn:])
		if num == fieldStateComposite {
			if st.Composite != nil {
				return nil, errSlowPath
			}
			r, err := d.resource(v)
			if err != nil {
				return nil, err
			}
			st.Composite = r
			continue
		}
		key, val, err := d.mapEntry(v)
		if err != nil {
			return nil, err
		}
		r, err := d.resource(val)
		if err != nil {
			return nil, err
		}
		if st.Resources == nil {
			st.Resources = map[string]*fnv1.Resource{}
		}
		if _, dup := st.Resources[key]; dup {
			return nil, errSlowPath
		}
		st.Resources[key] = r
	}
	if len(rest) > 0 {
		if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(rest, st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// resource decodes a Resource: its Struct by hand, the rest (connection details, readiness)
// with protobuf-go.
func (d *structDecoder) resource(b []byte) (*fnv1.Resource, error) {
	r := &fnv1.Resource{}
	var rest []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeField(b)
		if n < 0 {
			return nil, errSlowPath
		}
		field := b[:n]
		b = b[n:]
		if num != fieldResourceStruct || typ != protowire.BytesType {
			rest = append(rest, field...)
			continue
		}
		if r.Resource != nil {
			return nil, errSlowPath
		}
		_, _, tn := protowire.ConsumeTag(field)
		v, _ := protowire.ConsumeBytes(field[tn:])
		s, err := d.structOf(v)
		if err != nil {
			return nil, err
		}
		r.Resource = s
	}
	if len(rest) > 0 {
		if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(rest, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// resources decodes a Resources message (a list of Resources); anything else in it takes the
// slow path.
func (d *structDecoder) resources(b []byte) (*fnv1.Resources, error) {
	rs := &fnv1.Resources{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num != fieldResourcesItems || typ != protowire.BytesType {
			return nil, errSlowPath
		}
		v, vn := protowire.ConsumeBytes(b[n:])
		if vn < 0 {
			return nil, errSlowPath
		}
		b = b[n+vn:]
		r, err := d.resource(v)
		if err != nil {
			return nil, err
		}
		rs.Items = append(rs.Items, r)
	}
	return rs, nil
}

// mapEntry splits a map<string, message> entry that has both its key and its value once.
func (d *structDecoder) mapEntry(b []byte) (key string, val []byte, err error) {
	var haveKey, haveVal bool
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType {
			return "", nil, errSlowPath
		}
		b = b[n:]
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return "", nil, errSlowPath
		}
		b = b[n:]
		switch {
		case num == fieldMapKey && !haveKey:
			if key, err = d.str(v); err != nil {
				return "", nil, err
			}
			haveKey = true
		case num == fieldMapValue && !haveVal:
			val, haveVal = v, true
		default:
			return "", nil, errSlowPath
		}
	}
	if !haveKey || !haveVal {
		return "", nil, errSlowPath
	}
	return key, val, nil
}

// structDecoder allocates the decoded values of one request in blocks, and their strings in
// one arena (the request's size bounds them): thousands of small objects that live and die
// with the request.
type structDecoder struct {
	block   int // values per block; other kinds get a quarter
	arena   []byte
	values  []structpb.Value
	strs    []structpb.Value_StringValue
	structs []structpb.Struct
	svals   []structpb.Value_StructValue
	lists   []structpb.ListValue
	lvals   []structpb.Value_ListValue
	nums    []structpb.Value_NumberValue
	bools   []structpb.Value_BoolValue
}

// next hands out the next element of a block, allocating a block of n when it is used up.
func next[T any](s *[]T, n int) *T {
	if len(*s) == 0 {
		*s = make([]T, n)
	}
	v := &(*s)[0]
	*s = (*s)[1:]
	return v
}

// str is a string decoded from b: proto3 strings must be valid UTF-8. Its bytes are copied
// into the arena, which is never written again where a string points.
func (d *structDecoder) str(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", errSlowPath // protobuf-go reports the error
	}
	if len(b) == 0 {
		return "", nil
	}
	if len(d.arena)+len(b) > cap(d.arena) {
		return string(b), nil
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return unsafe.String(&d.arena[start], len(b)), nil
}

func (d *structDecoder) structOf(b []byte) (*structpb.Struct, error) {
	// Count the entries first so the map is allocated once.
	n := 0
	for p := b; len(p) > 0; n++ {
		num, typ, tn := protowire.ConsumeTag(p)
		if tn < 0 || num != fieldStructFields || typ != protowire.BytesType {
			return nil, errSlowPath
		}
		_, vn := protowire.ConsumeBytes(p[tn:])
		if vn < 0 {
			return nil, errSlowPath
		}
		p = p[tn+vn:]
	}
	s := next(&d.structs, d.block/4+1)
	s.Fields = make(map[string]*structpb.Value, n)
	for len(b) > 0 {
		_, _, tn := protowire.ConsumeTag(b)
		e, vn := protowire.ConsumeBytes(b[tn:])
		b = b[tn+vn:]
		key, raw, err := d.mapEntry(e)
		if err != nil {
			return nil, err
		}
		v, err := d.value(raw)
		if err != nil {
			return nil, err
		}
		if _, dup := s.Fields[key]; dup {
			return nil, errSlowPath
		}
		s.Fields[key] = v
	}
	return s, nil
}

func (d *structDecoder) value(b []byte) (*structpb.Value, error) {
	v := next(&d.values, d.block)
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return nil, errSlowPath
	}
	b = b[n:]
	switch {
	case num == fieldValueString && typ == protowire.BytesType:
		raw, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, errSlowPath
		}
		b = b[n:]
		s, err := d.str(raw)
		if err != nil {
			return nil, err
		}
		k := next(&d.strs, d.block)
		k.StringValue = s
		v.Kind = k
	case num == fieldValueStruct && typ == protowire.BytesType:
		raw, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, errSlowPath
		}
		b = b[n:]
		s, err := d.structOf(raw)
		if err != nil {
			return nil, err
		}
		k := next(&d.svals, d.block/4+1)
		k.StructValue = s
		v.Kind = k
	case num == fieldValueList && typ == protowire.BytesType:
		raw, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, errSlowPath
		}
		b = b[n:]
		l, err := d.list(raw)
		if err != nil {
			return nil, err
		}
		k := next(&d.lvals, d.block/4+1)
		k.ListValue = l
		v.Kind = k
	case num == fieldValueNumber && typ == protowire.Fixed64Type:
		x, n := protowire.ConsumeFixed64(b)
		if n < 0 {
			return nil, errSlowPath
		}
		b = b[n:]
		k := next(&d.nums, d.block/4+1)
		k.NumberValue = math.Float64frombits(x)
		v.Kind = k
	case num == fieldValueBool && typ == protowire.VarintType:
		x, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, errSlowPath
		}
		b = b[n:]
		k := next(&d.bools, d.block/4+1)
		k.BoolValue = protowire.DecodeBool(x)
		v.Kind = k
	case num == fieldValueNull && typ == protowire.VarintType:
		x, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, errSlowPath
		}
		b = b[n:]
		v.Kind = &structpb.Value_NullValue{NullValue: structpb.NullValue(int32(x))}
	default:
		return nil, errSlowPath
	}
	if len(b) > 0 { // a second kind (the last would win) or unknown fields
		return nil, errSlowPath
	}
	return v, nil
}

func (d *structDecoder) list(b []byte) (*structpb.ListValue, error) {
	n := 0
	for p := b; len(p) > 0; n++ {
		num, typ, tn := protowire.ConsumeTag(p)
		if tn < 0 || num != fieldListValues || typ != protowire.BytesType {
			return nil, errSlowPath
		}
		_, vn := protowire.ConsumeBytes(p[tn:])
		if vn < 0 {
			return nil, errSlowPath
		}
		p = p[tn+vn:]
	}
	l := next(&d.lists, d.block/4+1)
	l.Values = make([]*structpb.Value, 0, n)
	for len(b) > 0 {
		_, _, tn := protowire.ConsumeTag(b)
		raw, vn := protowire.ConsumeBytes(b[tn:])
		b = b[tn+vn:]
		v, err := d.value(raw)
		if err != nil {
			return nil, err
		}
		l.Values = append(l.Values, v)
	}
	return l, nil
}

// scratch holds the encoded Structs of a response until gRPC has copied them.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// marshalResponse encodes a response with protobuf-go, except the Structs of its desired
// state, which are encoded by hand and handed to protobuf-go as the unknown fields of copies of
// their Resources (protobuf-go writes unknown fields as they are).
func marshalResponse(rsp *fnv1.RunFunctionResponse) (mem.BufferSlice, error) {
	sp := scratch.Get().(*[]byte)
	buf := (*sp)[:0]
	defer func() {
		// Once protobuf-go has copied the Structs out, keep the (maybe grown) buffer for the
		// next response.
		if cap(buf) <= 1<<20 {
			*sp = buf[:0]
			scratch.Put(sp)
		}
	}()
	// Each Resource's unknown fields are a slice of buf. When appending outgrows buf, the bytes
	// written so far stay where they are (in the old array), so every slice stays valid.
	withStruct := func(r *fnv1.Resource) *fnv1.Resource {
		if r.GetResource() == nil {
			return r
		}
		c := shallowCopy(r)
		c.Resource = nil
		start := len(buf)
		buf = append(buf, r.ProtoReflect().GetUnknown()...)
		buf = protowire.AppendTag(buf, fieldResourceStruct, protowire.BytesType)
		var mark int
		buf, mark = openLen(buf)
		buf = appendStruct(buf, r.GetResource())
		buf = closeLen(buf, mark)
		c.ProtoReflect().SetUnknown(protoreflect.RawFields(buf[start:len(buf):len(buf)]))
		return c
	}
	d := rsp.GetDesired()
	st := shallowCopy(d)
	if d.GetComposite() != nil {
		st.Composite = withStruct(d.GetComposite())
	}
	if len(d.GetResources()) > 0 {
		st.Resources = make(map[string]*fnv1.Resource, len(d.GetResources()))
		for k, r := range d.GetResources() {
			st.Resources[k] = withStruct(r)
		}
	}
	out := shallowCopy(rsp)
	out.Desired = st

	size := proto.Size(out)
	opts := proto.MarshalOptions{UseCachedSize: true}
	if mem.IsBelowBufferPoolingThreshold(size) {
		b, err := opts.Marshal(out)
		if err != nil {
			return nil, err
		}
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	pool := bufferPool
	pb := pool.Get(size)
	b, err := opts.MarshalAppend((*pb)[:0], out)
	if err != nil {
		pool.Put(pb)
		return nil, err
	}
	*pb = b
	return mem.BufferSlice{mem.NewBuffer(pb, pool)}, nil
}

// shallowCopy copies a message's populated fields and unknown fields; messages, lists and
// maps are shared.
func shallowCopy[M proto.Message](m M) M {
	src := m.ProtoReflect()
	dst := src.New()
	src.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		dst.Set(fd, v)
		return true
	})
	if u := src.GetUnknown(); len(u) > 0 {
		dst.SetUnknown(u)
	}
	return dst.Interface().(M)
}

// appendStruct appends a Struct's wire encoding (its fields in map order, as protobuf-go's
// default encoding).
func appendStruct(b []byte, s *structpb.Struct) []byte {
	for k, v := range s.GetFields() {
		var entry, val int
		b = protowire.AppendTag(b, fieldStructFields, protowire.BytesType)
		b, entry = openLen(b)
		b = protowire.AppendTag(b, fieldMapKey, protowire.BytesType)
		b = protowire.AppendString(b, k)
		b = protowire.AppendTag(b, fieldMapValue, protowire.BytesType)
		b, val = openLen(b)
		b = appendValue(b, v)
		b = closeLen(b, val)
		b = closeLen(b, entry)
	}
	return b
}

func appendValue(b []byte, v *structpb.Value) []byte {
	var mark int
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		b = protowire.AppendTag(b, fieldValueString, protowire.BytesType)
		return protowire.AppendString(b, k.StringValue)
	case *structpb.Value_StructValue:
		b = protowire.AppendTag(b, fieldValueStruct, protowire.BytesType)
		b, mark = openLen(b)
		b = appendStruct(b, k.StructValue)
		return closeLen(b, mark)
	case *structpb.Value_ListValue:
		b = protowire.AppendTag(b, fieldValueList, protowire.BytesType)
		b, mark = openLen(b)
		for _, e := range k.ListValue.GetValues() {
			var em int
			b = protowire.AppendTag(b, fieldListValues, protowire.BytesType)
			b, em = openLen(b)
			b = appendValue(b, e)
			b = closeLen(b, em)
		}
		return closeLen(b, mark)
	case *structpb.Value_NumberValue:
		b = protowire.AppendTag(b, fieldValueNumber, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(k.NumberValue))
	case *structpb.Value_BoolValue:
		b = protowire.AppendTag(b, fieldValueBool, protowire.VarintType)
		return protowire.AppendVarint(b, protowire.EncodeBool(k.BoolValue))
	case *structpb.Value_NullValue:
		b = protowire.AppendTag(b, fieldValueNull, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(k.NullValue))
	}
	return b // a Value without a kind is an empty message
}

// openLen reserves one byte for the length of the message that follows; closeLen writes it,
// moving the message when its length needs more than one byte.
func openLen(b []byte) ([]byte, int) { return append(b, 0), len(b) + 1 }

func closeLen(b []byte, start int) []byte {
	n := len(b) - start
	if n < 0x80 {
		b[start-1] = byte(n)
		return b
	}
	k := protowire.SizeVarint(uint64(n))
	b = append(b, make([]byte, k-1)...)
	copy(b[start+k-1:], b[start:start+n])
	protowire.AppendVarint(b[:start-1], uint64(n))
	return b
}
