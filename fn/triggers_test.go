package fn

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/spec3/lambdastack/test/schema"
)

func sqsXR(stage string, sqs ...any) map[string]any {
	return xrObject(map[string]any{"stage": stage, "triggers": map[string]any{"sqs": sqs}})
}

func TestSQSTriggersRefused(t *testing.T) {
	existing := "arn:aws:sqs:us-east-1:" + testAccount + ":orders"
	created := map[string]any{"name": "jobs", "create": map[string]any{}}
	cases := map[string]refusal{
		"neither queueArn nor create": {xr: sqsXR("dev", map[string]any{"name": "jobs"}),
			want: []string{"spec.triggers.sqs[0]: needs queueArn (an existing queue) or create"}},
		"both queueArn and create": {xr: sqsXR("dev", map[string]any{"name": "jobs", "queueArn": existing, "create": map[string]any{}}),
			want: []string{"spec.triggers.sqs[0]: give queueArn or create, not both"}},
		"not a queue ARN": {xr: sqsXR("dev", map[string]any{"name": "jobs", "queueArn": "arn:aws:sns:us-east-1:" + testAccount + ":t"}),
			want: []string{`spec.triggers.sqs[0].queueArn: "arn:aws:sns`}},
		"a name ending in -dlq": {xr: sqsXR("dev", map[string]any{"name": "jobs-dlq", "create": map[string]any{}}),
			want: []string{`spec.triggers.sqs[0].name: "jobs-dlq" must be`}},
		"a name twice": {xr: sqsXR("dev", created, created), want: []string{`spec.triggers.sqs[1].name: "jobs" is used twice`}},
		"a queue of another region": {xr: sqsXR("dev", map[string]any{"name": "jobs", "queueArn": "arn:aws:sqs:eu-west-1:" + testAccount + ":orders"}),
			want: []string{"spec.triggers.sqs[0].queueArn: the queue is in eu-west-1; an event source mapping reads only queues of the function's region us-east-1"}},
		"another team's account": {xr: sqsXR("dev", map[string]any{"name": "jobs", "queueArn": "arn:aws:sqs:us-east-1:" + otherAccount + ":orders"}),
			envs: devEnvs(map[string]any{"accountId": testAccount}),
			want: []string{"spec.triggers.sqs[0].queueArn: the SQS queue is in account " + otherAccount + ", not in stage dev's account " + testAccount}},
		"a stage without an account": {xr: sqsXR("dev", map[string]any{"name": "jobs", "queueArn": existing}), envs: devEnvs(map[string]any{}),
			want: []string{"spec.triggers.sqs[0].queueArn: the SQS queue " + existing + " cannot be granted"}},
		"existing queues not allowed by the stage": {xr: sqsXR("dev", map[string]any{"name": "jobs", "queueArn": existing}),
			envs: devEnvs(map[string]any{"accountId": testAccount, "triggers": map[string]any{"allowExistingQueues": false}}),
			want: []string{"spec.triggers.sqs[0].queueArn: stage dev allows only queues the stack creates"}},
		"a batch above the stage's maximum": {xr: sqsXR("dev", map[string]any{"name": "jobs", "create": map[string]any{}, "batchSize": 100, "maximumBatchingWindowSeconds": 5}),
			envs: devEnvs(map[string]any{"triggers": map[string]any{"maxBatchSize": 50}}), want: []string{"spec.triggers.sqs[0].batchSize: 100 is above the stage's maximum 50"}},
		"a batch above 10 without a window": {xr: sqsXR("dev", map[string]any{"name": "jobs", "create": map[string]any{}, "batchSize": 11}),
			want: []string{"spec.triggers.sqs[0].batchSize: 11 needs maximumBatchingWindowSeconds of at least 1"}},
		"a FIFO queue batch above 10": {xr: sqsXR("dev", map[string]any{"name": "jobs", "queueArn": existing + ".fifo", "batchSize": 20, "maximumBatchingWindowSeconds": 1}),
			want: []string{"spec.triggers.sqs[0].batchSize: 20: a FIFO queue delivers at most 10"}},
		"a visibility timeout below the function timeout": {xr: sqsXR("dev", map[string]any{"name": "jobs", "create": map[string]any{"visibilityTimeoutSeconds": 10}}),
			want: []string{"spec.triggers.sqs[0].create.visibilityTimeoutSeconds: 10 is shorter than the function's timeout (30 s)"}},
		"the stage's maximum out of range": {xr: sqsXR("dev", created), envs: devEnvs(map[string]any{"triggers": map[string]any{"maxBatchSize": 0}}),
			want: []string{"EnvironmentConfig data.triggers.maxBatchSize: 0 is out of range 1-10000"}},
	}
	wantRefusals(t, cases)
}

