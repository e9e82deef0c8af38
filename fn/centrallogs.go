package fn

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Central log aggregation: where the stage's EnvironmentConfig names central destinations
// (data.centralLogs), every log group of the stack (the function's and the API's access logs, in
// every region) gets a CloudWatch Logs subscription filter to the destination of its region.
// Kinesis and Firehose destinations need a role CloudWatch Logs assumes to put records: the
// stage's (roleArn), else one the stack creates, allowed to write only to the stage's streams.
// A subscription filter names its log group literally (no reference in provider-aws v2.5.0), so
// it is composed once the log group is observed Ready, and kept from then on.

// Keys of the central logs part (per region: <key>-<region>).
const (
	keyLogSubscription    = "log-subscription"
	keyAPILogSubscription = "api-log-subscription"
	keyCentralLogsRole    = "central-logs-role"
	keyCentralLogsPolicy  = "central-logs-role-policy"
	maxSubscriptionName   = 512
	maxFilterPatternSub   = 1024
)

// Destination types of a central log destination.
const (
	destLogs     = "logs"     // a CloudWatch Logs destination (cross-account)
	destKinesis  = "kinesis"  // a Kinesis data stream
	destFirehose = "firehose" // a Firehose delivery stream
)

// centralLogsConfig is the resolved central log destination of a stack.
type centralLogsConfig struct {
	// Destinations by region, for every region of the stack.
	Destinations map[string]logDestination
	RoleARN      string
	Pattern      string
}

// logDestination is one parsed destination ARN.
type logDestination struct {
	ARN, Type, Region, Account string
}

// NeedsRole reports whether CloudWatch Logs needs a role to deliver to the destination.
func (d logDestination) NeedsRole() bool { return d.Type != destLogs }

