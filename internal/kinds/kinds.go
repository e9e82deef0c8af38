// Package kinds is the one list of the kinds a LambdaStack composes. Each kind is declared once:
// its API group and kind, what AWS identifies a resource of it by, its references, and what the
// SIMULATED provider (internal/simprovider) reports for it. internal/simprovider, the CRD test of
// fn (every kind validated against its CRD) and the identity check of test/e2e read it; fn itself
// does not import it, and its CRD test fails when fn composes a kind that is not listed here.
//
// Adding a part of a kind not listed: add an entry to All; nothing else outside the part's file.
package kinds

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Group suffixes of provider-aws's namespaced and cluster-scoped managed resources.
const (
	GroupSuffixNamespaced = ".aws.m.upbound.io"
	GroupSuffixCluster    = ".aws.upbound.io"
)

// Scope says which flavours of a stack compose a kind.
type Scope int

const (
	// Both: provider-aws kinds, namespaced (LambdaStack) and cluster-scoped (XLambdaStack).
	Both Scope = iota
	// NamespacedOnly: composed by a LambdaStack only.
	NamespacedOnly
	// ClusterOnly: composed by an XLambdaStack only.
	ClusterOnly
)

// Kind is one kind a stack composes.
type Kind struct {
	// Service is the provider-aws service of the kind (lambda: lambda.aws.m.upbound.io and
	// lambda.aws.upbound.io); "" for Crossplane's own kinds, which name their Group, and for
	// Kubernetes' core kinds (group "", Version v1).
	Service string
	Group   string
	// Version of the kind's API; "" for v1beta1 (provider-aws's and Crossplane's kinds).
	Version string
	Kind    string
	Scope   Scope

	// Identity is what tells a resource of the kind apart in AWS (test/e2e checks it against
	// testdata/expected.yaml): nil for the external name; else the fields that do, for kinds AWS
	// identifies by an ID it assigns.
	Identity func(obj map[string]any) string
	// StackNamed: the resource's AWS name is <owner>_<stage>_<app>[_<part>] (test/e2e checks it).
	StackNamed bool

	// References are the kind's reference fields by stem (securityGroupIdRefs: securityGroupId)
	// and what they resolve to, as provider-aws v2.5.0's generated resolvers do.
	References map[string]Ref

	// SimulatedID is the identifier AWS assigns, made up by the SIMULATED provider and recorded
	// as external name; nil: the object's name is the external name.
	SimulatedID func(o Observation) string
	// Simulated adds what AWS computes for a resource of the kind to the SIMULATED provider's
	// observation at (which holds the parameters already).
	Simulated func(at map[string]any, o Observation)
}

// Ref is what a reference field points at and which value of the target it takes.
type Ref struct {
	Service, Kind string
	Extract       string // externalName, arn, id, invokeArn, integrationPrefixed
	Field         string // the field the reference fills, when it is not the reference's stem
}

// Observation is what the SIMULATED provider makes up a resource's values from.
type Observation struct {
	FP           map[string]any // the resolved parameters (spec.forProvider)
	ExternalName string
	Region       string
	Account      string
	Hash         string // seed of made-up values
	Generation   int64  // the version a function that publishes gets
	CreatedAt    string
	ModifiedAt   string
	FunctionARN  string // an alias's function ARN, "" to build it from forProvider.functionName
}

// Str is a string parameter.
func (o Observation) Str(k string) string {
	v, _ := o.FP[k].(string)
	return v
}

// APIGroup is the kind's API group in a stack of the given scope (namespaced or not).
func (k Kind) APIGroup(namespaced bool) string {
	switch {
	case k.Service == "":
		return k.Group
	case namespaced:
		return k.Service + GroupSuffixNamespaced
	}
	return k.Service + GroupSuffixCluster
}

// APIVersion is the kind's apiVersion in a stack of the given scope: <group>/<version>, or the
// version alone for a core kind.
func (k Kind) APIVersion(namespaced bool) string {
	v := firstNonEmpty(k.Version, "v1beta1")
	if g := k.APIGroup(namespaced); g != "" {
		return g + "/" + v
	}
	return v
}

// Composed reports whether a stack of the given scope composes the kind.
func (k Kind) Composed(namespaced bool) bool {
	return k.Scope == Both || (k.Scope == NamespacedOnly) == namespaced
}