func TestSQSTriggerCreatedQueue(t *testing.T) {
	xr := sqsXR("dev", map[string]any{"name": "jobs", "create": map[string]any{"maxReceiveCount": 3}, "batchSize": 50, "maximumBatchingWindowSeconds": 2})
	s := settingsFor(t, xr, nil)

	// first reconcile: the dead-letter queue exists before anything needs its ARN
	first, _, pending := planByKey(t, s, nil)
	if _, ok := first["queue-jobs-dlq"]; !ok {
		t.Fatalf("no dead-letter queue on the first reconcile: %v", keysOf(first))
	}
	for _, k := range []string{"queue-jobs", "trigger-jobs"} {
		if _, ok := first[k]; ok {
			t.Errorf("%s composed before the account is known", k)
		}
	}
	if !slices.ContainsFunc(pending, func(p string) bool {
		return p == "queue-jobs (waits for the ARN of queue-jobs-dlq for its redrive policy)"
	}) {
		t.Errorf("pending = %v", pending)
	}

	m, _ := converged(t, s)
	dlqARN := "arn:aws:sqs:us-east-1:" + testAccount + ":team_dev_mcp_sqs-jobs-dlq"
	queueARN := "arn:aws:sqs:us-east-1:" + testAccount + ":team_dev_mcp_sqs-jobs"
	q := m["queue-jobs"]
	if got := fp(q, "name"); got != "team_dev_mcp_sqs-jobs" {
		t.Errorf("queue name = %v", got)
	}
	var redrive map[string]any
	if err := json.Unmarshal([]byte(fp(q, "redrivePolicy").(string)), &redrive); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(redrive, map[string]any{"deadLetterTargetArn": dlqARN, "maxReceiveCount": float64(3)}) {
		t.Errorf("redrive policy = %v", redrive)
	}
	if got := fp(q, "visibilityTimeoutSeconds"); got != int64(180) { // 6 x the dev timeout of 30 s
		t.Errorf("visibility timeout = %v, want 180", got)
	}
	if got := fp(m["queue-jobs-dlq"], "messageRetentionSeconds"); got != int64(dlqRetentionSeconds) {
		t.Errorf("dead-letter queue retention = %v", got)
	}
	esm := m["trigger-jobs"]
	if got := fp(esm, "eventSourceArn"); got != queueARN {
		t.Errorf("eventSourceArn = %v, want %s", got, queueARN)
	}
	if got := fp(esm, "functionNameRef"); !reflect.DeepEqual(got, map[string]any{"name": "mcp--function"}) {
		t.Errorf("functionNameRef = %v", got)
	}
	if fp(esm, "batchSize") != int64(50) || fp(esm, "maximumBatchingWindowInSeconds") != int64(2) ||
		!reflect.DeepEqual(fp(esm, "functionResponseTypes"), []any{"ReportBatchItemFailures"}) {
		t.Errorf("mapping = %v", fp(esm))
	}

	// exactly the three actions the mapping needs, on that queue only
	doc := policyDocument{Statement: grantOf(t, m, "ConsumeTriggerQueues")}
	want := []statement{{Sid: "ConsumeTriggerQueues", Effect: "Allow",
		Action: []string{"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}, Resource: []string{queueARN}}}
	if !reflect.DeepEqual(doc.Statement, want) {
		t.Errorf("trigger policy = %+v", doc.Statement)
	}
}

func TestSQSTriggerExistingQueueThroughTheAlias(t *testing.T) {
	existing := "arn:aws:sqs:us-east-1:" + testAccount + ":orders"
	xr := sqsXR("staging", map[string]any{"name": "orders", "queueArn": existing, "reportBatchItemFailures": false})
	xr["spec"].(map[string]any)["region"] = "us-east-1"
	s := settingsFor(t, xr, envConfig("stage-staging", "staging", map[string]any{"accountId": testAccount}))
	m, _ := converged(t, s)
	for k := range m {
		if k == "queue-orders" || k == "queue-orders-dlq" {
			t.Errorf("%s composed for an existing queue", k)
		}
	}
	esm := m["trigger-orders"]
	if got := fp(esm, "functionName"); got != "arn:aws:lambda:us-east-1:"+testAccount+":function:team_staging_mcp:live" {
		t.Errorf("functionName = %v, want the live alias' ARN", got)
	}
	if fp(esm, "functionResponseTypes") != nil {
		t.Errorf("functionResponseTypes set although reportBatchItemFailures is false")
	}
	if got := grantOf(t, m, "ConsumeTriggerQueues")[0].Resource; !reflect.DeepEqual(got, []string{existing}) {
		t.Errorf("policy resources = %v", got)
	}
	// a worker: triggers and no spec.api compose no HTTP API
	if _, ok := m[keyAPI]; ok {
		t.Errorf("an API was composed for a request with triggers and no spec.api")
	}
}

// Both flavours of every trigger and async resource validate against provider-aws's CRDs, on the
// first reconcile and once settled.
func TestTriggerResourcesMatchTheCRDs(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles CRD schemas")
	}
	spec := map[string]any{
		"stage": "prod",
		"triggers": map[string]any{
			"sqs": []any{map[string]any{"name": "jobs", "create": map[string]any{}}},
			"schedules": []any{map[string]any{"name": "nightly", "expression": "cron(0 3 * * ? *)", "timeZone": "Europe/Berlin",
				"payload": map[string]any{"job": "cleanup", "dryRun": false}}},
		},
		"async": map[string]any{"maximumRetryAttempts": 1, "maximumEventAgeSeconds": 600},
	}
	for _, xr := range []map[string]any{xrObject(spec), legacyOf(xrObject(spec))} {
		s := settingsFor(t, xr, envConfig("stage-prod", "prod", map[string]any{}))
		m, o := converged(t, s)
		_, first, _ := planByKey(t, s, nil)
		_, settled, _ := planByKey(t, s, o)
		for _, c := range append(first, settled...) {
			if err := schema.ValidateComposed(c.Object); err != nil {
				t.Errorf("%s: %v", c.Key, err)
			}
		}
		for _, k := range []string{"queue-jobs", "queue-jobs-dlq", "trigger-jobs", "schedule-nightly", keySchedulerRole, keySchedulerPolicy, keyAsyncConfig, keyFailureQueue} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s missing from %v", k, keysOf(m))
			}
		}
	}
}
