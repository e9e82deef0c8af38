package fn

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
)

// shuffledJSON encodes v with every object's keys written in a random order, so that the
// Struct decoded from it is built with a different map insertion order each time.
func shuffledJSON(t testing.TB, v any, rng *rand.Rand, buf *bytes.Buffer) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteByte(':')
			shuffledJSON(t, x[k], rng, buf)
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			shuffledJSON(t, e, rng, buf)
		}
		buf.WriteByte(']')
	default:
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
	}
}

func shuffledStruct(t testing.TB, m map[string]any, rng *rand.Rand) *structpb.Struct {
	t.Helper()
	var buf bytes.Buffer
	// Through JSON first: typed values (e.g. []string from YAML helpers) become []any.
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	shuffledJSON(t, generic, rng, &buf)
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(buf.Bytes(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// shuffledRequest builds a RunFunctionRequest whose maps (XR spec, tags, environment, the
// EnvironmentConfigs' data, every observed resource) are filled in a random key order, with the
// EnvironmentConfig list and the observed resources inserted in a random order.
func shuffledRequest(t testing.TB, xr map[string]any, envs []map[string]any, observed map[string]map[string]any, rng *rand.Rand) *fnv1.RunFunctionRequest {
	t.Helper()
	req := &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: "determinism"},
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: shuffledStruct(t, xr, rng)}},
	}
	order := rng.Perm(len(envs))
	items := make([]*fnv1.Resource, 0, len(envs))
	for _, i := range order {
		items = append(items, &fnv1.Resource{Resource: shuffledStruct(t, envs[i], rng)})
	}
	req.RequiredResources = map[string]*fnv1.Resources{RequirementStageConfig: {Items: items}}
	if len(observed) > 0 {
		keys := make([]string, 0, len(observed))
		for k := range observed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		req.Observed.Resources = make(map[string]*fnv1.Resource, len(keys))
		for _, k := range keys {
			req.Observed.Resources[k] = &fnv1.Resource{Resource: shuffledStruct(t, observed[k], rng)}
		}
	}
	return req
}

func marshalDeterministic(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestResponsesAreByteIdenticalWhateverTheInputOrder: for every example, on the first reconcile
// and on the later ones (with the simulated provider's observed resources), requests built with
// different map insertion orders, EnvironmentConfig orders and observed-resource orders get
// responses whose deterministic protobuf encodings are byte-identical.
func TestResponsesAreByteIdenticalWhateverTheInputOrder(t *testing.T) {
	const tries = 6
	for _, ex := range loadExampleRequests(t) {
		t.Run(ex.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(ex.name))))
			var observed map[string]map[string]any
			for round := range 4 {
				var want []byte
				var first *fnv1.RunFunctionResponse
				for try := range tries {
					rsp := run(t, shuffledRequest(t, ex.xr, ex.envs, observed, rng))
					for _, r := range rsp.GetResults() {
						if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
							t.Fatalf("round %d: Fatal: %s", round, r.GetMessage())
						}
					}
					got := marshalDeterministic(t, rsp)
					if try == 0 {
						want, first = got, rsp
						continue
					}
					if !bytes.Equal(want, got) {
						t.Fatalf("round %d, try %d: the response differs from the first one:\n%s", round, try,
							cmp.Diff(first, rsp, protocmp.Transform()))
					}
				}
				observed = simulateProviderObserved(first)
				t.Logf("round %d: %d desired resources, byte-identical over %d shuffled requests", round, len(observed), tries)
			}
			if len(observed) == 0 {
				t.Fatal("nothing composed")
			}
		})
	}
}

// TestFatalMessageIgnoresInputOrder: a request the function refuses gets the same Fatal
// response whatever the order of the EnvironmentConfigs that make it ambiguous and of the
// maps it carries.
func TestFatalMessageIgnoresInputOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	envs := []map[string]any{
		envConfig("stage-dev-a", "dev", map[string]any{"region": "eu-west-1", "tags": map[string]any{"a": "1", "b": "2"}}),
		envConfig("stage-dev-b", "dev", map[string]any{"region": "eu-west-2"}),
		envConfig("stage-dev-c", "dev", map[string]any{"tags": map[string]any{"z": "26", "y": "25"}}),
	}
	xr := xrObject(map[string]any{"tags": map[string]any{"team": "mcp", "cost-center": "4711", "owner": "x"}})
	var want []byte
	for try := range 8 {
		rsp := run(t, shuffledRequest(t, xr, envs, nil, rng))
		res := rsp.GetResults()
		if len(res) != 1 || res[0].GetSeverity() != fnv1.Severity_SEVERITY_FATAL || !strings.Contains(res[0].GetMessage(), "keep exactly one") {
			t.Fatalf("want one Fatal result about the ambiguous stage config, got %v", res)
		}
		got := marshalDeterministic(t, rsp)
		if try == 0 {
			want = got
			t.Logf("Fatal: %s", res[0].GetMessage())
			continue
		}
		if !bytes.Equal(want, got) {
			t.Fatalf("try %d: the Fatal response differs: %s", try, res[0].GetMessage())
		}
	}
}

// TestSetListsAreOrderIndependent: lists the XRD declares as sets or maps (listType set/map:
// routes, subnet and security group IDs, CORS origins/methods/headers, JWT audiences, secrets)
// carry no order, so reordering them must not change the response.
func TestSetListsAreOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	setLists := [][]string{
		{"spec", "api", "routes"},
		{"spec", "api", "auth", "jwt", "audiences"},
		{"spec", "api", "cors", "allowOrigins"},
		{"spec", "api", "cors", "allowMethods"},
		{"spec", "api", "cors", "allowHeaders"},
		{"spec", "network", "subnetIds"},
		{"spec", "network", "securityGroupIds"},
		{"spec", "monitoring", "alarmEmails"},
		{"spec", "secrets"},
	}
	reordered := 0
	for _, ex := range loadExampleRequests(t) {
		want := marshalDeterministic(t, run(t, shuffledRequest(t, ex.xr, ex.envs, nil, rng)))
		xr := deepCopyMap(t, ex.xr)
		changed := false
		for _, path := range setLists {
			l, ok := lookup(xr, path...).([]any)
			if !ok || len(l) < 2 {
				continue
			}
			for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
				l[i], l[j] = l[j], l[i]
			}
			changed = true
		}
		if !changed {
			continue
		}
		reordered++
		rsp := run(t, shuffledRequest(t, xr, ex.envs, nil, rng))
		if got := marshalDeterministic(t, rsp); !bytes.Equal(want, got) {
			t.Errorf("%s: reordering set-typed lists changed the response", ex.name)
		}
	}
	if reordered == 0 {
		t.Fatal("no example has a set-typed list with two or more items")
	}
}
