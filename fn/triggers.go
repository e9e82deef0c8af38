package fn

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// SQS triggers (spec.triggers.sqs): each is an existing queue (queueArn, in the primary region
// and the stage's account, where the stage allows existing queues) or a standard queue the stack
// creates with its own dead-letter queue and a redrive policy. A Lambda event source mapping in
// the primary region wires the queue to the function (to the live alias when the release uses
// one), and the execution role gets exactly what the mapping needs: sqs:ReceiveMessage,
// sqs:DeleteMessage and sqs:GetQueueAttributes on those queues only.
//
// A created queue's ARN is arn:<partition>:sqs:<region>:<account>:<name>: the redrive policy
// (the dead-letter queue's ARN) and the mapping (the queue's ARN) wait for the account (see
// observed.go); the role's policy names the queues with account * until it is known.

// Keys and names of the SQS trigger part.
const (
	keyTriggerQueue   = "queue-"   // + name: a created queue; + "-dlq": its dead-letter queue
	keyTriggerMapping = "trigger-" // + name: the event source mapping
	keyDLQSuffix      = "-dlq"
	keyRoleTriggers   = "role-triggers"
	maxQueueName      = 80
	maxQueueNameFIFO  = 75 // the queue name before .fifo

	defaultBatchSize        = 10
	maxBatchSizeAWS         = 10000
	maxBatchSizeFIFO        = 10
	maxBatchSizeNoWindow    = 10 // AWS: a larger batch needs a batching window of at least 1 s
	defaultMaxReceiveCount  = 5
	defaultRetentionSeconds = 345600  // 4 days, SQS's default
	dlqRetentionSeconds     = 1209600 // 14 days, SQS's maximum: time to look at what failed
	visibilityPerTimeout    = 6       // AWS's advice: a visibility timeout of 6 x the function timeout
	maxVisibilitySeconds    = 43200
)

// triggersConfig is the resolved spec.triggers with the stage's guards.
type triggersConfig struct {
	SQS       []sqsTrigger
	Schedules []v1alpha1.ScheduleSpec
	// MaxBatchSize is the stage's largest batch (triggers.maxBatchSize).
	MaxBatchSize int64
	// AllowExistingQueues is the stage's triggers.allowExistingQueues.
	AllowExistingQueues bool
}

// sqsTrigger is one resolved SQS trigger.
type sqsTrigger struct {
	Name     string
	QueueARN string // an existing queue; "" for a created one
	Create   bool
	// Created queue settings.
	VisibilityTimeoutSeconds int64
	MessageRetentionSeconds  int64
	MaxReceiveCount          int64
	// Mapping settings.
	BatchSize               int64
	BatchingWindowSeconds   int64
	ReportBatchItemFailures bool
}

// any reports whether the request has any trigger.
func (t triggersConfig) any() bool { return len(t.SQS)+len(t.Schedules) > 0 }

func resolveTriggers(spec *v1alpha1.TriggersSpec, stageCfg *v1alpha1.TriggerSettings, f functionConfig) triggersConfig {
	spec, stageCfg = orZero(spec), orZero(stageCfg)
	c := triggersConfig{
		Schedules:           spec.Schedules,
		MaxBatchSize:        firstInt(stageCfg.MaxBatchSize, i64(maxBatchSizeAWS)),
		AllowExistingQueues: firstBool(stageCfg.AllowExistingQueues, boolp(true)),
	}
	for _, q := range spec.SQS {
		t := sqsTrigger{
			Name: q.Name, QueueARN: q.QueueARN, Create: q.Create != nil,
			BatchSize:               firstInt(q.BatchSize, i64(defaultBatchSize)),
			BatchingWindowSeconds:   firstInt(q.MaximumBatchingWindowSeconds),
			ReportBatchItemFailures: firstBool(q.ReportBatchItemFailures, boolp(true)),
		}
		if q.Create != nil {
			t.VisibilityTimeoutSeconds = firstInt(q.Create.VisibilityTimeoutSeconds, i64(min(visibilityPerTimeout*f.TimeoutSeconds, maxVisibilitySeconds)))
			t.MessageRetentionSeconds = firstInt(q.Create.MessageRetentionSeconds, i64(defaultRetentionSeconds))
			t.MaxReceiveCount = firstInt(q.Create.MaxReceiveCount, i64(defaultMaxReceiveCount))
		}
		c.SQS = append(c.SQS, t)
	}
	return c
}