var (
	reDestinationARN = regexp.MustCompile(`^arn:(aws[a-z-]*):(logs|kinesis|firehose):([a-z0-9-]+):([0-9]{12}):(destination:[A-Za-z0-9._/#-]+|stream/[A-Za-z0-9._-]+|deliverystream/[A-Za-z0-9._-]+)$`)
	reRoleARN        = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$`)
)

// parseDestination reads a destination ARN; the service must match the resource type.
func parseDestination(arn string) (logDestination, bool) {
	m := reDestinationARN.FindStringSubmatch(arn)
	if m == nil {
		return logDestination{}, false
	}
	d := logDestination{ARN: arn, Type: m[2], Region: m[3], Account: m[4]}
	prefix := map[string]string{destLogs: "destination:", destKinesis: "stream/", destFirehose: "deliverystream/"}[d.Type]
	return d, strings.HasPrefix(m[5], prefix)
}

// resolveCentralLogs checks the stage's central log settings against the stack's regions: every
// region needs a destination in that region (a log group subscribes only to a destination in its
// own region).
func resolveCentralLogs(c *v1alpha1.CentralLogsSettings, regions []string) (*centralLogsConfig, error) {
	if c == nil || len(c.DestinationARNs) == 0 && c.RoleARN == "" && c.FilterPattern == "" {
		return nil, nil
	}
	const field = "EnvironmentConfig data.centralLogs"
	var errs fieldErrors
	out := &centralLogsConfig{Destinations: map[string]logDestination{}, RoleARN: c.RoleARN, Pattern: c.FilterPattern}
	if len(c.DestinationARNs) == 0 {
		errs.add(field+".destinationArns", "names no destination")
	}
	byRegion := map[string]logDestination{}
	for i, arn := range c.DestinationARNs {
		d, ok := parseDestination(arn)
		if !ok {
			errs.add(fmt.Sprintf("%s.destinationArns[%d]", field, i), "%q is not the ARN of a CloudWatch Logs destination (…:logs:<region>:<account>:destination:<name>), a Kinesis stream (…:kinesis:<region>:<account>:stream/<name>) or a Firehose delivery stream (…:firehose:<region>:<account>:deliverystream/<name>)", arn)
			continue
		}
		if other, dup := byRegion[d.Region]; dup {
			errs.add(fmt.Sprintf("%s.destinationArns[%d]", field, i), "%s is the second destination in %s (after %s); a log group sends to one", arn, d.Region, other.ARN)
			continue
		}
		byRegion[d.Region] = d
	}
	for _, r := range regions {
		d, ok := byRegion[r]
		if !ok && len(byRegion) > 0 {
			var elsewhere []string
			for _, arn := range c.DestinationARNs {
				if d, ok := parseDestination(arn); ok {
					elsewhere = append(elsewhere, d.Region)
				}
			}
			errs.add(field+".destinationArns", "no destination in %s, where the stack has log groups; a log group subscribes only to a destination in its own region and the destinations are in %s: add one in %s",
				r, strings.Join(uniqueSorted(elsewhere), ", "), r)
			continue
		}
		out.Destinations[r] = d
	}
	if c.RoleARN != "" && !reRoleARN.MatchString(c.RoleARN) {
		errs.add(field+".roleArn", "%q is not an IAM role ARN", c.RoleARN)
	}
	if len(c.FilterPattern) > maxFilterPatternSub {
		errs.add(field+".filterPattern", "is %d characters, AWS allows at most %d", len(c.FilterPattern), maxFilterPatternSub)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// needsRole reports whether any destination needs a delivery role.
func (c *centralLogsConfig) needsRole() bool {
	for _, d := range c.Destinations {
		if d.NeedsRole() {
			return true
		}
	}
	return false
}

// centralLogs composes the subscription filters of every log group of the stack and, for
// Kinesis or Firehose destinations without the stage's role, the delivery role.
func (b *builder) centralLogs() {
	c := b.s.CentralLogs
	if c == nil {
		return
	}
	createRole := c.needsRole() && c.RoleARN == ""
	if createRole {
		b.centralLogsRole()
	}
	b.regional(func(region, suffix string) {
		d := c.Destinations[region]
		b.subscription(keyLogSubscription+suffix, KeyLogGroup+suffix, b.logGroupName(), region, d, createRole)
		if b.s.API.Enabled {
			b.subscription(keyAPILogSubscription+suffix, keyAPILogGroup+suffix, b.apiLogGroupName(), region, d, createRole)
		}
	})
}

// subscription composes one subscription filter once its log group is observed Ready (it names
// the group literally), and keeps it once composed.
func (b *builder) subscription(key, groupKey, groupName, region string, d logDestination, createRole bool) {
	if st, _, _ := b.o.condition(groupKey, "Ready"); st != "True" && !b.o.exists(key) {
		b.wait(key, groupKey+" to exist")
		return
	}
	p := map[string]any{
		"name":           b.name(maxSubscriptionName, "central-logs"),
		"logGroupName":   groupName,
		"destinationArn": d.ARN,
		"filterPattern":  b.s.CentralLogs.Pattern,
	}
	if d.Type == destKinesis {
		p["distribution"] = "ByLogStream"
	}
	if d.NeedsRole() {
		if createRole {
			p["roleArnRef"] = b.ref(keyCentralLogsRole)
		} else {
			p["roleArn"] = b.s.CentralLogs.RoleARN
		}
	}
	b.add(b.managed(key, "cloudwatchlogs", "SubscriptionFilter", mrOpts{region: region}, p))
}

// centralLogsRole is the role CloudWatch Logs assumes to deliver the stack's log groups to the
// stage's Kinesis or Firehose destinations: trusted only for the stack's log groups, allowed to
// put records only into those destinations.
func (b *builder) centralLogsRole() {
	var sources, streams []string
	var actions []string
	for _, r := range b.s.Regions {
		d := b.s.CentralLogs.Destinations[r]
		if !d.NeedsRole() {
			continue
		}
		sources = append(sources, b.arnPattern("logs", r, "log-group:"+b.logGroupName()+":*"))
		if b.s.API.Enabled {
			sources = append(sources, b.arnPattern("logs", r, "log-group:"+b.apiLogGroupName()+":*"))
		}
		streams = append(streams, d.ARN)
		if d.Type == destKinesis {
			actions = append(actions, "kinesis:PutRecord", "kinesis:PutRecords")
		} else {
			actions = append(actions, "firehose:PutRecord", "firehose:PutRecordBatch")
		}
	}
	trust := policyJSON(policyDocument{Version: "2012-10-17", Statement: []statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "logs.amazonaws.com"},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]any{"StringLike": map[string]any{"aws:SourceArn": uniqueSorted(sources)}},
	}}})
	b.add(b.managed(keyCentralLogsRole, "iam", "Role", mrOpts{externalName: b.name(maxRoleName, "logs-delivery"), taggable: true},
		map[string]any{
			"assumeRolePolicy": trust,
			"description":      "CloudWatch Logs delivers the " + b.s.Stage + " " + b.s.App + " log groups to the central log destination (LambdaStack)",
		}))
	b.rolePolicy(keyCentralLogsPolicy, keyCentralLogsRole, "logs-delivery", policyDocument{Version: "2012-10-17", Statement: []statement{{
		Sid: "PutIntoCentralDestination", Effect: "Allow", Action: uniqueSorted(actions), Resource: uniqueSorted(streams),
	}}})
}
