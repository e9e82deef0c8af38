// Package simprovider is the SIMULATED provider-aws of this project's tests, benchmarks and e2e
// stand-in: provider-aws does not run here (it takes hours to compile and needs AWS credentials).
// It never calls AWS and proves nothing about AWS; it proves the function's readiness, status and
// deferred-value logic against what the real provider would write to the Kubernetes objects.
//
// For a managed resource (groups *.aws.upbound.io and *.aws.m.upbound.io) it decides what the
// real provider's managed reconciler would record, with made-up but well-formed values:
//   - the external name (the object's name for named resources, an ID made up from a hash for
//     resources AWS identifies by ID);
//   - spec.forProvider references (…Ref, …Refs, …Selector) resolved to the referenced managed
//     resource's external name, ARN, ID or invoke ARN, as the provider's generated resolvers do;
//   - status.atProvider: the parameters as AWS echoes them plus the attributes AWS computes
//     (arn, id, invokeArn, apiEndpoint, invokeUrl, version, tagsAll, …);
//   - Ready and Synced conditions.
//
// Observe plays it offline for the composed resources of one stack (unit tests, render tests,
// benchmarks); the e2e stand-in (test/e2e/providerstandin) plays it against a control plane.
// It does not validate parameters against AWS, honour late-initialization, connection secrets,
// drift, rate limits, or IAM permissions.
package simprovider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const (
	// AccountID is the made-up AWS account of every ARN the simulated provider writes.
	AccountID = "123456789012"
	// Finalizer is the finalizer the real provider puts on managed resources.
	Finalizer = "finalizer.managedresource.crossplane.io"
	// AnnotationExternalName is Crossplane's external-name annotation.
	AnnotationExternalName = "crossplane.io/external-name"

	// GroupSuffixNamespaced and GroupSuffixCluster end the API groups of provider-aws's
	// namespaced and cluster-scoped managed resources.
	GroupSuffixNamespaced = ".aws.m.upbound.io"
	GroupSuffixCluster    = ".aws.upbound.io"
)

// IsManaged reports whether an API group is one of provider-aws's.
func IsManaged(group string) bool {
	return strings.HasSuffix(group, GroupSuffixNamespaced) || strings.HasSuffix(group, GroupSuffixCluster)
}

// Hash is the hex SHA-256 of s: the seed of the made-up values of one resource.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// idKinds are identified in AWS by an ID AWS assigns; the provider records it as external name.
var idKinds = map[string]func(h string, fp map[string]any) string{
	"API":                      func(h string, _ map[string]any) string { return h[:10] },
	"Integration":              func(h string, _ map[string]any) string { return h[:7] },
	"Route":                    func(h string, _ map[string]any) string { return h[:7] },
	"Authorizer":               func(h string, _ map[string]any) string { return h[:6] },
	"Deployment":               func(h string, _ map[string]any) string { return h[:6] },
	"SecurityGroup":            func(h string, _ map[string]any) string { return "sg-" + h[:17] },
	"SecurityGroupEgressRule":  func(h string, _ map[string]any) string { return "sgr-" + h[:17] },
	"SecurityGroupIngressRule": func(h string, _ map[string]any) string { return "sgr-" + h[:17] },
	"RolePolicyAttachment":     func(h string, _ map[string]any) string { return "rpa-" + h[:12] },
	"SubscriptionFilter":       func(h string, _ map[string]any) string { return "cwlsf-" + h[:10] },
	"APIMapping":               func(h string, _ map[string]any) string { return h[:6] },
	"Certificate": func(h string, fp map[string]any) string { // the certificate's ARN
		return fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", region(fp), AccountID, uuid(h))
	},
	"CertificateValidation": func(h string, fp map[string]any) string { // the certificate's ARN
		arn, _ := fp["certificateArn"].(string)
		return arn
	},
	"Record": func(h string, fp map[string]any) string { // <zone>_<name>_<type>[_<set identifier>]
		id := fmt.Sprintf("%v_%v_%v", fp["zoneId"], fp["name"], fp["type"])
		if set, _ := fp["setIdentifier"].(string); set != "" {
			id += "_" + set
		}
		return id
	},
	"Secret": func(h string, fp map[string]any) string { // the secret's ARN, named after forProvider.name
		name, _ := fp["name"].(string)
		return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region(fp), AccountID, name, h[:6])
	},
	"SecretVersion": func(h string, fp map[string]any) string {
		id, _ := fp["secretId"].(string)
		return id + "|" + uuid(h)
	},
	"Queue": func(_ string, fp map[string]any) string { // the queue's URL
		name, _ := fp["name"].(string)
		return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region(fp), AccountID, name)
	},
	"EventSourceMapping": func(h string, _ map[string]any) string { return uuid(h) },
	"FunctionEventInvokeConfig": func(_ string, fp map[string]any) string { // <function>[:<qualifier>]
		fn, _ := fp["functionName"].(string)
		if q, _ := fp["qualifier"].(string); q != "" {
			return fn + ":" + q
		}
		return fn
	},
	"Schedule": func(_ string, fp map[string]any) string { // <group>/<name>
		g, _ := fp["groupName"].(string)
		name, _ := fp["name"].(string)
		return firstNonEmpty(g, "default") + "/" + name
	},
	"TopicSubscription": func(h string, fp map[string]any) string {
		arn, _ := fp["topicArn"].(string)
		return arn + ":" + uuid(h)
	},
}

