package fn

import (
	"sort"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Built-in stage profiles. This is the one place their values are written down; the README's
// profile table is checked against it by TestReadmeProfileTable.
const (
	profileDev     = "dev"
	profileStaging = "staging"
	profileProd    = "prod"
)

func i64(v int64) *int64 { return &v }
func boolp(v bool) *bool { return &v }

var builtinProfiles = map[string]v1alpha1.StageProfile{
	profileDev: {
		Production:              boolp(false),
		RetainStatefulResources: boolp(false),
		ProviderConfigKind:      "ProviderConfig",
		Region:                  "us-east-1",
		ResponseTTLSeconds:      i64(60),
		Function: &v1alpha1.FunctionSettings{
			MemoryMB: i64(256), TimeoutSeconds: i64(30), Architecture: "arm64",
			LogRetentionDays: i64(7), Tracing: boolp(false), ReservedConcurrency: i64(5),
		},
		API: &v1alpha1.APISettings{ThrottlingBurstLimit: i64(50), ThrottlingRateLimit: i64(20)},
		Monitoring: &v1alpha1.MonitoringSettings{
			Alarms: boolp(false), Dashboard: boolp(false),
			ErrorThreshold: i64(10), ThrottleThreshold: i64(10), DurationPercentOfTimeout: i64(90),
			API5xxThreshold: i64(10), APILatencyP99Millis: i64(5000),
			EvaluationPeriods: i64(3), PeriodSeconds: i64(300),
		},
		Release: &v1alpha1.ReleaseSettings{UseAlias: boolp(false), ProvisionedConcurrency: i64(0)},
		Quotas: &v1alpha1.StageQuotas{
			MemoryMB: i64(2048), TimeoutSeconds: i64(300), EphemeralStorageMB: i64(2048), ReservedConcurrency: i64(10),
			ProvisionedConcurrency: i64(2), LogRetentionDays: i64(30), Regions: i64(2), Routes: i64(20),
		},
	},
	profileStaging: {
		Production:              boolp(false),
		RetainStatefulResources: boolp(false),
		ProviderConfigKind:      "ProviderConfig",
		Region:                  "us-east-1",
		ResponseTTLSeconds:      i64(60),
		Function: &v1alpha1.FunctionSettings{
			MemoryMB: i64(512), TimeoutSeconds: i64(30), Architecture: "arm64",
			LogRetentionDays: i64(30), Tracing: boolp(true), ReservedConcurrency: i64(25),
		},
		API: &v1alpha1.APISettings{ThrottlingBurstLimit: i64(100), ThrottlingRateLimit: i64(50)},
		Monitoring: &v1alpha1.MonitoringSettings{
			Alarms: boolp(true), Dashboard: boolp(true),
			ErrorThreshold: i64(5), ThrottleThreshold: i64(5), DurationPercentOfTimeout: i64(80),
			API5xxThreshold: i64(5), APILatencyP99Millis: i64(3000),
			EvaluationPeriods: i64(2), PeriodSeconds: i64(300),
		},
		Release: &v1alpha1.ReleaseSettings{UseAlias: boolp(true), ProvisionedConcurrency: i64(0)},
		Quotas: &v1alpha1.StageQuotas{
			MemoryMB: i64(4096), EphemeralStorageMB: i64(4096), ReservedConcurrency: i64(100),
			ProvisionedConcurrency: i64(10), LogRetentionDays: i64(90), Regions: i64(2),
		},
	},
	profileProd: {
		Production:              boolp(true),
		RetainStatefulResources: boolp(true),
		ProviderConfigKind:      "ProviderConfig",
		Region:                  "us-east-1",
		ResponseTTLSeconds:      i64(60),
		Function: &v1alpha1.FunctionSettings{
			MemoryMB: i64(1024), TimeoutSeconds: i64(30), Architecture: "arm64",
			LogRetentionDays: i64(365), Tracing: boolp(true),
		},
		API: &v1alpha1.APISettings{ThrottlingBurstLimit: i64(500), ThrottlingRateLimit: i64(200)},
		Monitoring: &v1alpha1.MonitoringSettings{
			Alarms: boolp(true), Dashboard: boolp(true),
			ErrorThreshold: i64(1), ThrottleThreshold: i64(1), DurationPercentOfTimeout: i64(75),
			API5xxThreshold: i64(1), APILatencyP99Millis: i64(2000),
			EvaluationPeriods: i64(1), PeriodSeconds: i64(60),
		},
		Release: &v1alpha1.ReleaseSettings{UseAlias: boolp(true), ProvisionedConcurrency: i64(0)},
		Async:   &v1alpha1.AsyncSettings{FailureQueue: boolp(true)},
	},
}

// builtinProfile returns the built-in profile of that name.
func builtinProfile(name string) (v1alpha1.StageProfile, bool) {
	p, ok := builtinProfiles[name]
	return p, ok
}

// builtinProfileNames lists the built-in profiles, sorted.
func builtinProfileNames() []string {
	out := make([]string, 0, len(builtinProfiles))
	for n := range builtinProfiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
