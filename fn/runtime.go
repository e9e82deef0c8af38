package fn

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Runtime details of the function: layers, ephemeral storage, log format and levels, the KMS key
// of its environment variables and SnapStart.
//
// Layers and the key are regional like the code (region.go): Lambda uses a layer or key of the
// function's own region only. An ARN names its region, or {region} where the stack has several
// (the same layer version published, or a multi-Region key, in each); the function gets the ARN
// with its own region. A literal region in a stack of several regions is refused rather than
// guessed. The same rule holds for the Lambda authorizer (authorizer.go).

// MaxLayers is Lambda's limit of layers per function.
const MaxLayers = 5

// snapStartRuntimes are the runtimes SnapStart is offered for here (AWS's Java runtimes).
var snapStartRuntimes = []string{"java17", "java21"}

var (
	reLayerARN  = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:([a-z0-9-]+|\{region\}):[0-9]{12}:layer:[A-Za-z0-9_-]{1,140}:[0-9]+$`)
	reFnKMSARN  = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+|\{region\}):[0-9]{12}:key/(mrk-)?[a-f0-9-]+$`)
	logFormats  = []string{"Text", "JSON"}
	appLevels   = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
	sysLevels   = []string{"DEBUG", "INFO", "WARN"}
	snapStartOn = "PublishedVersions"
)

// validateRegionalARN checks that arn (of what, in field) serves every region of the stack: a
// literal region must be the stack's only region; several regions need {region}.
func validateRegionalARN(errs *fieldErrors, s *Settings, field, what, arn string) {
	if len(s.Regions) > 1 && !strings.Contains(arn, RegionPlaceholder) {
		errs.add(field, "%s is one %s, but the stack runs in %d regions (%s) and Lambda and API Gateway use a %s of their own region only: write the region as %s, e.g. %s",
			arn, what, len(s.Regions), strings.Join(s.Regions, ", "), what, RegionPlaceholder, strings.Replace(arn, ":"+arnRegion(arn)+":", ":"+RegionPlaceholder+":", 1))
		return
	}
	for _, r := range s.Regions {
		a := inRegion(arn, r)
		if got := arnRegion(a); got != r {
			errs.add(field, "the %s is in region %s, the stack in %s: it must be in the stack's region", what, got, r)
		}
		if p := arnPartition(a); p != partition(r) {
			errs.add(field, "%s is in partition %s, the stack in %s", a, p, partition(r))
		}
	}
}

