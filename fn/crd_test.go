package fn

import (
	"math/rand/v2"
	"testing"

	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/spec3/lambdastack/internal/kinds"
	"github.com/spec3/lambdastack/test/schema"
)

// TestComposedResourcesMatchTheCRDs validates every composed resource of the full stack (every
// service on, both flavours, every stage), of stacks with every optional part (custom domain,
// budget, app metrics, Lambda authorizer, central logs) and of many random stacks, on the first
// reconcile and once the simulated provider reported values back, against provider-aws v2.5.0's
// CRDs (and Crossplane's for Usages) the way an API server would: unknown fields, types, required
// fields, CEL rules. Every kind composed must be in the registry (internal/kinds), and every kind
// of the registry must have been validated in each flavour that composes it.
func TestComposedResourcesMatchTheCRDs(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles many CRD schemas")
	}
	type stack struct {
		xr  map[string]any
		env map[string]any
	}
	var stacks []stack
	for _, stage := range []string{"dev", "staging", "prod"} {
		stacks = append(stacks, stack{xr: fullXR(stage)}, stack{xr: legacyOf(fullXR(stage))})
	}
	everyPart := map[string]any{
		"stage":    "prod",
		"regions":  []any{"us-east-1", "eu-west-1"},
		"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "mcp/abc.zip"}}},
		"api": map[string]any{
			"auth":   map[string]any{"type": "lambda", "lambda": map[string]any{"functionArn": "arn:aws:lambda:{region}:" + testAccount + ":function:authorizer"}},
			"domain": map[string]any{"hostname": testHostname, "latencyRouting": true},
		},
		"monitoring": map[string]any{"metrics": []any{ordersMetric(true)}},
		"budget":     map[string]any{"monthlyLimitUSD": 100, "emails": []any{"finance@example.com"}},
		"release":    map[string]any{"provisionedConcurrency": 1},
		"triggers": map[string]any{
			"sqs":       []any{map[string]any{"name": "orders", "create": map[string]any{}}},
			"schedules": []any{map[string]any{"name": "tick", "expression": "rate(5 minutes)"}},
		},
	}
	env := domainEnv(nil)
	env["data"].(map[string]any)["centralLogs"] = map[string]any{"destinationArns": []any{
		"arn:aws:kinesis:us-east-1:" + testAccount + ":stream/central-logs", "arn:aws:logs:eu-west-1:" + testAccount + ":destination:central",
	}}
	// AWS's basic execution policy attached where the stage opts in (managedLogPolicy)
	env["data"].(map[string]any)["managedLogPolicy"] = true
	stacks = append(stacks, stack{xrObject(everyPart), env}, stack{legacyXR(everyPart), env})
	rng := rand.New(rand.NewPCG(5, 9))
	for range 40 {
		stacks = append(stacks, stack{xr: randomStack(rng)})
	}
	seen := map[string]bool{}
	for i, st := range stacks {
		s := settingsFor(t, st.xr, st.env)
		var o observedState
		for range 6 {
			r, err := plan(s, o)
			if err != nil {
				t.Fatal(err)
			}
			out := r.Resources
			for _, c := range out {
				apiVersion, kind := c.Object["apiVersion"].(string), c.Object["kind"].(string)
				gv, err := k8sschema.ParseGroupVersion(apiVersion)
				if err != nil {
					t.Fatalf("%s: %v", c.Key, err)
				}
				if _, ok := kinds.Lookup(gv.Group, kind); !ok {
					t.Errorf("stack %d, %s: %s %s is not in the registry of kinds (internal/kinds)", i, c.Key, apiVersion, kind)
				}
				seen[apiVersion+" "+kind] = true
				if err := schema.ValidateComposed(c.Object); err != nil {
					t.Errorf("stack %d, %s: %v", i, c.Key, err)
				}
			}
			o = simulateObserved(out)
		}
	}
	// the SecurityGroupEgressRule of earlier releases, kept (created in AWS) or made observe-only
	// (fn/network.go)
	net := map[string]any{"network": map[string]any{"subnetIds": []any{"subnet-0b1c2d3e4f5a60719"}, "vpcId": "vpc-0e1f2a3b4c5d60712"}}
	for _, xr := range []map[string]any{xrObject(net), legacyXR(net)} {
		s := settingsFor(t, xr, nil)
		for _, created := range []bool{true, false} {
			for _, c := range mustPlan(t, s, egressV1Observed(t, s, created, nil)).Resources {
				if err := schema.ValidateComposed(c.Object); err != nil {
					t.Errorf("upgrade (created in AWS: %v), %s: %v", created, c.Key, err)
				}
				seen[c.Object["apiVersion"].(string)+" "+c.Object["kind"].(string)] = true
			}
		}
	}
	for _, k := range kinds.All {
		for _, namespaced := range []bool{true, false} {
			if !k.Composed(namespaced) {
				continue
			}
			if want := k.APIVersion(namespaced) + " " + k.Kind; !seen[want] {
				t.Errorf("no %s was validated", want)
			}
		}
	}
}
