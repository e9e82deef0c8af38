package fn

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// flavour is the kind of composite the function serves.
type flavour int

const (
	// namespaced is a Crossplane v2 LambdaStack: namespaced managed resources (*.aws.m.upbound.io).
	namespaced flavour = iota
	// legacy is a cluster-scoped XLambdaStack (claimed by LambdaStackClaim): cluster-scoped
	// managed resources (*.aws.upbound.io).
	legacy
)

// settings is a request resolved against its stage: XR spec > the stage's EnvironmentConfig >
// the built-in profile. Every builder reads only this.
type settings struct {
	Flavour   flavour
	XRName    string
	Namespace string // empty for the legacy flavour
	// Owner is the namespace the stack belongs to: the request's namespace, the claim's
	// namespace for the legacy flavour, "" for an XLambdaStack created without a claim. AWS
	// names carry it (naming.go) and the Kubernetes Secrets the stack reads must live in it.
	Owner string
	// NameScheme is how the stack's AWS names are built (naming.go): the current scheme, or an
	// older one a stack that exists was composed with (its names never change).
	NameScheme nameScheme
	// OwnerName is the name the owner knows the stack by: the LambdaStack's, or its claim's; ""
	// for an XLambdaStack created without a claim. It names the outputs ConfigMap (outputs.go).
	OwnerName string
	XRKind    string
	// LegacyObjectNames: the stack's composed objects exist with names <xr>-<key> (naming.go).
	LegacyObjectNames bool

	Stage   string
	App     string
	Profile string // the built-in profile the stage is based on

	// StageConfigured is true when the stage has an EnvironmentConfig (the platform bound it to
	// namespaces and an account, docs/tenancy.md); false for a built-in stage used as it is.
	StageConfigured bool
	// SecretNamePrefix is the stage's data.secretNamePrefix with {namespace} replaced by Owner.
	SecretNamePrefix string
	// Ownership is what the stack may name of its stage's account besides what it creates
	// (ownership.go).
	Ownership ownershipConfig
	// ManagedLogPolicy: the role gets AWSLambdaBasicExecutionRole instead of the inline policy
	// scoped to its own log groups (iam.go).
	ManagedLogPolicy bool

	Production         bool
	Retain             bool
	ProviderConfigName string
	ProviderConfigKind string
	Region             string   // primary region
	Regions            []string // every region, primary first
	TTL                time.Duration

	Function   functionConfig
	API        apiConfig
	Monitoring monitoringConfig
	Network    *v1alpha1.NetworkSpec
	Secrets    []v1alpha1.SecretSpec
	Release    releaseConfig
	// Triggers are the SQS queues and schedules invoking the function (triggers.go, schedules.go).
	Triggers triggersConfig
	// Async is the asynchronous invocation config (async.go).
	Async  asyncConfig
	Budget budgetConfig
	// CentralLogs is the stage's central log destination; nil for none (centrallogs.go).
	CentralLogs *centralLogsConfig
	// Domain is the API's custom domain; nil for none (domain.go).
	Domain *domainConfig
	Tags   map[string]string // user tags (request, then profile and stage config, which win); standard tags are added by tags.go

	// Permissions are the function's own permissions and the stage's guards (permissions.go).
	Permissions permissionsConfig
	// Quotas are the stage's ceilings, its EnvironmentConfig's over its profile's (quotas.go).
	Quotas v1alpha1.StageQuotas

	// LogsAccess is who may assume the stack's read-only logs role; nil for no role
	// (logsaccess.go).
	LogsAccess *logsAccessConfig
	// Effective are the settings reported in status.effective, with their sources (effective.go).
	Effective []v1alpha1.EffectiveSetting
}

// resolve merges a request with its stage config and base profile, the stack owned by the
// request's namespace. stageCfg may be nil.
func resolve(xr composite, stageCfg *v1alpha1.StageProfile) (*settings, error) {
	return resolveFor(xr, xr.Namespace, stageCfg)
}

