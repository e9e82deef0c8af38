package fn

import (
	"math/rand/v2"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// TestLaterReconcileFailureIsFatalAndKeepsEverything: an existing stack (every resource
// observed, as the simulated provider reports it) whose request turns bad, or whose stage
// config turns malformed, gets a Fatal result naming the problem, and the response's desired
// state is exactly the request's: the function neither drops resources (which Crossplane would
// then delete) nor emits a partial stack. Crossplane stops the reconcile on a Fatal result
// without applying or deleting anything (shown at the render level by
// test/render TestLaterReconcileFailureDeletesNothing).
func TestLaterReconcileFailureIsFatalAndKeepsEverything(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	byName := map[string]exampleRequest{}
	for _, ex := range loadExampleRequests(t) {
		byName[ex.name] = ex
	}
	spec := func(xr map[string]any) map[string]any { return xr["spec"].(map[string]any) }
	cases := map[string]struct {
		example string
		mutate  func(xr map[string]any, envs []map[string]any) []map[string]any
		want    string
	}{
		"code source removed": {example: "dev", want: "spec.function.code", mutate: func(xr map[string]any, envs []map[string]any) []map[string]any {
			spec(xr)["function"].(map[string]any)["code"] = map[string]any{}
			return envs
		}},
		"both code sources": {example: "prod", want: "both s3 and imageUri", mutate: func(xr map[string]any, envs []map[string]any) []map[string]any {
			spec(xr)["function"].(map[string]any)["code"].(map[string]any)["imageUri"] = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/x:1"
			return envs
		}},
		"aws: tag added": {example: "staging", want: "spec.tags", mutate: func(xr map[string]any, envs []map[string]any) []map[string]any {
			spec(xr)["tags"].(map[string]any)["aws:owner"] = "x"
			return envs
		}},
		"stage config gains a typo": {example: "prod", want: `unknown field "regoin"`, mutate: func(_ map[string]any, envs []map[string]any) []map[string]any {
			envs[0]["data"].(map[string]any)["regoin"] = "eu-west-1"
			return envs
		}},
		"stage config data is not an object": {example: "qa", want: "EnvironmentConfig", mutate: func(_ map[string]any, envs []map[string]any) []map[string]any {
			envs[0]["data"] = "region: eu-west-1"
			return envs
		}},
		"a second stage config appears": {example: "prod", want: "keep exactly one", mutate: func(_ map[string]any, envs []map[string]any) []map[string]any {
			return append(envs, envConfig("stage-prod-copy", "prod", map[string]any{"region": "eu-west-1"}))
		}},
		"region outside the allowed ones": {example: "prod", want: "not allowed for stage prod", mutate: func(xr map[string]any, envs []map[string]any) []map[string]any {
			spec(xr)["region"] = "us-west-2"
			return envs
		}},
		"legacy secret from another namespace": {example: "legacy-claim", want: "a claim reads Kubernetes Secrets only from its own namespace team-mcp-dev", mutate: func(xr map[string]any, envs []map[string]any) []map[string]any {
			spec(xr)["secrets"] = []any{map[string]any{"name": "db", "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "aws-credentials", "key": "credentials", "namespace": "crossplane-system"}}}}}
			return envs
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ex := byName[tc.example]
			// Bring the stack up: reconcile until the function composes nothing new.
			var observed map[string]map[string]any
			for range 4 {
				rsp := run(t, shuffledRequest(t, ex.xr, ex.envs, observed, rng))
				if res := rsp.GetResults(); len(res) > 0 && res[0].GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
					t.Fatalf("the good request fails: %s", res[0].GetMessage())
				}
				observed = simulateProviderObserved(rsp)
			}
			xr := deepCopyMap(t, ex.xr)
			envs := make([]map[string]any, 0, len(ex.envs))
			for _, e := range ex.envs {
				envs = append(envs, deepCopyMap(t, e))
			}
			envs = tc.mutate(xr, envs)

			for _, prior := range []string{"no prior desired state", "a prior pipeline step's desired state"} {
				req := shuffledRequest(t, xr, envs, observed, rng)
				if prior != "no prior desired state" {
					// What an earlier function in the pipeline may have put in the desired state.
					req.Desired = &fnv1.State{
						Composite: &fnv1.Resource{Resource: mustStruct(t, map[string]any{"status": map[string]any{"note": "from step 1"}})},
						Resources: map[string]*fnv1.Resource{KeyFunction: {Resource: req.GetObserved().GetResources()[KeyFunction].GetResource()}},
					}
				}
				msg := wantFatal(t, req, tc.want) // with a prior desired state too: it comes back untouched
				if prior == "no prior desired state" {
					t.Logf("%d observed resources; Fatal: %s", len(observed), msg)
				}
			}
		})
	}
}
