package render_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/spec3/lambdastack/fn"
	"github.com/spec3/lambdastack/internal/simprovider"
	"github.com/spec3/lambdastack/test/schema"
)

// TestFailingResourceShowsOnTheXR brings the dev and the legacy-claim examples up with the
// simulated provider, then lets the simulated provider report that AWS refused to create the
// function (upjet's conditions, an AccessDeniedException with a request ID). Rendered through the
// Crossplane render engine, the XR's ResourcesReady condition is False with reason
// ResourceFailing and names the part, its kind and the AWS error; status.failures and
// status.summary say the same and validate against the XRD (Crossplane keeps only declared
// status fields).
func TestFailingResourceShowsOnTheXR(t *testing.T) {
	addr := startFunction(t)
	const awsError = "creating Lambda Function: operation error Lambda: CreateFunction, https response error StatusCode: 403, " +
		"RequestID: 0c9d7a1e-5f3b-4c2a-8e6d-1b2a3c4d5e6f, api error AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/provider " +
		"is not authorized to perform: lambda:CreateFunction"
	for _, request := range []string{"examples/dev.yaml", "examples/legacy-claim.yaml"} {
		t.Run(request, func(t *testing.T) {
			_, observed := renderSettled(t, addr, request)
			failed := ""
			for i := range observed {
				if observed[i].GetAnnotations()[simprovider.AnnotationCompositionResourceName] == fn.KeyFunction {
					simprovider.Fail(observed[i].Object, simprovider.OpCreate, 1, simprovider.Time, awsError)
					failed = observed[i].GetName()
				}
			}
			if failed == "" {
				t.Fatal("no function among the composed resources")
			}
			out := Render(t, addr, request, observed)
			xr := out.CompositeResource.Object
			var cond map[string]any
			conds, _, _ := unstructured.NestedSlice(xr, "status", "conditions")
			for _, c := range conds {
				if m := c.(map[string]any); m["type"] == fn.ConditionResourcesReady {
					cond = m
				}
			}
			if cond == nil || cond["status"] != "False" || cond["reason"] != fn.ReasonFailing {
				t.Fatalf("condition %s = %v, want False %s", fn.ConditionResourcesReady, cond, fn.ReasonFailing)
			}
			msg, _ := cond["message"].(string)
			for _, want := range []string{"function (Function " + failed + ")", "AccessDeniedException", "lambda:CreateFunction"} {
				if !strings.Contains(msg, want) {
					t.Errorf("condition message lacks %q: %s", want, msg)
				}
			}
			if strings.Contains(msg, "0c9d7a1e") {
				t.Errorf("request ID in the condition: %s", msg)
			}
			if got, _, _ := unstructured.NestedString(xr, "status", "summary"); got != "Failing: function (Function)" {
				t.Errorf("status.summary %q", got)
			}
			if condition(xr, "Ready") == "True" {
				t.Error("XR Ready with a failing function")
			}
			t.Logf("%s: %s", fn.ConditionResourcesReady, msg)
			xrd := readXRD(t, strings.Contains(request, "claim"))
			if err := schema.ValidateAgainstXRD(xrd, storedXR(t, ReadRequest(t, request), xr)); err != nil {
				t.Errorf("XR with status.failures: %v", err)
			}
		})
	}
}
