package fn

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const (
	archiveUSEast = "arn:aws:logs:us-east-1:444444444444:destination:central-logs"
	streamUSEast  = "arn:aws:kinesis:us-east-1:" + testAccount + ":stream/central-logs"
	streamEUWest  = "arn:aws:kinesis:eu-west-1:" + testAccount + ":stream/central-logs"
	firehoseUS    = "arn:aws:firehose:us-east-1:" + testAccount + ":deliverystream/central-logs"
)

func centralLogsEnv(stage string, central map[string]any) []map[string]any {
	return []map[string]any{envConfig("stage-"+stage, stage, map[string]any{"centralLogs": central})}
}

func TestCentralLogsRefusals(t *testing.T) {
	cases := map[string]refusal{
		"a Kinesis destination in another region than the log group": {xr: xrObject(nil),
			envs: centralLogsEnv("dev", map[string]any{"destinationArns": []any{streamEUWest}}),
			want: []string{"EnvironmentConfig data.centralLogs.destinationArns", "no destination in us-east-1", "the destinations are in eu-west-1"},
		},
		"a Logs destination in another region than the log group": {xr: xrObject(nil),
			envs: centralLogsEnv("dev", map[string]any{"destinationArns": []any{"arn:aws:logs:eu-west-1:444444444444:destination:central-logs"}}),
			want: []string{"no destination in us-east-1"},
		},
		"not a destination": {xr: xrObject(nil),
			envs: centralLogsEnv("dev", map[string]any{"destinationArns": []any{"arn:aws:s3:::central-logs"}}),
			want: []string{"data.centralLogs.destinationArns[0]", "is not the ARN of a CloudWatch Logs destination"},
		},
		"service and resource disagree": {xr: xrObject(nil),
			envs: centralLogsEnv("dev", map[string]any{"destinationArns": []any{"arn:aws:kinesis:us-east-1:" + testAccount + ":deliverystream/x"}}),
			want: []string{"data.centralLogs.destinationArns[0]"},
		},
		"two destinations in one region": {xr: xrObject(nil),
			envs: centralLogsEnv("dev", map[string]any{"destinationArns": []any{streamUSEast, archiveUSEast}}),
			want: []string{"data.centralLogs.destinationArns[1]", "second destination in us-east-1"},
		},
		"a role that is not a role": {xr: xrObject(nil),
			envs: centralLogsEnv("dev", map[string]any{"destinationArns": []any{streamUSEast}, "roleArn": "arn:aws:iam::123456789012:user/x"}),
			want: []string{"data.centralLogs.roleArn"},
		},
		"a pattern over 1024 characters": {xr: xrObject(nil),
			envs: centralLogsEnv("dev", map[string]any{"destinationArns": []any{streamUSEast}, "filterPattern": strings.Repeat("x", 1025)}),
			want: []string{"data.centralLogs.filterPattern", "at most 1024"},
		},
	}
	wantRefusals(t, cases)
}

func TestCentralLogsWaitForTheirLogGroups(t *testing.T) {
	s := settingsFor(t, xrObject(nil), centralLogsEnv("dev", map[string]any{"destinationArns": []any{archiveUSEast}})[0])
	m, _, pending := planByKey(t, s, nil)
	if _, ok := m[keyLogSubscription]; ok {
		t.Error("subscription composed before its log group exists (it names the group literally)")
	}
	if !strings.Contains(strings.Join(pending, ";"), keyLogSubscription+" (waits for "+KeyLogGroup+" to exist)") {
		t.Errorf("pending %v", pending)
	}
	m, _ = converged(t, s)
	for _, k := range []string{keyLogSubscription, keyAPILogSubscription} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %s once the log groups exist: %v", k, keysOf(m))
		}
	}
}