// Lookup is the kind of an API group and kind; ok is false when the stack never composes it.
func Lookup(group, kind string) (Kind, bool) {
	for _, k := range All {
		if k.Kind == kind && (k.Group == group || k.Service != "" && (group == k.Service+GroupSuffixNamespaced || group == k.Service+GroupSuffixCluster)) {
			return k, true
		}
	}
	return Kind{}, false
}

// ByKind is the kind of that name (kind names are unique among All).
func ByKind(kind string) (Kind, bool) {
	i := slices.IndexFunc(All, func(k Kind) bool { return k.Kind == kind })
	if i < 0 {
		return Kind{}, false
	}
	return All[i], true
}

// Identity is what tells the composed object obj apart in AWS (see Kind.Identity).
func Identity(obj map[string]any) string {
	kind, _ := obj["kind"].(string)
	if k, ok := ByKind(kind); ok && k.Identity != nil {
		return k.Identity(obj)
	}
	meta, _ := obj["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	n, _ := ann[AnnotationExternalName].(string)
	return n
}

// AnnotationExternalName is Crossplane's external-name annotation.
const AnnotationExternalName = "crossplane.io/external-name"

// Hash is the hex SHA-256 of s: the seed of the SIMULATED provider's made-up values.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// field reads a nested string of obj.
func field(obj map[string]any, path ...string) string {
	var cur any = obj
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	s, _ := cur.(string)
	return s
}

// byParam identifies a resource by forProvider parameters, joined by sep.
func byParam(sep string, params ...string) func(map[string]any) string {
	return func(obj map[string]any) string {
		vals := make([]string, len(params))
		for i, p := range params {
			vals[i] = field(obj, "spec", "forProvider", p)
		}
		return strings.Join(vals, sep)
	}
}

// ruleIdentity is a SecurityGroupRule's type and CIDR blocks.
func ruleIdentity(obj map[string]any) string {
	fp, _ := field2(obj, "spec", "forProvider").(map[string]any)
	return fmt.Sprint(fp["type"], " ", fp["cidrBlocks"])
}

func field2(obj map[string]any, path ...string) any {
	var cur any = obj
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	return cur
}

// noIdentity is a kind with no identity of its own to check (it names another resource).
func noIdentity(map[string]any) string { return "-" }

// usageIdentity is what a Usage orders: the kind in use and the kind using it.
func usageIdentity(obj map[string]any) string {
	return field(obj, "spec", "of", "kind") + " used by " + field(obj, "spec", "by", "kind")
}

// shortID makes up an ID of n hex characters, with a prefix.
func shortID(prefix string, n int) func(Observation) string {
	return func(o Observation) string { return prefix + o.Hash[:n] }
}

func uuid(h string) string {
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// UUID is a made-up UUID from a hash (see Hash).
func UUID(h string) string { return uuid(h) }

func invokeARN(region, fnARN string) string {
	return fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", region, fnARN)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// All are the kinds a stack composes.
var All = []Kind{
	// lambda
	{Service: "lambda", Kind: "Function", StackNamed: true,
		References: map[string]Ref{
			"role": {"iam", "Role", "arn", ""}, "kmsKeyArn": {"kms", "Key", "externalName", ""},
			"logGroup": {"cloudwatchlogs", "Group", "externalName", ""}, "s3Bucket": {"s3", "Bucket", "externalName", ""},
			"targetArn": {"sqs", "Queue", "arn", ""}, "arn": {"efs", "AccessPoint", "arn", ""}, "layers": {"lambda", "LayerVersion", "arn", ""},
			"securityGroupId":            {"ec2", "SecurityGroup", "externalName", "securityGroupIds"},
			"subnetId":                   {"ec2", "Subnet", "externalName", "subnetIds"},
			"replacementSecurityGroupId": {"ec2", "SecurityGroup", "externalName", "replacementSecurityGroupIds"},
		},
		Simulated: func(at map[string]any, o Observation) {
			arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", o.Region, o.Account, o.ExternalName)
			version := "$LATEST"
			if p, _ := o.FP["publish"].(bool); p {
				version = fmt.Sprint(o.Generation)
			}
			at["arn"] = arn
			at["invokeArn"] = invokeARN(o.Region, arn)
			at["qualifiedArn"] = arn + ":" + version
			at["qualifiedInvokeArn"] = invokeARN(o.Region, arn+":"+version)
			at["version"] = version
			at["lastModified"] = o.ModifiedAt
			at["sourceCodeHash"] = o.Hash[:44]
			at["codeSha256"] = o.Hash[:44]
		}},
	{Service: "lambda", Kind: "Alias",
		References: map[string]Ref{"functionName": {"lambda", "Function", "externalName", ""}},
		Simulated: func(at map[string]any, o Observation) {
			fn := firstNonEmpty(o.FunctionARN, fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", o.Region, o.Account, o.Str("functionName")))
			at["arn"] = fn + ":" + o.ExternalName
			at["invokeArn"] = invokeARN(o.Region, fn+":"+o.ExternalName)
		}},
	{Service: "lambda", Kind: "Permission", Identity: byParam("", "principal"),
		References: map[string]Ref{"functionName": {"lambda", "Function", "externalName", ""}, "qualifier": {"lambda", "Alias", "externalName", ""}},
		Simulated: func(at map[string]any, o Observation) {
			at["id"] = firstNonEmpty(o.Str("statementId"), o.ExternalName)
		}},
	{Service: "lambda", Kind: "ProvisionedConcurrencyConfig",
		Simulated: func(at map[string]any, o Observation) {
			at["id"] = o.Str("functionName") + "," + o.Str("qualifier")
		}},
	{Service: "lambda", Kind: "EventSourceMapping", Identity: byParam("", "eventSourceArn"),
		References: map[string]Ref{
			"functionName": {"lambda", "Function", "arn", ""}, "destinationArn": {"sqs", "Queue", "arn", ""}, "kmsKeyArn": {"kms", "Key", "externalName", ""},
		},
		SimulatedID: func(o Observation) string { return uuid(o.Hash) },
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = fmt.Sprintf("arn:aws:lambda:%s:%s:event-source-mapping:%s", o.Region, o.Account, o.ExternalName)
			at["uuid"] = o.ExternalName
			at["functionArn"] = o.Str("functionName")
			at["state"] = "Enabled"
			at["lastModified"] = o.ModifiedAt
		}},
	// destinationConfig.onFailure.destinationRef resolves to a Queue (onSuccess's to a Topic,
	// which the stack does not use).
	{Service: "lambda", Kind: "FunctionEventInvokeConfig",
		References: map[string]Ref{"destination": {"sqs", "Queue", "arn", ""}},
		SimulatedID: func(o Observation) string { // <function>[:<qualifier>]
			if q := o.Str("qualifier"); q != "" {
				return o.Str("functionName") + ":" + q
			}
			return o.Str("functionName")
		}},

	// iam
	{Service: "iam", Kind: "Role", StackNamed: true,
		References: map[string]Ref{"managedPolicyArns": {"iam", "Policy", "arn", ""}},
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = fmt.Sprintf("arn:aws:iam::%s:role%s%s", o.Account, firstNonEmpty(o.Str("path"), "/"), o.ExternalName)
			at["uniqueId"] = "AROA" + strings.ToUpper(o.Hash[:17])
			at["createDate"] = o.CreatedAt
		}},
	{Service: "iam", Kind: "RolePolicy", StackNamed: true,
		References: map[string]Ref{"role": {"iam", "Role", "id", ""}},
		Simulated: func(at map[string]any, o Observation) {
			at["id"] = o.Str("role") + ":" + o.ExternalName
		}},
	{Service: "iam", Kind: "RolePolicyAttachment", Identity: byParam("", "policyArn"),
		References:  map[string]Ref{"role": {"iam", "Role", "externalName", ""}, "policyArn": {"iam", "Policy", "arn", ""}},
		SimulatedID: shortID("rpa-", 12)},

	// cloudwatchlogs
	{Service: "cloudwatchlogs", Kind: "Group", StackNamed: true,
		References: map[string]Ref{"kmsKeyId": {"kms", "Key", "arn", ""}},
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", o.Region, o.Account, o.ExternalName)
		}},
	{Service: "cloudwatchlogs", Kind: "MetricFilter",
		References: map[string]Ref{"logGroupName": {"cloudwatchlogs", "Group", "externalName", ""}}},
	{Service: "cloudwatchlogs", Kind: "SubscriptionFilter", Identity: byParam("", "name"),
		References:  map[string]Ref{"roleArn": {"iam", "Role", "arn", ""}, "destinationArn": {"kinesis", "Stream", "arn", ""}},
		SimulatedID: shortID("cwlsf-", 10)},

	// apigatewayv2
	{Service: "apigatewayv2", Kind: "API", Identity: byParam("", "name"), StackNamed: true,
		SimulatedID: shortID("", 10),
		Simulated: func(at map[string]any, o Observation) {
			at["apiEndpoint"] = fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", o.ExternalName, o.Region)
			at["arn"] = fmt.Sprintf("arn:aws:apigateway:%s::/apis/%s", o.Region, o.ExternalName)
			at["executionArn"] = fmt.Sprintf("arn:aws:execute-api:%s:%s:%s", o.Region, o.Account, o.ExternalName)
		}},
	{Service: "apigatewayv2", Kind: "Integration", Identity: byParam("", "integrationType"),
		References: map[string]Ref{
			"apiId": {"apigatewayv2", "API", "externalName", ""}, "integrationUri": {"lambda", "Function", "invokeArn", ""},
			"credentialsArn": {"iam", "Role", "arn", ""}, "connectionId": {"apigatewayv2", "VPCLink", "id", ""},
		},
		SimulatedID: shortID("", 7)},
	{Service: "apigatewayv2", Kind: "Route", Identity: byParam("", "routeKey"),
		References: map[string]Ref{
			"apiId": {"apigatewayv2", "API", "externalName", ""}, "authorizerId": {"apigatewayv2", "Authorizer", "externalName", ""},
			"target": {"apigatewayv2", "Integration", "integrationPrefixed", ""},
		},
		SimulatedID: shortID("", 7)},
	{Service: "apigatewayv2", Kind: "Stage",
		References: map[string]Ref{"apiId": {"apigatewayv2", "API", "externalName", ""}, "deploymentId": {"apigatewayv2", "Deployment", "externalName", ""}},
		Simulated: func(at map[string]any, o Observation) {
			api, name := o.Str("apiId"), o.ExternalName
			path := "/" + name
			if name == "$default" {
				path = "/"
			}
			at["invokeUrl"] = fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com%s", api, o.Region, path)
			at["arn"] = fmt.Sprintf("arn:aws:apigateway:%s::/apis/%s/stages/%s", o.Region, api, name)
			at["executionArn"] = fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s", o.Region, o.Account, api, name)
		}},
	{Service: "apigatewayv2", Kind: "Authorizer", Identity: byParam("", "name"), StackNamed: true,
		References:  map[string]Ref{"apiId": {"apigatewayv2", "API", "externalName", ""}, "authorizerUri": {"lambda", "Function", "invokeArn", ""}},
		SimulatedID: shortID("", 6)},
	{Service: "apigatewayv2", Kind: "DomainName",
		References: map[string]Ref{"certificateArn": {"acm", "Certificate", "arn", ""}, "ownershipVerificationCertificateArn": {"acm", "Certificate", "arn", ""}},
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = fmt.Sprintf("arn:aws:apigateway:%s::/domainnames/%s", o.Region, o.ExternalName)
			at["apiMappingSelectionExpression"] = "$request.basepath"
			at["domainNameConfiguration"] = domainNameConfiguration(o.FP["domainNameConfiguration"], o.Region, o.Hash)
		}},
	{Service: "apigatewayv2", Kind: "APIMapping", Identity: byParam("", "domainName"), // resolved from domainNameRef
		References: map[string]Ref{
			"apiId": {"apigatewayv2", "API", "externalName", ""}, "domainName": {"apigatewayv2", "DomainName", "externalName", ""},
			"stage": {"apigatewayv2", "Stage", "externalName", ""},
		},
		SimulatedID: shortID("", 6)},

	// acm and route53
	{Service: "acm", Kind: "Certificate", Identity: byParam("", "domainName"),
		SimulatedID: func(o Observation) string { // the certificate's ARN
			return fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", o.Region, o.Account, uuid(o.Hash))
		},
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = o.ExternalName
			at["status"] = "ISSUED" // the simulated provider's certificates are issued at once
			at["type"] = "AMAZON_ISSUED"
			at["domainValidationOptions"] = domainValidationOptions(o.FP, o.Account)
		}},
	{Service: "acm", Kind: "CertificateValidation", Identity: noIdentity,
		References:  map[string]Ref{"certificateArn": {"acm", "Certificate", "arn", ""}},
		SimulatedID: func(o Observation) string { return o.Str("certificateArn") }}, // the certificate's ARN
	{Service: "route53", Kind: "Record", Identity: byParam(" ", "type", "name"),
		SimulatedID: func(o Observation) string { // <zone>_<name>_<type>[_<set identifier>]
			id := fmt.Sprintf("%v_%v_%v", o.FP["zoneId"], o.FP["name"], o.FP["type"])
			if set := o.Str("setIdentifier"); set != "" {
				id += "_" + set
			}
			return id
		},
		Simulated: func(at map[string]any, o Observation) {
			at["fqdn"] = strings.TrimSuffix(strings.ToLower(o.Str("name")), ".")
		}},

	// cloudwatch and sns
	// alarmActions references autoscaling policies in provider-aws, okActions SNS topics.
	{Service: "cloudwatch", Kind: "MetricAlarm", StackNamed: true,
		References: map[string]Ref{"alarmActions": {"autoscaling", "Policy", "arn", ""}, "okActions": {"sns", "Topic", "arn", ""}},
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", o.Region, o.Account, o.ExternalName)
		}},
	{Service: "cloudwatch", Kind: "Dashboard", StackNamed: true,
		Simulated: func(at map[string]any, o Observation) {
			at["dashboardArn"] = fmt.Sprintf("arn:aws:cloudwatch::%s:dashboard/%s", o.Account, o.ExternalName)
		}},
	{Service: "sns", Kind: "Topic", StackNamed: true,
		Simulated: func(at map[string]any, o Observation) {
			arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", o.Region, o.Account, o.ExternalName)
			at["arn"], at["id"], at["owner"] = arn, arn, o.Account
		}},
	{Service: "sns", Kind: "TopicSubscription", Identity: byParam(":", "protocol", "endpoint"),
		References: map[string]Ref{
			"topicArn": {"sns", "Topic", "arn", ""}, "endpoint": {"sqs", "Queue", "arn", ""}, "subscriptionRoleArn": {"iam", "Role", "arn", ""},
		},
		SimulatedID: func(o Observation) string { return o.Str("topicArn") + ":" + uuid(o.Hash) },
		Simulated: func(at map[string]any, o Observation) {
			at["arn"], at["ownerId"] = o.ExternalName, o.Account
			at["pendingConfirmation"] = o.Str("protocol") == "email" || o.Str("protocol") == "email-json"
		}},

	// secretsmanager
	{Service: "secretsmanager", Kind: "Secret", Identity: byParam("", "name"), StackNamed: true,
		References: map[string]Ref{"kmsKeyId": {"kms", "Key", "externalName", ""}},
		SimulatedID: func(o Observation) string { // the secret's ARN, named after forProvider.name
			return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", o.Region, o.Account, o.Str("name"), o.Hash[:6])
		},
		Simulated: func(at map[string]any, o Observation) { at["arn"] = o.ExternalName }},
	{Service: "secretsmanager", Kind: "SecretVersion", Identity: noIdentity,
		References:  map[string]Ref{"secretId": {"secretsmanager", "Secret", "id", ""}},
		SimulatedID: func(o Observation) string { return o.Str("secretId") + "|" + uuid(o.Hash) },
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = o.Str("secretId")
			at["versionId"] = o.ExternalName[strings.LastIndex(o.ExternalName, "|")+1:]
		}},

	// ec2
	{Service: "ec2", Kind: "SecurityGroup", Identity: byParam("", "name"), StackNamed: true,
		References:  map[string]Ref{"vpcId": {"ec2", "VPC", "externalName", ""}},
		SimulatedID: shortID("sg-", 17),
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", o.Region, o.Account, o.ExternalName)
			at["ownerId"] = o.Account
		}},
	{Service: "ec2", Kind: "SecurityGroupRule", Identity: ruleIdentity,
		References: map[string]Ref{
			"securityGroupId": {"ec2", "SecurityGroup", "externalName", ""}, "sourceSecurityGroupId": {"ec2", "SecurityGroup", "externalName", ""},
			"prefixListId": {"ec2", "ManagedPrefixList", "externalName", "prefixListIds"},
		},
		// Terraform's aws_security_group_rule ID; AWS's own rule ID is securityGroupRuleId
		SimulatedID: func(o Observation) string { return "sgrule-" + o.Hash[:10] },
		Simulated: func(at map[string]any, o Observation) {
			at["id"] = o.ExternalName
			at["securityGroupRuleId"] = "sgr-" + o.Hash[10:27]
		}},
	// composed by earlier releases (fn/network.go); provider-aws v2.5.0 does not create it
	{Service: "ec2", Kind: "SecurityGroupEgressRule", Identity: byParam("", "cidrIpv4"),
		References: map[string]Ref{
			"securityGroupId": {"ec2", "SecurityGroup", "externalName", ""}, "referencedSecurityGroupId": {"ec2", "SecurityGroup", "externalName", ""},
			"prefixListId": {"ec2", "ManagedPrefixList", "externalName", ""},
		},
		SimulatedID: shortID("sgr-", 17),
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = fmt.Sprintf("arn:aws:ec2:%s:%s:security-group-rule/%s", o.Region, o.Account, o.ExternalName)
			at["securityGroupRuleId"] = o.ExternalName
		}},

	// sqs, scheduler, budgets
	{Service: "sqs", Kind: "Queue", Identity: byParam("", "name"), StackNamed: true,
		SimulatedID: func(o Observation) string { // the queue's URL
			return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", o.Region, o.Account, o.Str("name"))
		},
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = fmt.Sprintf("arn:aws:sqs:%s:%s:%s", o.Region, o.Account, o.Str("name"))
			at["url"] = o.ExternalName
		}},
	{Service: "scheduler", Kind: "Schedule", Identity: byParam("", "name"), StackNamed: true,
		References: map[string]Ref{
			"arn": {"sqs", "Queue", "arn", ""}, "roleArn": {"iam", "Role", "arn", ""}, "kmsKeyArn": {"kms", "Key", "externalName", ""},
		},
		SimulatedID: func(o Observation) string { // <group>/<name>
			return firstNonEmpty(o.Str("groupName"), "default") + "/" + o.Str("name")
		},
		Simulated: func(at map[string]any, o Observation) {
			at["arn"] = fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule/%s", o.Region, o.Account, o.ExternalName)
		}},
	{Service: "budgets", Kind: "Budget"},

	// Crossplane's Usages order deletion (fn/usage.go).
	{Group: "protection.crossplane.io", Kind: "Usage", Scope: NamespacedOnly, Identity: usageIdentity},
	{Group: "protection.crossplane.io", Kind: "ClusterUsage", Scope: ClusterOnly, Identity: usageIdentity},

	// The stack's outputs (fn/outputs.go), in the stack's (or its claim's) namespace: no AWS
	// resource, identified by namespace/name (the name internal/outputs defines).
	{Version: "v1", Kind: "ConfigMap", Identity: namespacedName},
}

