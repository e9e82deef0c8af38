package fn

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Releases. With spec.release.useAlias (the staging and prod default) the function publishes a
// version on every code or configuration change (lambda.go sets publish) and callers reach it
// through the alias `live`, in every region of the stack:
//
//   - live serves the newest published version the provider observes on the Function
//     (status.atProvider.version), or spec.release.pinnedVersion when set (rollback);
//   - until the provider has observed a published version, live points at $LATEST (a new stack
//     publishes version 1 when it creates the function, so this lasts one reconcile; a stack that
//     switches useAlias on serves $LATEST through the alias until its next change publishes a
//     version). Once live has served a published version it never goes back to $LATEST, and the
//     alias is never dropped while useAlias is on;
//   - a canary (spec.release.canary) keeps live on the version it serves and routes
//     weight percent of its traffic to canary.additionalVersion once that version is published;
//     an alarm on the canary version's errors is part of the stack while the canary is set;
//   - provisionedConcurrency > 0 adds a ProvisionedConcurrencyConfig on live once it serves a
//     published version (AWS refuses it on $LATEST).
//
// Without the alias (dev default) the API invokes the unqualified function, i.e. $LATEST, and no
// version is published.

// Keys of the release part (per region: <key>-<region>).
const (
	keyAlias                  = "alias"
	keyProvisionedConcurrency = "provisioned-concurrency"
	keyCanaryAlarm            = "alarm-canary-errors"
)

const (
	// aliasName is the alias callers invoke.
	aliasName = "live"
	// versionLatest is the unpublished version of a function.
	versionLatest = "$LATEST"
)

var reVersion = regexp.MustCompile(`^[1-9][0-9]*$`)

// releaseConfig is the resolved release behaviour.
type releaseConfig struct {
	UseAlias               bool
	ProvisionedConcurrency int64
	PinnedVersion          string
	Canary                 *v1alpha1.CanarySpec
}

func resolveRelease(spec *v1alpha1.ReleaseSpec, stageCfg, base *v1alpha1.ReleaseSettings) releaseConfig {
	spec, stageCfg = orZero(spec), orZero(stageCfg)
	return releaseConfig{
		UseAlias:               firstBool(spec.UseAlias, stageCfg.UseAlias, base.UseAlias),
		ProvisionedConcurrency: firstInt(spec.ProvisionedConcurrency, stageCfg.ProvisionedConcurrency, base.ProvisionedConcurrency),
		PinnedVersion:          spec.PinnedVersion,
		Canary:                 spec.Canary,
	}
}

func validateRelease(errs *fieldErrors, r *releaseConfig) {
	if r.PinnedVersion != "" && !reVersion.MatchString(r.PinnedVersion) {
		errs.add("spec.release.pinnedVersion", "%q is not a published version number", r.PinnedVersion)
	}
	if r.Canary != nil {
		if r.PinnedVersion != "" {
			errs.add("spec.release", "pinnedVersion (rollback) and canary cannot be combined")
		}
		if !reVersion.MatchString(r.Canary.AdditionalVersion) {
			errs.add("spec.release.canary.additionalVersion", "%q is not a published version number", r.Canary.AdditionalVersion)
		}
	}
	if (r.PinnedVersion != "" || r.Canary != nil || r.ProvisionedConcurrency > 0) && !r.UseAlias {
		errs.add("spec.release.useAlias", "pinnedVersion, canary and provisionedConcurrency need the live alias; set useAlias: true")
	}
}

// validateProvisionedConcurrency refuses more provisioned than reserved concurrency.
func validateProvisionedConcurrency(errs *fieldErrors, s *settings) {
	if rc := s.Function.ReservedConcurrency; rc != nil && s.Release.ProvisionedConcurrency > *rc {
		errs.add("spec.release.provisionedConcurrency", "%d exceeds the function's reserved concurrency %d (function.reservedConcurrency, the stage's default where unset); AWS refuses it: raise reservedConcurrency",
			s.Release.ProvisionedConcurrency, *rc)
	}
}

// aliasTarget is what the live alias of one region serves.
type aliasTarget struct {
	Version string  // a published version, or $LATEST before the first one is observed
	Canary  string  // the additional version, when traffic is routed to it
	Weight  float64 // the canary's share of the traffic, 0 to 1
}

