package fn

import (
	"reflect"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

func TestPartsWaitForObservedValuesThenStay(t *testing.T) {
	s := settingsFor(t, fullXR("staging"), nil)
	first, out, pending := planByKey(t, s, nil)
	wantPending := []string{
		"alarm-api-5xx (waits for the id of api)",
		"alarm-api-latency (waits for the id of api)",
		"alarm-duration (waits for the ARN of alarm-topic)",
		"alarm-errors (waits for the ARN of alarm-topic)",
		"alarm-throttles (waits for the ARN of alarm-topic)",
		"api-permission (waits for the execution ARN of api)",
		"api-stage (waits for the ARN of api-log-group for access logs)",
		"dashboard (waits for the id of api for its API widgets)",
		"function (waits for SECRET_SIGNING_KEY_ARN: the ARN of secret-signing-key)",
	}
	if !reflect.DeepEqual(pending, wantPending) {
		t.Errorf("pending on the first reconcile:\n got %q\nwant %q", pending, wantPending)
	}
	for _, k := range []string{keyAPIStage, keyAPIPermission, keyAlarmErrors, keyAlarmAPI5xx} {
		if _, ok := first[k]; ok {
			t.Errorf("%s is composed before what it needs is observed", k)
		}
	}

	// One round of the simulated provider makes every value known.
	second, _, pending := planByKey(t, s, simulateObserved(out))
	if len(pending) != 0 {
		t.Errorf("still pending after one observed round: %q", pending)
	}
	for _, k := range []string{keyAPIStage, keyAPIPermission, keyAlarmErrors, keyAlarmThrottles, keyAlarmDuration, keyAlarmAPI5xx, keyAlarmAPILatency} {
		if _, ok := second[k]; !ok {
			t.Errorf("%s is not composed once its values are observed", k)
		}
	}
	for k := range first {
		if _, ok := second[k]; !ok {
			t.Errorf("%s was dropped", k)
		}
	}

	// The sources vanish (e.g. the API and the topic are being replaced, the role's ARN is not
	// reported): every part composed before stays, with the values it was composed with.
	full, o := converged(t, s)
	for _, key := range []string{keyAPI, KeyRole, KeyFunction, KeyLogGroup, keyAPILogGroup, keyAlarmTopic, keySecret + "signing-key"} {
		st := o[resource.Name(key)].Resource.Object["status"].(map[string]any)
		delete(st, "atProvider")
	}
	kept, _, pending := planByKey(t, s, o)
	if !reflect.DeepEqual(keysOf(kept), keysOf(full)) {
		t.Errorf("without the observed sources the stack changes:\n got %v\nwant %v", keysOf(kept), keysOf(full))
	}
	for _, k := range []string{keyAPIStage, keyAPIPermission, keyAlarmErrors, keyAlarmAPI5xx, KeyFunction} {
		if !reflect.DeepEqual(kept[k], full[k]) {
			t.Errorf("%s changed when its sources vanished:\n got %v\nwant %v", k, kept[k], full[k])
		}
	}
	// Only the dashboard's API widgets need the live API id.
	if len(pending) != 1 || !strings.HasPrefix(pending[0], keyDashboard) {
		t.Errorf("pending without the observed sources: %q", pending)
	}
}

func TestAccountComesFromTheFirstObservedARN(t *testing.T) {
	s := settingsFor(t, xrObject(nil), nil)
	cases := map[string]struct {
		at   map[string]map[string]any
		want string
	}{
		"nothing observed":      {want: ""},
		"role":                  {at: map[string]map[string]any{KeyRole: {"arn": "arn:aws:iam::111111111111:role/x"}}, want: "111111111111"},
		"function when no role": {at: map[string]map[string]any{KeyFunction: {"arn": "arn:aws:lambda:us-east-1:222222222222:function:x"}}, want: "222222222222"},
		"role wins": {at: map[string]map[string]any{
			KeyRole:     {"arn": "arn:aws:iam::111111111111:role/x"},
			KeyFunction: {"arn": "arn:aws:lambda:us-east-1:222222222222:function:x"},
		}, want: "111111111111"},
		"no account in the ARN": {at: map[string]map[string]any{KeyRole: {"arn": "arn:aws:iam:::role/x"}}, want: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := &builder{s: s, o: observedStack(t, s, tc.at, nil)}
			if got := b.account(); got != tc.want {
				t.Errorf("account() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestKeptReadsBothShapes(t *testing.T) {
	o := observedStack(t, nil, nil, map[string]map[string]any{
		"namespaced": {"accessLogSettings": map[string]any{"destinationArn": "a"}, "alarmActions": []any{"t1"}},
		"legacy":     {"accessLogSettings": []any{map[string]any{"destinationArn": "b"}}},
	})
	cases := []struct {
		key  string
		path []string
		want string
	}{
		{"namespaced", []string{"accessLogSettings", "destinationArn"}, "a"},
		{"legacy", []string{"accessLogSettings", "destinationArn"}, "b"},
		{"namespaced", []string{"alarmActions"}, "t1"},
		{"namespaced", []string{"missing", "x"}, ""},
		{"absent", []string{"accessLogSettings"}, ""},
	}
	for _, tc := range cases {
		if got := o.kept(tc.key, tc.path...); got != tc.want {
			t.Errorf("kept(%s, %v) = %q, want %q", tc.key, tc.path, got, tc.want)
		}
	}
}

// TestXRNotReadyWhilePartsWait: every desired resource Ready is not enough while parts wait for
// observed values (they are not desired yet, so Crossplane's own readiness would not see them).
func TestXRNotReadyWhilePartsWait(t *testing.T) {
	xr := fullXR("staging")
	rsp := run(t, newRequest(t, xr, []map[string]any{}, nil))
	// Report exactly the first reconcile's resources back as Ready, with no atProvider at all.
	observed := map[string]map[string]any{}
	for key, r := range rsp.GetDesired().GetResources() {
		observed[key] = readyObserved(r.GetResource().AsMap(), nil)
	}
	rsp = run(t, newRequest(t, xr, []map[string]any{}, observed))
	for key, r := range rsp.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_TRUE {
			t.Fatalf("%s is not reported ready although observed Ready", key)
		}
	}
	if got := rsp.GetDesired().GetComposite().GetReady(); got != fnv1.Ready_READY_FALSE {
		t.Errorf("composite ready = %v while parts wait, want READY_FALSE", got)
	}
	cond := conditionOf(rsp, ConditionResourcesReady)
	if cond == nil || cond.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || !strings.Contains(cond.GetMessage(), "api-permission (waits for the execution ARN of api)") {
		t.Errorf("condition %s = %v, want False naming the waiting permission", ConditionResourcesReady, cond)
	}

	// Once everything is composed and observed Ready, readiness is left to Crossplane.
	for range 3 {
		rsp = run(t, newRequest(t, xr, []map[string]any{}, simulateProviderObserved(rsp)))
	}
	if got := rsp.GetDesired().GetComposite().GetReady(); got != fnv1.Ready_READY_UNSPECIFIED {
		t.Errorf("composite ready = %v once nothing waits, want unspecified", got)
	}
	if cond := conditionOf(rsp, ConditionResourcesReady); cond == nil || cond.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE {
		t.Errorf("condition %s = %v once everything is ready, want True", ConditionResourcesReady, cond)
	}
}