// NewExternalName is the external name the provider records when it creates the resource: the
// object's name, or the ID AWS assigns (made up from h) for kinds AWS identifies by ID.
func NewExternalName(kind, name, h string, fp map[string]any) string {
	if f, ok := idKinds[kind]; ok {
		return f(h, fp)
	}
	return name
}

func region(fp map[string]any) string {
	if r, _ := fp["region"].(string); r != "" {
		return r
	}
	return "us-east-1"
}

// Service is the AWS service of an API group (lambda.aws.m.upbound.io -> lambda).
func Service(group string) string { return strings.SplitN(group, ".", 2)[0] }

// refTarget is what a reference field points at and which value of the target it takes.
type refTarget struct {
	service, kind string
	extract       string // externalName, arn, id, invokeArn, integrationPrefixed
	field         string // the field the reference fills, when it is not the reference's stem
}

// references of provider-aws v2.5.0 (from its generated resolvers), per "<service>/<Kind>" and
// the stem of the reference (securityGroupIdRefs -> securityGroupId). Unknown references make
// the resource fail loudly, so a new reference in the composition needs an entry here.
var references = map[string]map[string]refTarget{
	"lambda/Function": {
		"role": {"iam", "Role", "arn", ""}, "kmsKeyArn": {"kms", "Key", "externalName", ""},
		"logGroup": {"cloudwatchlogs", "Group", "externalName", ""}, "s3Bucket": {"s3", "Bucket", "externalName", ""},
		"targetArn": {"sqs", "Queue", "arn", ""}, "arn": {"efs", "AccessPoint", "arn", ""}, "layers": {"lambda", "LayerVersion", "arn", ""},
		"securityGroupId":            {"ec2", "SecurityGroup", "externalName", "securityGroupIds"},
		"subnetId":                   {"ec2", "Subnet", "externalName", "subnetIds"},
		"replacementSecurityGroupId": {"ec2", "SecurityGroup", "externalName", "replacementSecurityGroupIds"},
	},
	"lambda/Permission":                 {"functionName": {"lambda", "Function", "externalName", ""}, "qualifier": {"lambda", "Alias", "externalName", ""}},
	"lambda/Alias":                      {"functionName": {"lambda", "Function", "externalName", ""}},
	"lambda/FunctionURL":                {"functionName": {"lambda", "Function", "externalName", ""}},
	"iam/RolePolicyAttachment":          {"role": {"iam", "Role", "externalName", ""}, "policyArn": {"iam", "Policy", "arn", ""}},
	"iam/RolePolicy":                    {"role": {"iam", "Role", "id", ""}},
	"iam/Role":                          {"managedPolicyArns": {"iam", "Policy", "arn", ""}},
	"cloudwatchlogs/Group":              {"kmsKeyId": {"kms", "Key", "arn", ""}},
	"cloudwatchlogs/MetricFilter":       {"logGroupName": {"cloudwatchlogs", "Group", "externalName", ""}},
	"cloudwatchlogs/SubscriptionFilter": {"roleArn": {"iam", "Role", "arn", ""}, "destinationArn": {"kinesis", "Stream", "arn", ""}},
	"apigatewayv2/Integration": {
		"apiId": {"apigatewayv2", "API", "externalName", ""}, "integrationUri": {"lambda", "Function", "invokeArn", ""},
		"credentialsArn": {"iam", "Role", "arn", ""}, "connectionId": {"apigatewayv2", "VPCLink", "id", ""},
	},
	"apigatewayv2/Route": {
		"apiId": {"apigatewayv2", "API", "externalName", ""}, "authorizerId": {"apigatewayv2", "Authorizer", "externalName", ""},
		"target": {"apigatewayv2", "Integration", "integrationPrefixed", ""},
	},
	"apigatewayv2/Stage":      {"apiId": {"apigatewayv2", "API", "externalName", ""}, "deploymentId": {"apigatewayv2", "Deployment", "externalName", ""}},
	"apigatewayv2/Authorizer": {"apiId": {"apigatewayv2", "API", "externalName", ""}, "authorizerUri": {"lambda", "Function", "invokeArn", ""}},
	"apigatewayv2/DomainName": {"certificateArn": {"acm", "Certificate", "arn", ""}, "ownershipVerificationCertificateArn": {"acm", "Certificate", "arn", ""}},
	"apigatewayv2/APIMapping": {
		"apiId": {"apigatewayv2", "API", "externalName", ""}, "domainName": {"apigatewayv2", "DomainName", "externalName", ""},
		"stage": {"apigatewayv2", "Stage", "externalName", ""},
	},
	"acm/CertificateValidation": {"certificateArn": {"acm", "Certificate", "arn", ""}},
	// alarmActions references autoscaling policies in provider-aws, okActions SNS topics.
	"cloudwatch/MetricAlarm": {"alarmActions": {"autoscaling", "Policy", "arn", ""}, "okActions": {"sns", "Topic", "arn", ""}},
	"sns/TopicSubscription": {
		"topicArn": {"sns", "Topic", "arn", ""}, "endpoint": {"sqs", "Queue", "arn", ""}, "subscriptionRoleArn": {"iam", "Role", "arn", ""},
	},
	"secretsmanager/SecretVersion": {"secretId": {"secretsmanager", "Secret", "id", ""}},
	"secretsmanager/Secret":        {"kmsKeyId": {"kms", "Key", "externalName", ""}},
	"ec2/SecurityGroup":            {"vpcId": {"ec2", "VPC", "externalName", ""}},
	"ec2/SecurityGroupEgressRule": {
		"securityGroupId": {"ec2", "SecurityGroup", "externalName", ""}, "referencedSecurityGroupId": {"ec2", "SecurityGroup", "externalName", ""},
		"prefixListId": {"ec2", "ManagedPrefixList", "externalName", ""},
	},
	"ec2/SecurityGroupIngressRule": {
		"securityGroupId": {"ec2", "SecurityGroup", "externalName", ""}, "referencedSecurityGroupId": {"ec2", "SecurityGroup", "externalName", ""},
	},
	"lambda/EventSourceMapping": {
		"functionName": {"lambda", "Function", "arn", ""}, "destinationArn": {"sqs", "Queue", "arn", ""}, "kmsKeyArn": {"kms", "Key", "externalName", ""},
	},
	// destinationConfig.onFailure.destinationRef resolves to a Queue (onSuccess's to a Topic,
	// which the stack does not use).
	"lambda/FunctionEventInvokeConfig": {"destination": {"sqs", "Queue", "arn", ""}},
	"scheduler/Schedule": {
		"arn": {"sqs", "Queue", "arn", ""}, "roleArn": {"iam", "Role", "arn", ""}, "kmsKeyArn": {"kms", "Key", "externalName", ""},
	},
}

