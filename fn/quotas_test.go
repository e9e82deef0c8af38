package fn

import (
	"testing"
)

// Rule 11 of docs/tenancy.md: a stage's quotas are ceilings. The attacks of issue 22 on dev,
// whose profile caps them (README, "Stages"): reserved concurrency 1000 (it would starve every
// function of the account), provisioned concurrency 1000, 10240 MB, four regions; then the same
// caps set by a stage's EnvironmentConfig, and what stays allowed.
func TestStageQuotasAreCeilings(t *testing.T) {
	code := map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "mcp/abc.zip"}}
	fn := func(f map[string]any) map[string]any {
		f["code"] = code
		return f
	}
	wantRefusals(t, map[string]refusal{
		"refused: reserved concurrency 1000 on dev": {
			xr:   xrObject(map[string]any{"function": fn(map[string]any{"reservedConcurrency": int64(1000)})}),
			want: []string{"spec.function.reservedConcurrency: 1000 is above stage dev's quota of 10 (quotas.reservedConcurrency of the built-in dev profile)"},
		},
		"refused: provisioned concurrency 1000 on dev": {
			xr:   xrObject(map[string]any{"release": map[string]any{"useAlias": true, "provisionedConcurrency": int64(1000)}}),
			want: []string{"spec.release.provisionedConcurrency: 1000 is above stage dev's quota of 2"},
		},
		"refused: 10240 MB on dev": {
			xr:   xrObject(map[string]any{"function": fn(map[string]any{"memoryMB": int64(10240)})}),
			want: []string{"spec.function.memoryMB: 10240 is above stage dev's quota of 2048"},
		},
		"refused: four regions on dev": {
			xr:   xrObject(map[string]any{"regions": []any{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1"}, "function": fn(map[string]any{})}),
			want: []string{"spec.regions: 4 regions is above stage dev's quota of 2"},
		},
		"refused: the longest timeout, storage and retention on dev": {
			xr:   xrObject(map[string]any{"function": fn(map[string]any{"timeoutSeconds": int64(900), "ephemeralStorageMB": int64(10240), "logRetentionDays": int64(3653)})}),
			want: []string{"spec.function.timeoutSeconds: 900 is above stage dev's quota of 300", "spec.function.ephemeralStorageMB: 10240 is above stage dev's quota of 2048", "spec.function.logRetentionDays: 3653 is above stage dev's quota of 30"},
		},
		"refused: more routes than dev allows": {
			xr:   xrObject(map[string]any{"api": map[string]any{"routes": manyRoutes(21)}}),
			want: []string{"spec.api.routes: 21 routes is above stage dev's quota of 20"},
		},
		"refused: the stage's own quota": {
			xr:   xrObject(map[string]any{"stage": "prod", "function": fn(map[string]any{"reservedConcurrency": int64(300)}), "api": map[string]any{"auth": map[string]any{"type": "iam"}}}),
			envs: []map[string]any{envConfig("stage-prod", "prod", map[string]any{"quotas": map[string]any{"reservedConcurrency": int64(200)}})},
			want: []string{"spec.function.reservedConcurrency: 300 is above stage prod's quota of 200 (EnvironmentConfig data.quotas.reservedConcurrency)"},
		},
		"refused: a stage's default above its own quota": {
			xr:   xrObject(nil),
			envs: devEnvs(map[string]any{"function": map[string]any{"memoryMB": int64(4096)}}),
			want: []string{"EnvironmentConfig data.function.memoryMB: 4096 is above stage dev's quota of 2048"},
		},
		"refused: a quota out of the setting's range": {
			xr: xrObject(nil), envs: devEnvs(map[string]any{"quotas": map[string]any{"memoryMB": int64(20000), "logRetentionDays": int64(45), "regions": int64(0)}}),
			want: []string{"EnvironmentConfig data.quotas.memoryMB: 20000 is out of the range of function.memoryMB, 128-10240", "EnvironmentConfig data.quotas.logRetentionDays: 45 is not a value of function.logRetentionDays", "EnvironmentConfig data.quotas.regions: 0: a stack needs at least one"},
		},
	})

	t.Run("granted: within the quotas, a stage raising one, prod without any", func(t *testing.T) {
		m := wantComposed(t, newRequest(t, xrObject(map[string]any{"regions": []any{"us-east-1", "eu-west-1"},
			"function": fn(map[string]any{"reservedConcurrency": int64(10), "memoryMB": int64(2048)})}), []map[string]any{}, nil))
		if got := fp(m[KeyFunction], "reservedConcurrentExecutions"); got != float64(10) {
			t.Errorf("reservedConcurrentExecutions = %v", got)
		}
		wantComposed(t, newRequest(t, xrObject(map[string]any{"function": fn(map[string]any{"reservedConcurrency": int64(50)})}),
			devEnvs(map[string]any{"quotas": map[string]any{"reservedConcurrency": int64(50)}}), nil))
		wantComposed(t, newRequest(t, xrObject(map[string]any{"stage": "prod", "function": fn(map[string]any{"reservedConcurrency": int64(1000), "memoryMB": int64(10240)}),
			"api": map[string]any{"auth": map[string]any{"type": "iam"}}}), prodEnvs(), nil))
	})
}

func manyRoutes(n int) []any {
	out := make([]any, 0, n)
	for i := range n {
		out = append(out, "GET /r"+string(rune('a'+i)))
	}
	return out
}