func validateRuntimeDetails(errs *fieldErrors, s *Settings, spec *v1alpha1.LambdaStackSpec, env *v1alpha1.StageProfile) {
	f := &s.Function
	image := f.Code.ImageURI != ""

	if len(f.Layers) > 0 && image {
		errs.add("spec.function.layers", "a container image cannot use layers: build them into the image")
	}
	if len(f.Layers) > MaxLayers {
		errs.add("spec.function.layers", "%d layers, Lambda allows %d", len(f.Layers), MaxLayers)
	}
	for i, l := range f.Layers {
		field := fmt.Sprintf("spec.function.layers[%d]", i)
		if !reLayerARN.MatchString(l) {
			errs.add(field, "%q is not a layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)", l)
			continue
		}
		if slices.Index(f.Layers, l) != i {
			errs.add(field, "%s is listed twice", l)
		}
		validateRegionalARN(errs, s, field, "layer", l)
		if acct := arnAccount(inRegion(l, s.Region)); !slices.Contains(env.AllowedLayerAccountIDs, acct) {
			checkGrantedARN(errs, s, env, field, "layer", inRegion(l, s.Region))
		}
	}

	if k := f.KMSKeyARN; k != "" {
		if !reFnKMSARN.MatchString(k) {
			errs.add("spec.function.kmsKeyArn", "%q is not a KMS key ARN", k)
		} else {
			validateRegionalARN(errs, s, "spec.function.kmsKeyArn", "KMS key", k)
			checkGrantedARN(errs, s, env, "spec.function.kmsKeyArn", "KMS key", inRegion(k, s.Region))
		}
	}

	lg := f.Logging
	if lg.Format != "" && !slices.Contains(logFormats, lg.Format) {
		errs.add(settingSource("function.logging.format", spec, env), "%q must be Text or JSON", lg.Format)
	}
	if lg.ApplicationLogLevel != "" && !slices.Contains(appLevels, lg.ApplicationLogLevel) {
		errs.add(settingSource("function.logging.applicationLogLevel", spec, env), "%q must be one of %s", lg.ApplicationLogLevel, strings.Join(appLevels, ", "))
	}
	if lg.SystemLogLevel != "" && !slices.Contains(sysLevels, lg.SystemLogLevel) {
		errs.add(settingSource("function.logging.systemLogLevel", spec, env), "%q must be one of %s", lg.SystemLogLevel, strings.Join(sysLevels, ", "))
	}
	if lg.Format != "JSON" {
		for _, l := range []struct{ name, v string }{{"applicationLogLevel", lg.ApplicationLogLevel}, {"systemLogLevel", lg.SystemLogLevel}} {
			if l.v != "" {
				errs.add(settingSource("function.logging."+l.name, spec, env), "%s applies to JSON logs only, and the log format is %s; set function.logging.format: JSON", l.name, firstStr(lg.Format, "Text (Lambda's default)"))
			}
		}
	}

	if f.SnapStart {
		switch {
		case image:
			errs.add("spec.function.snapStart", "SnapStart is not available for container images, only for the Java runtimes (%s) of a zip package", strings.Join(snapStartRuntimes, ", "))
		case !slices.Contains(snapStartRuntimes, f.Runtime):
			errs.add("spec.function.snapStart", "SnapStart is offered for the Java runtimes only (%s), not for %s (spec.function.runtime)", strings.Join(snapStartRuntimes, ", "), f.Runtime)
		}
		if !s.Release.UseAlias {
			errs.add("spec.function.snapStart", "SnapStart applies to published versions, and this stack serves $LATEST: set spec.release.useAlias: true")
		}
		if s.Release.ProvisionedConcurrency > 0 {
			errs.add("spec.function.snapStart", "SnapStart cannot be combined with provisioned concurrency (spec.release.provisionedConcurrency %d, AWS's limit)", s.Release.ProvisionedConcurrency)
		}
		if e := f.EphemeralStorageMB; e != nil && *e > 512 {
			errs.add("spec.function.snapStart", "SnapStart allows at most 512 MB of ephemeral storage (function.ephemeralStorageMB is %d, AWS's limit)", *e)
		}
	}
}

// resolveLogging merges the log settings field by field: request, stage, profile.
func resolveLogging(spec, env, base *v1alpha1.LoggingSpec) v1alpha1.LoggingSpec {
	spec, env, base = orZero(spec), orZero(env), orZero(base)
	return v1alpha1.LoggingSpec{
		Format:              firstStr(spec.Format, env.Format, base.Format),
		ApplicationLogLevel: firstStr(spec.ApplicationLogLevel, env.ApplicationLogLevel, base.ApplicationLogLevel),
		SystemLogLevel:      firstStr(spec.SystemLogLevel, env.SystemLogLevel, base.SystemLogLevel),
	}
}

// runtimeParameters adds the runtime details to the function's parameters in region.
func (b *builder) runtimeParameters(p map[string]any, region string) {
	f := b.s.Function
	if len(f.Layers) > 0 {
		layers := make([]any, 0, len(f.Layers))
		for _, l := range f.Layers {
			layers = append(layers, inRegion(l, region))
		}
		p["layers"] = layers
	}
	if f.KMSKeyARN != "" {
		p["kmsKeyArn"] = inRegion(f.KMSKeyARN, region)
	}
	if f.EphemeralStorageMB != nil {
		p["ephemeralStorage"] = b.block(map[string]any{"size": *f.EphemeralStorageMB})
	}
	if lg := f.Logging; lg.Format != "" {
		c := map[string]any{"logFormat": lg.Format}
		if lg.ApplicationLogLevel != "" {
			c["applicationLogLevel"] = lg.ApplicationLogLevel
		}
		if lg.SystemLogLevel != "" {
			c["systemLogLevel"] = lg.SystemLogLevel
		}
		p["loggingConfig"] = b.block(c)
	}
	if f.SnapStart {
		p["snapStart"] = b.block(map[string]any{"applyOn": snapStartOn})
	}
}