var (
	reTriggerName = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	reQueueARN    = regexp.MustCompile(`^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?$`)
)

// validateTriggers checks the SQS triggers against AWS's rules and the stage's guards, existing
// queues against the stage's account (rule 4 of docs/tenancy.md).
func validateTriggers(errs *fieldErrors, s *settings, stageCfg *v1alpha1.StageProfile) {
	t := &s.Triggers
	if t.MaxBatchSize < 1 || t.MaxBatchSize > maxBatchSizeAWS {
		errs.add("EnvironmentConfig data.triggers.maxBatchSize", "%d is out of range 1-%d", t.MaxBatchSize, maxBatchSizeAWS)
	}
	seen := map[string]bool{}
	for i, q := range t.SQS {
		f := fmt.Sprintf("spec.triggers.sqs[%d]", i)
		if len(q.Name) > 24 || !reTriggerName.MatchString(q.Name) || strings.Contains(q.Name, objectSeparator) || strings.HasSuffix(q.Name, keyDLQSuffix) {
			errs.add(f+".name", "%q must be 1-24 lower-case letters, digits or single '-', not ending in -dlq", q.Name)
		}
		if seen[q.Name] {
			errs.add(f+".name", "%q is used twice", q.Name)
		}
		seen[q.Name] = true
		switch {
		case q.QueueARN != "" && q.Create:
			errs.add(f, "give queueArn or create, not both")
		case q.QueueARN == "" && !q.Create:
			errs.add(f, "needs queueArn (an existing queue) or create")
		case q.QueueARN != "" && !reQueueARN.MatchString(q.QueueARN):
			errs.add(f+".queueArn", "%q is not an SQS queue ARN", q.QueueARN)
		case q.QueueARN != "" && !t.AllowExistingQueues:
			errs.add(f+".queueArn", "stage %s allows only queues the stack creates (EnvironmentConfig data.triggers.allowExistingQueues: false); use create", s.Stage)
		case q.QueueARN != "":
			if r := arnRegion(q.QueueARN); r != s.Region {
				errs.add(f+".queueArn", "the queue is in %s; an event source mapping reads only queues of the function's region %s", r, s.Region)
			}
			checkGrantedARN(errs, s, stageCfg, f+".queueArn", "SQS queue", q.QueueARN)
		}
		validateBatch(errs, f, q, t.MaxBatchSize)
		if q.Create {
			validateCreatedQueue(errs, f+".create", q, s.Function.TimeoutSeconds)
		}
	}
}

func validateBatch(errs *fieldErrors, f string, q sqsTrigger, stageMax int64) {
	switch {
	case q.BatchSize < 1 || q.BatchSize > maxBatchSizeAWS:
		errs.add(f+".batchSize", "%d is out of range 1-%d", q.BatchSize, maxBatchSizeAWS)
	case q.BatchSize > stageMax:
		errs.add(f+".batchSize", "%d is above the stage's maximum %d (EnvironmentConfig data.triggers.maxBatchSize)", q.BatchSize, stageMax)
	case strings.HasSuffix(q.QueueARN, ".fifo") && q.BatchSize > maxBatchSizeFIFO:
		errs.add(f+".batchSize", "%d: a FIFO queue delivers at most %d messages per batch", q.BatchSize, maxBatchSizeFIFO)
	case q.BatchSize > maxBatchSizeNoWindow && q.BatchingWindowSeconds < 1:
		errs.add(f+".batchSize", "%d needs maximumBatchingWindowSeconds of at least 1 (AWS refuses a batch above %d without a window)", q.BatchSize, maxBatchSizeNoWindow)
	}
	if w := q.BatchingWindowSeconds; w < 0 || w > 300 {
		errs.add(f+".maximumBatchingWindowSeconds", "%d is out of range 0-300", w)
	}
}

