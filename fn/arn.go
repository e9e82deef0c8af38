package fn

import "strings"

// ARNs: every ARN the stack reads is split here, and every ARN it writes is joined here.
// arn:<partition>:<service>:<region>:<account>:<resource>

// arnParts are the six fields of an ARN; resource keeps any further ':'.
type arnParts struct {
	prefix, partition, service, region, account, resource string
}

// parseARN splits an ARN into its six fields; ok is false when it has fewer.
func parseARN(arn string) (arnParts, bool) {
	p := strings.SplitN(arn, ":", 6)
	if len(p) < 6 {
		return arnParts{}, false
	}
	return arnParts{prefix: p[0], partition: p[1], service: p[2], region: p[3], account: p[4], resource: p[5]}, true
}

// newARN joins the six fields of an ARN.
func newARN(partition, service, region, account, resource string) string {
	return "arn:" + partition + ":" + service + ":" + region + ":" + account + ":" + resource
}

// partition is the AWS partition of a region (aws, aws-cn, aws-us-gov).
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// arnAccount is the account ID field of an ARN, "" when there is none.
func arnAccount(arn string) string {
	if a, ok := parseARN(arn); ok && len(a.account) == 12 {
		return a.account
	}
	return ""
}

// arnRegion is the region field of an ARN.
func arnRegion(arn string) string {
	a, _ := parseARN(arn)
	return a.region
}

// arnService is the service field of an ARN.
func arnService(arn string) string {
	a, _ := parseARN(arn)
	return a.service
}

// arnPartition is the partition field of an ARN.
func arnPartition(arn string) string {
	a, _ := parseARN(arn)
	return a.partition
}

// secretNameOfARN is the name part of a Secrets Manager ARN (after "secret:").
func secretNameOfARN(arn string) string {
	a, _ := parseARN(arn)
	_, name, _ := strings.Cut(a.resource, ":")
	return name
}

// splitQualifier splits a function ARN into the unqualified ARN and its version or alias.
func splitQualifier(arn string) (string, string) {
	parts := strings.SplitN(arn, ":", 8)
	if len(parts) == 8 {
		return strings.Join(parts[:7], ":"), parts[7]
	}
	return arn, ""
}

// inRegion is a regional ARN for region: {region} replaced.
func inRegion(arn, region string) string { return strings.ReplaceAll(arn, regionPlaceholder, region) }

// account is the AWS account of the stack, read from the first observed ARN that has one (the
// role is created first); "" while none is observed.
func (b *builder) account() string {
	for _, key := range []string{KeyRole, KeyFunction, KeyLogGroup} {
		if acct := arnAccount(b.o.atProvider(key, "arn")); acct != "" {
			return acct
		}
	}
	return ""
}

// arnIn is an ARN of region built from the account; "" while the account is unknown.
func (b *builder) arnIn(service, region, resource string) string {
	acct := b.account()
	if acct == "" {
		return ""
	}
	return newARN(partition(region), service, region, acct, resource)
}

// arnPattern is an ARN of region for a policy: with the account once known, else account *.
func (b *builder) arnPattern(service, region, resource string) string {
	return newARN(partition(region), service, region, firstStr(b.account(), "*"), resource)
}
