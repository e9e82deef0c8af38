package fn

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// The Lambda function (spec.function), in every region of the stack, and its log group.
//
// The function runs as the stack's role (iam.go), reads its code from S3 or ECR, gets the
// request's variables plus STAGE and SECRET_<NAME>_ARN (secrets.go), and publishes a version on
// every change when the release uses the live alias (release.go). Its log group is composed with
// the stage's retention, so Lambda does not create one with infinite retention on first
// invocation.
//
// Code is regional: Lambda reads a zip from a bucket in its own region and an image from an ECR
// repository in its own region. A bucket name may therefore contain {region}, replaced per region
// (required when a zip stack has several regions); an ECR image URI serves the primary region as
// given, and the other regions the same repository in their own registry (replicate it with ECR
// replication).
//
// Runtime details: layers, ephemeral storage, log format and levels, the KMS key of the
// environment variables and SnapStart. Layers and the key are regional like the code: Lambda uses
// a layer or key of the function's own region only. An ARN names its region, or {region} where
// the stack has several (the same layer version published, or a multi-Region key, in each); the
// function gets the ARN with its own region. A literal region in a stack of several regions is
// refused rather than guessed (validateRegionalARN, region.go). The same rule holds for the
// Lambda authorizer (authorizer.go).

// Keys of the function part (per region: <key>-<region>).
const (
	KeyFunction = "function"
	KeyLogGroup = "log-group"
)

// Defaults of the function that are not per stage.
const (
	defaultRuntime = "python3.11"
	defaultHandler = "handler.handler"
)

// maxLayers is Lambda's limit of layers per function.
const maxLayers = 5

// Limits of the function's environment.
const (
	maxEnvironmentBytes = 4096 // Lambda: all variables of a function together, keys and values
	createdARNSuffix    = 7    // "-" and the six random characters AWS appends to a secret's name
)

// snapStartRuntimes are the runtimes SnapStart is offered for here (AWS's Java runtimes).
var snapStartRuntimes = []string{"java17", "java21"}

// lambdaReservedEnv are variable names Lambda sets itself and refuses in a function's
// configuration (besides every AWS_* name, which validateFunction refuses).
var lambdaReservedEnv = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ"}

