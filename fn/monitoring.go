package fn

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Monitoring: CloudWatch alarms on the function (errors, throttles, p99 duration against a share
// of the timeout) and, with the HTTP API, on the API (5xx count, p99 latency), in every region;
// their alarm and OK actions go to an SNS topic: the stage's existing topic (alarmTopicArn) or
// one the stack creates per region (with optional email subscriptions). A dashboard in the
// primary region shows every region. Both are switched per stage (dev: off).
//
// Alarm actions are SNS topic ARNs written literally: provider-aws v2.5.0's alarmActionsRefs
// resolve to autoscaling Policies, not Topics. With a topic the stack creates, the alarms wait
// for its ARN (observed, or built from the account: a topic ARN is
// arn:<partition>:sns:<region>:<account>:<name>). The API alarms and the dashboard's API
// widgets wait for the API id (the ApiId dimension). See observed.go.

// Keys of the monitoring part (alarms, topic and subscriptions per region: <key>-<region>).
const (
	keyAlarmErrors     = "alarm-errors"
	keyAlarmThrottles  = "alarm-throttles"
	keyAlarmDuration   = "alarm-duration"
	keyAlarmAPI5xx     = "alarm-api-5xx"
	keyAlarmAPILatency = "alarm-api-latency"
	keyAlarmTopic      = "alarm-topic"
	keyAlarmEmail      = "alarm-topic-email-"
	keyDashboard       = "dashboard"
)

var reTopicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)

// monitoringConfig is the resolved monitoring.
type monitoringConfig struct {
	Alarms                   bool
	Dashboard                bool
	TopicARN                 string
	Emails                   []string
	ErrorThreshold           int64
	ThrottleThreshold        int64
	DurationPercentOfTimeout int64
	API5xxThreshold          int64
	APILatencyP99Millis      int64
	EvaluationPeriods        int64
	PeriodSeconds            int64
	// Metrics are the app's metrics from its log lines (metrics.go).
	Metrics []v1alpha1.LogMetricSpec
}

func resolveMonitoring(spec, stageCfg, base *v1alpha1.MonitoringSettings) monitoringConfig {
	spec, stageCfg = orZero(spec), orZero(stageCfg)
	emails := spec.AlarmEmails
	if len(emails) == 0 {
		emails = stageCfg.AlarmEmails
	}
	return monitoringConfig{
		Alarms:                   firstBool(spec.Alarms, stageCfg.Alarms, base.Alarms),
		Dashboard:                firstBool(spec.Dashboard, stageCfg.Dashboard, base.Dashboard),
		TopicARN:                 firstStr(spec.AlarmTopicARN, stageCfg.AlarmTopicARN),
		Emails:                   emails,
		ErrorThreshold:           firstInt(spec.ErrorThreshold, stageCfg.ErrorThreshold, base.ErrorThreshold),
		ThrottleThreshold:        firstInt(spec.ThrottleThreshold, stageCfg.ThrottleThreshold, base.ThrottleThreshold),
		DurationPercentOfTimeout: firstInt(spec.DurationPercentOfTimeout, stageCfg.DurationPercentOfTimeout, base.DurationPercentOfTimeout),
		API5xxThreshold:          firstInt(spec.API5xxThreshold, stageCfg.API5xxThreshold, base.API5xxThreshold),
		APILatencyP99Millis:      firstInt(spec.APILatencyP99Millis, stageCfg.APILatencyP99Millis, base.APILatencyP99Millis),
		EvaluationPeriods:        firstInt(spec.EvaluationPeriods, stageCfg.EvaluationPeriods, base.EvaluationPeriods),
		PeriodSeconds:            firstInt(spec.PeriodSeconds, stageCfg.PeriodSeconds, base.PeriodSeconds),
	}
}

func validateMonitoring(errs *fieldErrors, m *monitoringConfig) {
	if m.TopicARN != "" && !reTopicARN.MatchString(m.TopicARN) {
		errs.add("monitoring.alarmTopicArn", "%q is not an SNS topic ARN", m.TopicARN)
	}
	if m.TopicARN != "" && len(m.Emails) > 0 {
		errs.add("monitoring.alarmEmails", "email subscriptions apply only to the topic the stack creates; subscribe them to %s instead", m.TopicARN)
	}
	for _, e := range m.Emails {
		if strings.Count(e, "@") != 1 || strings.ContainsAny(e, " \t") {
			errs.add("monitoring.alarmEmails", "%q is not an email address", e)
		}
	}
}

