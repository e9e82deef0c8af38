package fn

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// status.effective: the settings an app team asks about (memory, timeout, concurrency, log
// retention, alarms, ...) as the stack got them once its request, the stage's EnvironmentConfig
// and the built-in profile were merged (settings.go), each with where it came from. A setting is
// named by its path under spec, which is also its path under an EnvironmentConfig's data and in
// a built-in profile; the source is the first of the three that sets it.

// Sources of an effective setting (v1alpha1.EffectiveSetting.Source).
const (
	sourceRequest = "request"
	sourceStage   = "stage"
	sourceProfile = "profile"
	sourceDefault = "default"
)

// valueNone is the value of a setting that is off or unset (no reserved concurrency, no budget).
const valueNone = "none"

// effectiveSetting is one entry of status.effective: its name, the fields whose presence in a
// layer decides the source (the name itself unless said otherwise), and its value; ok false
// leaves it out (it does not apply to the stack, e.g. API throttling without an API).
type effectiveSetting struct {
	name   string
	decide []string
	value  func(s *settings) (v string, ok bool)
}

// effectiveList is status.effective's settings, in the order they are reported.
var effectiveList = []effectiveSetting{
	{name: "region", decide: []string{"region", "regions"}, value: func(s *settings) (string, bool) { return s.Region, true }},
	{name: "function.memoryMB", value: func(s *settings) (string, bool) { return itoa(s.Function.MemoryMB), true }},
	{name: "function.timeoutSeconds", value: func(s *settings) (string, bool) { return itoa(s.Function.TimeoutSeconds), true }},
	{name: "function.architecture", value: func(s *settings) (string, bool) { return s.Function.Architecture, true }},
	{name: "function.ephemeralStorageMB", value: func(s *settings) (string, bool) {
		return itoa(deref(s.Function.EphemeralStorageMB, lambdaDefaultEphemeralMB)), true
	}},
	{name: "function.reservedConcurrency", value: func(s *settings) (string, bool) { return optional(s.Function.ReservedConcurrency), true }},
	{name: "function.logRetentionDays", value: func(s *settings) (string, bool) { return itoa(s.Function.LogRetentionDays), true }},
	{name: "function.tracing", value: func(s *settings) (string, bool) { return strconv.FormatBool(s.Function.Tracing), true }},
	{name: "function.logging.format", value: func(s *settings) (string, bool) {
		return firstStr(s.Function.Logging.Format, lambdaDefaultLogFormat), true
	}},
	{name: "release.useAlias", value: func(s *settings) (string, bool) { return strconv.FormatBool(s.Release.UseAlias), true }},
	{name: "release.provisionedConcurrency", value: func(s *settings) (string, bool) {
		return itoa(s.Release.ProvisionedConcurrency), s.Release.UseAlias
	}},
	{name: "api.throttlingBurstLimit", value: func(s *settings) (string, bool) { return itoa(s.API.BurstLimit), s.API.Enabled }},
	{name: "api.throttlingRateLimit", value: func(s *settings) (string, bool) { return itoa(s.API.RateLimit), s.API.Enabled }},
	{name: "monitoring.alarms", value: func(s *settings) (string, bool) { return strconv.FormatBool(s.Monitoring.Alarms), true }},
	{name: "monitoring.errorThreshold", value: alarmSetting(func(m monitoringConfig) int64 { return m.ErrorThreshold })},
	{name: "monitoring.throttleThreshold", value: alarmSetting(func(m monitoringConfig) int64 { return m.ThrottleThreshold })},
	{name: "monitoring.durationPercentOfTimeout", value: alarmSetting(func(m monitoringConfig) int64 { return m.DurationPercentOfTimeout })},
	{name: "monitoring.api5xxThreshold", value: apiAlarmSetting(func(m monitoringConfig) int64 { return m.API5xxThreshold })},
	{name: "monitoring.apiLatencyP99Millis", value: apiAlarmSetting(func(m monitoringConfig) int64 { return m.APILatencyP99Millis })},
	{name: "monitoring.evaluationPeriods", value: alarmSetting(func(m monitoringConfig) int64 { return m.EvaluationPeriods })},
	{name: "monitoring.periodSeconds", value: alarmSetting(func(m monitoringConfig) int64 { return m.PeriodSeconds })},
	{name: "monitoring.dashboard", value: func(s *settings) (string, bool) { return strconv.FormatBool(s.Monitoring.Dashboard), true }},
	{name: "async.maximumRetryAttempts", value: func(s *settings) (string, bool) {
		return itoa(deref(s.Async.MaximumRetryAttempts, lambdaDefaultRetryAttempts)), true
	}},
	{name: "async.maximumEventAgeSeconds", value: func(s *settings) (string, bool) {
		return itoa(deref(s.Async.MaximumEventAgeSeconds, lambdaDefaultEventAgeSeconds)), true
	}},
	// an existing destination (onFailureArn) replaces the failure queue
	{name: "async.failureQueue", decide: []string{"async.failureQueue", "async.onFailureArn"}, value: func(s *settings) (string, bool) {
		return strconv.FormatBool(s.Async.FailureQueue), true
	}},
	// spec.budget.enabled: false turns the stage's budget off
	{name: "budget.monthlyLimitUSD", decide: []string{"budget.monthlyLimitUSD", "budget.enabled"}, value: func(s *settings) (string, bool) {
		if !s.Budget.Enabled {
			return valueNone, true
		}
		return itoa(s.Budget.LimitUSD), true
	}},
}