// namespacedName identifies a Kubernetes object that is no AWS resource: <namespace>/<name>.
func namespacedName(obj map[string]any) string {
	return field(obj, "metadata", "namespace") + "/" + field(obj, "metadata", "name")
}

// domainNameConfiguration echoes a DomainName's configuration (an object, or a one-element list
// in the cluster-scoped shape) with the regional target AWS assigns: a d-<id> domain name under
// execute-api.<region>.amazonaws.com and the hosted zone ID of API Gateway in that region (both
// made up from h).
func domainNameConfiguration(v any, region, h string) any {
	src, _ := v.(map[string]any)
	l, list := v.([]any)
	if list && len(l) > 0 {
		src, _ = l[0].(map[string]any)
	}
	conf := map[string]any{}
	for k, val := range src {
		if !strings.HasSuffix(k, "Ref") && !strings.HasSuffix(k, "Selector") {
			conf[k] = val
		}
	}
	conf["targetDomainName"] = "d-" + h[:10] + ".execute-api." + region + ".amazonaws.com"
	conf["hostedZoneId"] = "Z" + strings.ToUpper(Hash("apigateway " + region)[:13])
	if list {
		return []any{conf}
	}
	return conf
}

// domainValidationOptions are the DNS records ACM asks for, one per name of the certificate
// (domainName and subjectAlternativeNames). Like ACM's, the record of a name depends on the name
// (and the account) only, so certificates for the same name in different regions ask for the same
// record.
func domainValidationOptions(fp map[string]any, account string) []any {
	names := []string{}
	if n, _ := fp["domainName"].(string); n != "" {
		names = append(names, n)
	}
	sans, _ := fp["subjectAlternativeNames"].([]any)
	for _, n := range sans {
		if s, _ := n.(string); s != "" && !slices.Contains(names, s) {
			names = append(names, s)
		}
	}
	out := make([]any, 0, len(names))
	for _, n := range names {
		h := Hash(account + " " + n)
		out = append(out, map[string]any{
			"domainName":          n,
			"resourceRecordName":  "_" + h[:32] + "." + n + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_" + h[32:64] + ".validations.acm-validations.aws.",
		})
	}
	return out
}