// monitoring composes the alarms (with their topic) and the dashboard, as the stage says.
func (b *builder) monitoring() {
	if b.s.Monitoring.Alarms {
		b.regional(b.alarms)
	}
	if b.s.Monitoring.Dashboard {
		b.add(b.dashboard())
	}
}

// alarmSpec is one metric alarm.
type alarmSpec struct {
	Key        string
	Name       string // AWS name part: <stage>-<app>-<Name>
	What       string // for the description
	Namespace  string
	Metric     string
	Statistic  string // Sum, Maximum, ...; or
	Extended   string // a percentile such as p99
	Threshold  int64
	Comparison string
	Dimensions map[string]any
	// EvaluationPeriods overrides the stage's when set.
	EvaluationPeriods int64
}

func (b *builder) alarms(region, suffix string) {
	if b.s.Monitoring.TopicARN == "" {
		b.add(b.alarmTopic(region, suffix)...)
	}
	for _, a := range b.functionAlarms() {
		b.addAlarm(region, suffix, a)
	}
	for _, a := range b.metricAlarms() {
		b.addAlarm(region, suffix, a)
	}
	for _, a := range b.queueAlarms(suffix) {
		b.addAlarm(region, suffix, a)
	}
	if !b.s.API.Enabled {
		return
	}
	for _, a := range b.apiAlarms() {
		id := firstStr(b.apiID(suffix), b.o.kept(a.Key+suffix, "dimensions", "ApiId"))
		if id == "" {
			b.wait(a.Key+suffix, "the id of "+keyAPI+suffix)
			continue
		}
		a.Dimensions = map[string]any{"ApiId": id}
		b.addAlarm(region, suffix, a)
	}
}

func (b *builder) functionAlarms() []alarmSpec {
	m, fn := b.s.Monitoring, b.functionName()
	dims := func() map[string]any { return map[string]any{"FunctionName": fn} }
	return []alarmSpec{
		{Key: keyAlarmErrors, Name: "errors", What: "function errors", Namespace: "AWS/Lambda", Metric: "Errors",
			Statistic: "Sum", Threshold: m.ErrorThreshold, Comparison: "GreaterThanOrEqualToThreshold", Dimensions: dims()},
		{Key: keyAlarmThrottles, Name: "throttles", What: "throttled invocations", Namespace: "AWS/Lambda", Metric: "Throttles",
			Statistic: "Sum", Threshold: m.ThrottleThreshold, Comparison: "GreaterThanOrEqualToThreshold", Dimensions: dims()},
		{Key: keyAlarmDuration, Name: "duration-p99", What: fmt.Sprintf("p99 duration in ms (%d%% of the %d s timeout)", m.DurationPercentOfTimeout, b.s.Function.TimeoutSeconds),
			Namespace: "AWS/Lambda", Metric: "Duration", Extended: "p99", Threshold: b.durationThresholdMillis(),
			Comparison: "GreaterThanThreshold", Dimensions: dims()},
	}
}

// durationThresholdMillis is DurationPercentOfTimeout percent of the function timeout, in ms.
func (b *builder) durationThresholdMillis() int64 {
	return b.s.Function.TimeoutSeconds * 1000 * b.s.Monitoring.DurationPercentOfTimeout / 100
}

// apiAlarms are the API's alarms; their ApiId dimension is set by the caller.
func (b *builder) apiAlarms() []alarmSpec {
	m := b.s.Monitoring
	return []alarmSpec{
		{Key: keyAlarmAPI5xx, Name: "api-5xx", What: "API 5xx responses", Namespace: "AWS/ApiGateway", Metric: "5xx",
			Statistic: "Sum", Threshold: m.API5xxThreshold, Comparison: "GreaterThanOrEqualToThreshold"},
		{Key: keyAlarmAPILatency, Name: "api-latency-p99", What: "API p99 latency in ms", Namespace: "AWS/ApiGateway", Metric: "Latency",
			Extended: "p99", Threshold: m.APILatencyP99Millis, Comparison: "GreaterThanThreshold"},
	}
}

