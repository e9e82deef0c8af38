package fn

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// The XRD schema rejects most bad input before the function runs; these checks repeat what the
// function relies on (render and direct gRPC callers bypass the API server) and add what a
// schema cannot express. Every message starts with the field it is about.

var (
	reLabel    = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)
	reRegion   = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`)
	reEnvKey   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)
	reSubnet   = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	reSG       = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
	reVPC      = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	reSecretAR = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`)
	reKMSARN   = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]+$`)
	reTopicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)
	reRoute    = regexp.MustCompile(`^(\$default|(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /[A-Za-z0-9._~{}+/-]*)$`)
	reSecretNm = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	reVersion  = regexp.MustCompile(`^[1-9][0-9]*$`)
	reAccount  = regexp.MustCompile(`^[0-9]{12}$`)
	reImageURI = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[^\s]+$`)
)

var (
	runtimes      = []string{"python3.10", "python3.11", "python3.12", "python3.13", "nodejs20.x", "nodejs22.x", "java17", "java21", "provided.al2023"}
	retentionDays = []int64{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

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

func validateSettings(s *Settings, spec *v1alpha1.LambdaStackSpec, env *v1alpha1.StageProfile) error {
	var errs fieldErrors
	validateIdentity(&errs, s)
	validateRegions(&errs, s, env)
	validateFunction(&errs, &s.Function)
	validateTags(&errs, "spec.tags", spec.Tags)
	validateTags(&errs, "EnvironmentConfig data.tags", env.Tags)
	validateAPI(&errs, s)
	validateMonitoring(&errs, &s.Monitor)
	validateMetrics(&errs, s)
	if rc := s.Function.ReservedConcurrency; rc != nil && s.Release.ProvisionedConcurrency > *rc {
		errs.add("spec.release.provisionedConcurrency", "%d exceeds the function's reserved concurrency %d (function.reservedConcurrency, the stage's default where unset); AWS refuses it: raise reservedConcurrency",
			s.Release.ProvisionedConcurrency, *rc)
	}
	validateNetwork(&errs, s.Network)
	validateNetworkRegions(&errs, s)
	validateSecrets(&errs, s)
	validatePermissions(&errs, s, env)
	validateRelease(&errs, &s.Release)
	validateTriggers(&errs, s, env)
	validateSchedules(&errs, s)
	validateAsync(&errs, s, env)
	validateRegionalCode(&errs, s)
	validateRuntimeDetails(&errs, s, spec, env)
	validateTenancy(&errs, s, spec, env)
	validateLimits(&errs, s, spec, env)
	if k := s.ProviderConfigKind; k != "ProviderConfig" && k != "ClusterProviderConfig" {
		errs.add("providerConfigKind", "%q must be ProviderConfig or ClusterProviderConfig", k)
	}
	return errs.err()
}

func validateIdentity(errs *fieldErrors, s *Settings) {
	if len(s.Stage) < 2 || len(s.Stage) > 16 || !reLabel.MatchString(s.Stage) {
		errs.add("spec.stage", "%q must be 2-16 lower-case letters, digits or '-', starting with a letter", s.Stage)
	}
	if len(s.App) < 2 || len(s.App) > 40 || !reLabel.MatchString(s.App) {
		errs.add("spec.app", "%q must be 2-40 lower-case letters, digits or '-', starting with a letter", s.App)
	}
}

func validateRegions(errs *fieldErrors, s *Settings, env *v1alpha1.StageProfile) {
	for _, r := range s.Regions {
		if !reRegion.MatchString(r) {
			errs.add("spec.regions", "%q is not an AWS region name", r)
			continue
		}
		if len(env.AllowedRegions) > 0 && !slices.Contains(env.AllowedRegions, r) {
			errs.add("spec.regions", "region %s is not allowed for stage %s (allowed: %s)", r, s.Stage, strings.Join(env.AllowedRegions, ", "))
		}
	}
}

func validateFunction(errs *fieldErrors, f *FunctionConfig) {
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

func validateTags(errs *fieldErrors, field string, tags map[string]string) {
	for _, k := range sortedKeys(tags) {
		switch {
		case k == "" || len(k) > 128:
			errs.add(field, "tag key %q must be 1-128 characters", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			errs.add(field, "tag key %q starts with aws:, which AWS reserves", k)
		case len(tags[k]) > 256:
			errs.add(field, "tag %q has a value longer than 256 characters", k)
		}
	}
}

func validateAPI(errs *fieldErrors, s *Settings) {
	a := &s.API
	if !a.Enabled {
		return
	}
	for _, r := range a.Routes {
		if !reRoute.MatchString(r) {
			errs.add("spec.api.routes", "%q is not a route key like \"POST /mcp\" or \"$default\"", r)
		}
	}
	switch a.AuthType {
	case "jwt":
		if a.JWT == nil || !strings.HasPrefix(a.JWT.Issuer, "https://") || len(a.JWT.Audiences) == 0 {
			errs.add("spec.api.auth.jwt", "type jwt needs an https issuer and at least one audience")
		}
	case "lambda":
		validateLambdaAuthorizer(errs, s)
	case "iam":
	case "none":
		if s.Production && !a.Public {
			errs.add("spec.api.auth.type", "none is refused on stage %s because its profile is production; set spec.api.public: true to serve an unauthenticated API on purpose", s.Stage)
		}
	default:
		errs.add("spec.api.auth.type", "%q must be jwt, iam, lambda or none", a.AuthType)
	}
	if a.Lambda != nil && a.AuthType != "lambda" {
		errs.add("spec.api.auth.lambda", "applies only to auth type lambda (type is %s)", a.AuthType)
	}
	validateRouteScopes(errs, s)
	if a.CORS != nil && len(a.CORS.AllowOrigins) == 0 {
		errs.add("spec.api.cors.allowOrigins", "needs at least one origin")
	}
}

func validateMonitoring(errs *fieldErrors, m *MonitorConfig) {
	if m.TopicARN != "" && !reTopicARN.MatchString(m.TopicARN) {
		errs.add("monitoring.alarmTopicArn", "%q is not an SNS topic ARN", m.TopicARN)
	}
	if m.TopicARN != "" && len(m.Emails) > 0 {
		errs.add("monitoring.alarmEmails", "email subscriptions apply only to the topic the stack creates; subscribe them to %s instead", m.TopicARN)
	}
	for _, e := range m.Emails {
		if strings.Count(e, "@") != 1 || strings.ContainsAny(e, " \t") {
			errs.add("monitoring.alarmEmails", "%q is not an email address", e)
		}
	}
}

func validateNetwork(errs *fieldErrors, n *v1alpha1.NetworkSpec) {
	if n == nil {
		return
	}
	if len(n.SubnetIDs) == 0 {
		errs.add("spec.network.subnetIds", "needs at least one subnet ID")
	}
	for _, id := range n.SubnetIDs {
		if !reSubnet.MatchString(id) {
			errs.add("spec.network.subnetIds", "%q is not a subnet ID", id)
		}
	}
	switch {
	case len(n.SecurityGroupIDs) > 0 && n.VPCID != "":
		errs.add("spec.network", "give securityGroupIds or vpcId, not both")
	case len(n.SecurityGroupIDs) == 0 && n.VPCID == "":
		errs.add("spec.network", "needs securityGroupIds or a vpcId to create an egress-only security group in")
	}
	for _, id := range n.SecurityGroupIDs {
		if !reSG.MatchString(id) {
			errs.add("spec.network.securityGroupIds", "%q is not a security group ID", id)
		}
	}
	if n.VPCID != "" && !reVPC.MatchString(n.VPCID) {
		errs.add("spec.network.vpcId", "%q is not a VPC ID", n.VPCID)
	}
	if len(n.EgressCIDRs) > 0 && n.VPCID == "" {
		errs.add("spec.network.egressCidrs", "applies only to the security group created from vpcId")
	}
	for _, c := range n.EgressCIDRs {
		if p, err := netip.ParsePrefix(c); err != nil || !p.Addr().Is4() || p.Masked() != p {
			errs.add("spec.network.egressCidrs", "%q is not an IPv4 network in CIDR form", c)
		}
	}
}

func validateSecrets(errs *fieldErrors, s *Settings) {
	seen := map[string]bool{}
	for i, sec := range s.Secrets {
		f := fmt.Sprintf("spec.secrets[%d]", i)
		if !reSecretNm.MatchString(sec.Name) || len(sec.Name) > 32 || strings.Contains(sec.Name, objectSeparator) {
			errs.add(f+".name", "%q must be 1-32 lower-case letters, digits or single '-'", sec.Name)
		}
		if seen[sec.Name] {
			errs.add(f+".name", "%q is used twice", sec.Name)
		}
		seen[sec.Name] = true
		switch {
		case sec.Value != "":
			errs.add(f+".value", "inline secret values are not allowed: use create.valueFrom.secretKeyRef")
		case sec.ARN != "" && sec.Create != nil:
			errs.add(f, "give arn or create, not both")
		case sec.ARN == "" && sec.Create == nil:
			errs.add(f, "needs arn (an existing secret) or create")
		case sec.ARN != "" && !reSecretAR.MatchString(sec.ARN):
			errs.add(f+".arn", "%q is not a Secrets Manager secret ARN", sec.ARN)
		case sec.Create != nil && (sec.Create.ValueFrom.SecretKeyRef.Name == "" || sec.Create.ValueFrom.SecretKeyRef.Key == ""):
			errs.add(f+".create.valueFrom.secretKeyRef", "needs name and key")
		case sec.Create != nil && s.Flavour == Legacy && sec.Create.ValueFrom.SecretKeyRef.Namespace == "":
			errs.add(f+".create.valueFrom.secretKeyRef.namespace", "is required for an XLambdaStack without a claim (a claim's secrets come from its own namespace)")
		}
		if sec.KMSKeyARN != "" && !reKMSARN.MatchString(sec.KMSKeyARN) {
			errs.add(f+".kmsKeyArn", "%q is not a KMS key ARN", sec.KMSKeyARN)
		}
	}
}

func validateRelease(errs *fieldErrors, r *ReleaseConfig) {
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
