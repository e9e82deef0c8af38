package fn

import (
	"reflect"
	"testing"
)

func TestBudgetRefusals(t *testing.T) {
	cases := map[string]refusal{
		"a budget without a limit": {
			xr:   xrObject(map[string]any{"budget": map[string]any{"emails": []any{"owner@example.com"}}}),
			want: []string{"spec.budget.monthlyLimitUSD", "needs a monthly limit", "data.budget.monthlyLimitUSD"},
		},
		"enabled without a limit": {
			xr:   xrObject(map[string]any{"budget": map[string]any{"enabled": true}}),
			want: []string{"spec.budget.monthlyLimitUSD"},
		},
		"a limit but nobody to notify": {
			xr:   xrObject(map[string]any{"budget": map[string]any{"monthlyLimitUSD": int64(20)}}),
			want: []string{"spec.budget.emails", "20 USD a month has nobody to notify"},
		},
		"the stage's limit but nobody to notify": {
			xr:   xrObject(nil),
			envs: []map[string]any{envConfig("stage-dev", "dev", map[string]any{"budget": map[string]any{"monthlyLimitUSD": int64(10)}})},
			want: []string{"spec.budget.emails"},
		},
		"the stage's limit out of range": {
			xr:   xrObject(map[string]any{"budget": map[string]any{"emails": []any{"owner@example.com"}}}),
			envs: []map[string]any{envConfig("stage-dev", "dev", map[string]any{"budget": map[string]any{"monthlyLimitUSD": int64(-5)}})},
			want: []string{"EnvironmentConfig data.budget.monthlyLimitUSD: -5 is out of range 1-1000000"},
		},
		// rule 11 of docs/tenancy.md: the stage's budget is a ceiling (issue 22's attacks)
		"the request switches the stage's budget off": {
			xr:   xrObject(map[string]any{"budget": map[string]any{"enabled": false}}),
			envs: devEnvs(map[string]any{"budget": map[string]any{"monthlyLimitUSD": int64(50), "emails": []any{"ops@example.com"}}}),
			want: []string{"spec.budget.enabled: false switches off the stage's budget of 50 USD a month", "which a request cannot"},
		},
		"the request raises the stage's budget": {
			xr:   xrObject(map[string]any{"budget": map[string]any{"monthlyLimitUSD": int64(1000000)}}),
			envs: devEnvs(map[string]any{"budget": map[string]any{"monthlyLimitUSD": int64(50), "emails": []any{"ops@example.com"}}}),
			want: []string{"spec.budget.monthlyLimitUSD: 1000000 is above the stage's budget of 50 USD a month (EnvironmentConfig data.budget.monthlyLimitUSD)"},
		},
		"not an email": {
			xr:   xrObject(map[string]any{"budget": map[string]any{"monthlyLimitUSD": int64(20), "emails": []any{"nobody"}}}),
			want: []string{"spec.budget.emails", `"nobody" is not an email address`},
		},
	}
	wantRefusals(t, cases)
}