// Reference modes a Lookup is asked for.
const (
	ModeRef      = "ref"      // v is {name: …}
	ModeRefs     = "refs"     // v is [{name: …}, …]
	ModeSelector = "selector" // v is {matchLabels: …, matchControllerRef: …}
)

// Lookup returns the managed resources of kind target a reference of mode with value v points
// at (in the referencing resource's namespace), with their status as observed so far.
type Lookup func(target schema.GroupKind, mode string, v any) ([]*unstructured.Unstructured, error)

// SecretKeyCheck verifies that the Kubernetes Secret key a …SecretRef names exists; nil skips the
// check.
type SecretKeyCheck func(ref any) error

// Resolve fills the reference fields of m (a managed resource's spec.forProvider of kind gk,
// recursively) whose value is unset. It reports whether it changed m and which references it
// could not resolve (yet), each prefixed with path.
func Resolve(gk schema.GroupKind, m map[string]any, path string, lookup Lookup, secretKey SecretKeyCheck) (bool, []string) {
	changed := false
	var unresolved []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		var field, mode string
		switch {
		case strings.HasSuffix(k, "SecretRef"):
			// a Kubernetes Secret key the provider reads (e.g. secretStringSecretRef)
			if secretKey != nil {
				if err := secretKey(v); err != nil {
					unresolved = append(unresolved, fmt.Sprintf("%s.%s: %v", path, k, err))
				}
			}
			continue
		case strings.HasSuffix(k, "Refs"):
			field, mode = strings.TrimSuffix(k, "Refs"), ModeRefs
		case strings.HasSuffix(k, "Ref"):
			field, mode = strings.TrimSuffix(k, "Ref"), ModeRef
		case strings.HasSuffix(k, "Selector"):
			field, mode = strings.TrimSuffix(k, "Selector"), ModeSelector
		}
		if mode == "" {
			switch vv := v.(type) {
			case map[string]any:
				c, u := Resolve(gk, vv, path+"."+k, lookup, secretKey)
				changed, unresolved = changed || c, append(unresolved, u...)
			case []any:
				for i, e := range vv {
					if em, ok := e.(map[string]any); ok {
						c, u := Resolve(gk, em, fmt.Sprintf("%s.%s[%d]", path, k, i), lookup, secretKey)
						changed, unresolved = changed || c, append(unresolved, u...)
					}
				}
			}
			continue
		}
		t, ok := references[Service(gk.Group)+"/"+gk.Kind][field]
		if !ok {
			unresolved = append(unresolved, fmt.Sprintf("%s.%s: the simulated provider does not know this reference", path, k))
			continue
		}
		list := mode == ModeRefs || t.field != "" || (mode == ModeSelector && strings.HasSuffix(field, "s"))
		if t.field != "" {
			field = t.field
		}
		if cur, ok := m[field]; ok && cur != nil && cur != "" {
			if l, isList := cur.([]any); !isList || len(l) > 0 {
				continue // already set (by the composition or an earlier resolution)
			}
		}
		stem := strings.TrimSuffix(k, "Selector")
		if mode == ModeSelector && (m[stem+"Ref"] != nil || m[stem+"Refs"] != nil) {
			continue // the Ref wins over the selector
		}
		tgk := schema.GroupKind{Group: t.service + strings.TrimPrefix(gk.Group, Service(gk.Group)), Kind: t.kind}
		targets, err := lookup(tgk, mode, v)
		if err != nil {
			unresolved = append(unresolved, fmt.Sprintf("%s.%s: %v", path, k, err))
			continue
		}
		var values []any
		var names []any
		for _, tgt := range targets {
			val := extract(tgt, t.extract)
			if val == "" {
				unresolved = append(unresolved, fmt.Sprintf("%s.%s: %s %s has no %s yet", path, k, t.kind, tgt.GetName(), t.extract))
				break
			}
			values = append(values, val)
			names = append(names, map[string]any{"name": tgt.GetName()})
		}
		if len(values) != len(targets) {
			continue
		}
		if list {
			m[field] = values
			if mode == ModeSelector {
				m[stem+"Refs"] = names
			}
		} else {
			m[field] = values[0]
			if mode == ModeSelector {
				m[stem+"Ref"] = names[0]
			}
		}
		changed = true
	}
	return changed, unresolved
}

