package fn

import (
	"fmt"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// The app's own metrics (spec.monitoring.metrics): a CloudWatch Logs metric filter per metric on
// the function's log group in every region turns matching log lines into a metric in the app's
// namespace LambdaStack/<owner>_<stage>-<app>. With an alarm, a MetricAlarm per region notifies
// the stack's alarm topic (where the stage has alarms); the dashboard shows each metric.

// Key prefixes of the app's metrics: <prefix><slug of the metric name>[-<region>].
const (
	keyMetricFilter = "metric-"
	keyMetricAlarm  = "alarm-metric-"
)

// AWS limits of metric filters and metrics (CloudWatch Logs PutMetricFilter, CloudWatch
// PutMetricData).
const (
	maxFilterPattern    = 1024
	maxMetricValue      = 100
	maxMetricName       = 32 // the XRD's; keeps alarm-metric-<slug>-<region> within 63
	maxMetricNamespace  = 255
	maxMetricFilterName = 512
	// metricNamespacePrefix starts the namespace of every stack's own metrics.
	metricNamespacePrefix = "LambdaStack/"
)

// metricNamespace is the CloudWatch namespace of the stack's own metrics.
func (b *builder) metricNamespace() string {
	return metricNamespacePrefix + stackStem(b.s)
}

// metricFilters composes one metric filter per metric and region on the function's log group.
func (b *builder) metricFilters() {
	ns := b.metricNamespace()
	b.regional(func(region, suffix string) {
		for _, m := range b.s.Monitoring.Metrics {
			t := map[string]any{"name": m.Name, "namespace": ns, "value": metricValue(m)}
			if m.Unit != "" {
				t["unit"] = m.Unit
			}
			b.add(b.managed(keyMetricFilter+slug(m.Name)+suffix, "cloudwatchlogs", "MetricFilter",
				mrOpts{externalName: b.name(maxMetricFilterName, "metric", slug(m.Name)), region: region},
				map[string]any{
					"logGroupNameRef":      b.ref(KeyLogGroup + suffix),
					"pattern":              m.Pattern,
					"metricTransformation": b.block(t),
				}))
		}
	})
}

func metricValue(m v1alpha1.LogMetricSpec) string {
	if m.Value == "" {
		return "1"
	}
	return m.Value
}

// metricAlarms are the alarms of the app's metrics that ask for one.
func (b *builder) metricAlarms() []alarmSpec {
	var out []alarmSpec
	for _, m := range b.s.Monitoring.Metrics {
		if m.Alarm == nil {
			continue
		}
		a := alarmSpec{
			Key: keyMetricAlarm + slug(m.Name), Name: "metric-" + slug(m.Name), What: m.Name,
			Namespace: b.metricNamespace(), Metric: m.Name, Statistic: firstStr(m.Alarm.Statistic, "Sum"),
			Threshold: m.Alarm.Threshold, Comparison: firstStr(m.Alarm.Comparison, "GreaterThanOrEqualToThreshold"),
		}
		if m.Alarm.EvaluationPeriods != nil {
			a.EvaluationPeriods = *m.Alarm.EvaluationPeriods
		}
		out = append(out, a)
	}
	return out
}

// metricWidgets are the dashboard's widgets of the app's metrics in one region.
func (b *builder) metricWidgets(region string) []dashboardWidget {
	ns := b.metricNamespace()
	var out []dashboardWidget
	for _, m := range b.s.Monitoring.Metrics {
		stat := "Sum"
		if m.Alarm != nil && m.Alarm.Statistic != "" {
			stat = m.Alarm.Statistic
		}
		out = append(out, b.widget(region, m.Name+" ("+ns+")", stat, []any{ns, m.Name}))
	}
	return out
}

// validateMetrics checks the app's metrics against AWS's limits, naming the field.
func validateMetrics(errs *fieldErrors, s *settings) {
	ns := metricNamespacePrefix + stackStem(s)
	if len(s.Monitoring.Metrics) > 0 && len(ns) > maxMetricNamespace {
		errs.add("spec.monitoring.metrics", "the namespace %q is longer than CloudWatch's %d characters", ns, maxMetricNamespace)
	}
	seen := map[string]string{}
	for i, m := range s.Monitoring.Metrics {
		f := fmt.Sprintf("spec.monitoring.metrics[%d]", i)
		switch {
		case m.Name == "":
			errs.add(f+".name", "is required")
		case len(m.Name) > maxMetricName:
			errs.add(f+".name", "%q is longer than %d characters", m.Name, maxMetricName)
		case strings.ContainsAny(m.Name, ":*$ "):
			errs.add(f+".name", "%q may not contain ':', '*', '$' or spaces", m.Name)
		}
		if other, ok := seen[slug(m.Name)]; ok {
			errs.add(f+".name", "%q and %q name the same metric resources (%s); pick names that differ in letters or digits", other, m.Name, slug(m.Name))
		}
		seen[slug(m.Name)] = m.Name
		switch {
		case strings.TrimSpace(m.Pattern) == "":
			errs.add(f+".pattern", "is required (a CloudWatch Logs filter pattern)")
		case len(m.Pattern) > maxFilterPattern:
			errs.add(f+".pattern", "is %d characters, AWS allows at most %d", len(m.Pattern), maxFilterPattern)
		}
		if len(m.Value) > maxMetricValue {
			errs.add(f+".value", "is %d characters, AWS allows at most %d", len(m.Value), maxMetricValue)
		}
		if a := m.Alarm; a != nil {
			if a.Threshold < 0 {
				errs.add(f+".alarm.threshold", "must not be negative")
			}
			if a.EvaluationPeriods != nil && (*a.EvaluationPeriods < 1 || *a.EvaluationPeriods > 10) {
				errs.add(f+".alarm.evaluationPeriods", "must be 1 to 10")
			}
			if !oneOf(a.Comparison, "", "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold") {
				errs.add(f+".alarm.comparison", "%q is not a CloudWatch comparison operator", a.Comparison)
			}
			if !oneOf(a.Statistic, "", "Sum", "Average", "Minimum", "Maximum", "SampleCount") {
				errs.add(f+".alarm.statistic", "%q is not a CloudWatch statistic", a.Statistic)
			}
		}
	}
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}
