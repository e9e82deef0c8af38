package fn

import (
	"strings"
	"testing"
	"time"
)

func TestResolvePrecedence(t *testing.T) {
	qa := envConfig("stage-qa", "qa", map[string]any{
		"baseProfile":        "staging",
		"region":             "eu-west-2",
		"providerConfigName": "aws-qa",
		// the stage grants a second account a request may pick (rule 2 of docs/tenancy.md)
		"allowedProviderConfigNames": []any{"special"},
		"function":                   map[string]any{"memoryMB": 384, "logRetentionDays": 14},
		"tags":                       map[string]any{"owner": "platform", "team": "stage-team"},
	})
	cases := map[string]struct {
		spec  map[string]any
		env   map[string]any
		check func(t *testing.T, s *settings)
	}{
		"built-in dev profile": {
			check: func(t *testing.T, s *settings) {
				if s.Function.MemoryMB != 256 || s.Function.LogRetentionDays != 7 || s.Monitoring.Alarms || s.Production {
					t.Errorf("dev profile not applied: %+v", s.Function)
				}
				if s.ProviderConfigName != "dev" || s.ProviderConfigKind != "ProviderConfig" || s.TTL != time.Minute {
					t.Errorf("provider config %s/%s ttl %s", s.ProviderConfigKind, s.ProviderConfigName, s.TTL)
				}
				if s.Function.Runtime != defaultRuntime || s.Function.Handler != defaultHandler || s.Function.Architecture != "arm64" {
					t.Errorf("defaults: %+v", s.Function)
				}
			},
		},
		"prod profile retains and is production": {
			spec: map[string]any{"stage": "prod"},
			check: func(t *testing.T, s *settings) {
				if !s.Production || !s.Retain || !s.Monitoring.Alarms || !s.Function.Tracing || !s.Release.UseAlias {
					t.Errorf("prod profile not applied: %+v", s)
				}
			},
		},
		"environment config over base profile": {
			spec: map[string]any{"stage": "qa"},
			env:  qa,
			check: func(t *testing.T, s *settings) {
				if s.Profile != "staging" || s.Function.MemoryMB != 384 || s.Function.LogRetentionDays != 14 {
					t.Errorf("env config not applied: profile %s %+v", s.Profile, s.Function)
				}
				if s.Function.TimeoutSeconds != 30 || !s.Function.Tracing {
					t.Errorf("base profile values lost: %+v", s.Function)
				}
				if s.Region != "eu-west-2" || s.ProviderConfigName != "aws-qa" {
					t.Errorf("region %s provider config %s", s.Region, s.ProviderConfigName)
				}
			},
		},
		"request over environment config": {
			spec: map[string]any{
				"stage":              "qa",
				"region":             "eu-west-1",
				"providerConfigName": "special",
				"function": map[string]any{
					"code":     map[string]any{"imageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mcp:1"},
					"memoryMB": 2048,
				},
				"tags": map[string]any{"cost-center": "4711"},
			},
			env: qa,
			check: func(t *testing.T, s *settings) {
				if s.Function.MemoryMB != 2048 || s.Region != "eu-west-1" || s.ProviderConfigName != "special" {
					t.Errorf("request did not win: %d %s %s", s.Function.MemoryMB, s.Region, s.ProviderConfigName)
				}
				if s.Tags["cost-center"] != "4711" || s.Tags["owner"] != "platform" || s.Tags["team"] != "stage-team" {
					t.Errorf("tags not merged (the request's and the stage's): %v", s.Tags)
				}
			},
		},
		"regions: region first": {
			spec: map[string]any{"region": "eu-west-1", "regions": []any{"us-east-1", "eu-west-1"},
				"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "mcp/abc.zip"}}}},
			check: func(t *testing.T, s *settings) {
				if s.Region != "eu-west-1" || strings.Join(s.Regions, ",") != "eu-west-1,us-east-1" {
					t.Errorf("regions %s %v", s.Region, s.Regions)
				}
			},
		},
		"api defaults": {
			check: func(t *testing.T, s *settings) {
				if !s.API.Enabled || s.API.AuthType != "iam" || strings.Join(s.API.Routes, ",") != "ANY /{proxy+},$default" {
					t.Errorf("api defaults %+v", s.API)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tc.check(t, settingsFor(t, xrObject(tc.spec), tc.env))
		})
	}
}

func TestResolveRefusesUnknownStage(t *testing.T) {
	cases := map[string]struct {
		env  map[string]any
		want string
	}{
		"no config":         {want: `spec.stage: stage "qa" has no built-in profile`},
		"config, no base":   {env: envConfig("qa", "qa", map[string]any{"region": "eu-west-1"}), want: "data.baseProfile is required"},
		"config, bad base":  {env: envConfig("qa", "qa", map[string]any{"baseProfile": "production"}), want: `data.baseProfile: "production" is not a built-in profile`},
		"config, typo key":  {env: envConfig("qa", "qa", map[string]any{"baseProfile": "dev", "memoryMb": 1}), want: `unknown field "memoryMb"`},
		"config, bad value": {env: envConfig("qa", "qa", map[string]any{"baseProfile": "dev", "function": map[string]any{"memoryMB": "lots"}}), want: "function.memoryMB"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var envs []map[string]any
			if tc.env != nil {
				envs = []map[string]any{tc.env}
			} else {
				envs = []map[string]any{}
			}
			req := newRequest(t, xrObject(map[string]any{"stage": "qa"}), envs, nil)
			c, err := decodeComposite(req)
			if err != nil {
				t.Fatal(err)
			}
			p, _, err := stageConfig(req, "qa")
			if err == nil {
				_, err = resolve(c, p)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestMergeMaps(t *testing.T) {
	got := mergeMaps(map[string]string{"a": "1", "b": "1"}, nil, map[string]string{"b": "2"})
	if got["a"] != "1" || got["b"] != "2" || len(got) != 2 {
		t.Errorf("got %v", got)
	}
	if mergeMaps(nil, map[string]string{}) != nil {
		t.Error("empty maps should merge to nil")
	}
}