// runtimes are the zip runtimes offered; retentionDays CloudWatch Logs' retention values.
var (
	runtimes      = []string{"python3.10", "python3.11", "python3.12", "python3.13", "nodejs20.x", "nodejs22.x", "java17", "java21", "provided.al2023"}
	retentionDays = []int64{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

var (
	reEnvKey    = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)
	reImageURI  = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[^\s]+$`)
	reBucket    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)
	reECRHost   = regexp.MustCompile(`^([0-9]{12}\.dkr\.ecr\.)([a-z0-9-]+)(\.amazonaws\.com)`)
	reLayerARN  = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:([a-z0-9-]+|\{region\}):[0-9]{12}:layer:[A-Za-z0-9_-]{1,140}:[0-9]+$`)
	reFnKMSARN  = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+|\{region\}):[0-9]{12}:key/(mrk-)?[a-f0-9-]+$`)
	logFormats  = []string{"Text", "JSON"}
	appLevels   = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
	sysLevels   = []string{"DEBUG", "INFO", "WARN"}
	snapStartOn = "PublishedVersions"
)

// functionConfig is the resolved Lambda function.
type functionConfig struct {
	Code                v1alpha1.CodeSpec
	Runtime             string
	Handler             string
	MemoryMB            int64
	TimeoutSeconds      int64
	Architecture        string
	ReservedConcurrency *int64
	LogRetentionDays    int64
	Tracing             bool
	Environment         map[string]string

	// Runtime details.
	Layers             []string // as given ({region} not yet replaced)
	KMSKeyARN          string
	SnapStart          bool
	EphemeralStorageMB *int64 // nil: Lambda's default
	Logging            v1alpha1.LoggingSpec
}

func resolveFunction(spec v1alpha1.FunctionSpec, stageCfg, base *v1alpha1.FunctionSettings) functionConfig {
	stageCfg = orZero(stageCfg)
	return functionConfig{
		Code:                spec.Code,
		Runtime:             firstStr(spec.Runtime, defaultRuntime),
		Handler:             firstStr(spec.Handler, defaultHandler),
		MemoryMB:            firstInt(spec.MemoryMB, stageCfg.MemoryMB, base.MemoryMB),
		TimeoutSeconds:      firstInt(spec.TimeoutSeconds, stageCfg.TimeoutSeconds, base.TimeoutSeconds),
		Architecture:        firstStr(spec.Architecture, stageCfg.Architecture, base.Architecture),
		ReservedConcurrency: firstIntPtr(spec.ReservedConcurrency, stageCfg.ReservedConcurrency, base.ReservedConcurrency),
		LogRetentionDays:    firstInt(spec.LogRetentionDays, stageCfg.LogRetentionDays, base.LogRetentionDays),
		Tracing:             firstBool(spec.Tracing, stageCfg.Tracing, base.Tracing),
		Environment:         mergeMaps(base.Environment, stageCfg.Environment, spec.Environment),
		Layers:              spec.Layers,
		KMSKeyARN:           spec.KMSKeyARN,
		SnapStart:           firstBool(spec.SnapStart),
		EphemeralStorageMB:  firstIntPtr(spec.EphemeralStorageMB, stageCfg.EphemeralStorageMB, base.EphemeralStorageMB),
		Logging:             resolveLogging(spec.Logging, stageCfg.Logging, base.Logging),
	}
}

// resolveLogging merges the log settings field by field: request, stage, profile.
func resolveLogging(spec, stageCfg, base *v1alpha1.LoggingSpec) v1alpha1.LoggingSpec {
	spec, stageCfg, base = orZero(spec), orZero(stageCfg), orZero(base)
	return v1alpha1.LoggingSpec{
		Format:              firstStr(spec.Format, stageCfg.Format, base.Format),
		ApplicationLogLevel: firstStr(spec.ApplicationLogLevel, stageCfg.ApplicationLogLevel, base.ApplicationLogLevel),
		SystemLogLevel:      firstStr(spec.SystemLogLevel, stageCfg.SystemLogLevel, base.SystemLogLevel),
	}
}

func validateFunction(errs *fieldErrors, f *functionConfig) {
	c := f.Code
	switch {
	case c.S3 == nil && c.ImageURI == "":
		errs.add("spec.function.code", "needs one of s3 (bucket, key) or imageUri; local paths are not supported, see `lambdastack bundle`")
	case c.S3 != nil && c.ImageURI != "":
		errs.add("spec.function.code", "has both s3 and imageUri; give exactly one")
	case c.S3 != nil:
		if c.S3.Bucket == "" || c.S3.Key == "" {
			errs.add("spec.function.code.s3", "needs bucket and key")
		}
	case !reImageURI.MatchString(c.ImageURI):
		errs.add("spec.function.code.imageUri", "%q is not an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)", c.ImageURI)
	}
	if c.ImageURI == "" && !slices.Contains(runtimes, f.Runtime) {
		errs.add("spec.function.runtime", "%q is not supported (supported: %s)", f.Runtime, strings.Join(runtimes, ", "))
	}
	if f.Architecture != "arm64" && f.Architecture != "x86_64" {
		errs.add("spec.function.architecture", "%q must be arm64 or x86_64", f.Architecture)
	}
	if !slices.Contains(retentionDays, f.LogRetentionDays) {
		errs.add("spec.function.logRetentionDays", "%d is not a CloudWatch Logs retention value", f.LogRetentionDays)
	}
	for _, k := range sortedKeys(f.Environment) {
		switch {
		case !reEnvKey.MatchString(k):
			errs.add("spec.function.environment", "%q is not a valid variable name", k)
		case k == "STAGE" || strings.HasPrefix(k, "SECRET_") || strings.HasPrefix(k, "AWS_"):
			errs.add("spec.function.environment", "%q is reserved (STAGE, SECRET_* and AWS_* are set by the stack or Lambda)", k)
		}
	}
}

func validateRuntimeDetails(errs *fieldErrors, s *settings, spec *v1alpha1.LambdaStackSpec, stageCfg *v1alpha1.StageProfile) {
	f := &s.Function
	image := f.Code.ImageURI != ""

	if len(f.Layers) > 0 && image {
		errs.add("spec.function.layers", "a container image cannot use layers: build them into the image")
	}
	if len(f.Layers) > maxLayers {
		errs.add("spec.function.layers", "%d layers, Lambda allows %d", len(f.Layers), maxLayers)
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
		if acct := arnAccount(inRegion(l, s.Region)); !slices.Contains(stageCfg.AllowedLayerAccountIDs, acct) {
			checkGrantedARN(errs, s, stageCfg, field, "layer", l)
		}
	}

	if k := f.KMSKeyARN; k != "" {
		if !reFnKMSARN.MatchString(k) {
			errs.add("spec.function.kmsKeyArn", "%q is not a KMS key ARN", k)
		} else {
			validateRegionalARN(errs, s, "spec.function.kmsKeyArn", "KMS key", k)
			checkGrantedARN(errs, s, stageCfg, "spec.function.kmsKeyArn", "KMS key", k)
		}
	}

	lg := f.Logging
	if lg.Format != "" && !slices.Contains(logFormats, lg.Format) {
		errs.add(settingSource("function.logging.format", spec, stageCfg), "%q must be Text or JSON", lg.Format)
	}
	if lg.ApplicationLogLevel != "" && !slices.Contains(appLevels, lg.ApplicationLogLevel) {
		errs.add(settingSource("function.logging.applicationLogLevel", spec, stageCfg), "%q must be one of %s", lg.ApplicationLogLevel, strings.Join(appLevels, ", "))
	}
	if lg.SystemLogLevel != "" && !slices.Contains(sysLevels, lg.SystemLogLevel) {
		errs.add(settingSource("function.logging.systemLogLevel", spec, stageCfg), "%q must be one of %s", lg.SystemLogLevel, strings.Join(sysLevels, ", "))
	}
	if lg.Format != "JSON" {
		for _, l := range []struct{ name, v string }{{"applicationLogLevel", lg.ApplicationLogLevel}, {"systemLogLevel", lg.SystemLogLevel}} {
			if l.v != "" {
				errs.add(settingSource("function.logging."+l.name, spec, stageCfg), "%s applies to JSON logs only, and the log format is %s; set function.logging.format: JSON", l.name, firstStr(lg.Format, "Text (Lambda's default)"))
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

// validateRegionalCode checks that every region gets a package it can read.
func validateRegionalCode(errs *fieldErrors, s *settings) {
	c := s.Function.Code.S3
	if c == nil {
		return
	}
	if len(s.Regions) > 1 && !strings.Contains(c.Bucket, regionPlaceholder) {
		errs.add("spec.function.code.s3.bucket", "%q is one bucket, but the stack runs in %d regions (%s) and Lambda reads a zip only from a bucket in its own region: "+
			"name the bucket with %s, e.g. %q, and copy the zip to the bucket of each region",
			c.Bucket, len(s.Regions), strings.Join(s.Regions, ", "), regionPlaceholder, "artifacts-"+regionPlaceholder)
		return
	}
	for _, r := range s.Regions {
		if b := codeBucket(c.Bucket, r); len(b) < 3 || len(b) > 63 || !reBucket.MatchString(b) {
			errs.add("spec.function.code.s3.bucket", "%q is not a valid bucket name in region %s (3-63 lower-case letters, digits, '.' or '-')", b, r)
		}
	}
}

// validateCodeOwnership applies rule 9 of docs/tenancy.md to the code on a shared account: a
// zip is an object keyed <namespace>/... (the namespace's own, in any bucket) or one the stage
// grants (arn:aws:s3:::<bucket>/<key>); an image comes from a repository of the stage's account
// named <namespace>/... or <namespace>_..., or one the stage grants.
func validateCodeOwnership(errs *fieldErrors, s *settings) {
	if !s.Ownership.Shared {
		return
	}
	c := s.Function.Code
	if c.S3 != nil && c.S3.Bucket != "" && c.S3.Key != "" && !strings.HasPrefix(c.S3.Key, s.Owner+"/") {
		for _, r := range s.Regions {
			if arn := newARN(partition(r), "s3", "", "", codeBucket(c.S3.Bucket, r)+"/"+c.S3.Key); !s.granted(arn) {
				errs.add("spec.function.code.s3", "the code object %s is not namespace %s's: %s, and a namespace's own code objects are keyed %s/… (in any bucket); the platform grants others in the stage's EnvironmentConfig (data.grants.resources, or data.grants.namespaces.%s.resources)", arn, s.Owner, s.sharedAccount(), s.Owner, s.Owner)
				break
			}
		}
	}
	if m := reECRHost.FindStringSubmatch(c.ImageURI); m != nil && reImageURI.MatchString(c.ImageURI) {
		acct := strings.TrimSuffix(m[1], ".dkr.ecr.")
		repo := strings.SplitN(strings.SplitN(c.ImageURI[len(m[0])+1:], "@", 2)[0], ":", 2)[0]
		checkOwned(errs, s, "spec.function.code.imageUri", "image repository", newARN(partition(s.Region), "ecr", regionPlaceholder, acct, "repository/"+repo))
	}
}

// validateEnvironmentLimits refuses variables Lambda reserves and variables larger than Lambda
// allows.
func validateEnvironmentLimits(errs *fieldErrors, s *settings, spec *v1alpha1.LambdaStackSpec) {
	for _, k := range sortedKeys(s.Function.Environment) {
		if slices.Contains(lambdaReservedEnv, k) {
			errs.add(envSource(k, spec), "%q is reserved by Lambda", k)
		}
	}
	if n := environmentBytes(s); n > maxEnvironmentBytes {
		errs.add("spec.function.environment", "the function's variables take %d bytes with STAGE and the SECRET_*_ARN variables, more than Lambda's %d", n, maxEnvironmentBytes)
	}
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
func environmentBytes(s *settings) int {
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

// functionName is the AWS name of the function (the same in every region: Lambda names are
// regional).
func (b *builder) functionName() string {
	return b.name(maxFunctionName)
}

// logGroupName is the log group Lambda writes the function's logs to.
func (b *builder) logGroupName() string {
	return "/aws/lambda/" + b.functionName()
}

// lambda composes the function in every region of the stack.
func (b *builder) lambda() {
	b.regional(func(region, suffix string) {
		b.add(b.managed(KeyFunction+suffix, "lambda", "Function",
			mrOpts{externalName: b.functionName(), region: region, taggable: true},
			b.functionParameters(region)))
	})
}

func (b *builder) functionParameters(region string) map[string]any {
	f := b.s.Function
	p := map[string]any{
		"description":   "LambdaStack " + b.s.Stage + " " + b.s.App,
		"architectures": []any{f.Architecture},
		"memorySize":    f.MemoryMB,
		"timeout":       f.TimeoutSeconds,
		"roleRef":       b.ref(KeyRole),
		"environment":   b.block(map[string]any{"variables": b.functionEnvironment(b.suffix(region))}),
		"tracingConfig": b.block(map[string]any{"mode": tracingMode(f.Tracing)}),
		"publish":       b.s.Release.UseAlias,
	}
	if c := f.Code; c.ImageURI != "" {
		p["packageType"] = "Image"
		p["imageUri"] = b.codeImage(region)
	} else {
		p["packageType"] = "Zip"
		p["runtime"] = f.Runtime
		p["handler"] = f.Handler
		p["s3Bucket"] = codeBucket(c.S3.Bucket, region)
		p["s3Key"] = c.S3.Key
		if c.S3.ObjectVersion != "" {
			p["s3ObjectVersion"] = c.S3.ObjectVersion
		}
	}
	if f.ReservedConcurrency != nil {
		p["reservedConcurrentExecutions"] = *f.ReservedConcurrency
	}
	if vpc := b.vpcConfig(); vpc != nil {
		p["vpcConfig"] = vpc
	}
	b.runtimeParameters(p, region)
	return p
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

// functionEnvironment is the request's variables plus STAGE (always) and the secret ARNs
// (secrets.go) of the function in the region of suffix.
func (b *builder) functionEnvironment(suffix string) map[string]any {
	vars := strMap(b.s.Function.Environment)
	vars["STAGE"] = b.s.Stage
	b.secretEnvironment(vars, suffix)
	return vars
}

func tracingMode(on bool) string {
	if on {
		return "Active"
	}
	return "PassThrough"
}

// codeBucket is the code bucket of region: the bucket name with {region} replaced.
func codeBucket(bucket, region string) string {
	return strings.ReplaceAll(bucket, regionPlaceholder, region)
}

// codeImage is the image URI of region: as given in the primary region, else the same repository
// in the registry of that region.
func (b *builder) codeImage(region string) string {
	uri := b.s.Function.Code.ImageURI
	if region == b.s.Region {
		return uri
	}
	return reECRHost.ReplaceAllString(uri, "${1}"+region+"${3}")
}

// logGroups composes the function's log group in every region, with the stage's retention, so
// Lambda does not create one with infinite retention on first invocation.
func (b *builder) logGroups() {
	b.regional(func(region, suffix string) {
		b.add(b.managed(KeyLogGroup+suffix, "cloudwatchlogs", "Group",
			mrOpts{externalName: b.logGroupName(), region: region, taggable: true, stateful: true},
			map[string]any{"retentionInDays": b.s.Function.LogRetentionDays}))
	})
}
