package fn

import (
	"bytes"
	"math/rand/v2"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

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
		rsp := wantFatalResponse(t, shuffledRequest(t, xr, envs, nil, rng), "keep exactly one")
		res := rsp.GetResults()
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