func extract(t *unstructured.Unstructured, what string) string {
	switch what {
	case "externalName":
		return t.GetAnnotations()[AnnotationExternalName]
	case "integrationPrefixed":
		if n := t.GetAnnotations()[AnnotationExternalName]; n != "" {
			return "integrations/" + n
		}
		return ""
	}
	v, _, _ := unstructured.NestedString(t.Object, "status", "atProvider", what)
	return v
}

// Attributes are the inputs of AtProvider besides the resource's parameters.
type Attributes struct {
	ExternalName string
	Hash         string // seed of made-up values (see Hash)
	Generation   int64  // the version a function that publishes gets
	CreatedAt    string // RFC 3339 creation time of the object
	ModifiedAt   string // AWS's lastModified
	// FunctionARN is the observed ARN of the function an alias points at ("" builds it from
	// forProvider.functionName).
	FunctionARN string
}

// AtProvider is the observation the real provider would write for a managed resource of gk with
// the (resolved) parameters fp: the parameters as AWS echoes them plus the computed attributes.
// Fields the CRD does not declare are pruned by the API server.
func AtProvider(gk schema.GroupKind, fp map[string]any, a Attributes) map[string]any {
	at := map[string]any{}
	for k, v := range fp {
		if strings.HasSuffix(k, "Ref") || strings.HasSuffix(k, "Refs") || strings.HasSuffix(k, "Selector") || strings.HasSuffix(k, "SecretRef") {
			continue
		}
		at[k] = v
	}
	name := a.ExternalName
	region := region(fp)
	acct := AccountID
	h := a.Hash
	at["id"] = name
	if tags, ok := fp["tags"].(map[string]any); ok {
		at["tagsAll"] = tags
	}
	str := func(k string) string { v, _ := fp[k].(string); return v }
	switch Service(gk.Group) + "/" + gk.Kind {
	case "lambda/Function":
		arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, acct, name)
		version := "$LATEST"
		if p, _ := fp["publish"].(bool); p {
			version = fmt.Sprint(a.Generation)
		}
		at["arn"] = arn
		at["invokeArn"] = invokeArn(region, arn)
		at["qualifiedArn"] = arn + ":" + version
		at["qualifiedInvokeArn"] = invokeArn(region, arn+":"+version)
		at["version"] = version
		at["lastModified"] = a.ModifiedAt
		at["sourceCodeHash"] = h[:44]
		at["codeSha256"] = h[:44]
	case "lambda/Alias":
		fn := firstNonEmpty(a.FunctionARN, fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, acct, str("functionName")))
		at["arn"] = fn + ":" + name
		at["invokeArn"] = invokeArn(region, fn+":"+name)
	case "lambda/Permission":
		at["id"] = firstNonEmpty(str("statementId"), name)
	case "lambda/ProvisionedConcurrencyConfig":
		at["id"] = str("functionName") + "," + str("qualifier")
	case "lambda/FunctionURL":
		at["functionUrl"] = "https://" + h[:32] + ".lambda-url." + region + ".on.aws/"
		at["urlId"] = h[:32]
	case "lambda/EventSourceMapping":
		at["arn"] = fmt.Sprintf("arn:aws:lambda:%s:%s:event-source-mapping:%s", region, acct, name)
		at["uuid"] = name
		at["functionArn"] = str("functionName")
		at["state"] = "Enabled"
		at["lastModified"] = a.ModifiedAt
	case "sqs/Queue":
		at["arn"] = fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, acct, str("name"))
		at["url"] = name
	case "scheduler/Schedule":
		at["arn"] = fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule/%s", region, acct, name)
	case "iam/Role":
		at["arn"] = fmt.Sprintf("arn:aws:iam::%s:role%s%s", acct, firstNonEmpty(str("path"), "/"), name)
		at["uniqueId"] = "AROA" + strings.ToUpper(h[:17])
		at["createDate"] = a.CreatedAt
	case "iam/Policy":
		at["arn"] = fmt.Sprintf("arn:aws:iam::%s:policy%s%s", acct, firstNonEmpty(str("path"), "/"), name)
		at["policyId"] = "ANPA" + strings.ToUpper(h[:17])
	case "iam/RolePolicy":
		at["id"] = str("role") + ":" + name
	case "cloudwatchlogs/Group":
		at["arn"] = fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, acct, name)
	case "apigatewayv2/API":
		at["apiEndpoint"] = fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", name, region)
		at["arn"] = fmt.Sprintf("arn:aws:apigateway:%s::/apis/%s", region, name)
		at["executionArn"] = fmt.Sprintf("arn:aws:execute-api:%s:%s:%s", region, acct, name)
	case "apigatewayv2/Stage":
		api := str("apiId")
		path := "/" + name
		if name == "$default" {
			path = "/"
		}
		at["invokeUrl"] = fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com%s", api, region, path)
		at["arn"] = fmt.Sprintf("arn:aws:apigateway:%s::/apis/%s/stages/%s", region, api, name)
		at["executionArn"] = fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s", region, acct, api, name)
	case "apigatewayv2/DomainName":
		at["arn"] = fmt.Sprintf("arn:aws:apigateway:%s::/domainnames/%s", region, name)
		at["apiMappingSelectionExpression"] = "$request.basepath"
		at["domainNameConfiguration"] = domainNameConfiguration(fp["domainNameConfiguration"], region, h)
	case "acm/Certificate":
		at["arn"] = name
		at["status"] = "ISSUED" // the simulated provider's certificates are issued at once
		at["type"] = "AMAZON_ISSUED"
		at["domainValidationOptions"] = domainValidationOptions(fp)
	case "route53/Record":
		at["fqdn"] = strings.TrimSuffix(strings.ToLower(str("name")), ".")
	case "cloudwatch/MetricAlarm":
		at["arn"] = fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, acct, name)
	case "cloudwatch/Dashboard":
		at["dashboardArn"] = fmt.Sprintf("arn:aws:cloudwatch::%s:dashboard/%s", acct, name)
	case "sns/Topic":
		arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, acct, name)
		at["arn"], at["id"], at["owner"] = arn, arn, acct
	case "sns/TopicSubscription":
		at["arn"], at["ownerId"] = name, acct
		at["pendingConfirmation"] = str("protocol") == "email" || str("protocol") == "email-json"
	case "secretsmanager/Secret":
		at["arn"] = name
	case "secretsmanager/SecretVersion":
		at["arn"] = str("secretId")
		at["versionId"] = name[strings.LastIndex(name, "|")+1:]
	case "ec2/SecurityGroup":
		at["arn"] = fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", region, acct, name)
		at["ownerId"] = acct
	case "ec2/SecurityGroupEgressRule", "ec2/SecurityGroupIngressRule":
		at["arn"] = fmt.Sprintf("arn:aws:ec2:%s:%s:security-group-rule/%s", region, acct, name)
		at["securityGroupRuleId"] = name
	}
	return at
}

