package fn

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestAsyncRefused(t *testing.T) {
	cases := map[string]refusal{
		"retries above 2":    {xr: xrObject(map[string]any{"async": map[string]any{"maximumRetryAttempts": 3}}), want: []string{"spec.async.maximumRetryAttempts: 3 is out of range 0-2"}},
		"event age below 60": {xr: xrObject(map[string]any{"async": map[string]any{"maximumEventAgeSeconds": 59}}), want: []string{"spec.async.maximumEventAgeSeconds: 59 is out of range 60-21600"}},
		"the stage's event age out of range": {xr: xrObject(map[string]any{"async": map[string]any{"failureQueue": true}}), envs: devEnvs(map[string]any{"async": map[string]any{"maximumEventAgeSeconds": 30000}}),
			want: []string{"EnvironmentConfig data.async.maximumEventAgeSeconds: 30000 is out of range 60-21600"}},
		"an ARN and the failure queue": {xr: xrObject(map[string]any{"async": map[string]any{"failureQueue": true, "onFailureArn": "arn:aws:sns:us-east-1:" + testAccount + ":failed"}}),
			want: []string{"spec.async.onFailureArn: replaces the failure queue"}},
		"not a destination ARN": {xr: xrObject(map[string]any{"async": map[string]any{"onFailureArn": "arn:aws:lambda:us-east-1:" + testAccount + ":function:x"}}),
			want: []string{`spec.async.onFailureArn: "arn:aws:lambda`}},
		"another team's account": {xr: xrObject(map[string]any{"async": map[string]any{"onFailureArn": "arn:aws:sqs:us-east-1:" + otherAccount + ":failed"}}), envs: devEnvs(map[string]any{"accountId": testAccount}),
			want: []string{"spec.async.onFailureArn: the SQS queue is in account " + otherAccount}},
		"a stage without an account": {xr: xrObject(map[string]any{"async": map[string]any{"onFailureArn": "arn:aws:events:us-east-1:" + testAccount + ":event-bus/ops"}}), envs: devEnvs(map[string]any{}),
			want: []string{"spec.async.onFailureArn: the EventBridge event bus arn:aws:events:us-east-1:" + testAccount + ":event-bus/ops cannot be granted"}},
	}
	wantRefusals(t, cases)
}

