package fn

import (
	"slices"
	"strings"
	"testing"
)

// Rule 7 of docs/tenancy.md: every limit AWS enforces is checked on the merged settings, with a
// message naming the field. Bad cases first; the good ones compose.
func TestAWSLimitsOnMergedSettings(t *testing.T) {
	s3 := map[string]any{"s3": map[string]any{"bucket": "artifacts", "key": "k.zip"}}
	big := strings.Repeat("v", 1000)
	cases := map[string]refusal{
		"environment over 4 KB with the secret ARN variables": {
			xr: xrObject(map[string]any{"function": map[string]any{"code": s3, "environment": map[string]any{"A": big, "B": big, "C": big, "D": big}},
				"secrets": []any{map[string]any{"name": "db", "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}}}}}}),
			want: []string{"spec.function.environment: the function's variables take"},
		},
		"environment from the EnvironmentConfig over 4 KB": {
			xr:   xrObject(nil),
			envs: devEnvs(map[string]any{"function": map[string]any{"environment": map[string]any{"A": big, "B": big, "C": big, "D": big, "E": big}}}),
			want: []string{"more than Lambda's 4096"},
		},
		"Lambda's reserved variable": {
			xr:   xrObject(map[string]any{"function": map[string]any{"code": s3, "environment": map[string]any{"LAMBDA_TASK_ROOT": "/x"}}}),
			want: []string{`spec.function.environment: "LAMBDA_TASK_ROOT" is reserved by Lambda`},
		},
		"reserved variable from the EnvironmentConfig": {
			xr: xrObject(nil), envs: devEnvs(map[string]any{"function": map[string]any{"environment": map[string]any{"TZ": "UTC"}}}),
			want: []string{`EnvironmentConfig data.function.environment: "TZ" is reserved by Lambda`},
		},
		"more than 50 tags after merging": {
			xr: xrObject(map[string]any{"tags": manyTags("r", 30)}), envs: devEnvs(map[string]any{"tags": manyTags("e", 20)}),
			want: []string{"spec.tags: 55 tags after merging"},
		},
		"EnvironmentConfig memory out of range": {
			xr: xrObject(nil), envs: devEnvs(map[string]any{"function": map[string]any{"memoryMB": 64}}),
			want: []string{"EnvironmentConfig data.function.memoryMB: 64 is out of range 128-10240"},
		},
		"EnvironmentConfig TTL out of range": {
			xr: xrObject(nil), envs: devEnvs(map[string]any{"responseTTLSeconds": 0}),
			want: []string{"EnvironmentConfig data.responseTTLSeconds: 0 is out of range 1-3600"},
		},
		"EnvironmentConfig period not a CloudWatch period": {
			xr: xrObject(nil), envs: devEnvs(map[string]any{"monitoring": map[string]any{"periodSeconds": 61}}),
			want: []string{"EnvironmentConfig data.monitoring.periodSeconds: 61 must be one of"},
		},
		"EnvironmentConfig threshold below 1": {
			xr: xrObject(nil), envs: devEnvs(map[string]any{"monitoring": map[string]any{"errorThreshold": 0}}),
			want: []string{"EnvironmentConfig data.monitoring.errorThreshold: 0 is out of range at least 1"},
		},
		"EnvironmentConfig throttling too high": {
			xr: xrObject(nil), envs: devEnvs(map[string]any{"api": map[string]any{"throttlingRateLimit": 100001}}),
			want: []string{"EnvironmentConfig data.api.throttlingRateLimit: 100001 is out of range 0-100000"},
		},
		"request evaluation periods out of range": {
			xr:   xrObject(map[string]any{"monitoring": map[string]any{"evaluationPeriods": 11}}),
			want: []string{"spec.monitoring.evaluationPeriods: 11 is out of range 1-10"},
		},
		"secret db and db-version": {
			xr: xrObject(map[string]any{"secrets": []any{
				map[string]any{"name": "db", "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}}}},
				map[string]any{"name": "db-version", "create": map[string]any{"valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "s", "key": "k"}}}},
			}}),
			want: []string{`spec.secrets[1].name: "db-version" clashes with the value of secret "db"`},
		},
		"a route listed twice": {
			xr:   xrObject(map[string]any{"api": map[string]any{"routes": []any{"GET /a", "GET /a"}}}),
			want: []string{`spec.api.routes: "GET /a" is listed twice`},
		},
		"CORS * with credentials": {
			xr:   xrObject(map[string]any{"api": map[string]any{"cors": map[string]any{"allowOrigins": []any{"*"}, "allowCredentials": true}}}),
			want: []string{`spec.api.cors.allowOrigins: "*" cannot be combined with allowCredentials`},
		},
		"a string for a number": {
			xr:   xrObject(map[string]any{"function": map[string]any{"code": s3, "memoryMB": "1024"}}),
			want: []string{`spec.function.memoryMB: want a number, got string`},
		},
		"an object for a list": {
			xr:   xrObject(map[string]any{"regions": map[string]any{"a": "b"}}),
			want: []string{`spec.regions: want a list, got object`},
		},
	}
	wantRefusals(t, cases)

	t.Run("granted: 45 user tags, an environment of exactly 4096 bytes, routes that slug the same", func(t *testing.T) {
		// 4 x (1 + 1000) + STAGE=dev (8) + E (1 + 83) = 4096
		env := map[string]any{"A": big, "B": big, "C": big, "D": big, "E": strings.Repeat("e", 83)}
		wantComposed(t, newRequest(t, xrObject(map[string]any{"tags": manyTags("r", 45),
			"function": map[string]any{"code": s3, "environment": env},
			"api":      map[string]any{"routes": []any{"GET /a-b", "GET /a/b"}}}), []map[string]any{}, nil))
	})
}

func manyTags(prefix string, n int) map[string]any {
	out := map[string]any{}
	for i := range n {
		out[prefix+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
	}
	return out
}

// The bounds the function checks are the XRD's: every bounded or enumerated field of the XRD's
// spec has the same range in numericBounds / numericEnums, and the other way round.
func TestBoundsMatchTheXRD(t *testing.T) {
	spec := xrdSpecSchema(t)
	found := map[string]bool{}
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if s["type"] == "integer" {
			name := strings.TrimPrefix(path, ".")
			min, hasMin := s["minimum"].(float64)
			max, hasMax := s["maximum"].(float64)
			enum, hasEnum := s["enum"].([]any)
			if hasEnum {
				found[name] = true
				var xrdVals []int64
				for _, v := range enum {
					xrdVals = append(xrdVals, int64(v.(float64)))
				}
				if !slices.Equal(xrdVals, numericEnums[name]) {
					t.Errorf("%s: XRD enum %v, function %v", name, xrdVals, numericEnums[name])
				}
			} else if hasMin || hasMax {
				found[name] = true
				b, ok := numericBounds[name]
				if !ok {
					t.Errorf("%s: the XRD bounds it (%v-%v), the function does not", name, min, max)
				} else if int64(min) != b.min || int64(max) != b.max {
					t.Errorf("%s: XRD %v-%v, function %d-%d", name, min, max, b.min, b.max)
				}
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, v := range props {
			if c, ok := v.(map[string]any); ok {
				walk(path+"."+k, c)
			}
		}
	}
	walk("", spec)
	for name := range numericBounds {
		if !found[name] {
			t.Errorf("%s: the function bounds it, the XRD has no such bounded field", name)
		}
	}
	for name := range numericEnums {
		if !found[name] {
			t.Errorf("%s: the function enumerates it, the XRD has no such enum", name)
		}
	}
	if len(found) < 12 {
		t.Errorf("only %d bounded fields found in the XRD: %v", len(found), found)
	}
}
