package fn

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// The XRD schema rejects most bad input before the function runs; these checks repeat what the
// function relies on (render and direct gRPC callers bypass the API server) and add what a
// schema cannot express. Every message starts with the field it is about.

// Limits AWS enforces, checked on the merged settings (request + EnvironmentConfig + profile)
// before AWS sees them, each message naming the field. The numeric bounds of the request's
// fields are the XRD's (the kubebuilder markers in apis/v1alpha1); numericBounds repeats them
// for what an EnvironmentConfig sets (no schema checks its data) and TestBoundsMatchTheXRD fails
// when the two differ.

type fieldErrors []string

func (f *fieldErrors) add(field, format string, a ...any) {
	*f = append(*f, field+": "+fmt.Sprintf(format, a...))
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return errors.New(strings.Join(f, "; "))
}

func validateSettings(s *settings, spec *v1alpha1.LambdaStackSpec, stageCfg *v1alpha1.StageProfile) error {
	var errs fieldErrors
	validateIdentity(&errs, s)
	validateRegions(&errs, s, stageCfg)
	validateFunction(&errs, &s.Function)
	validateTags(&errs, "spec.tags", spec.Tags)
	validateTags(&errs, "EnvironmentConfig data.tags", stageCfg.Tags)
	validatePlatformTags(&errs, s, spec.Tags, stageCfg.Tags)
	validateAPI(&errs, s)
	validateMonitoring(&errs, &s.Monitoring)
	validateMetrics(&errs, s)
	validateProvisionedConcurrency(&errs, s)
	validateNetwork(&errs, s.Network)
	validateNetworkRegions(&errs, s)
	validateNetworkGrants(&errs, s)
	validateSecrets(&errs, s)
	validatePermissions(&errs, s, stageCfg)
	validateRolePolicySize(&errs, s, stageCfg)
	validateRelease(&errs, &s.Release)
	validateTriggers(&errs, s, stageCfg)
	validateSchedules(&errs, s)
	validateAsync(&errs, s, stageCfg)
	validateRegionalCode(&errs, s)
	validateCodeOwnership(&errs, s)
	validateRuntimeDetails(&errs, s, spec, stageCfg)
	validateTenancy(&errs, s, spec, stageCfg)
	validateLimits(&errs, s, spec, stageCfg)
	validateQuotas(&errs, s, spec, stageCfg)
	if k := s.ProviderConfigKind; k != "ProviderConfig" && k != "ClusterProviderConfig" {
		errs.add("providerConfigKind", "%q must be ProviderConfig or ClusterProviderConfig", k)
	}
	return errs.err()
}

var reLabel = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

func validateIdentity(errs *fieldErrors, s *settings) {
	if len(s.Stage) < 2 || len(s.Stage) > 16 || !reLabel.MatchString(s.Stage) {
		errs.add("spec.stage", "%q must be 2-16 lower-case letters, digits or '-', starting with a letter", s.Stage)
	}
	if len(s.App) < 2 || len(s.App) > 40 || !reLabel.MatchString(s.App) {
		errs.add("spec.app", "%q must be 2-40 lower-case letters, digits or '-', starting with a letter", s.App)
	}
}

// bound is an inclusive range; max 0 means no upper bound.
type bound struct{ min, max int64 }

// numericBounds are the ranges of the numeric settings, by their path under spec (and under an
// EnvironmentConfig's data, where the same names apply).
var numericBounds = map[string]bound{
	"function.memoryMB":                   {128, 10240},
	"function.timeoutSeconds":             {1, 900},
	"function.reservedConcurrency":        {0, 10000},
	"function.ephemeralStorageMB":         {512, 10240},
	"api.throttlingBurstLimit":            {0, 100000},
	"api.throttlingRateLimit":             {0, 100000},
	"monitoring.errorThreshold":           {1, 0},
	"monitoring.throttleThreshold":        {1, 0},
	"monitoring.durationPercentOfTimeout": {10, 100},
	"monitoring.api5xxThreshold":          {1, 0},
	"monitoring.apiLatencyP99Millis":      {10, 30000},
	"monitoring.evaluationPeriods":        {1, 10},
	"release.provisionedConcurrency":      {0, 1000},
	"release.canary.weight":               {1, 99},
	"api.cors.maxAgeSeconds":              {0, 86400},
	"api.auth.lambda.resultTTLSeconds":    {0, 3600},
	"budget.monthlyLimitUSD":              {1, 1000000},
	"async.maximumRetryAttempts":          {0, 2},
	"async.maximumEventAgeSeconds":        {60, 21600},
}

// numericEnums are the settings that take one of a few values.
var numericEnums = map[string][]int64{
	"function.logRetentionDays": retentionDays,
	"monitoring.periodSeconds":  {60, 300, 900, 3600},
}

