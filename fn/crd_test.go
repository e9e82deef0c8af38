package fn

import (
	"math/rand/v2"
	"testing"

	"github.com/spec3/lambdastack/test/schema"
)

// TestComposedResourcesMatchTheCRDs validates every composed resource of the full stack (every
// service on, both flavours, every stage) and of many random stacks, on the first reconcile and
// once the simulated provider reported values back, against provider-aws v2.5.0's CRDs (and
// Crossplane's for Usages) the way an API server would: unknown fields, types, required fields,
// CEL rules.
func TestComposedResourcesMatchTheCRDs(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles many CRD schemas")
	}
	var xrs []map[string]any
	for _, stage := range []string{"dev", "staging", "prod"} {
		xrs = append(xrs, fullXR(stage), legacyOf(fullXR(stage)))
	}
	rng := rand.New(rand.NewPCG(5, 9))
	for range 40 {
		xrs = append(xrs, randomStack(rng))
	}
	seen := map[string]bool{}
	for i, xr := range xrs {
		s := settingsFor(t, xr, nil)
		var o observedState
		for range 3 {
			r, err := plan(s, o)
			if err != nil {
				t.Fatal(err)
			}
			out := r.Resources
			for _, c := range out {
				seen[c.Object["apiVersion"].(string)+" "+c.Object["kind"].(string)] = true
				if err := schema.ValidateComposed(c.Object); err != nil {
					t.Errorf("stack %d, %s: %v", i, c.Key, err)
				}
			}
			o = simulateObserved(out)
		}
	}
	for _, want := range []string{
		"apigatewayv2.aws.m.upbound.io/v1beta1 Stage", "apigatewayv2.aws.upbound.io/v1beta1 Stage",
		"lambda.aws.m.upbound.io/v1beta1 Permission", "lambda.aws.upbound.io/v1beta1 Permission",
		"apigatewayv2.aws.upbound.io/v1beta1 Authorizer", "cloudwatch.aws.upbound.io/v1beta1 MetricAlarm",
		"sns.aws.upbound.io/v1beta1 TopicSubscription", "secretsmanager.aws.upbound.io/v1beta1 SecretVersion",
		"ec2.aws.upbound.io/v1beta1 SecurityGroupEgressRule", "iam.aws.upbound.io/v1beta1 RolePolicy",
		"cloudwatch.aws.m.upbound.io/v1beta1 Dashboard", "protection.crossplane.io/v1beta1 Usage",
	} {
		if !seen[want] {
			t.Errorf("no %s was validated", want)
		}
	}
}