func TestAsyncInvokeConfig(t *testing.T) {
	t.Run("dev has none unless asked", func(t *testing.T) {
		m, _ := converged(t, settingsFor(t, xrObject(nil), nil))
		for _, k := range []string{keyAsyncConfig, keyFailureQueue, keyRoleAsync} {
			if _, ok := m[k]; ok {
				t.Errorf("%s composed on dev without spec.async", k)
			}
		}
		if p, _ := fp(m[keyRolePolicy], "policy").(string); strings.Contains(p, "SendFailedAsyncEvents") {
			t.Errorf("the role may send failed events on dev without spec.async: %s", p)
		}
	})

	t.Run("prod: a failure queue per region, on the live alias, with its alarm", func(t *testing.T) {
		xr := xrObject(map[string]any{"stage": "prod", "regions": []any{"us-east-1", "eu-west-1"}, "async": map[string]any{"maximumRetryAttempts": 0},
			"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "mcp/abc.zip"}}}})
		s := settingsFor(t, xr, envConfig("stage-prod", "prod", map[string]any{}))
		// the config names the alias without a reference: it waits until the alias exists
		first, _, pending := planByKey(t, s, nil)
		if _, ok := first[keyAsyncConfig]; ok {
			t.Errorf("%s composed before the alias exists", keyAsyncConfig)
		}
		if !slices.Contains(pending, keyAsyncConfig+" (waits for the ARN of "+keyAlias+")") {
			t.Errorf("pending = %v", pending)
		}
		m, _ := converged(t, s)
		for _, suffix := range []string{"", "-eu-west-1"} {
			c := m[keyAsyncConfig+suffix]
			if c == nil {
				t.Fatalf("no %s", keyAsyncConfig+suffix)
			}
			if fp(c, "qualifier") != aliasName || fp(c, "functionName") != "team_prod_mcp" || fp(c, "maximumRetryAttempts") != int64(0) {
				t.Errorf("%s = %v", keyAsyncConfig+suffix, fp(c))
			}
			if fp(c, "maximumEventAgeInSeconds") != nil {
				t.Errorf("maximumEventAgeInSeconds set although nobody asked for it")
			}
			dest := fp(c, "destinationConfig", "onFailure", "destinationRef")
			if !reflect.DeepEqual(dest, map[string]any{"name": "mcp--" + keyFailureQueue + suffix}) {
				t.Errorf("%s destination = %v", suffix, dest)
			}
			if fp(m[keyFailureQueue+suffix], "name") != "team_prod_mcp_async-failures" {
				t.Errorf("failure queue name = %v", fp(m[keyFailureQueue+suffix], "name"))
			}
			alarm := m[keyAlarmFailureQueue+suffix]
			if alarm == nil || fp(alarm, "metricName") != "ApproximateNumberOfMessagesVisible" ||
				!reflect.DeepEqual(fp(alarm, "dimensions"), map[string]any{"QueueName": "team_prod_mcp_async-failures"}) {
				t.Errorf("failure queue alarm %s = %v", suffix, alarm)
			}
		}
		got := grantOf(t, m, "SendFailedAsyncEvents")
		want := []statement{{Sid: "SendFailedAsyncEvents", Effect: "Allow", Action: []string{"sqs:SendMessage"}, Resource: []string{
			"arn:aws:sqs:eu-west-1:" + testAccount + ":team_prod_mcp_async-failures", "arn:aws:sqs:us-east-1:" + testAccount + ":team_prod_mcp_async-failures"}}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("async policy = %+v", got)
		}
	})

	for arn, action := range map[string]string{
		"arn:aws:sns:us-east-1:" + testAccount + ":failed":           "sns:Publish",
		"arn:aws:sqs:us-east-1:" + testAccount + ":failed":           "sqs:SendMessage",
		"arn:aws:events:us-east-1:" + testAccount + ":event-bus/ops": "events:PutEvents",
	} {
		t.Run("existing destination "+action, func(t *testing.T) {
			xr := xrObject(map[string]any{"stage": "prod", "async": map[string]any{"onFailureArn": arn}})
			m, _ := converged(t, settingsFor(t, xr, envConfig("stage-prod", "prod", map[string]any{"accountId": testAccount})))
			if _, ok := m[keyFailureQueue]; ok {
				t.Errorf("the failure queue is composed although onFailureArn replaces it")
			}
			if _, ok := m[keyAlarmFailureQueue]; ok {
				t.Errorf("a failure queue alarm without a failure queue")
			}
			if got := fp(m[keyAsyncConfig], "destinationConfig", "onFailure", "destination"); got != arn {
				t.Errorf("destination = %v", got)
			}
			want := []statement{{Sid: "SendFailedAsyncEvents", Effect: "Allow", Action: []string{action}, Resource: []string{arn}}}
			if got := grantOf(t, m, "SendFailedAsyncEvents"); !reflect.DeepEqual(got, want) {
				t.Errorf("policy = %+v", got)
			}
		})
	}
}

// Prod's dashboard shows the stack's queues; prod's alarms include the dead-letter queue's.
func TestQueueWidgetsAndAlarms(t *testing.T) {
	xr := xrObject(map[string]any{"stage": "prod", "triggers": map[string]any{"sqs": []any{map[string]any{"name": "jobs", "create": map[string]any{}}}}})
	m, _ := converged(t, settingsFor(t, xr, envConfig("stage-prod", "prod", map[string]any{})))
	var found bool
	for _, w := range allWidgets(t, m[keyDashboard]) {
		if w.Properties.Title != "SQS messages waiting" {
			continue
		}
		found = true
		var got []string
		for _, s := range w.Properties.Metrics {
			got = append(got, s[3].(string))
		}
		want := []string{"team_prod_mcp_async-failures", "team_prod_mcp_sqs-jobs", "team_prod_mcp_sqs-jobs-dlq"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("queues on the dashboard = %v, want %v", got, want)
		}
	}
	if !found {
		t.Errorf("no queue widget on the dashboard")
	}
	// the created trigger queue's dead-letter queue has an alarm on its depth too
	alarm := m["alarm-queue-jobs-dlq"]
	if alarm == nil || fp(alarm, "namespace") != "AWS/SQS" || !reflect.DeepEqual(fp(alarm, "dimensions"), map[string]any{"QueueName": "team_prod_mcp_sqs-jobs-dlq"}) {
		t.Errorf("dead-letter queue alarm = %v", alarm)
	}
}
