package fn

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

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
			absent:   []string{keyAlarmErrors, keyAlarmThrottles, keyAlarmDuration, keyAlarmAPI5xx, keyAlarmAPILatency, keyAlarmTopic, keyDashboard},
		},
		"existing topic: function alarms at once, API alarms wait for the API id": {
			xr:        xrObject(map[string]any{"stage": "staging", "monitoring": map[string]any{"alarmTopicArn": opsTopic}}),
			wantKeys:  []string{keyAlarmErrors, keyAlarmThrottles, keyAlarmDuration},
			absent:    []string{keyAlarmAPI5xx, keyAlarmAPILatency, keyAlarmTopic},
			wantTopic: opsTopic,
		},
		"existing topic, observed: every alarm": {
			xr:        xrObject(map[string]any{"stage": "staging", "monitoring": map[string]any{"alarmTopicArn": opsTopic}}),
			observed:  true,
			wantKeys:  []string{keyAlarmErrors, keyAlarmThrottles, keyAlarmDuration, keyAlarmAPI5xx, keyAlarmAPILatency},
			absent:    []string{keyAlarmTopic},
			wantTopic: opsTopic,
		},
		"created topic: alarms wait for its ARN": {
			xr:       xrObject(map[string]any{"stage": "staging", "monitoring": map[string]any{"alarmEmails": []any{"b@example.com", "a@example.com"}}}),
			wantKeys: []string{keyAlarmTopic, "alarm-topic-email-a-example-com", "alarm-topic-email-b-example-com"},
			absent:   []string{keyAlarmErrors, keyAlarmAPI5xx},
		},
		"created topic, observed": {
			xr:        xrObject(map[string]any{"stage": "staging"}),
			observed:  true,
			wantKeys:  []string{keyAlarmTopic, keyAlarmErrors, keyAlarmThrottles, keyAlarmDuration, keyAlarmAPI5xx, keyAlarmAPILatency},
			wantTopic: "arn:aws:sns:us-east-1:" + testAccount + ":team_staging_mcp_alarms",
		},
		"API off: no API alarms": {
			xr:        xrObject(map[string]any{"stage": "staging", "api": map[string]any{"enabled": false}, "monitoring": map[string]any{"alarmTopicArn": opsTopic}}),
			observed:  true,
			wantKeys:  []string{keyAlarmErrors},
			absent:    []string{keyAlarmAPI5xx, keyAlarmAPILatency},
			wantTopic: opsTopic,
		},
		"dev with alarms on by request": {
			xr:        xrObject(map[string]any{"monitoring": map[string]any{"alarms": true, "alarmTopicArn": opsTopic}}),
			wantKeys:  []string{keyAlarmErrors},
			absent:    []string{keyDashboard},
			wantTopic: opsTopic,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := settingsFor(t, tc.xr, nil)
			m := planSettled(t, s, tc.observed)
			wantKeys(t, m, tc.wantKeys, tc.absent)
			for k, obj := range m {
				if lookup(obj, "kind") != "MetricAlarm" || k == keyCanaryAlarm {
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
		keyAlarmErrors: {"namespace": "AWS/Lambda", "metricName": "Errors", "statistic": "Sum", "threshold": int64(1),
			"comparisonOperator": "GreaterThanOrEqualToThreshold", "dimensions": map[string]any{"FunctionName": "team_prod_mcp"}},
		keyAlarmThrottles: {"namespace": "AWS/Lambda", "metricName": "Throttles", "statistic": "Sum", "threshold": int64(1)},
		keyAlarmDuration: {"namespace": "AWS/Lambda", "metricName": "Duration", "extendedStatistic": "p99", "statistic": nil,
			"threshold": int64(10000), "comparisonOperator": "GreaterThanThreshold"},
		keyAlarmAPI5xx: {"namespace": "AWS/ApiGateway", "metricName": "5xx", "statistic": "Sum", "threshold": int64(1),
			"dimensions": map[string]any{"ApiId": simAPIID}},
		keyAlarmAPILatency: {"namespace": "AWS/ApiGateway", "metricName": "Latency", "extendedStatistic": "p99", "threshold": int64(2000),
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
		if n, _ := lookup(a, "metadata", "annotations", annotationExternalName).(string); !strings.HasPrefix(n, "team_prod_mcp_") {
			t.Errorf("%s name = %q", key, n)
		}
	}
}

func TestAlarmTopic(t *testing.T) {
	for _, stage := range []string{"staging", "prod"} {
		t.Run(stage, func(t *testing.T) {
			xr := xrObject(map[string]any{"stage": stage, "monitoring": map[string]any{"alarmEmails": []any{"ops@example.com"}}})
			m := byKey(t, settingsFor(t, xr, nil))
			topic := m[keyAlarmTopic]
			if got := lookup(topic, "metadata", "annotations", annotationExternalName); got != "team_"+stage+"_mcp_alarms" {
				t.Errorf("topic name = %v", got)
			}
			mp := lookup(topic, "spec", "managementPolicies")
			if retained := mp != nil; retained != (stage == "prod") {
				t.Errorf("topic managementPolicies = %v; want Delete left out only for prod", mp)
			}
			sub := m["alarm-topic-email-ops-example-com"]
			want := map[string]any{"protocol": "email", "endpoint": "ops@example.com", "topicArnRef": map[string]any{"name": "mcp--alarm-topic"}}
			wantFields(t, "subscription", sub, want)
		})
	}
}

func TestMonitoringStatus(t *testing.T) {
	s := settingsFor(t, xrObject(map[string]any{"stage": "staging"}), nil)
	_, o := converged(t, s)
	st := mustPlan(t, s, o).Status
	if st.AlarmTopicARN != "arn:aws:sns:us-east-1:"+testAccount+":team_staging_mcp_alarms" || st.DashboardName != "team_staging_mcp" {
		t.Errorf("status alarmTopicArn %q dashboardName %q", st.AlarmTopicARN, st.DashboardName)
	}
	dev := settingsFor(t, xrObject(nil), nil)
	if st := mustPlan(t, dev, o).Status; st.AlarmTopicARN != "" || st.DashboardName != "" {
		t.Errorf("dev status alarmTopicArn %q dashboardName %q, want none", st.AlarmTopicARN, st.DashboardName)
	}
}

func TestDashboard(t *testing.T) {
	s := settingsFor(t, xrObject(map[string]any{"stage": "staging", "monitoring": map[string]any{"alarmTopicArn": opsTopic}}), nil)
	first, out, _ := planByKey(t, s, nil)
	before := dashboardWidgets(t, first[keyDashboard])
	if want := []string{"Lambda invocations", "Lambda errors", "Lambda duration (ms)", "Lambda throttles", "Lambda concurrent executions"}; !reflect.DeepEqual(titles(before), want) {
		t.Errorf("widgets before the API id is known = %v, want %v", titles(before), want)
	}
	after, _, _ := planByKey(t, s, simulateObserved(out))
	widgets := dashboardWidgets(t, after[keyDashboard])
	if got := titles(widgets)[5:]; !reflect.DeepEqual(got, []string{"Live alias: invocations by version", "Live alias: errors by version", "API requests", "API 4xx", "API 5xx", "API latency (ms)"}) {
		t.Errorf("release and API widgets = %v", got)
	}
	last := widgets[len(widgets)-1]
	if last.X != 8 || last.Y != 18 || last.Width != 8 || last.Height != 6 {
		t.Errorf("last metric widget at %d,%d size %dx%d", last.X, last.Y, last.Width, last.Height)
	}
	all := allWidgets(t, after[keyDashboard])
	text := all[len(all)-1]
	if text.Type != "text" || text.X != 0 || text.Y != 24 || text.Width != 24 ||
		!strings.Contains(text.Properties.Markdown, "[Runbook]("+runbookURL+")") || !strings.Contains(text.Properties.Markdown, "kubectl describe lambdastack -n team mcp") {
		t.Errorf("runbook widget %+v", text)
	}
	if m := last.Properties.Metrics[0]; m[0] != "AWS/ApiGateway" || m[2] != "ApiId" || m[3] != simAPIID {
		t.Errorf("API metric = %v", m)
	}
	d := after[keyDashboard]
	if got := lookup(d, "metadata", "annotations", annotationExternalName); got != "team_staging_mcp" {
		t.Errorf("dashboard name = %v", got)
	}
	again, _, _ := planByKey(t, s, simulateObserved(out))
	if fp(again[keyDashboard], "dashboardBody") != fp(d, "dashboardBody") {
		t.Error("dashboard body differs between two builds")
	}
}

func TestDashboardMultiRegion(t *testing.T) {
	s := settingsFor(t, xrObject(map[string]any{"stage": "staging", "regions": []any{"us-east-1", "eu-west-1"},
		"function":   map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "k.zip"}}},
		"monitoring": map[string]any{"alarmTopicArn": opsTopic}}), nil)
	m, _ := converged(t, s)
	widgets := dashboardWidgets(t, m[keyDashboard])
	if len(widgets) != 3+2*11 {
		t.Fatalf("%d widgets, want 3 comparing the regions and 11 per region: %v", len(widgets), titles(widgets))
	}
	if got := titles(widgets[:3]); !reflect.DeepEqual(got, []string{"Lambda invocations by region", "Lambda errors by region", "Lambda duration p99 (ms) by region"}) {
		t.Errorf("region comparison widgets %v", got)
	}
	for _, w := range widgets[:3] {
		var regions []string
		for _, met := range w.Properties.Metrics {
			opts, _ := met[len(met)-1].(map[string]any)
			r, _ := opts["region"].(string)
			regions = append(regions, r)
		}
		if !reflect.DeepEqual(regions, []string{"us-east-1", "eu-west-1"}) {
			t.Errorf("%s shows regions %v", w.Properties.Title, regions)
		}
	}
	if w := widgets[3+11]; w.Properties.Region != "eu-west-1" || !strings.HasSuffix(w.Properties.Title, "(eu-west-1)") {
		t.Errorf("second region's first widget = %+v", w.Properties)
	}
	if _, ok := m[keyAlarmErrors+"-eu-west-1"]; !ok {
		t.Error("no alarms in the second region")
	}
}

