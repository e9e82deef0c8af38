package fn

import (
	"regexp"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Multi-region. spec.regions composes the regional parts (function, alias, log groups, API,
// alarms) once per region; the IAM role is global and shared. Keys of the primary region have no
// suffix, the others end in -<region>. Lambda, log group, alias and alarm names are regional, so
// every region uses the same AWS names.
//
// Code is regional too: Lambda reads a zip from a bucket in its own region and an image from an
// ECR repository in its own region. A bucket name may therefore contain {region}, replaced per
// region (required when a zip stack has several regions); an ECR image URI serves the primary
// region as given, and the other regions the same repository in their own registry (replicate it
// with ECR replication).

// regionPlaceholder in spec.function.code.s3.bucket is replaced by each region of the stack.
const regionPlaceholder = "{region}"

var reRegion = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`)

func resolveRegions(spec v1alpha1.LambdaStackSpec, stageCfg, base *v1alpha1.StageProfile) (string, []string) {
	if len(spec.Regions) > 0 {
		primary := firstStr(spec.Region, spec.Regions[0])
		regions := []string{primary}
		for _, r := range spec.Regions {
			if r != primary {
				regions = append(regions, r)
			}
		}
		return primary, regions
	}
	primary := firstStr(spec.Region, stageCfg.Region, base.Region)
	return primary, []string{primary}
}

func validateRegions(errs *fieldErrors, s *settings, stageCfg *v1alpha1.StageProfile) {
	for _, r := range s.Regions {
		if !reRegion.MatchString(r) {
			errs.add("spec.regions", "%q is not an AWS region name", r)
			continue
		}
		if len(stageCfg.AllowedRegions) > 0 && !slices.Contains(stageCfg.AllowedRegions, r) {
			errs.add("spec.regions", "region %s is not allowed for stage %s (allowed: %s)", r, s.Stage, strings.Join(stageCfg.AllowedRegions, ", "))
		}
	}
}

// validateRegionalARN checks that arn (of what, in field) serves every region of the stack: a
// literal region must be the stack's only region; several regions need {region}.
func validateRegionalARN(errs *fieldErrors, s *settings, field, what, arn string) {
	if len(s.Regions) > 1 && !strings.Contains(arn, regionPlaceholder) {
		errs.add(field, "%s is one %s, but the stack runs in %d regions (%s) and Lambda and API Gateway use a %s of their own region only: write the region as %s, e.g. %s",
			arn, what, len(s.Regions), strings.Join(s.Regions, ", "), what, regionPlaceholder, strings.Replace(arn, ":"+arnRegion(arn)+":", ":"+regionPlaceholder+":", 1))
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

// suffix is the key suffix of region: "" for the primary region, else "-<region>".
func (b *builder) suffix(region string) string {
	if region == b.s.Region {
		return ""
	}
	return "-" + region
}

// regionStatuses reports every region's function ARN and API endpoint as observed.
func (b *builder) regionStatuses() []v1alpha1.RegionStatus {
	out := make([]v1alpha1.RegionStatus, 0, len(b.s.Regions))
	b.regional(func(region, suffix string) {
		out = append(out, v1alpha1.RegionStatus{
			Region:      region,
			FunctionARN: b.o.atProvider(KeyFunction+suffix, "arn"),
			APIEndpoint: b.o.atProvider(keyAPI+suffix, "apiEndpoint"),
			CustomURL:   b.regionCustomURL(region, suffix),
		})
	})
	return out
}