// Lambda's defaults of the settings no layer has to set.
const (
	lambdaDefaultEphemeralMB     = 512
	lambdaDefaultLogFormat       = "Text"
	lambdaDefaultRetryAttempts   = 2
	lambdaDefaultEventAgeSeconds = 21600
)

// alarmSetting reports an alarm setting where the stack has alarms.
func alarmSetting(get func(monitoringConfig) int64) func(*settings) (string, bool) {
	return func(s *settings) (string, bool) { return itoa(get(s.Monitoring)), s.Monitoring.Alarms }
}

// apiAlarmSetting reports an alarm setting of the API where the stack has alarms and an API.
func apiAlarmSetting(get func(monitoringConfig) int64) func(*settings) (string, bool) {
	return func(s *settings) (string, bool) { return itoa(get(s.Monitoring)), s.Monitoring.Alarms && s.API.Enabled }
}

// effectiveSettings is status.effective of the merged settings s of the request spec, the stage
// config and the built-in profile base.
func effectiveSettings(s *settings, spec *v1alpha1.LambdaStackSpec, stageCfg, base *v1alpha1.StageProfile) []v1alpha1.EffectiveSetting {
	l := newSettingLayers(spec, stageCfg, base)
	out := make([]v1alpha1.EffectiveSetting, 0, len(effectiveList))
	for _, e := range effectiveList {
		v, ok := e.value(s)
		if !ok {
			continue
		}
		out = append(out, v1alpha1.EffectiveSetting{Name: e.name, Value: v, Source: l.source(firstOf(e.decide, e.name)...)})
	}
	return out
}

// settingLayers are the request's spec, the stage's EnvironmentConfig data and the built-in
// profile as decoded JSON, where a setting has the same path in each.
type settingLayers struct{ request, stage, profile map[string]any }

func newSettingLayers(spec *v1alpha1.LambdaStackSpec, stageCfg, base *v1alpha1.StageProfile) settingLayers {
	return settingLayers{request: asJSONMap(spec), stage: asJSONMap(stageCfg), profile: asJSONMap(base)}
}

// source is the first layer that sets any of the paths (dotted, under spec or data).
func (l settingLayers) source(paths ...string) string {
	for _, layer := range []struct {
		m    map[string]any
		name string
	}{{l.request, sourceRequest}, {l.stage, sourceStage}, {l.profile, sourceProfile}} {
		for _, p := range paths {
			if lookup(layer.m, strings.Split(p, ".")...) != nil {
				return layer.name
			}
		}
	}
	return sourceDefault
}

// asJSONMap is v as decoded JSON; nil for nil.
func asJSONMap(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil { // API types only: cannot fail
		panic(err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

func firstOf(paths []string, name string) []string {
	if len(paths) > 0 {
		return paths
	}
	return []string{name}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func deref(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

// optional is an optional number, valueNone when unset.
func optional(p *int64) string {
	if p == nil {
		return valueNone
	}
	return itoa(*p)
}