// resolveFor merges a request with its stage config and base profile for a stack owned by the
// namespace owner (see settings.Owner). stageCfg may be nil.
func resolveFor(xr composite, owner string, stageCfg *v1alpha1.StageProfile) (*settings, error) {
	spec := xr.Spec
	profile := spec.Stage
	if stageCfg != nil && stageCfg.BaseProfile != "" {
		profile = stageCfg.BaseProfile
	}
	base, ok := builtinProfiles[profile]
	if !ok {
		if stageCfg == nil {
			return nil, fmt.Errorf("spec.stage: stage %q has no built-in profile (built-in: dev, staging, prod) and no EnvironmentConfig labelled %s=%s; create one (it may name a baseProfile) or use a built-in stage", spec.Stage, v1alpha1.StageLabel, spec.Stage)
		}
		if stageCfg.BaseProfile != "" {
			return nil, fmt.Errorf("EnvironmentConfig of stage %q: data.baseProfile: %q is not a built-in profile (dev, staging, prod)", spec.Stage, stageCfg.BaseProfile)
		}
		return nil, fmt.Errorf("EnvironmentConfig of stage %q: data.baseProfile is required because %q is not a built-in profile (dev, staging, prod)", spec.Stage, spec.Stage)
	}
	configured := stageCfg != nil
	if stageCfg == nil {
		stageCfg = &v1alpha1.StageProfile{}
	}

	s := &settings{
		Flavour: xr.Flavour, XRName: xr.Name, Namespace: xr.Namespace, Owner: owner, XRKind: xr.Kind, OwnerName: ownerName(xr),
		Stage: spec.Stage, App: spec.App, Profile: profile,
		StageConfigured:    configured,
		SecretNamePrefix:   strings.ReplaceAll(stageCfg.SecretNamePrefix, namespacePlaceholder, owner),
		Ownership:          resolveOwnership(stageCfg, owner, configured),
		ManagedLogPolicy:   firstBool(stageCfg.ManagedLogPolicy, base.ManagedLogPolicy),
		Production:         firstBool(stageCfg.Production, base.Production),
		Retain:             firstBool(stageCfg.RetainStatefulResources, base.RetainStatefulResources),
		ProviderConfigName: firstStr(spec.ProviderConfigName, stageCfg.ProviderConfigName, base.ProviderConfigName, spec.Stage),
		ProviderConfigKind: firstStr(stageCfg.ProviderConfigKind, base.ProviderConfigKind),
		TTL:                time.Duration(firstInt(stageCfg.ResponseTTLSeconds, base.ResponseTTLSeconds)) * time.Second,
		Network:            spec.Network,
		Secrets:            ownedSecrets(spec.Secrets, xr.Flavour, owner),
		Permissions:        resolvePermissions(spec.Permissions, stageCfg.Permissions),
		Tags:               mergedTags(spec.Tags, &base, stageCfg),
	}
	s.Region, s.Regions = resolveRegions(spec, stageCfg, &base)
	s.Function = resolveFunction(spec.Function, stageCfg.Function, base.Function)
	s.Quotas = resolveQuotas(stageCfg.Quotas, base.Quotas)
	applyQuotaDefaults(s)
	s.API = resolveAPI(spec.API, stageCfg.API, base.API)
	var monitoring *v1alpha1.MonitoringSettings
	var metrics []v1alpha1.LogMetricSpec
	if spec.Monitoring != nil {
		monitoring, metrics = &spec.Monitoring.MonitoringSettings, spec.Monitoring.Metrics
	}
	s.Monitoring = resolveMonitoring(monitoring, stageCfg.Monitoring, base.Monitoring)
	s.Monitoring.Metrics = metrics
	s.Release = resolveRelease(spec.Release, stageCfg.Release, base.Release)
	s.Triggers = resolveTriggers(spec.Triggers, stageCfg.Triggers, s.Function)
	if spec.API == nil && s.Triggers.any() {
		s.API.Enabled = false // a worker: triggers and no spec.api
	}
	s.Async = resolveAsync(spec.Async, stageCfg.Async, base.Async)
	budget, budgetErr := resolveBudget(spec.Budget, stageCfg.Budget, s.Monitoring)
	s.Budget = budget
	central, centralErr := resolveCentralLogs(stageCfg.CentralLogs, s.Regions)
	s.CentralLogs = central
	domain, domainErr := resolveDomain(spec.API, stageCfg, s)
	s.Domain = domain
	logsAccess, logsAccessErr := resolveLogsAccess(stageCfg.LogsAccess, owner)
	s.LogsAccess = logsAccess
	s.Effective = effectiveSettings(s, &spec, stageCfg, &base)

	// The request's own fields first (regions allowed, limits), then what depends on them.
	for _, err := range []error{validateSettings(s, &spec, stageCfg), budgetErr, centralErr, domainErr, logsAccessErr} {
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// orZero lets a missing optional block read as an empty one.
func orZero[T any](p *T) *T {
	if p == nil {
		return new(T)
	}
	return p
}

func firstStr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstInt(vals ...*int64) int64 {
	if p := firstIntPtr(vals...); p != nil {
		return *p
	}
	return 0
}

func firstIntPtr(vals ...*int64) *int64 {
	for _, v := range vals {
		if v != nil {
			return v
		}
	}
	return nil
}

func firstBool(vals ...*bool) bool {
	for _, v := range vals {
		if v != nil {
			return *v
		}
	}
	return false
}

// mergeMaps overlays maps left to right; later keys win. The result is nil when all are empty.
func mergeMaps(ms ...map[string]string) map[string]string {
	var out map[string]string
	for _, m := range ms {
		if len(m) == 0 {
			continue
		}
		if out == nil {
			out = make(map[string]string, len(m))
		}
		maps.Copy(out, m)
	}
	return out
}
