package fn

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// profileRows are the README's profile table rows and how to read each from a profile.
var profileRows = map[string]func(p v1alpha1.StageProfile) any{
	"memoryMB":         func(p v1alpha1.StageProfile) any { return *p.Function.MemoryMB },
	"timeoutSeconds":   func(p v1alpha1.StageProfile) any { return *p.Function.TimeoutSeconds },
	"architecture":     func(p v1alpha1.StageProfile) any { return p.Function.Architecture },
	"logRetentionDays": func(p v1alpha1.StageProfile) any { return *p.Function.LogRetentionDays },
	"tracing (X-Ray)":  func(p v1alpha1.StageProfile) any { return *p.Function.Tracing },
	"reservedConcurrency (caps concurrent executions)": func(p v1alpha1.StageProfile) any {
		if p.Function.ReservedConcurrency == nil {
			return "unreserved"
		}
		return *p.Function.ReservedConcurrency
	},
	"production (no unauthenticated API without `api.public`)":                  func(p v1alpha1.StageProfile) any { return *p.Production },
	"retainStatefulResources (log groups, secrets, alarm topic kept on delete)": func(p v1alpha1.StageProfile) any { return *p.RetainStatefulResources },
	"api throttlingBurstLimit": func(p v1alpha1.StageProfile) any { return *p.API.ThrottlingBurstLimit },
	"api throttlingRateLimit":  func(p v1alpha1.StageProfile) any { return *p.API.ThrottlingRateLimit },
	"alarms":                   func(p v1alpha1.StageProfile) any { return *p.Monitoring.Alarms },
	"dashboard":                func(p v1alpha1.StageProfile) any { return *p.Monitoring.Dashboard },
	"errorThreshold":           func(p v1alpha1.StageProfile) any { return *p.Monitoring.ErrorThreshold },
	"throttleThreshold":        func(p v1alpha1.StageProfile) any { return *p.Monitoring.ThrottleThreshold },
	"durationPercentOfTimeout": func(p v1alpha1.StageProfile) any { return *p.Monitoring.DurationPercentOfTimeout },
	"api5xxThreshold":          func(p v1alpha1.StageProfile) any { return *p.Monitoring.API5xxThreshold },
	"apiLatencyP99Millis":      func(p v1alpha1.StageProfile) any { return *p.Monitoring.APILatencyP99Millis },
	"evaluationPeriods":        func(p v1alpha1.StageProfile) any { return *p.Monitoring.EvaluationPeriods },
	"periodSeconds":            func(p v1alpha1.StageProfile) any { return *p.Monitoring.PeriodSeconds },
	"release useAlias":         func(p v1alpha1.StageProfile) any { return *p.Release.UseAlias },
	"region":                   func(p v1alpha1.StageProfile) any { return p.Region },
	"providerConfigKind":       func(p v1alpha1.StageProfile) any { return p.ProviderConfigKind },
	"responseTTLSeconds":       func(p v1alpha1.StageProfile) any { return *p.ResponseTTLSeconds },
	"async failureQueue (failed async events kept in a queue)": func(p v1alpha1.StageProfile) any {
		return p.Async != nil && firstBool(p.Async.FailureQueue)
	},
	"quota: memoryMB":               quotaRow(func(q *v1alpha1.StageQuotas) *int64 { return q.MemoryMB }),
	"quota: timeoutSeconds":         quotaRow(func(q *v1alpha1.StageQuotas) *int64 { return q.TimeoutSeconds }),
	"quota: ephemeralStorageMB":     quotaRow(func(q *v1alpha1.StageQuotas) *int64 { return q.EphemeralStorageMB }),
	"quota: reservedConcurrency":    quotaRow(func(q *v1alpha1.StageQuotas) *int64 { return q.ReservedConcurrency }),
	"quota: provisionedConcurrency": quotaRow(func(q *v1alpha1.StageQuotas) *int64 { return q.ProvisionedConcurrency }),
	"quota: logRetentionDays":       quotaRow(func(q *v1alpha1.StageQuotas) *int64 { return q.LogRetentionDays }),
	"quota: regions":                quotaRow(func(q *v1alpha1.StageQuotas) *int64 { return q.Regions }),
	"quota: routes":                 quotaRow(func(q *v1alpha1.StageQuotas) *int64 { return q.Routes }),
}

