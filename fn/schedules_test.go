package fn

import (
	"encoding/json"
	"reflect"
	"testing"
)

func scheduleXR(stage string, schedules ...any) map[string]any {
	return xrObject(map[string]any{"stage": stage, "triggers": map[string]any{"schedules": schedules}})
}

func TestSchedulesRefused(t *testing.T) {
	cases := map[string]refusal{
		"neither rate nor cron":       {xr: scheduleXR("dev", map[string]any{"name": "a", "expression": "every 5 minutes"}), want: []string{`spec.triggers.schedules[0].expression: "every 5 minutes" is not rate(`}},
		"a plural unit for 1":         {xr: scheduleXR("dev", map[string]any{"name": "a", "expression": "rate(1 minutes)"}), want: []string{"must use the singular unit for 1, e.g. rate(1 minute)"}},
		"a singular unit for 5":       {xr: scheduleXR("dev", map[string]any{"name": "a", "expression": "rate(5 hour)"}), want: []string{"must use the plural unit, e.g. rate(5 hours)"}},
		"a zero rate":                 {xr: scheduleXR("dev", map[string]any{"name": "a", "expression": "rate(0 minutes)"}), want: []string{"is not rate("}},
		"cron with 5 fields":          {xr: scheduleXR("dev", map[string]any{"name": "a", "expression": "cron(0 3 * * *)"}), want: []string{"has 5 fields; cron takes 6"}},
		"cron without ?":              {xr: scheduleXR("dev", map[string]any{"name": "a", "expression": "cron(0 3 * * MON *)"}), want: []string{"must have ? in exactly one of day-of-month and day-of-week"}},
		"cron with a bad field":       {xr: scheduleXR("dev", map[string]any{"name": "a", "expression": "cron(0 3 ? * MON; *)"}), want: []string{`has an invalid field "MON;"`}},
		"an unknown time zone":        {xr: scheduleXR("dev", map[string]any{"name": "a", "expression": "rate(1 day)", "timeZone": "Mars/Olympus"}), want: []string{`spec.triggers.schedules[0].timeZone: "Mars/Olympus" is not an IANA time zone`}},
		"a payload that is no object": {xr: scheduleXR("dev", map[string]any{"name": "a", "expression": "rate(1 day)", "payload": []any{1, 2}}), want: []string{"spec.triggers.schedules[0].payload: must be a JSON object"}},
		"a name with --":              {xr: scheduleXR("dev", map[string]any{"name": "a--b", "expression": "rate(1 day)"}), want: []string{`spec.triggers.schedules[0].name: "a--b" must be`}},
	}
	wantRefusals(t, cases)
	t.Run("a name twice", func(t *testing.T) {
		s := map[string]any{"name": "a", "expression": "rate(1 day)"}
		wantFatal(t, newRequest(t, scheduleXR("dev", s, s), []map[string]any{}, nil), `spec.triggers.schedules[1].name: "a" is used twice`)
	})
}

func TestSchedules(t *testing.T) {
	nightly := map[string]any{"name": "nightly", "expression": "cron(0 3 ? * MON-FRI *)", "timeZone": "Europe/Berlin",
		"payload": map[string]any{"job": "cleanup", "batch": map[string]any{"z": 1, "a": 2}}}
	often := map[string]any{"name": "often", "expression": "rate(5 minutes)", "enabled": false}

	t.Run("dev invokes $LATEST", func(t *testing.T) {
		s := settingsFor(t, scheduleXR("dev", nightly, often), nil)
		first, _, pending := planByKey(t, s, nil)
		for _, k := range []string{keySchedulerRole, "schedule-nightly"} {
			if _, ok := first[k]; ok {
				t.Errorf("%s composed before the account is known", k)
			}
		}
		if len(pending) == 0 {
			t.Errorf("nothing waits on the first reconcile")
		}
		m, _ := converged(t, s)
		fnARN := "arn:aws:lambda:us-east-1:" + testAccount + ":function:team_dev_mcp"
		sc := m["schedule-nightly"]
		if fp(sc, "name") != "team_dev_mcp_schedule-nightly" || fp(sc, "scheduleExpression") != "cron(0 3 ? * MON-FRI *)" ||
			fp(sc, "scheduleExpressionTimezone") != "Europe/Berlin" || fp(sc, "state") != "ENABLED" {
			t.Errorf("schedule = %v", fp(sc))
		}
		if got := fp(sc, "target", "arn"); got != fnARN {
			t.Errorf("target = %v, want %s", got, fnARN)
		}
		if got := fp(sc, "target", "input"); got != `{"batch":{"a":2,"z":1},"job":"cleanup"}` {
			t.Errorf("input = %v", got)
		}
		if got := fp(sc, "target", "roleArnRef"); !reflect.DeepEqual(got, map[string]any{"name": "mcp--" + keySchedulerRole}) {
			t.Errorf("roleArnRef = %v", got)
		}
		if fp(m["schedule-often"], "state") != "DISABLED" || fp(m["schedule-often"], "scheduleExpressionTimezone") != "UTC" ||
			fp(m["schedule-often"], "target", "input") != "{}" {
			t.Errorf("paused schedule = %v", fp(m["schedule-often"]))
		}

		var trust policyDocument
		if err := json.Unmarshal([]byte(fp(m[keySchedulerRole], "assumeRolePolicy").(string)), &trust); err != nil {
			t.Fatal(err)
		}
		wantTrust := []statement{{Effect: "Allow", Principal: map[string]any{"Service": "scheduler.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
			Condition: map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": testAccount}}}}
		if !reflect.DeepEqual(trust.Statement, wantTrust) {
			t.Errorf("trust = %+v", trust.Statement)
		}
		want := []statement{{Sid: "InvokeStackFunction", Effect: "Allow", Action: []string{"lambda:InvokeFunction"}, Resource: []string{fnARN}}}
		if got := policyOf(t, m[keySchedulerPolicy]).Statement; !reflect.DeepEqual(got, want) {
			t.Errorf("scheduler policy = %+v", got)
		}
		if !reflect.DeepEqual(fp(m[keySchedulerPolicy], "roleRef"), map[string]any{"name": "mcp--" + keySchedulerRole}) {
			t.Errorf("the invoke policy is not on the scheduler's role")
		}
	})

	t.Run("staging invokes only the live alias", func(t *testing.T) {
		m, _ := converged(t, settingsFor(t, scheduleXR("staging", often), nil))
		alias := "arn:aws:lambda:us-east-1:" + testAccount + ":function:team_staging_mcp:live"
		if got := fp(m["schedule-often"], "target", "arn"); got != alias {
			t.Errorf("target = %v, want %s", got, alias)
		}
		if got := policyOf(t, m[keySchedulerPolicy]).Statement[0].Resource; !reflect.DeepEqual(got, []string{alias}) {
			t.Errorf("scheduler may invoke %v", got)
		}
	})
}

func TestExpressionProblem(t *testing.T) {
	for _, ok := range []string{"rate(1 minute)", "rate(2 minutes)", "rate(1 day)", "rate(12 hours)", "cron(0 12 * * ? *)", "cron(15 10 ? * 6L 2026-2030)", "cron(0/5 8-17 ? * MON-FRI *)"} {
		if p := expressionProblem(ok); p != "" {
			t.Errorf("%s: %s", ok, p)
		}
	}
}