func validateCreatedQueue(errs *fieldErrors, f string, q sqsTrigger, timeout int64) {
	switch v := q.VisibilityTimeoutSeconds; {
	case v < 0 || v > maxVisibilitySeconds:
		errs.add(f+".visibilityTimeoutSeconds", "%d is out of range 0-%d", v, maxVisibilitySeconds)
	case v < timeout:
		errs.add(f+".visibilityTimeoutSeconds", "%d is shorter than the function's timeout (%d s): AWS refuses the event source mapping; give at least %d (six times the timeout is advised)", v, timeout, timeout)
	}
	if r := q.MessageRetentionSeconds; r < 60 || r > dlqRetentionSeconds {
		errs.add(f+".messageRetentionSeconds", "%d is out of range 60-%d", r, dlqRetentionSeconds)
	}
	if n := q.MaxReceiveCount; n < 1 || n > 1000 {
		errs.add(f+".maxReceiveCount", "%d is out of range 1-1000", n)
	}
}

// triggers composes the created queues and the event source mappings (the role's permission
// to consume the queues is part of its inline policy, triggersPolicy).
func (b *builder) triggers() {
	if len(b.s.Triggers.SQS) == 0 {
		return
	}
	for _, q := range b.s.Triggers.SQS {
		if q.Create {
			b.add(b.deadLetterQueue(q))
			if c, ok := b.triggerQueue(q); ok {
				b.add(c)
			}
		}
		if c, ok := b.eventSourceMapping(q); ok {
			b.add(c)
		}
	}
}

// triggerQueueName is the AWS name of a created trigger queue (dlq: of its dead-letter queue).
func (b *builder) triggerQueueName(name string, dlq bool) string {
	if dlq {
		return b.name(maxQueueName, "sqs", name, "dlq")
	}
	return b.name(maxQueueName, "sqs", name)
}

// queueARN is the ARN of the queue of key named name in the primary region: observed, else
// built from the account; "" until known.
func (b *builder) queueARN(key, name, region string) string {
	return firstStr(b.o.observedARNOf(key, ":"+name), b.arnIn("sqs", region, name))
}

// queueARNPattern names a queue of the stack in a policy: its ARN with account * until known.
func (b *builder) queueARNPattern(name, region string) string {
	return b.arnPattern("sqs", region, name)
}

func (b *builder) deadLetterQueue(q sqsTrigger) composed {
	return b.queue(keyTriggerQueue+q.Name+keyDLQSuffix, b.triggerQueueName(q.Name, true), b.s.Region, map[string]any{
		"messageRetentionSeconds": int64(dlqRetentionSeconds),
	})
}

// queue is an SQS queue of the stack: encrypted with SQS's managed keys, stateful (its messages
// are data: retained with the stage's retained resources).
func (b *builder) queue(key, name, region string, p map[string]any) composed {
	p["name"] = name
	p["sqsManagedSseEnabled"] = true
	return b.managed(key, "sqs", "Queue", mrOpts{region: region, taggable: true, stateful: true}, p)
}

// triggerQueue is the created queue with its redrive policy, once its dead-letter queue's ARN
// is known.
func (b *builder) triggerQueue(q sqsTrigger) (composed, bool) {
	key := keyTriggerQueue + q.Name
	region := b.s.Region
	redrive := b.o.kept(key, "redrivePolicy")
	if dlq := b.queueARN(key+keyDLQSuffix, b.triggerQueueName(q.Name, true), region); dlq != "" {
		redrive = redrivePolicy{DeadLetterTargetArn: dlq, MaxReceiveCount: q.MaxReceiveCount}.JSON()
	}
	if redrive == "" {
		b.wait(key, "the ARN of "+key+keyDLQSuffix+" for its redrive policy")
		return composed{}, false
	}
	return b.queue(key, b.triggerQueueName(q.Name, false), region, map[string]any{
		"visibilityTimeoutSeconds": q.VisibilityTimeoutSeconds,
		"messageRetentionSeconds":  q.MessageRetentionSeconds,
		"redrivePolicy":            redrive,
	}), true
}

