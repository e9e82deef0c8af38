package stackdiff

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// LabelRegion is the label the function puts on every composed resource with its AWS region.
const LabelRegion = "platform.spec3.io/region"

// forceNew lists, per kind of provider-aws managed resource the function composes, the
// spec.forProvider fields AWS cannot change in place: the Terraform provider under provider-aws
// marks them ForceNew, so a new value creates a new resource and deletes the old one. Every kind
// also has its name in AWS (the external name) and its region, see replacements.
var forceNew = map[string][]string{
	"acm/Certificate":                     {"domainName", "subjectAlternativeNames", "validationMethod", "keyAlgorithm"},
	"apigatewayv2/API":                    {"protocolType"},
	"apigatewayv2/ApiMapping":             {"domainName"},
	"apigatewayv2/Authorizer":             {"apiId", "authorizerType"},
	"apigatewayv2/DomainName":             {"domainName"},
	"apigatewayv2/Integration":            {"apiId", "integrationType"},
	"apigatewayv2/Route":                  {"apiId"},
	"apigatewayv2/Stage":                  {"apiId"},
	"cloudwatchlogs/Group":                {"logGroupClass"},
	"cloudwatchlogs/MetricFilter":         {"logGroupName"},
	"cloudwatchlogs/SubscriptionFilter":   {"logGroupName"},
	"ec2/SecurityGroup":                   {"description", "vpcId"},
	"iam/Role":                            {"path"},
	"iam/RolePolicy":                      {"role"},
	"iam/RolePolicyAttachment":            {"policyArn", "role"},
	"lambda/Alias":                        {"functionName"},
	"lambda/EventSourceMapping":           {"eventSourceArn", "startingPosition"},
	"lambda/Function":                     {"packageType"},
	"lambda/FunctionEventInvokeConfig":    {"functionName", "qualifier"},
	"lambda/Permission":                   {"action", "functionName", "principal", "qualifier", "sourceArn", "sourceAccount", "statementId"},
	"lambda/ProvisionedConcurrencyConfig": {"functionName", "qualifier"},
	"route53/Record":                      {"name", "zoneId", "setIdentifier"},
	"sns/Topic":                           {"fifoTopic"},
	"sns/TopicSubscription":               {"endpoint", "protocol", "topicArn"},
	"sqs/Queue":                           {"fifoQueue"},
}

// isAWS reports whether an API version is one of provider-aws's managed resources (namespaced
// *.aws.m.upbound.io or cluster-scoped *.aws.upbound.io).
func isAWS(apiVersion string) bool {
	group, _, _ := strings.Cut(apiVersion, "/")
	return strings.HasSuffix(group, ".aws.m.upbound.io") || strings.HasSuffix(group, ".aws.upbound.io")
}

// kindKey is <service>/<Kind>, e.g. lambda/Function.
func kindKey(o *unstructured.Unstructured) string {
	service, _, _ := strings.Cut(o.GetAPIVersion(), ".")
	return service + "/" + o.GetKind()
}

// replacements explains why AWS replaces a changed resource: a new name in AWS, another
// region, or a new value of a field AWS cannot update.
func replacements(after *unstructured.Unstructured, fields []Field) []string {
	if !isAWS(after.GetAPIVersion()) {
		return nil
	}
	var why []string
	for _, f := range fields {
		switch {
		case f.Path == "/metadata/annotations/"+escape(AnnotationExternalName):
			why = append(why, fmt.Sprintf("its name in AWS changes from %s to %s", show(f.Old), show(f.New)))
		case f.Path == "/spec/forProvider/region":
			why = append(why, fmt.Sprintf("it moves from region %s to %s", show(f.Old), show(f.New)))
		default:
			if field := forceNewField(kindKey(after), f.Path); field != "" {
				why = append(why, fmt.Sprintf("AWS cannot change %s in place", field))
			}
		}
	}
	return dedupe(why)
}

// forceNewField is the forceNew field of kind that path is in (or its …Ref / …Selector, which
// resolve to it), else "".
func forceNewField(kind, path string) string {
	rest, ok := strings.CutPrefix(path, "/spec/forProvider/")
	if !ok {
		return ""
	}
	top, _, _ := strings.Cut(rest, "/")
	for _, f := range forceNew[kind] {
		if top == f || top == f+"Ref" || top == f+"Selector" {
			return f
		}
	}
	return ""
}

// deletion says whether AWS deletes a removed resource: yes unless it is no AWS resource or
// Crossplane keeps it (deletionPolicy Orphan, or management policies without Delete), which
// kept then explains.
func deletion(before *unstructured.Unstructured) (deleted bool, kept string) {
	if !isAWS(before.GetAPIVersion()) {
		return false, ""
	}
	if policy, _, _ := unstructured.NestedString(before.Object, "spec", "deletionPolicy"); policy == "Orphan" {
		return false, "deletionPolicy: Orphan"
	}
	if policies, found, _ := unstructured.NestedStringSlice(before.Object, "spec", "managementPolicies"); found && !deletes(policies) {
		return false, "managementPolicies without Delete"
	}
	return true, ""
}

func deletes(policies []string) bool {
	for _, p := range policies {
		if p == "*" || p == "Delete" {
			return true
		}
	}
	return false
}

// regionsLeft lists the regions that have resources before and none after.
func regionsLeft(before, after map[string]*unstructured.Unstructured) []string {
	kept := map[string]bool{}
	for _, o := range after {
		kept[o.GetLabels()[LabelRegion]] = true
	}
	left := map[string]bool{}
	for _, o := range before {
		if r := o.GetLabels()[LabelRegion]; r != "" && !kept[r] {
			left[r] = true
		}
	}
	out := make([]string, 0, len(left))
	for r := range left {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
