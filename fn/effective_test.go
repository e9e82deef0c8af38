package fn

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// effectiveByName indexes status.effective.
func effectiveByName(t *testing.T, s *settings) map[string]v1alpha1.EffectiveSetting {
	t.Helper()
	out := map[string]v1alpha1.EffectiveSetting{}
	for _, e := range mustPlan(t, s, nil).Status.Effective {
		if _, dup := out[e.Name]; dup {
			t.Errorf("%s reported twice", e.Name)
		}
		out[e.Name] = e
	}
	return out
}

// Each setting is reported with the value the stack got and the layer it came from: the
// request, the stage's EnvironmentConfig, the built-in profile, or a default.
func TestEffectiveSettings(t *testing.T) {
	xr := xrObject(map[string]any{
		"stage":    "prod",
		"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts", "key": "k.zip"}}, "memoryMB": int64(2048)},
		"async":    map[string]any{"onFailureArn": "arn:aws:sqs:us-east-1:" + testAccount + ":failed"},
		"budget":   map[string]any{"monthlyLimitUSD": int64(120), "emails": []any{"team@example.com"}},
	})
	env := envConfig("stage-prod", "prod", map[string]any{"accountId": testAccount, "region": "eu-west-1",
		"function": map[string]any{"timeoutSeconds": int64(20), "reservedConcurrency": int64(50)},
		"budget":   map[string]any{"monthlyLimitUSD": int64(300)},
	})
	got := effectiveByName(t, settingsFor(t, xr, env))
	for name, want := range map[string]v1alpha1.EffectiveSetting{
		"function.memoryMB":              {Value: "2048", Source: sourceRequest},
		"function.timeoutSeconds":        {Value: "20", Source: sourceStage},
		"function.reservedConcurrency":   {Value: "50", Source: sourceStage},
		"region":                         {Value: "eu-west-1", Source: sourceStage},
		"function.logRetentionDays":      {Value: "365", Source: sourceProfile},
		"monitoring.alarms":              {Value: "true", Source: sourceProfile},
		"monitoring.errorThreshold":      {Value: "1", Source: sourceProfile},
		"function.ephemeralStorageMB":    {Value: "512", Source: sourceDefault},
		"async.maximumRetryAttempts":     {Value: "2", Source: sourceDefault},
		"function.logging.format":        {Value: "Text", Source: sourceDefault},
		"async.failureQueue":             {Value: "false", Source: sourceRequest}, // onFailureArn replaces the profile's queue
		"budget.monthlyLimitUSD":         {Value: "120", Source: sourceRequest},   // below the stage's ceiling
		"release.useAlias":               {Value: "true", Source: sourceProfile},
		"release.provisionedConcurrency": {Value: "0", Source: sourceProfile},
	} {
		want.Name = name
		if got[name] != want {
			t.Errorf("%s: %+v, want %+v", name, got[name], want)
		}
	}

	// what does not apply to the stack is left out: no API for a worker, no alarm thresholds
	// without alarms, no provisioned concurrency without the alias
	worker := effectiveByName(t, settingsFor(t, xrObject(map[string]any{"api": nil,
		"triggers": map[string]any{"schedules": []any{map[string]any{"name": "tick", "expression": "rate(5 minutes)"}}}}), nil))
	for _, name := range []string{"api.throttlingBurstLimit", "monitoring.errorThreshold", "release.provisionedConcurrency"} {
		if e, ok := worker[name]; ok {
			t.Errorf("a dev worker reports %+v", e)
		}
	}
	if e := worker["function.reservedConcurrency"]; e.Value != "5" || e.Source != sourceProfile {
		t.Errorf("dev reserved concurrency %+v", e)
	}
}

// status.effective is in the same order for every stack: the order of effectiveList.
func TestEffectiveOrderIsFixed(t *testing.T) {
	st := mustPlan(t, settingsFor(t, fullXR("prod"), envConfig("stage-prod", "prod", map[string]any{"accountId": testAccount})), nil).Status
	var names []string
	for _, e := range st.Effective {
		names = append(names, e.Name)
	}
	var want []string
	for _, e := range effectiveList {
		want = append(want, e.name)
	}
	if !slices.Equal(names, want) {
		t.Errorf("effective %v, want %v", names, want)
	}
}

// Every name status.effective reports, and every field that decides its source, is a field of
// the request (the XRD's spec), which the stage's data and the profiles name the same way.
func TestEffectiveNamesAreRequestFields(t *testing.T) {
	spec := xrdSpecSchema(t)
	for _, e := range effectiveList {
		for _, p := range firstOf(e.decide, e.name) {
			path := []string{}
			for _, f := range strings.Split(p, ".") {
				path = append(path, "properties", f)
			}
			if lookup(spec, path...) == nil {
				t.Errorf("%s: spec.%s is not a field of the request", e.name, p)
			}
		}
	}
}

// xrdSpecSchema is the OpenAPI schema of spec in the LambdaStack XRD (apis/lambdastacks.yaml).
func xrdSpecSchema(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "apis", "lambdastacks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var xrd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &xrd); err != nil {
		t.Fatal(err)
	}
	spec, _ := lookup(xrd.Spec.Versions[0].Schema.OpenAPIV3Schema, "properties", "spec").(map[string]any)
	return spec
}
