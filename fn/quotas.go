package fn

import (
	"fmt"
	"slices"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Stage quotas (docs/tenancy.md, rule 11): the most a request of a stage may ask for, set by the
// stage's EnvironmentConfig (data.quotas) or, quota by quota, its built-in profile. A request
// above one is refused; a stage whose reserved concurrency is capped never runs a function
// unreserved (it takes the quota when neither request nor stage sets one). The stage's budget is
// a ceiling too (budget.go).

// quota is one ceiling: what it caps and how to read it and the capped value.
type quota struct {
	name    string // under data.quotas
	setting string // the capped setting under spec (numericBounds' name where it has one)
	of      func(q *v1alpha1.StageQuotas) *int64
	value   func(s *settings) (int64, bool)
}

var quotaList = []quota{
	{"memoryMB", "function.memoryMB", func(q *v1alpha1.StageQuotas) *int64 { return q.MemoryMB },
		func(s *settings) (int64, bool) { return s.Function.MemoryMB, true }},
	{"timeoutSeconds", "function.timeoutSeconds", func(q *v1alpha1.StageQuotas) *int64 { return q.TimeoutSeconds },
		func(s *settings) (int64, bool) { return s.Function.TimeoutSeconds, true }},
	{"ephemeralStorageMB", "function.ephemeralStorageMB", func(q *v1alpha1.StageQuotas) *int64 { return q.EphemeralStorageMB },
		func(s *settings) (int64, bool) { return derefSet(s.Function.EphemeralStorageMB) }},
	{"reservedConcurrency", "function.reservedConcurrency", func(q *v1alpha1.StageQuotas) *int64 { return q.ReservedConcurrency },
		func(s *settings) (int64, bool) { return derefSet(s.Function.ReservedConcurrency) }},
	{"provisionedConcurrency", "release.provisionedConcurrency", func(q *v1alpha1.StageQuotas) *int64 { return q.ProvisionedConcurrency },
		func(s *settings) (int64, bool) { return s.Release.ProvisionedConcurrency, true }},
	{"logRetentionDays", "function.logRetentionDays", func(q *v1alpha1.StageQuotas) *int64 { return q.LogRetentionDays },
		func(s *settings) (int64, bool) { return s.Function.LogRetentionDays, true }},
	{"regions", "regions", func(q *v1alpha1.StageQuotas) *int64 { return q.Regions },
		func(s *settings) (int64, bool) { return int64(len(s.Regions)), true }},
	{"routes", "api.routes", func(q *v1alpha1.StageQuotas) *int64 { return q.Routes },
		func(s *settings) (int64, bool) { return int64(len(s.API.Routes)), s.API.Enabled }},
}

// resolveQuotas merges the stage's quotas over its profile's, quota by quota.
func resolveQuotas(stageCfg, base *v1alpha1.StageQuotas) v1alpha1.StageQuotas {
	stageCfg, base = orZero(stageCfg), orZero(base)
	return v1alpha1.StageQuotas{
		MemoryMB:               firstIntPtr(stageCfg.MemoryMB, base.MemoryMB),
		TimeoutSeconds:         firstIntPtr(stageCfg.TimeoutSeconds, base.TimeoutSeconds),
		EphemeralStorageMB:     firstIntPtr(stageCfg.EphemeralStorageMB, base.EphemeralStorageMB),
		ReservedConcurrency:    firstIntPtr(stageCfg.ReservedConcurrency, base.ReservedConcurrency),
		ProvisionedConcurrency: firstIntPtr(stageCfg.ProvisionedConcurrency, base.ProvisionedConcurrency),
		LogRetentionDays:       firstIntPtr(stageCfg.LogRetentionDays, base.LogRetentionDays),
		Regions:                firstIntPtr(stageCfg.Regions, base.Regions),
		Routes:                 firstIntPtr(stageCfg.Routes, base.Routes),
	}
}

// applyQuotaDefaults gives a function of a stage whose reserved concurrency is capped the quota
// when neither the request nor the stage reserves any: unreserved, it could take the account's
// whole concurrency.
func applyQuotaDefaults(s *settings) {
	if s.Function.ReservedConcurrency == nil && s.Quotas.ReservedConcurrency != nil {
		s.Function.ReservedConcurrency = s.Quotas.ReservedConcurrency
	}
}

// validateQuotas checks each quota against the range of what it caps, then the merged settings
// against the quotas.
func validateQuotas(errs *fieldErrors, s *settings, spec *v1alpha1.LambdaStackSpec, stageCfg *v1alpha1.StageProfile) {
	for _, q := range quotaList {
		limit := q.of(&s.Quotas)
		if limit == nil {
			continue
		}
		where := "EnvironmentConfig data.quotas." + q.name
		if q.of(orZero(stageCfg.Quotas)) == nil {
			where = "quotas." + q.name + " of the built-in " + s.Profile + " profile"
		}
		if b, ok := numericBounds[q.setting]; ok && (*limit < b.min || b.max > 0 && *limit > b.max) {
			errs.add("EnvironmentConfig data.quotas."+q.name, "%d is out of the range of %s, %d-%d", *limit, q.setting, b.min, b.max)
			continue
		}
		if e, ok := numericEnums[q.setting]; ok && !slices.Contains(e, *limit) {
			errs.add("EnvironmentConfig data.quotas."+q.name, "%d is not a value of %s", *limit, q.setting)
			continue
		}
		if *limit < 1 && (q.name == "regions" || q.name == "routes") {
			errs.add("EnvironmentConfig data.quotas."+q.name, "%d: a stack needs at least one", *limit)
			continue
		}
		if v, set := q.value(s); set && v > *limit {
			errs.add(settingSource(q.setting, spec, stageCfg), "%s is above stage %s's quota of %d (%s); the platform sets the stage's quotas in its EnvironmentConfig", quotaValue(q, v), s.Stage, *limit, where)
		}
	}
}

// quotaValue says what a request asks for, for messages.
func quotaValue(q quota, v int64) string {
	switch q.name {
	case "regions":
		return fmt.Sprintf("%d regions", v)
	case "routes":
		return fmt.Sprintf("%d routes", v)
	}
	return fmt.Sprint(v)
}