// addAlarm composes the alarm once its topic ARN is known.
func (b *builder) addAlarm(region, suffix string, a alarmSpec) {
	key := a.Key + suffix
	topic := firstStr(b.alarmTopicARN(region, suffix), b.o.kept(key, "alarmActions"))
	if topic == "" {
		b.wait(key, "the ARN of "+keyAlarmTopic+suffix)
		return
	}
	m := b.s.Monitoring
	periods := m.EvaluationPeriods
	if a.EvaluationPeriods > 0 {
		periods = a.EvaluationPeriods
	}
	p := map[string]any{
		"alarmDescription": fmt.Sprintf("%s of the %s %s stack: %s %d in %d period(s) of %d s (LambdaStack)",
			a.What, b.s.Stage, b.s.App, comparisonText(a.Comparison), a.Threshold, periods, m.PeriodSeconds),
		"namespace":          a.Namespace,
		"metricName":         a.Metric,
		"period":             m.PeriodSeconds,
		"evaluationPeriods":  periods,
		"threshold":          a.Threshold,
		"comparisonOperator": a.Comparison,
		"treatMissingData":   "notBreaching",
		"actionsEnabled":     true,
		"alarmActions":       []any{topic},
		"okActions":          []any{topic},
	}
	if len(a.Dimensions) > 0 {
		p["dimensions"] = a.Dimensions
	}
	if a.Extended != "" {
		p["extendedStatistic"] = a.Extended
	} else {
		p["statistic"] = a.Statistic
	}
	b.add(b.managed(key, "cloudwatch", "MetricAlarm",
		mrOpts{externalName: b.name(maxAlarmName, a.Name), region: region, taggable: true}, p))
}

func comparisonText(op string) string {
	switch op {
	case "GreaterThanThreshold":
		return ">"
	case "LessThanThreshold":
		return "<"
	case "LessThanOrEqualToThreshold":
		return "<="
	}
	return ">="
}

// alarmTopicName is the AWS name of the topic the stack creates (the same in every region).
func (b *builder) alarmTopicName() string { return b.name(maxTopicName, "alarms") }

// alarmTopicARN is the topic the alarms of region notify: the stage's existing topic, else the
// created topic's ARN (observed, or built from the account); "" until known.
func (b *builder) alarmTopicARN(region, suffix string) string {
	if t := b.s.Monitoring.TopicARN; t != "" {
		return t
	}
	name := b.alarmTopicName()
	return firstStr(b.o.observedARNOf(keyAlarmTopic+suffix, ":"+name), b.arnIn("sns", region, name))
}

// alarmTopic is the topic the stack creates (stateful: kept with the stage's retained data, so
// its subscriptions survive) and its email subscriptions (each must be confirmed by its owner).
func (b *builder) alarmTopic(region, suffix string) []composed {
	out := []composed{b.managed(keyAlarmTopic+suffix, "sns", "Topic",
		mrOpts{externalName: b.alarmTopicName(), region: region, taggable: true, stateful: true},
		map[string]any{"displayName": fitName("LambdaStack alarms "+b.s.Stage+" "+b.s.App, 100)})}
	for _, e := range slugsOf(b.s.Monitoring.Emails) {
		out = append(out, b.managed(keyAlarmEmail+e.Slug+suffix, "sns", "TopicSubscription", mrOpts{region: region},
			map[string]any{
				"protocol":    "email",
				"endpoint":    e.Value,
				"topicArnRef": b.ref(keyAlarmTopic + suffix),
			}))
	}
	return out
}

// dashboardName is the AWS name of the dashboard.
func (b *builder) dashboardName() string { return b.name(maxDashboardName) }

// dashboard is one dashboard, in the primary region: for a stack of several regions first a row
// comparing the regions, then per region the function widgets, the app's metrics, the live
// alias's versions (with a canary, live against canary) and the API widgets (once the API's id is
// observed), and last a text widget linking the runbook.
func (b *builder) dashboard() composed {
	widgets := b.regionWidgets()
	b.regional(func(region, suffix string) {
		widgets = append(widgets, b.functionWidgets(region)...)
		widgets = append(widgets, b.metricWidgets(region)...)
		widgets = append(widgets, b.releaseWidgets(region, suffix)...)
		widgets = append(widgets, b.queueWidgets(region, suffix)...)
		if !b.s.API.Enabled {
			return
		}
		if id := b.apiID(suffix); id != "" {
			widgets = append(widgets, b.apiWidgets(region, id)...)
		} else {
			b.wait(keyDashboard, "the id of "+keyAPI+suffix+" for its API widgets")
		}
	})
	widgets = append(widgets, b.runbookWidget())
	return b.managed(keyDashboard, "cloudwatch", "Dashboard",
		mrOpts{externalName: b.dashboardName(), region: b.s.Region},
		map[string]any{"dashboardBody": dashboardJSON(widgets)})
}