// Conditions are the Ready and Synced conditions the provider writes: both True when ok, else
// Ready False (Creating) and Synced False with msg.
func Conditions(ok bool, generation int64, now, msg string) []any {
	cond := func(t, status, reason, message string) map[string]any {
		c := map[string]any{"type": t, "status": status, "reason": reason, "lastTransitionTime": now, "observedGeneration": generation}
		if message != "" {
			c["message"] = message
		}
		return c
	}
	if !ok {
		return []any{cond("Ready", "False", "Creating", ""), cond("Synced", "False", "ReconcileError", msg)}
	}
	return []any{cond("Ready", "True", "Available", ""), cond("Synced", "True", "ReconcileSuccess", "")}
}

// Failed operations Fail simulates.
const (
	OpObserve = "observe" // reading the resource from AWS failed (e.g. permissions taken away)
	OpCreate  = "create"  // AWS refused to create the resource (e.g. a quota, permissions)
)

// Fail makes an observed managed resource report that AWS refused an operation, with the
// conditions upjet-based providers write (SIMULATED; awsError is the AWS SDK's error text):
//   - OpObserve: Synced=False ReconcileError "observe failed: <awsError>"; Ready stays as it was.
//   - OpCreate: the resource never existed: no atProvider, Ready=False Creating,
//     LastAsyncOperation=False ApplyFailure "async create failed: failed to create the resource:
//     [{0 <awsError>  []}]" and Synced=False ReconcileError with the same error behind
//     "create failed: ".
func Fail(obj map[string]any, op string, generation int64, now, awsError string) {
	status, _ := obj["status"].(map[string]any)
	if status == nil {
		status = map[string]any{}
		obj["status"] = status
	}
	cond := func(t, st, reason, message string) map[string]any {
		c := map[string]any{"type": t, "status": st, "reason": reason, "lastTransitionTime": now, "observedGeneration": generation}
		if message != "" {
			c["message"] = message
		}
		return c
	}
	switch op {
	case OpObserve:
		ready := cond("Ready", "False", "Creating", "")
		conds, _ := status["conditions"].([]any)
		for _, c := range conds {
			if m, _ := c.(map[string]any); m["type"] == "Ready" {
				ready = m
			}
		}
		status["conditions"] = []any{ready, cond("Synced", "False", "ReconcileError", "observe failed: "+awsError)}
	default:
		async := "async create failed: failed to create the resource: [{0 " + awsError + "  []}]"
		delete(status, "atProvider")
		status["conditions"] = []any{
			cond("Ready", "False", "Creating", ""),
			cond("Synced", "False", "ReconcileError", "create failed: "+async),
			cond("LastAsyncOperation", "False", "ApplyFailure", async),
		}
	}
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
func domainValidationOptions(fp map[string]any) []any {
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
		h := Hash(AccountID + " " + n)
		out = append(out, map[string]any{
			"domainName":          n,
			"resourceRecordName":  "_" + h[:32] + "." + n + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_" + h[32:64] + ".validations.acm-validations.aws.",
		})
	}
	return out
}

func invokeArn(region, fnArn string) string {
	return fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", region, fnArn)
}

func uuid(h string) string {
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