// triggerQueueARN is the ARN of the queue a trigger consumes; "" while a created one's is unknown.
func (b *builder) triggerQueueARN(q sqsTrigger) string {
	if !q.Create {
		return q.QueueARN
	}
	return b.queueARN(keyTriggerQueue+q.Name, b.triggerQueueName(q.Name, false), b.s.Region)
}

// eventSourceMapping wires a queue to the function (its live alias with the release alias) in
// the primary region, once the queue's and, with the alias, the alias' ARNs are known.
func (b *builder) eventSourceMapping(q sqsTrigger) (composed, bool) {
	key := keyTriggerMapping + q.Name
	src := firstStr(b.triggerQueueARN(q), b.o.kept(key, "eventSourceArn"))
	if src == "" {
		b.wait(key, "the ARN of "+keyTriggerQueue+q.Name)
		return composed{}, false
	}
	p := map[string]any{
		"eventSourceArn":                 src,
		"batchSize":                      q.BatchSize,
		"maximumBatchingWindowInSeconds": q.BatchingWindowSeconds,
		"enabled":                        true,
	}
	if q.ReportBatchItemFailures {
		p["functionResponseTypes"] = []any{"ReportBatchItemFailures"}
	}
	if !b.s.Release.UseAlias {
		p["functionNameRef"] = b.ref(KeyFunction)
	} else if arn := firstStr(b.aliasARN(b.s.Region), b.o.kept(key, "functionName")); arn != "" {
		p["functionName"] = arn
	} else {
		b.wait(key, "the ARN of "+keyAlias)
		return composed{}, false
	}
	return b.managed(key, "lambda", "EventSourceMapping", mrOpts{region: b.s.Region, taggable: true}, p), true
}

// triggersPolicy lets the function's event source mappings consume exactly the trigger queues;
// none without queue triggers.
func (b *builder) triggersPolicy() (policyDocument, bool) {
	if len(b.s.Triggers.SQS) == 0 {
		return policyDocument{}, false
	}
	var arns []string
	for _, q := range b.s.Triggers.SQS {
		arn := q.QueueARN
		if q.Create {
			arn = b.queueARNPattern(b.triggerQueueName(q.Name, false), b.s.Region)
		}
		arns = append(arns, arn)
	}
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Sid: "ConsumeTriggerQueues", Effect: "Allow",
		Action:   []string{"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
		Resource: uniqueSorted(arns),
	}}}, true
}

// triggerDLQAlarms are the alarms on the depth of the created trigger queues' dead-letter
// queues (in the primary region, where the queues are): a message there is one the function failed maxReceiveCount times.
func (b *builder) triggerDLQAlarms() []alarmSpec {
	var out []alarmSpec
	for _, q := range b.s.Triggers.SQS {
		if q.Create {
			out = append(out, queueDepthAlarm(keyAlarmPrefix+keyTriggerQueue+q.Name+keyDLQSuffix, "sqs-"+q.Name+"-dlq",
				"messages in the dead-letter queue of trigger "+q.Name, b.triggerQueueName(q.Name, true)))
		}
	}
	return out
}

// keyAlarmPrefix starts the key of the queue alarms.
const keyAlarmPrefix = "alarm-"

// queueDepthAlarm fires as soon as a queue holds a message.
func queueDepthAlarm(key, name, what, queue string) alarmSpec {
	return alarmSpec{Key: key, Name: name, What: what, Namespace: "AWS/SQS", Metric: "ApproximateNumberOfMessagesVisible",
		Statistic: "Maximum", Threshold: 1, Comparison: "GreaterThanOrEqualToThreshold", EvaluationPeriods: 1,
		Dimensions: map[string]any{"QueueName": queue}}
}

// redrivePolicy is a queue's redrive policy (the queue attribute RedrivePolicy).
type redrivePolicy struct {
	DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int64  `json:"maxReceiveCount"`
}

func (r redrivePolicy) JSON() string {
	out, err := json.Marshal(r)
	if err != nil { // a string and a number: cannot fail
		panic(err)
	}
	return string(out)
}