// runbookURL is the runbook section of docs/services.md in the project's repository (the
// Configuration's meta.crossplane.io/source; TestRunbookURL checks both).
const runbookURL = "https://github.com/spec3/lambdastack/blob/main/docs/services.md#runbook"

// runbookWidget is a text widget naming the stack and linking the runbook.
func (b *builder) runbookWidget() dashboardWidget {
	md := fmt.Sprintf("**%s** (%s, stage %s): something wrong? [Runbook](%s) · `kubectl describe %s`",
		b.s.App, compositeID(b.s), b.s.Stage, runbookURL, describeTarget(b.s))
	return dashboardWidget{Type: "text", Width: 24, Height: textWidgetHeight, Properties: textProperties{Markdown: md}}
}

// describeTarget is what kubectl describe takes for the stack's request: the claim for a
// claimed XLambdaStack, else the XR.
func describeTarget(s *settings) string {
	switch {
	case s.Flavour == namespaced:
		return "lambdastack -n " + s.Namespace + " " + s.XRName
	case s.Owner != "":
		return "lambdastackclaim -n " + s.Owner + " <claim> (XLambdaStack " + s.XRName + ")"
	}
	return "xlambdastack " + s.XRName
}

// regionWidgets compare the regions of a stack of several regions: invocations, errors and p99
// duration of each region's function, one line per region.
func (b *builder) regionWidgets() []dashboardWidget {
	if len(b.s.Regions) < 2 {
		return nil
	}
	byRegion := func(metric, stat string) [][]any {
		var out [][]any
		for _, r := range b.s.Regions {
			out = append(out, []any{"AWS/Lambda", metric, "FunctionName", b.functionName(), metricOptions{Stat: stat, Label: r, Region: r}})
		}
		return out
	}
	w := func(title, stat string, metrics [][]any) dashboardWidget {
		return dashboardWidget{Type: "metric", Width: widgetWidth, Height: widgetHeight, Properties: widgetProperties{
			Title: title, Region: b.s.Region, View: "timeSeries", Period: b.s.Monitoring.PeriodSeconds, Stat: stat, Metrics: metrics,
		}}
	}
	return []dashboardWidget{
		w("Lambda invocations by region", "Sum", byRegion("Invocations", "Sum")),
		w("Lambda errors by region", "Sum", byRegion("Errors", "Sum")),
		w("Lambda duration p99 (ms) by region", "p99", byRegion("Duration", "p99")),
	}
}

// releaseWidgets show the versions the live alias serves in a region (Lambda's ExecutedVersion
// dimension on the alias): invocations and errors of the live version and, during a canary, of
// the canary version. None without the alias or before a version is published.
func (b *builder) releaseWidgets(region, suffix string) []dashboardWidget {
	if !b.s.Release.UseAlias {
		return nil
	}
	t := b.aliasTarget(suffix)
	if !isVersion(t.Version) {
		return nil
	}
	fn := b.functionName()
	versions := []struct{ version, label string }{{t.Version, "live v" + t.Version}}
	if t.Canary != "" {
		versions = append(versions, struct{ version, label string }{t.Canary, fmt.Sprintf("canary v%s (%g%%)", t.Canary, t.Weight*100)})
	}
	series := func(metric string) [][]any {
		var out [][]any
		for _, v := range versions {
			out = append(out, []any{"AWS/Lambda", metric, "FunctionName", fn, "Resource", fn + ":" + aliasName, "ExecutedVersion", v.version, metricOptions{Label: v.label}})
		}
		return out
	}
	return []dashboardWidget{
		b.widget(region, "Live alias: invocations by version", "Sum", series("Invocations")...),
		b.widget(region, "Live alias: errors by version", "Sum", series("Errors")...),
	}
}

// Dashboard body (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html),
// written from structs so its bytes never change for the same stack.
type dashboardBody struct {
	Widgets []dashboardWidget `json:"widgets"`
}

