package fn

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // schedule time zones are checked against the IANA database, on any host

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Schedules (spec.triggers.schedules): EventBridge Scheduler schedules in the primary region,
// each invoking the function (its live alias when the release uses one) with a JSON payload.
// The scheduler assumes a role of the stack that trusts scheduler.amazonaws.com only for the
// stack's account (aws:SourceAccount) and may call lambda:InvokeFunction on that one target only.
// The scheduler invokes asynchronously, so spec.async applies to what it sends.
//
// The trust policy names the account and the target is an ARN (the schedule's target has no
// reference to a Lambda function in provider-aws v2.5.0): both wait for the account (observed.go).

// Keys and names of the schedules part.
const (
	keySchedule        = "schedule-" // + name
	keySchedulerRole   = "scheduler-role"
	keySchedulerPolicy = "scheduler-role-invoke"
	maxScheduleName    = 64
	scheduleGroup      = "default"
	defaultTimeZone    = "UTC"
)

var (
	reRate      = regexp.MustCompile(`^rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)$`)
	reCron      = regexp.MustCompile(`^cron\((.+)\)$`)
	reCronField = regexp.MustCompile(`^[0-9A-Za-z*?,/#-]+$`)
)

// validateSchedules checks each schedule's name, expression, time zone and payload.
func validateSchedules(errs *fieldErrors, s *settings) {
	seen := map[string]bool{}
	for i, sc := range s.Triggers.Schedules {
		f := fmt.Sprintf("spec.triggers.schedules[%d]", i)
		if len(sc.Name) > 24 || !reTriggerName.MatchString(sc.Name) || strings.Contains(sc.Name, objectSeparator) {
			errs.add(f+".name", "%q must be 1-24 lower-case letters, digits or single '-'", sc.Name)
		}
		if seen[sc.Name] {
			errs.add(f+".name", "%q is used twice", sc.Name)
		}
		seen[sc.Name] = true
		if msg := expressionProblem(sc.Expression); msg != "" {
			errs.add(f+".expression", "%q %s", sc.Expression, msg)
		}
		if tz := sc.TimeZone; tz != "" {
			if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
				errs.add(f+".timeZone", "%q is not an IANA time zone such as Europe/Berlin", tz)
			}
		}
		if _, err := schedulePayload(sc); err != nil {
			errs.add(f+".payload", "%v", err)
		}
	}
}

// expressionProblem explains what is wrong with a schedule expression; "" when it is valid.
func expressionProblem(e string) string {
	if m := reRate.FindStringSubmatch(e); m != nil {
		n, err := strconv.Atoi(m[1])
		plural := strings.HasSuffix(m[2], "s")
		switch {
		case err != nil:
			return "has a rate too large"
		case n == 1 && plural:
			return "must use the singular unit for 1, e.g. rate(1 " + strings.TrimSuffix(m[2], "s") + ")"
		case n > 1 && !plural:
			return "must use the plural unit, e.g. rate(" + m[1] + " " + m[2] + "s)"
		}
		return ""
	}
	m := reCron.FindStringSubmatch(e)
	if m == nil {
		return "is not rate(<n> <minute|minutes|hour|hours|day|days>) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)"
	}
	fields := strings.Fields(m[1])
	if len(fields) != 6 {
		return fmt.Sprintf("has %d fields; cron takes 6: minutes hours day-of-month month day-of-week year", len(fields))
	}
	for _, fl := range fields {
		if !reCronField.MatchString(fl) {
			return fmt.Sprintf("has an invalid field %q", fl)
		}
	}
	if (fields[2] == "?") == (fields[4] == "?") {
		return "must have ? in exactly one of day-of-month and day-of-week (the third and fifth fields)"
	}
	return ""
}

