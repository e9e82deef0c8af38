package fn

import (
	"regexp"
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

// RegionPlaceholder in spec.function.code.s3.bucket is replaced by each region of the stack.
const RegionPlaceholder = "{region}"

var (
	reBucket  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)
	reECRHost = regexp.MustCompile(`^([0-9]{12}\.dkr\.ecr\.)([a-z0-9-]+)(\.amazonaws\.com)`)
)

// suffix is the key suffix of region: "" for the primary region, else "-<region>".
func (b *builder) suffix(region string) string {
	if region == b.s.Region {
		return ""
	}
	return "-" + region
}

// codeBucket is the code bucket of region: the bucket name with {region} replaced.
func codeBucket(bucket, region string) string {
	return strings.ReplaceAll(bucket, RegionPlaceholder, region)
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

// validateRegionalCode checks that every region gets a package it can read.
func validateRegionalCode(errs *fieldErrors, s *Settings) {
	c := s.Function.Code.S3
	if c == nil {
		return
	}
	if len(s.Regions) > 1 && !strings.Contains(c.Bucket, RegionPlaceholder) {
		errs.add("spec.function.code.s3.bucket", "%q is one bucket, but the stack runs in %d regions (%s) and Lambda reads a zip only from a bucket in its own region: "+
			"name the bucket with %s, e.g. %q, and copy the zip to the bucket of each region",
			c.Bucket, len(s.Regions), strings.Join(s.Regions, ", "), RegionPlaceholder, "artifacts-"+RegionPlaceholder)
		return
	}
	for _, r := range s.Regions {
		if b := codeBucket(c.Bucket, r); len(b) < 3 || len(b) > 63 || !reBucket.MatchString(b) {
			errs.add("spec.function.code.s3.bucket", "%q is not a valid bucket name in region %s (3-63 lower-case letters, digits, '.' or '-')", b, r)
		}
	}
}

// regionStatuses reports every region's function ARN and API endpoint as observed.
func (b *builder) regionStatuses() []v1alpha1.RegionStatus {
	out := make([]v1alpha1.RegionStatus, 0, len(b.s.Regions))
	b.regional(func(region, suffix string) {
		out = append(out, v1alpha1.RegionStatus{
			Region:      region,
			FunctionARN: b.o.atProvider(KeyFunction+suffix, "arn"),
			APIEndpoint: b.o.atProvider(KeyAPI+suffix, "apiEndpoint"),
			CustomURL:   b.regionCustomURL(region, suffix),
		})
	})
	return out
}