// release composes the live alias of every region, its provisioned concurrency and, while a
// canary is set, the canary's error alarm. Nothing without useAlias.
func (b *builder) release() {
	if !b.s.Release.UseAlias {
		return
	}
	b.regional(func(region, suffix string) {
		t := b.aliasTarget(suffix)
		b.add(b.alias(region, suffix, t))
		if b.s.Release.ProvisionedConcurrency > 0 && isVersion(t.Version) {
			b.add(b.provisionedConcurrency(region, suffix))
		}
		if b.s.Release.Canary != nil {
			b.add(b.canaryAlarm(region, suffix, t.Version))
			b.canaryWarning(region, suffix, t)
		}
	})
}

// aliasTarget decides the versions live serves in the region of suffix, from the request and
// what the provider observed.
func (b *builder) aliasTarget(suffix string) aliasTarget {
	r := b.s.Release
	newest := b.o.publishedVersion(KeyFunction + suffix)
	current := b.o.aliasVersion(keyAlias + suffix)
	if r.Canary == nil {
		return aliasTarget{Version: firstStr(r.PinnedVersion, newest, current, versionLatest)}
	}
	// A canary holds live where it is; the new version only gets its share of the traffic.
	t := aliasTarget{Version: firstStr(current, newest, versionLatest)}
	c := r.Canary
	if isVersion(t.Version) && c.AdditionalVersion != t.Version && published(c.AdditionalVersion, newest) {
		t.Canary, t.Weight = c.AdditionalVersion, float64(c.Weight)/100
	}
	return t
}

func (b *builder) alias(region, suffix string, t aliasTarget) composed {
	p := map[string]any{
		"functionNameRef": b.ref(KeyFunction + suffix),
		"functionVersion": t.Version,
		"description":     "Live version of the " + b.s.Stage + " " + b.s.App + " function (LambdaStack)",
	}
	if t.Canary != "" {
		p["routingConfig"] = b.block(map[string]any{
			"additionalVersionWeights": map[string]any{t.Canary: t.Weight},
		})
	}
	// No late initialization: it would copy a canary's routingConfig back into the spec when
	// the canary ends (the field is optional), and the routing would never be removed.
	return b.managed(keyAlias+suffix, "lambda", "Alias",
		mrOpts{externalName: aliasName, region: region, noLateInit: true}, p)
}

func (b *builder) provisionedConcurrency(region, suffix string) composed {
	// functionName and qualifier have no references in provider-aws: both are plain names.
	return b.managed(keyProvisionedConcurrency+suffix, "lambda", "ProvisionedConcurrencyConfig",
		mrOpts{region: region}, map[string]any{
			"functionName":                    b.functionName(),
			"qualifier":                       aliasName,
			"provisionedConcurrentExecutions": b.s.Release.ProvisionedConcurrency,
		})
}

// canaryAlarm fires as soon as one period counts the stage's error threshold of errors of the
// canary version invoked through live. Lambda reports the invocations of a weighted alias with
// the dimensions FunctionName, Resource (<function>:<alias>) and ExecutedVersion (the version
// that ran).
func (b *builder) canaryAlarm(region, suffix, liveVersion string) composed {
	m, c := b.s.Monitoring, b.s.Release.Canary
	fn := b.functionName()
	abort := "the version live served before"
	if isVersion(liveVersion) {
		abort = strconv.Quote(liveVersion)
	}
	p := map[string]any{
		"alarmDescription": fmt.Sprintf("Errors of version %s, the canary of the %s %s function (%d%% of %s:%s). "+
			"Abort: remove spec.release.canary and set spec.release.pinnedVersion to %s.",
			c.AdditionalVersion, b.s.Stage, b.s.App, c.Weight, fn, aliasName, abort),
		"namespace":          "AWS/Lambda",
		"metricName":         "Errors",
		"statistic":          "Sum",
		"period":             m.PeriodSeconds,
		"evaluationPeriods":  int64(1),
		"threshold":          m.ErrorThreshold,
		"comparisonOperator": "GreaterThanOrEqualToThreshold",
		"treatMissingData":   "notBreaching",
		"dimensions": map[string]any{
			"FunctionName":    fn,
			"Resource":        fn + ":" + aliasName,
			"ExecutedVersion": c.AdditionalVersion,
		},
	}
	if topic := b.canaryAlarmTopic(region, suffix); topic != "" {
		p["actionsEnabled"] = true
		p["alarmActions"] = []any{topic}
		p["okActions"] = []any{topic}
	}
	return b.managed(keyCanaryAlarm+suffix, "cloudwatch", "MetricAlarm",
		mrOpts{externalName: b.name(maxAlarmName, "canary-errors"), region: region, taggable: true}, p)
}

