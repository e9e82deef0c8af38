package fn

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Limits AWS enforces, checked on the merged settings (request + EnvironmentConfig + profile)
// before AWS sees them, each message naming the field. The numeric bounds of the request's
// fields are the XRD's (the kubebuilder markers in apis/v1alpha1); numericBounds repeats them
// for what an EnvironmentConfig sets (no schema checks its data) and TestBoundsMatchTheXRD fails
// when the two differ.

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

// Limits of Lambda and tagging.
const (
	maxEnvironmentBytes = 4096 // Lambda: all variables of a function together, keys and values
	maxTags             = 50   // per AWS resource, user and standard tags together
	maxResponseTTL      = 3600 // seconds: an answer older than an hour hides drift too long
	createdARNSuffix    = 7    // "-" and the six random characters AWS appends to a secret's name
)

// lambdaReservedEnv are variable names Lambda sets itself and refuses in a function's
// configuration (besides every AWS_* name, which validate.go refuses).
var lambdaReservedEnv = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ"}

// validateLimits checks the merged settings against AWS's limits.
func validateLimits(errs *fieldErrors, s *Settings, spec *v1alpha1.LambdaStackSpec, env *v1alpha1.StageProfile) {
	for _, n := range sortedKeys(numericBounds) {
		v, set := numericSetting(s, n)
		b := numericBounds[n]
		if set && (v < b.min || (b.max > 0 && v > b.max)) {
			rng := fmt.Sprintf("%d-%d", b.min, b.max)
			if b.max == 0 {
				rng = fmt.Sprintf("at least %d", b.min)
			}
			errs.add(settingSource(n, spec, env), "%d is out of range %s", v, rng)
		}
	}
	if p := s.Monitor.PeriodSeconds; !slices.Contains(numericEnums["monitoring.periodSeconds"], p) {
		errs.add(settingSource("monitoring.periodSeconds", spec, env), "%d must be one of 60, 300, 900, 3600", p)
	}
	if ttl := int64(s.TTL.Seconds()); ttl < 1 || ttl > maxResponseTTL {
		errs.add("EnvironmentConfig data.responseTTLSeconds", "%d is out of range 1-%d", ttl, maxResponseTTL)
	}

	for _, k := range sortedKeys(s.Function.Environment) {
		if slices.Contains(lambdaReservedEnv, k) {
			errs.add(envSource(k, spec), "%q is reserved by Lambda", k)
		}
	}
	if n := environmentBytes(s); n > maxEnvironmentBytes {
		errs.add("spec.function.environment", "the function's variables take %d bytes with STAGE and the SECRET_*_ARN variables, more than Lambda's %d", n, maxEnvironmentBytes)
	}

	if n := len(tags(s)); n > maxTags {
		errs.add("spec.tags", "%d tags after merging the profile's, the stage's (EnvironmentConfig data.tags) and the request's with the %d standard ones; AWS allows %d", n, len(tags(&Settings{})), maxTags)
	}

	if c := s.API.CORS; s.API.Enabled && c != nil && c.AllowCredentials != nil && *c.AllowCredentials && slices.Contains(c.AllowOrigins, "*") {
		errs.add("spec.api.cors.allowOrigins", "\"*\" cannot be combined with allowCredentials: true (browsers refuse it and API Gateway rejects it); list the origins")
	}

	// resource keys that would be built twice
	names := map[string]bool{}
	for _, sec := range s.Secrets {
		names[sec.Name] = true
	}
	for i, sec := range s.Secrets {
		if base, ok := strings.CutSuffix(sec.Name, keySecretVersion); ok && names[base] {
			errs.add(fmt.Sprintf("spec.secrets[%d].name", i), "%q clashes with the value of secret %q: both would be the resource %s; rename one", sec.Name, base, keySecret+sec.Name)
		}
	}
	seen := map[string]bool{}
	for _, r := range s.API.Routes {
		if seen[r] {
			errs.add("spec.api.routes", "%q is listed twice", r)
		}
		seen[r] = true
	}
	if n := s.Network; n != nil {
		seen := map[string]bool{}
		for _, c := range n.EgressCIDRs {
			if seen[c] {
				errs.add("spec.network.egressCidrs", "%q is listed twice", c)
			}
			seen[c] = true
		}
	}
}

// numericSetting is the merged value of a bounded setting; set is false when it is unset.
func numericSetting(s *Settings, name string) (int64, bool) {
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
		return s.Monitor.ErrorThreshold, true
	case "monitoring.throttleThreshold":
		return s.Monitor.ThrottleThreshold, true
	case "monitoring.durationPercentOfTimeout":
		return s.Monitor.DurationPercentOfTimeout, true
	case "monitoring.api5xxThreshold":
		return s.Monitor.API5xxThreshold, true
	case "monitoring.apiLatencyP99Millis":
		return s.Monitor.APILatencyP99Millis, true
	case "monitoring.evaluationPeriods":
		return s.Monitor.EvaluationPeriods, true
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
func settingSource(name string, spec *v1alpha1.LambdaStackSpec, env *v1alpha1.StageProfile) string {
	raw, _ := json.Marshal(spec)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	if lookup(m, strings.Split(name, ".")...) != nil {
		return "spec." + name
	}
	if env != nil {
		raw, _ = json.Marshal(env)
		m = nil
		_ = json.Unmarshal(raw, &m)
		if lookup(m, strings.Split(name, ".")...) != nil {
			return "EnvironmentConfig data." + name
		}
	}
	return "spec." + name
}

func envSource(k string, spec *v1alpha1.LambdaStackSpec) string {
	if _, ok := spec.Function.Environment[k]; ok {
		return "spec.function.environment"
	}
	return "EnvironmentConfig data.function.environment"
}

// environmentBytes is the size Lambda counts of the function's variables: keys and values of
// the request's variables, STAGE and one SECRET_<NAME>_ARN per secret, a created secret's ARN
// counted at its longest (its account and the six characters AWS appends are not known yet).
func environmentBytes(s *Settings) int {
	n := len("STAGE") + len(s.Stage)
	for k, v := range s.Function.Environment {
		n += len(k) + len(v)
	}
	b := &builder{s: s}
	for _, sec := range s.Secrets {
		arn := sec.ARN
		if sec.Create != nil {
			r := s.Region
			arn = newARN(partition(r), "secretsmanager", r, "123456789012", "secret:"+b.secretName(sec.Name)+strings.Repeat("x", createdARNSuffix))
		}
		n += len(secretEnvName(sec.Name)) + len(arn)
	}
	return n
}

// specDecodeError turns a failure to decode spec into a message naming the field and the type
// it wants (`spec.function.memoryMB: want a number, got string "1024"`), when encoding/json can
// tell which field it is; else the original error.
func specDecodeError(spec map[string]any, err error) error {
	raw, jerr := json.Marshal(spec)
	if jerr != nil {
		return err
	}
	var into v1alpha1.LambdaStackSpec
	var te *json.UnmarshalTypeError
	if errors.As(json.Unmarshal(raw, &into), &te) && te.Field != "" {
		var path []string
		for _, p := range strings.Split(te.Field, ".") {
			if p != "" && (p[0] < 'A' || p[0] > 'Z') { // leave out embedded structs (FunctionSettings)
				path = append(path, p)
			}
		}
		return fmt.Errorf("spec.%s: want %s, got %s", strings.Join(path, "."), jsonTypeName(te.Type.Kind().String()), te.Value)
	}
	return err
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "int", "int64", "int32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "map", "struct", "ptr":
		return "an object"
	}
	return goKind
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
