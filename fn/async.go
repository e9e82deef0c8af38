package fn

import (
	"regexp"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Asynchronous invocations (spec.async, the stage's async): a Lambda FunctionEventInvokeConfig in
// every region of the stack (on the live alias when the release uses one, the function's
// $LATEST otherwise) sets the retries and the maximum event age and sends the events that still
// fail to a destination: a queue the stack creates per region (failureQueue, prod's default) or
// an existing SQS queue, SNS topic or EventBridge event bus in the stage's account (onFailureArn).
// The execution role may send to that destination only (Lambda delivers with the function's
// role). Where the stage has alarms, an alarm on the failure queue's depth joins them.

// Keys and names of the async part (per region: <key>-<region>).
const (
	keyAsyncConfig       = "async-config"
	keyFailureQueue      = "failure-queue"
	keyAlarmFailureQueue = "alarm-failure-queue"
	keyRoleAsync         = "role-async"
)

// asyncConfig is the resolved asynchronous invocation config.
type asyncConfig struct {
	MaximumRetryAttempts   *int64
	MaximumEventAgeSeconds *int64
	// FailureQueue: the stack creates the destination queue.
	FailureQueue bool
	// OnFailureARN is an existing destination (it replaces the failure queue).
	OnFailureARN string
}

// configured reports whether the stack composes an invoke config at all.
func (a asyncConfig) configured() bool {
	return a.MaximumRetryAttempts != nil || a.MaximumEventAgeSeconds != nil || a.FailureQueue || a.OnFailureARN != ""
}

func resolveAsync(spec *v1alpha1.AsyncSpec, stageCfg, base *v1alpha1.AsyncSettings) asyncConfig {
	spec, stageCfg, base = orZero(spec), orZero(stageCfg), orZero(base)
	c := asyncConfig{
		MaximumRetryAttempts:   firstIntPtr(spec.MaximumRetryAttempts, stageCfg.MaximumRetryAttempts, base.MaximumRetryAttempts),
		MaximumEventAgeSeconds: firstIntPtr(spec.MaximumEventAgeSeconds, stageCfg.MaximumEventAgeSeconds, base.MaximumEventAgeSeconds),
		OnFailureARN:           spec.OnFailureARN,
	}
	// an existing destination replaces the stage's failure queue; the request's own failureQueue
	// with it is refused (validateAsync)
	if c.OnFailureARN == "" || spec.FailureQueue != nil {
		c.FailureQueue = firstBool(spec.FailureQueue, stageCfg.FailureQueue, base.FailureQueue)
	}
	return c
}

var reAsyncDestination = regexp.MustCompile(`^arn:aws[a-z-]*:(sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?|sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,251}(\.fifo)?|events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]{1,256})$`)

func validateAsync(errs *fieldErrors, s *settings, stageCfg *v1alpha1.StageProfile) {
	a := s.Async
	if a.OnFailureARN == "" {
		return
	}
	switch {
	case a.FailureQueue:
		errs.add("spec.async.onFailureArn", "replaces the failure queue; do not set failureQueue: true with it")
	case !reAsyncDestination.MatchString(a.OnFailureARN):
		errs.add("spec.async.onFailureArn", "%q is not an SQS queue, SNS topic or EventBridge event bus ARN", a.OnFailureARN)
	default:
		checkGrantedARN(errs, s, stageCfg, "spec.async.onFailureArn", destinationKind(a.OnFailureARN), a.OnFailureARN)
	}
}

// destinationKind names the service of a destination ARN for messages.
func destinationKind(arn string) string {
	switch arnService(arn) {
	case "sqs":
		return "SQS queue"
	case "sns":
		return "SNS topic"
	}
	return "EventBridge event bus"
}

// failureQueueName is the AWS name of the failure queue (the same in every region).
func (b *builder) failureQueueName() string { return b.name(maxQueueName, "async-failures") }

// async composes the invoke config, the failure queue of every region and the role's permission
// to send to the destination.
func (b *builder) async() {
	a := b.s.Async
	if !a.configured() {
		return
	}
	b.regional(func(region, suffix string) {
		if a.FailureQueue {
			b.add(b.queue(keyFailureQueue+suffix, b.failureQueueName(), region, map[string]any{
				"messageRetentionSeconds": int64(dlqRetentionSeconds),
			}))
		}
		// functionName has no reference: AWS refuses the config until the function (the alias)
		// exists, so it is composed once the provider has observed that, and then always
		target := KeyFunction + suffix
		if b.s.Release.UseAlias {
			target = keyAlias + suffix
		}
		if b.o.atProvider(target, "arn") == "" && !b.o.exists(keyAsyncConfig+suffix) {
			b.wait(keyAsyncConfig+suffix, "the ARN of "+target)
			return
		}
		b.add(b.invokeConfig(region, suffix))
	})
}

// invokeConfig is the FunctionEventInvokeConfig of the function (its live alias) in a region.
func (b *builder) invokeConfig(region, suffix string) composed {
	a := b.s.Async
	p := map[string]any{"functionName": b.functionName()}
	if b.s.Release.UseAlias {
		p["qualifier"] = aliasName
	}
	if a.MaximumRetryAttempts != nil {
		p["maximumRetryAttempts"] = *a.MaximumRetryAttempts
	}
	if a.MaximumEventAgeSeconds != nil {
		p["maximumEventAgeInSeconds"] = *a.MaximumEventAgeSeconds
	}
	var dest map[string]any
	switch {
	case a.OnFailureARN != "":
		dest = map[string]any{"destination": a.OnFailureARN}
	case a.FailureQueue:
		dest = map[string]any{"destinationRef": b.ref(keyFailureQueue + suffix)}
	}
	if dest != nil {
		p["destinationConfig"] = b.block(map[string]any{"onFailure": b.block(dest)})
	}
	return b.managed(keyAsyncConfig+suffix, "lambda", "FunctionEventInvokeConfig", mrOpts{region: region}, p)
}

// asyncPolicy lets the function's role deliver failed events to the destination only.
func (b *builder) asyncPolicy() (policyDocument, bool) {
	a := b.s.Async
	var st statement
	switch {
	case a.OnFailureARN != "":
		action := map[string]string{"sqs": "sqs:SendMessage", "sns": "sns:Publish", "events": "events:PutEvents"}[arnService(a.OnFailureARN)]
		st = statement{Action: []string{action}, Resource: []string{a.OnFailureARN}}
	case a.FailureQueue:
		var arns []string
		for _, r := range b.s.Regions {
			arns = append(arns, b.queueARNPattern(b.failureQueueName(), r))
		}
		st = statement{Action: []string{"sqs:SendMessage"}, Resource: uniqueSorted(arns)}
	default:
		return policyDocument{}, false
	}
	st.Sid, st.Effect = "SendFailedAsyncEvents", "Allow"
	return policyDocument{Version: "2012-10-17", Statement: []statement{st}}, true
}

// queueAlarms are the alarms on the stack's queues in the region of suffix: the failure queue's
// depth (an event there is one the function could not handle within its retries and event age),
// and in the primary region the depth of the created trigger queues' dead-letter queues.
func (b *builder) queueAlarms(suffix string) []alarmSpec {
	var out []alarmSpec
	if b.s.Async.FailureQueue {
		out = append(out, queueDepthAlarm(keyAlarmFailureQueue, "async-failures",
			"failed asynchronous events in the failure queue", b.failureQueueName()))
	}
	if suffix == "" {
		out = append(out, b.triggerDLQAlarms()...)
	}
	return out
}

// queueWidgets show the depth of the stack's queues in the region of suffix (the failure queue;
// in the primary region the trigger queues the stack creates and their dead-letter queues), one
// line per queue; none when the region has no queue of the stack.
func (b *builder) queueWidgets(region, suffix string) []dashboardWidget {
	var names []string
	if b.s.Async.FailureQueue {
		names = append(names, b.failureQueueName())
	}
	if suffix == "" {
		for _, q := range b.s.Triggers.SQS {
			if q.Create {
				names = append(names, b.triggerQueueName(q.Name, false), b.triggerQueueName(q.Name, true))
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	var series [][]any
	for _, n := range names {
		series = append(series, metricOf("AWS/SQS", "QueueName", n)("ApproximateNumberOfMessagesVisible", metricOptions{Label: n}))
	}
	return []dashboardWidget{b.widget(region, "SQS messages waiting", "Maximum", series...)}
}
