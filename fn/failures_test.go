package fn

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/spec3/lambdastack/internal/simprovider"
)

// accessDenied is the AWS SDK's error text for a create the provider's role may not do, with the
// request ID that differs on every call.
const accessDenied = "creating Lambda Function (team_dev_mcp): operation error Lambda: CreateFunction, " +
	"https response error StatusCode: 403, RequestID: 8a3f1c52-2b7e-4d8e-9a51-0c6e2f7d9b10, api error " +
	"AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/crossplane-provider/aws-go-sdk " +
	"is not authorized to perform: lambda:CreateFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:team_dev_mcp " +
	"because no identity-based policy allows the lambda:CreateFunction action"

// failingStack runs the dev example stack to convergence with the simulated provider, then lets
// fail(observed) break some resources, and runs the function once more.
func failingStack(t *testing.T, xr map[string]any, fail func(observed map[string]map[string]any)) *fnv1.RunFunctionResponse {
	t.Helper()
	rsp := run(t, newRequest(t, xr, []map[string]any{}, nil))
	for range 3 {
		rsp = run(t, newRequest(t, xr, []map[string]any{}, simulateProviderObserved(rsp)))
	}
	observed := simulateProviderObserved(rsp)
	fail(observed)
	return run(t, newRequest(t, xr, []map[string]any{}, observed))
}

func xrStatus(rsp *fnv1.RunFunctionResponse) map[string]any {
	st, _ := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
	return st
}

func TestShortMessageDropsRequestIDsAndBoundsLength(t *testing.T) {
	a := shortMessage("observe failed: " + accessDenied)
	b := shortMessage("observe failed: " + strings.Replace(accessDenied, "8a3f1c52-2b7e-4d8e-9a51-0c6e2f7d9b10", "0b1c2d3e-0000-4d8e-9a51-ffffffffffff", 1))
	if a != b {
		t.Errorf("messages differing only in the request ID shorten differently:\n%s\n%s", a, b)
	}
	if strings.Contains(a, "RequestID") || strings.Contains(a, "8a3f1c52") {
		t.Errorf("request ID kept: %s", a)
	}
	if !strings.HasPrefix(a, "observe failed: AccessDeniedException: User: arn:aws:sts::123456789012") {
		t.Errorf("want the operation and the AWS error first, got %s", a)
	}
	if n := utf8.RuneCountInString(a); n > maxFailureMessage || !strings.HasSuffix(a, "…") {
		t.Errorf("shortened to %d runes (max %d), ends %q", n, maxFailureMessage, a[len(a)-10:])
	}
	async := shortMessage("create failed: async create failed: failed to create the resource: [{0 " + accessDenied + "  []}]")
	if !strings.HasPrefix(async, "create failed: AccessDeniedException:") {
		t.Errorf("async create failure shortened to %s", async)
	}
	if got := shortMessage("  cannot   do\nthat  "); got != "cannot do that" {
		t.Errorf("whitespace not collapsed: %q", got)
	}
}

func TestStillCreatingIsNotAFailure(t *testing.T) {
	s := settingsFor(t, xrObject(nil), nil)
	_, out, _ := planByKey(t, s, nil)
	// Only the function is observed: references to parts not created yet cannot resolve, the
	// simulated provider reports that with Synced=False, as the real one does while creating.
	var only []composed
	for _, c := range out {
		if c.Key == KeyFunction {
			only = append(only, c)
		}
	}
	o := simulateObserved(only)
	if st, msg, _ := o.condition(KeyFunction, "Synced"); st != "False" || !strings.Contains(msg, "cannot resolve references") {
		t.Fatalf("setup: function Synced %s %q, want False for its unresolved references", st, msg)
	}
	r := mustPlan(t, s, o)
	if len(r.Status.Failures) != 0 {
		t.Errorf("unresolved references while creating reported as failures: %v", r.Status.Failures)
	}
	if !strings.HasPrefix(r.Status.Summary, "Creating (0/") {
		t.Errorf("summary %q, want Creating (0/n ready)", r.Status.Summary)
	}
	// Ready=False Creating without a message is the provider at work, not a failure.
	obj := o[resource.Name(KeyFunction)].Resource.Object
	obj["status"] = map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "False", "reason": "Creating"}}}
	if r := mustPlan(t, s, o); len(r.Status.Failures) != 0 {
		t.Errorf("Ready=False Creating reported as a failure: %v", r.Status.Failures)
	}
}