// canaryAlarmTopic is the SNS topic the canary alarm notifies: the monitoring part's topic of the
// region when alarms are on (the stage's topic or the one the stack creates, once its ARN is
// known), else the stage's topic if it names one. "" means an alarm without actions, visible in
// the console only (a canary alarm is composed even on a stage whose alarms are off).
func (b *builder) canaryAlarmTopic(region, suffix string) string {
	if !b.s.Monitoring.Alarms {
		return b.s.Monitoring.TopicARN
	}
	return firstStr(b.alarmTopicARN(region, suffix), b.o.kept(keyCanaryAlarm+suffix, "alarmActions"))
}

// invokeTarget is what the HTTP API of a region invokes: the live alias with useAlias, else the
// unqualified function ($LATEST).
type invokeTarget struct {
	// Integration holds the apigatewayv2 Integration's forProvider fields that name the target:
	// integrationUri (the alias ARN) or integrationUriRef (the function's invoke ARN).
	Integration map[string]any
	// Permission holds the lambda Permission's forProvider fields that name the target:
	// functionNameRef and, with the alias, qualifierRef (the alias name).
	Permission map[string]any
}

// invokeTarget returns the target of the API integration and the invoke permission in region.
// The alias ARN is built once the account is known (the role's ARN is observed first); before
// that, on a brand-new stack, the integration refers to the function, whose invoke ARN resolves
// only once the function exists, by which time the alias ARN is known too.
func (b *builder) invokeTarget(region string) invokeTarget {
	suffix := b.suffix(region)
	fnRef := b.ref(KeyFunction + suffix)
	if !b.s.Release.UseAlias {
		return invokeTarget{
			Integration: map[string]any{"integrationUriRef": fnRef},
			Permission:  map[string]any{"functionNameRef": fnRef},
		}
	}
	perm := map[string]any{"functionNameRef": fnRef, "qualifierRef": b.ref(keyAlias + suffix)}
	if arn := b.aliasARN(region); arn != "" {
		return invokeTarget{Integration: map[string]any{"integrationUri": arn}, Permission: perm}
	}
	return invokeTarget{Integration: map[string]any{"integrationUriRef": fnRef}, Permission: perm}
}

// aliasARN is the ARN of live in region: observed on the alias, else built from the account
// (observed.go); "" while no ARN of the stack is observed.
func (b *builder) aliasARN(region string) string {
	res := "function:" + b.functionName() + ":" + aliasName
	return firstStr(b.o.observedARNOf(keyAlias+b.suffix(region), ":"+res), b.arnIn("lambda", region, res))
}

// liveStatus is the primary region's alias ARN and the version it serves, as observed.
func (b *builder) liveStatus() (aliasARN, version string) {
	if !b.s.Release.UseAlias {
		return "", ""
	}
	return b.o.atProvider(keyAlias, "arn"), b.o.atProvider(keyAlias, "functionVersion")
}

// canaryWarning explains a canary that cannot route traffic (yet) in region.
func (b *builder) canaryWarning(region, suffix string, t aliasTarget) {
	c := b.s.Release.Canary
	switch {
	case t.Canary != "":
	case t.Version == c.AdditionalVersion:
		b.warn("spec.release.canary: version %s is already live in %s, so there is nothing to route a canary share away from; "+
			"deploy new code together with a canary naming its version (the next one), or pin the previous version first", c.AdditionalVersion, region)
	default:
		b.warn("spec.release.canary: version %s is not published in %s yet (newest observed: %s); live keeps serving %s and the canary starts once it is",
			c.AdditionalVersion, region, firstStr(b.o.publishedVersion(KeyFunction+suffix), "none"), t.Version)
	}
}

// isVersion reports whether v is a published version number.
func isVersion(v string) bool { return reVersion.MatchString(v) }

// published reports whether version v exists given the newest published version.
func published(v, newest string) bool {
	n, err1 := strconv.Atoi(v)
	m, err2 := strconv.Atoi(newest)
	return err1 == nil && err2 == nil && n <= m
}