func TestCentralLogs(t *testing.T) {
	code := map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "mcp/abc.zip"}}}
	cases := map[string]struct {
		xr          map[string]any
		central     map[string]any
		wantDest    map[string]string // subscription key -> destination
		wantRoleRef bool
		wantRoleARN string
	}{
		"CloudWatch Logs destination in a log archive account: no role": {
			xr:       xrObject(nil),
			central:  map[string]any{"destinationArns": []any{archiveUSEast}, "filterPattern": `{ $.level = "ERROR" }`},
			wantDest: map[string]string{keyLogSubscription: archiveUSEast, keyAPILogSubscription: archiveUSEast},
		},
		"Kinesis: the stack's delivery role": {
			xr:          xrObject(nil),
			central:     map[string]any{"destinationArns": []any{streamUSEast}},
			wantDest:    map[string]string{keyLogSubscription: streamUSEast, keyAPILogSubscription: streamUSEast},
			wantRoleRef: true,
		},
		"Firehose with the stage's role": {
			xr:          xrObject(nil),
			central:     map[string]any{"destinationArns": []any{firehoseUS}, "roleArn": "arn:aws:iam::" + testAccount + ":role/logs-to-firehose"},
			wantDest:    map[string]string{keyLogSubscription: firehoseUS},
			wantRoleARN: "arn:aws:iam::" + testAccount + ":role/logs-to-firehose",
		},
		"two regions: each log group to its region's destination": {
			xr:          xrObject(map[string]any{"regions": []any{"us-east-1", "eu-west-1"}, "function": code}),
			central:     map[string]any{"destinationArns": []any{streamEUWest, streamUSEast}},
			wantDest:    map[string]string{keyLogSubscription: streamUSEast, keyLogSubscription + "-eu-west-1": streamEUWest, keyAPILogSubscription + "-eu-west-1": streamEUWest},
			wantRoleRef: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := settingsFor(t, tc.xr, centralLogsEnv("dev", tc.central)[0])
			m, _ := converged(t, s)
			for key, dest := range tc.wantDest {
				f, ok := m[key]
				if !ok {
					t.Fatalf("no %s among %v", key, keysOf(m))
				}
				p := lookup(f, "spec", "forProvider").(map[string]any)
				if p["destinationArn"] != dest {
					t.Errorf("%s sends to %v, want %s", key, p["destinationArn"], dest)
				}
				wantGroup := "/aws/lambda/team_dev_mcp"
				if strings.HasPrefix(key, keyAPILogSubscription) {
					wantGroup = lookup(m[strings.Replace(key, keyAPILogSubscription, keyAPILogGroup, 1)], "metadata", "annotations", annotationExternalName).(string)
				}
				if p["logGroupName"] != wantGroup {
					t.Errorf("%s subscribes %v, want %s", key, p["logGroupName"], wantGroup)
				}
				if region := strings.Split(dest, ":")[3]; p["region"] != region {
					t.Errorf("%s in %v, its destination in %s", key, p["region"], region)
				}
				if p["filterPattern"] != stringOr(tc.central["filterPattern"]) {
					t.Errorf("%s filterPattern %q", key, p["filterPattern"])
				}
				switch {
				case tc.wantRoleRef:
					if !reflect.DeepEqual(p["roleArnRef"], map[string]any{"name": objectName(s, keyCentralLogsRole)}) {
						t.Errorf("%s roleArnRef %v", key, p["roleArnRef"])
					}
				case tc.wantRoleARN != "":
					if p["roleArn"] != tc.wantRoleARN {
						t.Errorf("%s roleArn %v", key, p["roleArn"])
					}
				default:
					if p["roleArn"] != nil || p["roleArnRef"] != nil {
						t.Errorf("%s has a role for a CloudWatch Logs destination: %v", key, p)
					}
				}
			}
			_, hasRole := m[keyCentralLogsRole]
			if hasRole != tc.wantRoleRef {
				t.Errorf("delivery role composed: %v, want %v", hasRole, tc.wantRoleRef)
			}
			if !hasRole {
				return
			}
			var trust, policy policyDocument
			if err := json.Unmarshal([]byte(lookup(m[keyCentralLogsRole], "spec", "forProvider", "assumeRolePolicy").(string)), &trust); err != nil {
				t.Fatal(err)
			}
			if trust.Statement[0].Principal["Service"] != "logs.amazonaws.com" || !strings.Contains(string(mustJSON(t, trust.Statement[0].Condition)), "log-group:/aws/lambda/team_dev_mcp:*") {
				t.Errorf("trust %+v", trust)
			}
			if err := json.Unmarshal([]byte(lookup(m[keyCentralLogsPolicy], "spec", "forProvider", "policy").(string)), &policy); err != nil {
				t.Fatal(err)
			}
			st := policy.Statement[0]
			var streams []string
			for _, d := range tc.central["destinationArns"].([]any) {
				streams = append(streams, d.(string))
			}
			if !reflect.DeepEqual(st.Action, []string{"kinesis:PutRecord", "kinesis:PutRecords"}) || !reflect.DeepEqual(st.Resource, uniqueSorted(streams)) {
				t.Errorf("delivery policy %+v", st)
			}
		})
	}
}

func stringOr(v any) string {
	s, _ := v.(string)
	return s
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