func TestFailingResourceIsNamedOnTheStack(t *testing.T) {
	rsp := failingStack(t, xrObject(nil), func(o map[string]map[string]any) {
		simprovider.Fail(o[KeyFunction], simprovider.OpCreate, 1, simprovider.Time, accessDenied)
	})
	cond := conditionOf(rsp, ConditionResourcesReady)
	if cond == nil || cond.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE {
		t.Fatalf("condition %s = %v, want False", ConditionResourcesReady, cond)
	}
	if cond.GetReason() != ReasonFailing {
		t.Errorf("reason %q once the function failed, want %q (not Creating)", cond.GetReason(), ReasonFailing)
	}
	if cond.GetTarget() != fnv1.Target_TARGET_COMPOSITE_AND_CLAIM {
		t.Errorf("condition target %v, want composite and claim", cond.GetTarget())
	}
	for _, want := range []string{"function (Function mcp--function)", "Synced=False ReconcileError", "create failed: AccessDeniedException", "lambda:CreateFunction"} {
		if !strings.Contains(cond.GetMessage(), want) {
			t.Errorf("condition message lacks %q:\n%s", want, cond.GetMessage())
		}
	}
	if strings.Contains(cond.GetMessage(), "RequestID") {
		t.Errorf("condition message keeps the request ID: %s", cond.GetMessage())
	}
	st := xrStatus(rsp)
	if st["summary"] != "Failing: function (Function)" {
		t.Errorf("status.summary %v", st["summary"])
	}
	failures, _ := st["failures"].([]any)
	if len(failures) != 1 {
		t.Fatalf("status.failures %v, want the function", failures)
	}
	f := failures[0].(map[string]any)
	if f["resource"] != KeyFunction || f["kind"] != "Function" || f["name"] != "mcp--function" || f["reason"] != "ReconcileError" || f["condition"] != "Synced" {
		t.Errorf("status.failures[0] %v", f)
	}
	// The same failure with another request ID gives the same answer (no condition churn).
	again := failingStack(t, xrObject(nil), func(o map[string]map[string]any) {
		simprovider.Fail(o[KeyFunction], simprovider.OpCreate, 1, simprovider.Time, strings.Replace(accessDenied, "8a3f1c52", "99999999", 1))
	})
	if conditionOf(again, ConditionResourcesReady).GetMessage() != cond.GetMessage() {
		t.Errorf("the condition changes with the request ID")
	}
}

func TestObserveFailureOfAReadyResource(t *testing.T) {
	rsp := failingStack(t, xrObject(nil), func(o map[string]map[string]any) {
		simprovider.Fail(o[KeyLogGroup], simprovider.OpObserve, 1, simprovider.Time,
			"reading CloudWatch Logs Log Group (/aws/lambda/team_dev_mcp): operation error CloudWatch Logs: DescribeLogGroups, https response error StatusCode: 400, RequestID: 1f2e3d4c-0000-1111-2222-333344445555, api error AccessDeniedException: not authorized to perform logs:DescribeLogGroups")
	})
	cond := conditionOf(rsp, ConditionResourcesReady)
	if cond.GetReason() != ReasonFailing || !strings.Contains(cond.GetMessage(), KeyLogGroup+" (Group ") ||
		!strings.Contains(cond.GetMessage(), "observe failed: AccessDeniedException: not authorized to perform logs:DescribeLogGroups") {
		t.Errorf("condition %v", cond)
	}
}

func TestManyFailuresAreCountedInTheCondition(t *testing.T) {
	var failed []string
	rsp := failingStack(t, xrObject(nil), func(o map[string]map[string]any) {
		for k, obj := range o {
			if !providerless(composed{Object: obj}) {
				simprovider.Fail(obj, simprovider.OpObserve, 1, simprovider.Time, "api error ThrottlingException: Rate exceeded")
				failed = append(failed, k)
			}
		}
	})
	if len(failed) <= maxFailuresInCondition {
		t.Fatalf("setup: only %d resources", len(failed))
	}
	msg := conditionOf(rsp, ConditionResourcesReady).GetMessage()
	if want := "and " + strconv.Itoa(len(failed)-maxFailuresInCondition) + " more (status.failures)"; !strings.HasSuffix(msg, want) {
		t.Errorf("message %q does not end with %q", msg, want)
	}
	if got := len(xrStatus(rsp)["failures"].([]any)); got != len(failed) {
		t.Errorf("status.failures has %d, want %d", got, len(failed))
	}
	if st := xrStatus(rsp)["summary"].(string); !strings.HasSuffix(st, "and "+strconv.Itoa(len(failed)-1)+" more") {
		t.Errorf("summary %q", st)
	}
}

func TestAvailableSummary(t *testing.T) {
	rsp := failingStack(t, xrObject(nil), func(map[string]map[string]any) {})
	if st := xrStatus(rsp); st["summary"] != "Available" || st["failures"] != nil {
		t.Errorf("converged stack: summary %v failures %v", st["summary"], st["failures"])
	}
}
