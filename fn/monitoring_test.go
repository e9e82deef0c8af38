package fn

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const opsTopic = "arn:aws:sns:us-east-1:" + testAccount + ":ops"

func TestAlarms(t *testing.T) {
	cases := map[string]struct {
		xr        map[string]any
		observed  bool // after the simulated provider reported the first reconcile
		wantKeys  []string
		absent    []string
		wantTopic string // alarm and OK action of every alarm
	}{
		"dev: off": {
			xr:       xrObject(nil),
			observed: true,
			absent:   []string{KeyAlarmErrors, KeyAlarmThrottles, KeyAlarmDuration, KeyAlarmAPI5xx, KeyAlarmAPILatency, KeyAlarmTopic, KeyDashboard},
		},
		"existing topic: function alarms at once, API alarms wait for the API id": {
			xr:        xrObject(map[string]any{"stage": "staging", "monitoring": map[string]any{"alarmTopicArn": opsTopic}}),
			wantKeys:  []string{KeyAlarmErrors, KeyAlarmThrottles, KeyAlarmDuration},
			absent:    []string{KeyAlarmAPI5xx, KeyAlarmAPILatency, KeyAlarmTopic},
			wantTopic: opsTopic,
		},
		"existing topic, observed: every alarm": {
			xr:        xrObject(map[string]any{"stage": "staging", "monitoring": map[string]any{"alarmTopicArn": opsTopic}}),
			observed:  true,
			wantKeys:  []string{KeyAlarmErrors, KeyAlarmThrottles, KeyAlarmDuration, KeyAlarmAPI5xx, KeyAlarmAPILatency},
			absent:    []string{KeyAlarmTopic},
			wantTopic: opsTopic,
		},
		"created topic: alarms wait for its ARN": {
			xr:       xrObject(map[string]any{"stage": "staging", "monitoring": map[string]any{"alarmEmails": []any{"b@example.com", "a@example.com"}}}),
			wantKeys: []string{KeyAlarmTopic, "alarm-topic-email-a-example-com", "alarm-topic-email-b-example-com"},
			absent:   []string{KeyAlarmErrors, KeyAlarmAPI5xx},
		},
		"created topic, observed": {
			xr:        xrObject(map[string]any{"stage": "staging"}),
			observed:  true,
			wantKeys:  []string{KeyAlarmTopic, KeyAlarmErrors, KeyAlarmThrottles, KeyAlarmDuration, KeyAlarmAPI5xx, KeyAlarmAPILatency},
			wantTopic: "arn:aws:sns:us-east-1:" + testAccount + ":team_staging-mcp-alarms",
		},
		"API off: no API alarms": {
			xr:        xrObject(map[string]any{"stage": "staging", "api": map[string]any{"enabled": false}, "monitoring": map[string]any{"alarmTopicArn": opsTopic}}),
			observed:  true,
			wantKeys:  []string{KeyAlarmErrors},
			absent:    []string{KeyAlarmAPI5xx, KeyAlarmAPILatency},
			wantTopic: opsTopic,
		},
		"dev with alarms on by request": {
			xr:        xrObject(map[string]any{"monitoring": map[string]any{"alarms": true, "alarmTopicArn": opsTopic}}),
			wantKeys:  []string{KeyAlarmErrors},
			absent:    []string{KeyDashboard},
			wantTopic: opsTopic,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := settingsFor(t, tc.xr, nil)
			m := planSettled(t, s, tc.observed)
			for _, k := range tc.wantKeys {
				if _, ok := m[k]; !ok {
					t.Errorf("%s not composed; have %v", k, keysOf(m))
				}
			}
			for _, k := range tc.absent {
				if _, ok := m[k]; ok {
					t.Errorf("%s composed, want not", k)
				}
			}
			for k, obj := range m {
				if field(obj, "kind") != "MetricAlarm" || k == KeyCanaryAlarm {
					continue
				}
				for _, f := range []string{"alarmActions", "okActions"} {
					if got := fp(obj, f); !reflect.DeepEqual(got, []any{tc.wantTopic}) {
						t.Errorf("%s %s = %v, want [%s]", k, f, got, tc.wantTopic)
					}
				}
			}
		})
	}
}