func TestBudget(t *testing.T) {
	stageLimit := func(data map[string]any) []map[string]any {
		return []map[string]any{envConfig("stage-staging", "staging", data)}
	}
	cases := map[string]struct {
		xr         map[string]any
		envs       []map[string]any
		none       bool
		wantLimit  string
		wantTopic  string
		wantEmails []any
	}{
		"no limit anywhere: no budget": {xr: xrObject(map[string]any{"stage": "staging"}), none: true},
		"the stage's limit and topic": {
			xr:        xrObject(map[string]any{"stage": "staging"}),
			envs:      stageLimit(map[string]any{"budget": map[string]any{"monthlyLimitUSD": int64(50)}, "monitoring": map[string]any{"alarmTopicArn": opsTopic}}),
			wantLimit: "50.0", wantTopic: opsTopic,
		},
		"the request's lower limit under the stage's, the request's emails over the topic": {
			xr:        xrObject(map[string]any{"stage": "staging", "budget": map[string]any{"monthlyLimitUSD": int64(35), "emails": []any{"b@example.com", "a@example.com"}}}),
			envs:      stageLimit(map[string]any{"budget": map[string]any{"monthlyLimitUSD": int64(50)}, "monitoring": map[string]any{"alarmTopicArn": opsTopic}}),
			wantLimit: "35.0", wantEmails: []any{"a@example.com", "b@example.com"},
		},
		"alarm emails when the stack creates its topic": {
			xr:        xrObject(map[string]any{"stage": "staging", "monitoring": map[string]any{"alarmEmails": []any{"ops@example.com"}}, "budget": map[string]any{"monthlyLimitUSD": int64(30)}}),
			wantLimit: "30.0", wantEmails: []any{"ops@example.com"},
		},
		"turned off by the request where the stage has none": {
			xr:   xrObject(map[string]any{"stage": "staging", "budget": map[string]any{"enabled": false, "monthlyLimitUSD": int64(20)}}),
			none: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := wantComposed(t, newRequest(t, tc.xr, orNoEnvs(tc.envs), nil))
			b, ok := m[keyBudget]
			if tc.none {
				if ok {
					t.Fatalf("budget composed: %v", b)
				}
				return
			}
			if !ok {
				t.Fatalf("no budget among %v", keysOf(m))
			}
			if b["apiVersion"] != "budgets.aws.m.upbound.io/v1beta1" || b["kind"] != "Budget" {
				t.Errorf("budget is %v %v", b["apiVersion"], b["kind"])
			}
			if name := lookup(b, "metadata", "annotations", annotationExternalName); name != "team_staging_mcp_budget" {
				t.Errorf("budget name %v", name)
			}
			p := lookup(b, "spec", "forProvider").(map[string]any)
			if p["limitAmount"] != tc.wantLimit || p["limitUnit"] != "USD" || p["timeUnit"] != "MONTHLY" || p["budgetType"] != "COST" {
				t.Errorf("budget %v", p)
			}
			if _, ok := p["region"]; ok {
				t.Errorf("AWS Budgets is global; region %v set", p["region"])
			}
			wantFilter := []any{map[string]any{"name": "TagKeyValue", "values": []any{"user:lambdastack:composite$LambdaStack/team/mcp"}}}
			if !reflect.DeepEqual(p["costFilter"], wantFilter) {
				t.Errorf("costFilter %v, want %v", p["costFilter"], wantFilter)
			}
			if tag := lookup(b, "spec", "forProvider", "tags", tagComposite); tag != "LambdaStack/team/mcp" {
				t.Errorf("the budget filters on %s=LambdaStack/team/mcp but the stack tags %v", tagComposite, tag)
			}
			notes := p["notification"].([]any)
			if len(notes) != 2 {
				t.Fatalf("notifications %v", notes)
			}
			for i, want := range []struct {
				kind      string
				threshold any
			}{{"FORECASTED", 80}, {"ACTUAL", 100}} {
				n := notes[i].(map[string]any)
				if n["notificationType"] != want.kind || n["threshold"] != float64(want.threshold.(int)) && n["threshold"] != want.threshold ||
					n["thresholdType"] != "PERCENTAGE" || n["comparisonOperator"] != "GREATER_THAN" {
					t.Errorf("notification %d %v", i, n)
				}
				if tc.wantTopic != "" && !reflect.DeepEqual(n["subscriberSnsTopicArns"], []any{tc.wantTopic}) {
					t.Errorf("notification %d topics %v, want %s", i, n["subscriberSnsTopicArns"], tc.wantTopic)
				}
				if tc.wantEmails != nil && !reflect.DeepEqual(n["subscriberEmailAddresses"], tc.wantEmails) {
					t.Errorf("notification %d emails %v, want %v", i, n["subscriberEmailAddresses"], tc.wantEmails)
				}
			}
		})
	}
}
