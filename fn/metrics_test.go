package fn

import (
	"strings"
	"testing"
)

func TestMetricsRefusedBeyondAWSLimits(t *testing.T) {
	cases := map[string]refusal{
		"filter pattern over 1024 characters": {
			xr:   xrObject(map[string]any{"monitoring": map[string]any{"metrics": []any{map[string]any{"name": "Big", "pattern": `"` + strings.Repeat("x", 1024) + `"`}}}}),
			want: []string{"spec.monitoring.metrics[0].pattern", "1026 characters", "at most 1024"},
		},
		"empty pattern": {
			xr:   xrObject(map[string]any{"monitoring": map[string]any{"metrics": []any{map[string]any{"name": "Empty", "pattern": "  "}}}}),
			want: []string{"spec.monitoring.metrics[0].pattern: is required"},
		},
		"two names for the same resources": {
			xr:   xrObject(map[string]any{"monitoring": map[string]any{"metrics": []any{map[string]any{"name": "Orders.Placed", "pattern": "x"}, map[string]any{"name": "orders_placed", "pattern": "y"}}}}),
			want: []string{"spec.monitoring.metrics[1].name", `"Orders.Placed" and "orders_placed"`},
		},
		"name with a colon": {
			xr:   xrObject(map[string]any{"monitoring": map[string]any{"metrics": []any{map[string]any{"name": "a:b", "pattern": "x"}}}}),
			want: []string{"spec.monitoring.metrics[0].name", "may not contain"},
		},
		"name too long": {
			xr:   xrObject(map[string]any{"monitoring": map[string]any{"metrics": []any{map[string]any{"name": strings.Repeat("n", 33), "pattern": "x"}}}}),
			want: []string{"spec.monitoring.metrics[0].name", "longer than 32"},
		},
		"value over 100 characters": {
			xr:   xrObject(map[string]any{"monitoring": map[string]any{"metrics": []any{map[string]any{"name": "V", "pattern": "x", "value": "$." + strings.Repeat("v", 99)}}}}),
			want: []string{"spec.monitoring.metrics[0].value", "at most 100"},
		},
		"unknown comparison": {
			xr:   xrObject(map[string]any{"monitoring": map[string]any{"metrics": []any{map[string]any{"name": "C", "pattern": "x", "alarm": map[string]any{"threshold": int64(1), "comparison": "Above"}}}}}),
			want: []string{"spec.monitoring.metrics[0].alarm.comparison"},
		},
	}
	wantRefusals(t, cases)
}

func TestMetricFiltersInEveryRegion(t *testing.T) {
	code := map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "mcp/abc.zip"}}}
	xr := xrObject(map[string]any{"regions": []any{"us-east-1", "eu-west-1"}, "function": code, "monitoring": map[string]any{"metrics": []any{ordersMetric(false), map[string]any{"name": "PaymentMillis", "pattern": `{ $.payment_ms = * }`, "value": "$.payment_ms"}}}})
	m := byKey(t, settingsFor(t, xr, nil))
	for _, key := range []string{"metric-ordersplaced", "metric-ordersplaced-eu-west-1", "metric-paymentmillis", "metric-paymentmillis-eu-west-1"} {
		f, ok := m[key]
		if !ok {
			t.Fatalf("no %s among %v", key, keysOf(m))
		}
		if f["kind"] != "MetricFilter" {
			t.Errorf("%s kind %v", key, f["kind"])
		}
		wantGroup := KeyLogGroup
		if strings.HasSuffix(key, "-eu-west-1") {
			wantGroup += "-eu-west-1"
		}
		if got := lookup(f, "spec", "forProvider", "logGroupNameRef", "name"); got != objectName(settingsFor(t, xr, nil), wantGroup) {
			t.Errorf("%s filters %v, want the log group %s of its region", key, got, wantGroup)
		}
	}
	orders := lookup(m["metric-ordersplaced"], "spec", "forProvider").(map[string]any)
	tr := orders["metricTransformation"].(map[string]any)
	if tr["namespace"] != "LambdaStack/team_dev_mcp" || tr["name"] != "OrdersPlaced" || tr["value"] != "1" || tr["unit"] != "Count" {
		t.Errorf("metricTransformation %v", tr)
	}
	if orders["pattern"] != `{ $.event = "order_placed" }` || orders["region"] != "us-east-1" {
		t.Errorf("filter %v", orders)
	}
	if got := lookup(m["metric-paymentmillis"], "spec", "forProvider", "metricTransformation", "value"); got != "$.payment_ms" {
		t.Errorf("value %v", got)
	}
	if name := lookup(m["metric-ordersplaced"], "metadata", "annotations", annotationExternalName); name != "team_dev_mcp_metric-ordersplaced" {
		t.Errorf("filter name %v", name)
	}
	// dev has no alarms: a metric's alarm waits for a stage with alarms.
	if _, ok := m[keyMetricAlarm+"ordersplaced"]; ok {
		t.Error("alarm composed on a stage without alarms")
	}
}

func TestMetricAlarmJoinsTopicAndDashboard(t *testing.T) {
	xr := xrObject(map[string]any{"stage": "staging", "monitoring": map[string]any{"alarmTopicArn": opsTopic, "metrics": []any{ordersMetric(true)}}})
	m, _ := converged(t, settingsFor(t, xr, nil))
	a, ok := m[keyMetricAlarm+"ordersplaced"]
	if !ok {
		t.Fatalf("no metric alarm among %v", keysOf(m))
	}
	p := lookup(a, "spec", "forProvider").(map[string]any)
	if p["namespace"] != "LambdaStack/team_staging_mcp" || p["metricName"] != "OrdersPlaced" || p["statistic"] != "Sum" ||
		p["comparisonOperator"] != "LessThanThreshold" || p["threshold"] != int64(1) || p["evaluationPeriods"] != int64(3) {
		t.Errorf("alarm %v", p)
	}
	if _, ok := p["dimensions"]; ok {
		t.Errorf("the app's metric has no dimensions, alarm sets %v", p["dimensions"])
	}
	if acts, _ := p["alarmActions"].([]any); len(acts) != 1 || acts[0] != opsTopic {
		t.Errorf("alarmActions %v", p["alarmActions"])
	}
	if !strings.Contains(p["alarmDescription"].(string), "< 1 in 3 period(s)") {
		t.Errorf("description %v", p["alarmDescription"])
	}
	var found bool
	for _, w := range dashboardWidgets(t, m[keyDashboard]) {
		for _, met := range w.Properties.Metrics {
			if len(met) == 2 && met[0] == "LambdaStack/team_staging_mcp" && met[1] == "OrdersPlaced" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no dashboard widget shows the app's metric")
	}
}

func TestMetricFilterLegacyShape(t *testing.T) {
	xr := legacyXR(map[string]any{"monitoring": map[string]any{"metrics": []any{ordersMetric(false)}}})
	m := byKey(t, settingsFor(t, xr, nil))
	tr, ok := lookup(m["metric-ordersplaced"], "spec", "forProvider", "metricTransformation").([]any)
	if !ok || len(tr) != 1 {
		t.Errorf("legacy metricTransformation %v, want a one-element list", lookup(m["metric-ordersplaced"], "spec", "forProvider", "metricTransformation"))
	}
}