func TestAlarmFields(t *testing.T) {
	xr := xrObject(map[string]any{"stage": "prod", "function": map[string]any{
		"code": map[string]any{"s3": map[string]any{"bucket": "artifacts", "key": "k.zip"}}, "timeoutSeconds": 20,
	}, "monitoring": map[string]any{"alarmTopicArn": opsTopic, "durationPercentOfTimeout": 50, "periodSeconds": 300, "evaluationPeriods": 3}})
	m, _ := converged(t, settingsFor(t, xr, nil))
	cases := map[string]map[string]any{
		KeyAlarmErrors: {"namespace": "AWS/Lambda", "metricName": "Errors", "statistic": "Sum", "threshold": int64(1),
			"comparisonOperator": "GreaterThanOrEqualToThreshold", "dimensions": map[string]any{"FunctionName": "team_prod-mcp"}},
		KeyAlarmThrottles: {"namespace": "AWS/Lambda", "metricName": "Throttles", "statistic": "Sum", "threshold": int64(1)},
		KeyAlarmDuration: {"namespace": "AWS/Lambda", "metricName": "Duration", "extendedStatistic": "p99", "statistic": nil,
			"threshold": int64(10000), "comparisonOperator": "GreaterThanThreshold"},
		KeyAlarmAPI5xx: {"namespace": "AWS/ApiGateway", "metricName": "5xx", "statistic": "Sum", "threshold": int64(1),
			"dimensions": map[string]any{"ApiId": simAPIID}},
		KeyAlarmAPILatency: {"namespace": "AWS/ApiGateway", "metricName": "Latency", "extendedStatistic": "p99", "threshold": int64(2000),
			"comparisonOperator": "GreaterThanThreshold", "dimensions": map[string]any{"ApiId": simAPIID}},
	}
	for key, want := range cases {
		a := m[key]
		want["period"], want["evaluationPeriods"], want["treatMissingData"], want["actionsEnabled"] = int64(300), int64(3), "notBreaching", true
		for f, v := range want {
			if got := fp(a, f); !reflect.DeepEqual(got, v) {
				t.Errorf("%s %s = %v, want %v", key, f, got, v)
			}
		}
		if n, _ := field(a, "metadata", "annotations", AnnotationExternalName).(string); !strings.HasPrefix(n, "team_prod-mcp-") {
			t.Errorf("%s name = %q", key, n)
		}
	}
}

func TestAlarmTopic(t *testing.T) {
	for _, stage := range []string{"staging", "prod"} {
		t.Run(stage, func(t *testing.T) {
			xr := xrObject(map[string]any{"stage": stage, "monitoring": map[string]any{"alarmEmails": []any{"ops@example.com"}}})
			m := byKey(t, settingsFor(t, xr, nil))
			topic := m[KeyAlarmTopic]
			if got := field(topic, "metadata", "annotations", AnnotationExternalName); got != "team_"+stage+"-mcp-alarms" {
				t.Errorf("topic name = %v", got)
			}
			mp := field(topic, "spec", "managementPolicies")
			if retained := mp != nil; retained != (stage == "prod") {
				t.Errorf("topic managementPolicies = %v; want Delete left out only for prod", mp)
			}
			sub := m["alarm-topic-email-ops-example-com"]
			want := map[string]any{"protocol": "email", "endpoint": "ops@example.com", "topicArnRef": map[string]any{"name": "mcp--alarm-topic"}}
			for k, v := range want {
				if got := fp(sub, k); !reflect.DeepEqual(got, v) {
					t.Errorf("subscription %s = %v, want %v", k, got, v)
				}
			}
		})
	}
}