type dashboardWidget struct {
	Type       string `json:"type"`
	X          int    `json:"x"`
	Y          int    `json:"y"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Properties any    `json:"properties"` // widgetProperties or textProperties
}

// textProperties are the properties of a text widget.
type textProperties struct {
	Markdown string `json:"markdown"`
}

type widgetProperties struct {
	Title   string  `json:"title"`
	Region  string  `json:"region"`
	View    string  `json:"view"`
	Stacked bool    `json:"stacked"`
	Period  int64   `json:"period"`
	Stat    string  `json:"stat"`
	Metrics [][]any `json:"metrics"`
}

// metricOptions is the rendering of one metric of a widget.
type metricOptions struct {
	Stat   string `json:"stat,omitempty"`
	Label  string `json:"label,omitempty"`
	Region string `json:"region,omitempty"`
}

const (
	dashboardWidth   = 24
	widgetWidth      = 8
	widgetHeight     = 6
	textWidgetHeight = 2
)

func (b *builder) widget(region, title, stat string, metrics ...[]any) dashboardWidget {
	if len(b.s.Regions) > 1 {
		title += " (" + region + ")"
	}
	return dashboardWidget{Type: "metric", Width: widgetWidth, Height: widgetHeight, Properties: widgetProperties{
		Title: title, Region: region, View: "timeSeries", Period: b.s.Monitoring.PeriodSeconds, Stat: stat, Metrics: metrics,
	}}
}

// metricOf returns a dashboard metric builder for one namespace and dimension.
func metricOf(namespace, dimension, value string) func(name string, opts ...metricOptions) []any {
	return func(name string, opts ...metricOptions) []any {
		m := []any{namespace, name, dimension, value}
		for _, o := range opts {
			m = append(m, o)
		}
		return m
	}
}

func (b *builder) functionWidgets(region string) []dashboardWidget {
	metric := metricOf("AWS/Lambda", "FunctionName", b.functionName())
	return []dashboardWidget{
		b.widget(region, "Lambda invocations", "Sum", metric("Invocations")),
		b.widget(region, "Lambda errors", "Sum", metric("Errors")),
		b.widget(region, "Lambda duration (ms)", "p99",
			metric("Duration", metricOptions{Stat: "p50", Label: "p50"}), metric("Duration", metricOptions{Stat: "p99", Label: "p99"})),
		b.widget(region, "Lambda throttles", "Sum", metric("Throttles")),
		b.widget(region, "Lambda concurrent executions", "Maximum", metric("ConcurrentExecutions")),
	}
}

func (b *builder) apiWidgets(region, apiID string) []dashboardWidget {
	metric := metricOf("AWS/ApiGateway", "ApiId", apiID)
	return []dashboardWidget{
		b.widget(region, "API requests", "Sum", metric("Count")),
		b.widget(region, "API 4xx", "Sum", metric("4xx")),
		b.widget(region, "API 5xx", "Sum", metric("5xx")),
		b.widget(region, "API latency (ms)", "p99",
			metric("Latency", metricOptions{Stat: "p50", Label: "p50"}), metric("Latency", metricOptions{Stat: "p99", Label: "p99"})),
	}
}

// dashboardJSON lays the widgets out left to right in rows of the dashboard's width (a widget
// that does not fit starts a new row below the tallest of the row) and renders the body.
func dashboardJSON(widgets []dashboardWidget) string {
	x, y, rowHeight := 0, 0, 0
	for i := range widgets {
		if x+widgets[i].Width > dashboardWidth {
			x, y, rowHeight = 0, y+rowHeight, 0
		}
		widgets[i].X, widgets[i].Y = x, y
		x += widgets[i].Width
		rowHeight = max(rowHeight, widgets[i].Height)
	}
	out, err := json.Marshal(dashboardBody{Widgets: widgets})
	if err != nil { // strings, numbers and structs: cannot fail
		panic(err)
	}
	return string(out)
}

// monitoringStatus is the primary region's alarm topic ARN (once known) and the dashboard name,
// each only when the stage has alarms or a dashboard.
func (b *builder) monitoringStatus() (topicARN, dashboard string) {
	if b.s.Monitoring.Alarms {
		topicARN = b.alarmTopicARN(b.s.Region, "")
	}
	if b.s.Monitoring.Dashboard {
		dashboard = b.dashboardName()
	}
	return topicARN, dashboard
}