// quotaRow reads one quota of a profile: "none" where it sets none.
func quotaRow(of func(q *v1alpha1.StageQuotas) *int64) func(p v1alpha1.StageProfile) any {
	return func(p v1alpha1.StageProfile) any {
		if v := of(orZero(p.Quotas)); v != nil {
			return *v
		}
		return "none"
	}
}

// TestReadmeProfileTable keeps the README's table of built-in profiles true to profiles.go.
func TestReadmeProfileTable(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "<!-- profile-table")
	end := strings.Index(text, "<!-- /profile-table -->")
	if start < 0 || end < start {
		t.Fatal("README.md has no profile table markers")
	}
	lines := strings.Split(strings.TrimSpace(text[start:end]), "\n")[1:]
	header := cells(lines[0])
	seen := map[string]bool{}
	for _, line := range lines[2:] {
		row := cells(line)
		get, ok := profileRows[row[0]]
		if !ok {
			t.Errorf("README row %q is not checked by this test", row[0])
			continue
		}
		seen[row[0]] = true
		for i, stage := range header[1:] {
			p, ok := builtinProfile(stage)
			if !ok {
				t.Fatalf("README column %q is not a built-in profile", stage)
			}
			if got := fmt.Sprint(get(p)); got != row[i+1] {
				t.Errorf("README says %s of %s is %s; profiles.go says %s", row[0], stage, row[i+1], got)
			}
		}
	}
	for row := range profileRows {
		if !seen[row] {
			t.Errorf("README table lacks row %q", row)
		}
	}
	if len(header)-1 != len(builtinProfileNames()) {
		t.Errorf("README has %d profile columns, profiles.go %d profiles", len(header)-1, len(builtinProfileNames()))
	}
}

func cells(line string) []string {
	parts := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func TestBuiltinProfilesAreComplete(t *testing.T) {
	for _, name := range builtinProfileNames() {
		p, _ := builtinProfile(name)
		if p.Function == nil || p.API == nil || p.Monitoring == nil || p.Release == nil || p.Production == nil ||
			p.RetainStatefulResources == nil || p.ResponseTTLSeconds == nil || p.Region == "" {
			t.Errorf("profile %s leaves settings unset: %+v", name, p)
		}
	}
}

func TestProvisionedConcurrencyAboveReservedIsRefused(t *testing.T) {
	xr := xrObject(map[string]any{"stage": "staging", "release": map[string]any{"provisionedConcurrency": int64(30)}})
	wantFatal(t, newRequest(t, xr, []map[string]any{}, nil), "spec.release.provisionedConcurrency", "30 exceeds the function's reserved concurrency 25")
}

func TestReservedConcurrencyDefaultsPerStage(t *testing.T) {
	cases := map[string]struct {
		xr   map[string]any
		envs []map[string]any
		want any // reservedConcurrentExecutions; nil: unreserved
	}{
		"dev":              {xr: xrObject(nil), want: int64(5)},
		"staging":          {xr: xrObject(map[string]any{"stage": "staging"}), want: int64(25)},
		"prod: unreserved": {xr: xrObject(map[string]any{"stage": "prod"}), envs: prodEnvs(), want: nil},
		"dev, request 8":   {xr: xrObject(map[string]any{"function": map[string]any{"reservedConcurrency": int64(8), "code": map[string]any{"s3": map[string]any{"bucket": "artifacts", "key": "mcp/abc.zip"}}}}), want: int64(8)},
		"prod, the stage's quota 40 when nobody reserves": {xr: xrObject(map[string]any{"stage": "prod"}),
			envs: []map[string]any{envConfig("stage-prod", "prod", map[string]any{"quotas": map[string]any{"reservedConcurrency": int64(40)}})}, want: int64(40)},
		"dev, stage config 2": {xr: xrObject(nil), envs: []map[string]any{envConfig("stage-dev", "dev", map[string]any{"function": map[string]any{"reservedConcurrency": int64(2)}})}, want: int64(2)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := wantComposed(t, newRequest(t, tc.xr, orNoEnvs(tc.envs), nil))
			got := lookup(m[KeyFunction], "spec", "forProvider", "reservedConcurrentExecutions")
			if tc.want == nil && got != nil || tc.want != nil && fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("reservedConcurrentExecutions = %v, want %v", got, tc.want)
			}
		})
	}
}