func TestMonitoringStatus(t *testing.T) {
	s := settingsFor(t, xrObject(map[string]any{"stage": "staging"}), nil)
	_, o := converged(t, s)
	st := mustPlan(t, s, o).Status
	if st.AlarmTopicARN != "arn:aws:sns:us-east-1:"+testAccount+":team_staging-mcp-alarms" || st.DashboardName != "team_staging-mcp" {
		t.Errorf("status alarmTopicArn %q dashboardName %q", st.AlarmTopicARN, st.DashboardName)
	}
	dev := settingsFor(t, xrObject(nil), nil)
	if st := mustPlan(t, dev, o).Status; st.AlarmTopicARN != "" || st.DashboardName != "" {
		t.Errorf("dev status alarmTopicArn %q dashboardName %q, want none", st.AlarmTopicARN, st.DashboardName)
	}
}

func TestDashboard(t *testing.T) {
	s := settingsFor(t, xrObject(map[string]any{"stage": "staging", "monitoring": map[string]any{"alarmTopicArn": opsTopic}}), nil)
	first, out, _ := plan(t, s, nil)
	before := dashboardWidgets(t, first[KeyDashboard])
	if want := []string{"Lambda invocations", "Lambda errors", "Lambda duration (ms)", "Lambda throttles", "Lambda concurrent executions"}; !reflect.DeepEqual(titles(before), want) {
		t.Errorf("widgets before the API id is known = %v, want %v", titles(before), want)
	}
	after, _, _ := plan(t, s, simulateObserved(out))
	widgets := dashboardWidgets(t, after[KeyDashboard])
	if got := titles(widgets)[5:]; !reflect.DeepEqual(got, []string{"API requests", "API 4xx", "API 5xx", "API latency (ms)"}) {
		t.Errorf("API widgets = %v", got)
	}
	last := widgets[len(widgets)-1]
	if last.X != 16 || last.Y != 12 || last.Width != 8 || last.Height != 6 {
		t.Errorf("last widget at %d,%d size %dx%d", last.X, last.Y, last.Width, last.Height)
	}
	if m := last.Properties.Metrics[0]; m[0] != "AWS/ApiGateway" || m[2] != "ApiId" || m[3] != simAPIID {
		t.Errorf("API metric = %v", m)
	}
	d := after[KeyDashboard]
	if got := field(d, "metadata", "annotations", AnnotationExternalName); got != "team_staging-mcp" {
		t.Errorf("dashboard name = %v", got)
	}
	again, _, _ := plan(t, s, simulateObserved(out))
	if fp(again[KeyDashboard], "dashboardBody") != fp(d, "dashboardBody") {
		t.Error("dashboard body differs between two builds")
	}
}

func TestDashboardMultiRegion(t *testing.T) {
	s := settingsFor(t, xrObject(map[string]any{"stage": "staging", "regions": []any{"us-east-1", "eu-west-1"},
		"function":   map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "k.zip"}}},
		"monitoring": map[string]any{"alarmTopicArn": opsTopic}}), nil)
	m, _ := converged(t, s)
	widgets := dashboardWidgets(t, m[KeyDashboard])
	if len(widgets) != 18 {
		t.Fatalf("%d widgets, want 9 per region", len(widgets))
	}
	if widgets[9].Properties.Region != "eu-west-1" || !strings.HasSuffix(widgets[9].Properties.Title, "(eu-west-1)") {
		t.Errorf("second region's first widget = %+v", widgets[9].Properties)
	}
	if _, ok := m[KeyAlarmErrors+"-eu-west-1"]; !ok {
		t.Error("no alarms in the second region")
	}
}

func dashboardWidgets(t *testing.T, d map[string]any) []dashboardWidget {
	t.Helper()
	body, _ := fp(d, "dashboardBody").(string)
	var b dashboardBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("dashboard body is not JSON: %v", err)
	}
	return b.Widgets
}

func titles(ws []dashboardWidget) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Properties.Title
	}
	return out
}