// schedulePayload is the schedule's payload as compact JSON with sorted keys, "{}" when unset;
// an error when it is not a JSON object.
func schedulePayload(sc v1alpha1.ScheduleSpec) (string, error) {
	if sc.Payload == nil || len(sc.Payload.Raw) == 0 {
		return "{}", nil
	}
	var v map[string]any
	if err := json.Unmarshal(sc.Payload.Raw, &v); err != nil || v == nil {
		return "", fmt.Errorf("must be a JSON object")
	}
	out, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// schedules composes the scheduler's role, its policy and the schedules.
func (b *builder) schedules() {
	if len(b.s.Triggers.Schedules) == 0 {
		return
	}
	target := b.scheduleTarget()
	if trust := firstStr(b.schedulerTrustPolicy(), b.o.kept(keySchedulerRole, "assumeRolePolicy")); trust != "" {
		b.add(b.managed(keySchedulerRole, "iam", "Role", mrOpts{externalName: b.name(maxRoleName, "scheduler"), taggable: true},
			map[string]any{
				"assumeRolePolicy": trust,
				"description":      "Role EventBridge Scheduler assumes to invoke the " + b.s.Stage + " " + b.s.App + " Lambda function (LambdaStack)",
			}))
		b.rolePolicy(keySchedulerPolicy, keySchedulerRole, "scheduler-invoke", policyDocument{Version: "2012-10-17", Statement: []statement{{
			Sid: "InvokeStackFunction", Effect: "Allow", Action: []string{"lambda:InvokeFunction"},
			Resource: []string{firstStr(target, b.scheduleTargetPattern())},
		}}})
	} else {
		b.wait(keySchedulerRole, "the account, for its trust policy's aws:SourceAccount")
	}
	for _, sc := range b.s.Triggers.Schedules {
		if c, ok := b.schedule(sc, target); ok {
			b.add(c)
		}
	}
}

// schedulerTrustPolicy lets EventBridge Scheduler assume the role for schedules of the stack's
// account only; "" until the account is known.
func (b *builder) schedulerTrustPolicy() string {
	acct := b.account()
	if acct == "" {
		return ""
	}
	return policyJSON(policyDocument{Version: "2012-10-17", Statement: []statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "scheduler.amazonaws.com"},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": acct}},
	}}})
}

// scheduleTarget is the ARN the schedules invoke in the primary region: the live alias with the
// release alias, else the function; "" until known.
func (b *builder) scheduleTarget() string {
	r := b.s.Region
	if b.s.Release.UseAlias {
		return b.aliasARN(r)
	}
	res := "function:" + b.functionName()
	return firstStr(b.o.observedARNOf(KeyFunction, ":"+res), b.arnIn("lambda", r, res))
}

// scheduleTargetPattern is the target with account * (the policy before the account is known).
func (b *builder) scheduleTargetPattern() string {
	r := b.s.Region
	arn := newARN(partition(r), "lambda", r, "*", "function:"+b.functionName())
	if b.s.Release.UseAlias {
		arn += ":" + aliasName
	}
	return arn
}

func (b *builder) schedule(sc v1alpha1.ScheduleSpec, target string) (composed, bool) {
	key := keySchedule + sc.Name
	target = firstStr(target, b.o.kept(key, "target", "arn"))
	if target == "" {
		b.wait(key, "the ARN of "+KeyFunction)
		return composed{}, false
	}
	payload, _ := schedulePayload(sc) // validated
	state := "ENABLED"
	if sc.Enabled != nil && !*sc.Enabled {
		state = "DISABLED"
	}
	return b.managed(key, "scheduler", "Schedule", mrOpts{region: b.s.Region}, map[string]any{
		"name":                       b.name(maxScheduleName, "schedule", sc.Name),
		"groupName":                  scheduleGroup,
		"description":                "Schedule " + sc.Name + " of the " + b.s.Stage + " " + b.s.App + " Lambda function (LambdaStack)",
		"scheduleExpression":         sc.Expression,
		"scheduleExpressionTimezone": firstStr(sc.TimeZone, defaultTimeZone),
		"state":                      state,
		"flexibleTimeWindow":         b.block(map[string]any{"mode": "OFF"}),
		"target": b.block(map[string]any{
			"arn":        target,
			"roleArnRef": b.ref(keySchedulerRole),
			"input":      payload,
		}),
	}), true
}