func titles(ws []decodedWidget) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Properties.Title
	}
	return out
}

func TestDashboardShowsLiveAndCanaryVersions(t *testing.T) {
	s := settingsFor(t, prodXR(map[string]any{"canary": map[string]any{"additionalVersion": "8", "weight": int64(10)}}, nil), prodEnvs()[0])
	o := observedStack(t, s, map[string]map[string]any{KeyFunction: fnObserved("8")}, map[string]map[string]any{keyAlias: {"functionVersion": "7"}})
	widgets := dashboardWidgets(t, builtWith(t, s, o)[keyDashboard])
	var release []decodedWidget
	for _, w := range widgets {
		if strings.HasPrefix(w.Properties.Title, "Live alias") {
			release = append(release, w)
		}
	}
	if len(release) != 2 {
		t.Fatalf("release widgets %v", titles(widgets))
	}
	var labels, versions []string
	for _, met := range release[0].Properties.Metrics {
		if met[4] != "Resource" || met[5] != "team_prod_mcp:live" || met[6] != "ExecutedVersion" {
			t.Errorf("release metric %v", met)
		}
		versions = append(versions, met[7].(string))
		labels = append(labels, met[8].(map[string]any)["label"].(string))
	}
	if !reflect.DeepEqual(versions, []string{"7", "8"}) || !reflect.DeepEqual(labels, []string{"live v7", "canary v8 (10%)"}) {
		t.Errorf("versions %v labels %v, want live 7 and canary 8", versions, labels)
	}

	// Before a version is published there is nothing to show; without the alias neither.
	first := dashboardWidgets(t, builtWith(t, s, nil)[keyDashboard])
	for _, w := range first {
		if strings.HasPrefix(w.Properties.Title, "Live alias") {
			t.Errorf("release widget before any version is published: %v", w.Properties.Title)
		}
	}
}

// TestRunbookURL: the dashboard's runbook link points into this project's repository (the
// Configuration's meta.crossplane.io/source) at a section docs/services.md has.
func TestRunbookURL(t *testing.T) {
	pkg, err := os.ReadFile("../package/crossplane.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var source string
	for _, line := range strings.Split(string(pkg), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "meta.crossplane.io/source:"); ok {
			source = strings.TrimSpace(v)
		}
	}
	if source == "" || !strings.HasPrefix(runbookURL, "https://"+source+"/blob/main/") {
		t.Errorf("RunbookURL %s is not in the repository %q", runbookURL, source)
	}
	doc, err := os.ReadFile("../docs/services.md")
	if err != nil {
		t.Fatal(err)
	}
	file, anchor, _ := strings.Cut(strings.TrimPrefix(runbookURL, "https://"+source+"/blob/main/"), "#")
	if file != "docs/services.md" || !strings.Contains(string(doc), "\n## "+strings.ToUpper(anchor[:1])+anchor[1:]+"\n") {
		t.Errorf("docs/services.md has no section for #%s", anchor)
	}
}