// maxResponseTTL bounds the stage's response TTL, in seconds: an answer older than an hour
// hides drift too long.
const maxResponseTTL = 3600

// validateLimits checks the merged settings against AWS's limits.
func validateLimits(errs *fieldErrors, s *settings, spec *v1alpha1.LambdaStackSpec, stageCfg *v1alpha1.StageProfile) {
	for _, n := range sortedKeys(numericBounds) {
		v, set := numericSetting(s, n)
		b := numericBounds[n]
		if set && (v < b.min || (b.max > 0 && v > b.max)) {
			rng := fmt.Sprintf("%d-%d", b.min, b.max)
			if b.max == 0 {
				rng = fmt.Sprintf("at least %d", b.min)
			}
			errs.add(settingSource(n, spec, stageCfg), "%d is out of range %s", v, rng)
		}
	}
	if p := s.Monitoring.PeriodSeconds; !slices.Contains(numericEnums["monitoring.periodSeconds"], p) {
		errs.add(settingSource("monitoring.periodSeconds", spec, stageCfg), "%d must be one of 60, 300, 900, 3600", p)
	}
	if ttl := int64(s.TTL.Seconds()); ttl < 1 || ttl > maxResponseTTL {
		errs.add("EnvironmentConfig data.responseTTLSeconds", "%d is out of range 1-%d", ttl, maxResponseTTL)
	}

	validateEnvironmentLimits(errs, s, spec)
	validateTagCount(errs, s)
	validateCORSCredentials(errs, s)

	// resource keys that would be built twice
	validateSecretKeys(errs, s)
	validateRouteKeys(errs, s)
	validateEgressKeys(errs, s)
}

// numericSetting is the merged value of a bounded setting; set is false when it is unset.
func numericSetting(s *settings, name string) (int64, bool) {
	switch name {
	case "function.memoryMB":
		return s.Function.MemoryMB, true
	case "function.timeoutSeconds":
		return s.Function.TimeoutSeconds, true
	case "function.reservedConcurrency":
		if s.Function.ReservedConcurrency == nil {
			return 0, false
		}
		return *s.Function.ReservedConcurrency, true
	case "function.ephemeralStorageMB":
		if s.Function.EphemeralStorageMB == nil {
			return 0, false
		}
		return *s.Function.EphemeralStorageMB, true
	case "api.throttlingBurstLimit":
		return s.API.BurstLimit, s.API.Enabled
	case "api.throttlingRateLimit":
		return s.API.RateLimit, s.API.Enabled
	case "monitoring.errorThreshold":
		return s.Monitoring.ErrorThreshold, true
	case "monitoring.throttleThreshold":
		return s.Monitoring.ThrottleThreshold, true
	case "monitoring.durationPercentOfTimeout":
		return s.Monitoring.DurationPercentOfTimeout, true
	case "monitoring.api5xxThreshold":
		return s.Monitoring.API5xxThreshold, true
	case "monitoring.apiLatencyP99Millis":
		return s.Monitoring.APILatencyP99Millis, true
	case "monitoring.evaluationPeriods":
		return s.Monitoring.EvaluationPeriods, true
	case "release.provisionedConcurrency":
		return s.Release.ProvisionedConcurrency, true
	case "release.canary.weight":
		if s.Release.Canary == nil {
			return 0, false
		}
		return s.Release.Canary.Weight, true
	case "api.cors.maxAgeSeconds":
		if s.API.CORS == nil || s.API.CORS.MaxAgeSeconds == nil {
			return 0, false
		}
		return *s.API.CORS.MaxAgeSeconds, true
	case "api.auth.lambda.resultTTLSeconds":
		if l := s.API.Lambda; s.API.AuthType != "lambda" || l == nil || l.ResultTTLSeconds == nil {
			return 0, false
		}
		return *s.API.Lambda.ResultTTLSeconds, true
	case "budget.monthlyLimitUSD":
		return s.Budget.LimitUSD, s.Budget.Enabled
	case "async.maximumRetryAttempts":
		return derefSet(s.Async.MaximumRetryAttempts)
	case "async.maximumEventAgeSeconds":
		return derefSet(s.Async.MaximumEventAgeSeconds)
	}
	panic("numericSetting: no setting " + name) // numericBounds and this switch are one list
}

// derefSet is an optional setting's value and whether it is set.
func derefSet(p *int64) (int64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

// settingSource names where a merged value came from: the request's field when it sets one,
// else the EnvironmentConfig's.
func settingSource(name string, spec *v1alpha1.LambdaStackSpec, stageCfg *v1alpha1.StageProfile) string {
	if newSettingLayers(spec, stageCfg, nil).source(name) == sourceStage {
		return "EnvironmentConfig data." + name
	}
	return "spec." + name
}

// lookup reads a nested value of decoded JSON; nil when absent.
func lookup(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		o, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = o[p]
	}
	return cur
}
