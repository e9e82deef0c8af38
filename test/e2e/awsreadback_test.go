//go:build e2e

package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/budgets"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	route53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// What a user checks in AWS for each kind LambdaStack composes, read with the AWS SDK from the
// local AWS and compared with the managed resource's spec.forProvider (what the function
// composed) and status.atProvider (what the provider observed). found is false when AWS has no
// such resource (after a delete that is what must be seen); problems lists each difference.
type readBack func(ctx context.Context, r *readCtx) (found bool, problems []string, err error)

// readCtx is one managed resource and where it lives.
type readCtx struct {
	cfg     aws.Config
	account string
	u       *unstructured.Unstructured
	s       *stack
	c       *cluster
	diff    []string
}

// what each kind's read-back compares (docs/e2e.md, "Evidence per kind")
var readBacks = map[string]readBack{
	"Function":                     readFunction,
	"Role":                         readRole,
	"RolePolicy":                   readRolePolicy,
	"RolePolicyAttachment":         readRolePolicyAttachment,
	"Group":                        readLogGroup,
	"MetricFilter":                 readMetricFilter,
	"SubscriptionFilter":           readSubscriptionFilter,
	"MetricAlarm":                  readMetricAlarm,
	"Dashboard":                    readDashboard,
	"Topic":                        readTopic,
	"TopicSubscription":            readTopicSubscription,
	"API":                          readAPI,
	"Route":                        readRoute,
	"Integration":                  readIntegration,
	"Authorizer":                   readAuthorizer,
	"Stage":                        readStage,
	"Permission":                   readPermission,
	"Alias":                        readAlias,
	"FunctionEventInvokeConfig":    readInvokeConfig,
	"ProvisionedConcurrencyConfig": readProvisionedConcurrency,
	"Queue":                        readQueue,
	"EventSourceMapping":           readEventSourceMapping,
	"Schedule":                     readSchedule,
	"Secret":                       readSecret,
	"SecretVersion":                readSecretVersion,
	"SecurityGroup":                readSecurityGroup,
	"SecurityGroupRule":            readSecurityGroupRuleV1,
	"SecurityGroupEgressRule":      readSecurityGroupRule,
	"SecurityGroupIngressRule":     readSecurityGroupRule,
	"Certificate":                  readCertificate,
	"CertificateValidation":        readCertificateValidation,
	"Record":                       readRecord,
	"DomainName":                   readDomainName,
	"APIMapping":                   readAPIMapping,
	"Budget":                       readBudget,
}

// field is spec.forProvider.<path> of the managed resource; a list of one object (the legacy
// kinds' Terraform shape) is read through.
func (r *readCtx) field(path ...string) any {
	var v any = r.u.Object["spec"]
	for _, p := range append([]string{"forProvider"}, path...) {
		if l, ok := v.([]any); ok && len(l) == 1 {
			v = l[0]
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	if l, ok := v.([]any); ok && len(l) == 1 {
		if _, isMap := l[0].(map[string]any); isMap {
			return l[0]
		}
	}
	return v
}

func (r *readCtx) str(path ...string) string {
	v := r.field(path...)
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func (r *readCtx) observed(path ...string) string {
	return str(r.u, append([]string{"status", "atProvider"}, path...)...)
}
func (r *readCtx) external() string { return r.u.GetAnnotations()["crossplane.io/external-name"] }

// eq records a difference when AWS's value is not the composed one (composed "" is not checked).
func (r *readCtx) eq(what string, got any, want string) {
	if want == "" {
		return
	}
	g := fmt.Sprint(got)
	switch v := got.(type) {
	case *string:
		g = aws.ToString(v)
	case *int32:
		g = strconv.Itoa(int(aws.ToInt32(v)))
	case *int64:
		g = strconv.FormatInt(aws.ToInt64(v), 10)
	case *float64:
		g = strconv.FormatFloat(aws.ToFloat64(v), 'f', -1, 64)
	case *bool:
		g = strconv.FormatBool(aws.ToBool(v))
	}
	if f, err := strconv.ParseFloat(want, 64); err == nil {
		if gf, err := strconv.ParseFloat(g, 64); err == nil && gf == f {
			return
		}
	}
	if g != want {
		r.diff = append(r.diff, fmt.Sprintf("%s: AWS has %q, composed %q", what, g, want))
	}
}

// has records a difference when the composed map (string values) is not part of AWS's.
func (r *readCtx) has(what string, got map[string]string, want any) {
	m, _ := want.(map[string]any)
	for k, v := range m {
		if got[k] != fmt.Sprint(v) {
			r.diff = append(r.diff, fmt.Sprintf("%s %s: AWS has %q, composed %q", what, k, got[k], v))
		}
	}
}

// sameJSON records a difference when two JSON documents differ (IAM documents: as policies).
func (r *readCtx) sameJSON(what, got, want string) {
	if want == "" {
		return
	}
	if d, err := url.QueryUnescape(got); err == nil && strings.HasPrefix(strings.TrimSpace(d), "{") {
		got = d // IAM returns documents URL-encoded
	}
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		r.diff = append(r.diff, fmt.Sprintf("%s: AWS has no JSON document (%v): %q", what, err, got))
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		r.diff = append(r.diff, fmt.Sprintf("%s: composed document is not JSON: %v", what, err))
		return
	}
	if !reflect.DeepEqual(normalizePolicy(g), normalizePolicy(w)) {
		r.diff = append(r.diff, fmt.Sprintf("%s: AWS has\n      %s\n    composed\n      %s", what, got, want))
	}
}

// normalizePolicy makes an IAM document comparable: a single Action/Resource/principal string
// becomes a one-element list, and lists are sorted (IAM keeps neither form nor order).
func normalizePolicy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			switch k {
			case "Action", "NotAction", "Resource", "NotResource", "Service", "AWS", "Federated":
				if s, ok := e.(string); ok {
					e = []any{s}
				}
			}
			out[k] = normalizePolicy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizePolicy(e)
		}
		sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
		return out
	}
	return v
}

// isNotFound tells AWS's "no such resource" answers apart from other errors.
func isAWSNotFound(err error) bool {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return true
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "ResourceNotFoundException", "NoSuchEntity", "NotFoundException", "ResourceNotFound", "DashboardNotFoundError",
		"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "InvalidGroup.NotFound", "NotFound",
		"InvalidSecurityGroupRuleId.NotFound", "NoSuchHostedZone", "ProvisionedConcurrencyConfigNotFoundException":
		return true
	}
	return false
}

// done finishes a read-back: not found is no error.
func (r *readCtx) done(err error) (bool, []string, error) {
	if err != nil {
		if isAWSNotFound(err) {
			return false, nil, nil
		}
		return false, nil, err
	}
	return true, r.diff, nil
}

// none finishes a read-back whose list call found nothing (or failed).
func (r *readCtx) none(err error) (bool, []string, error) {
	if err != nil {
		return r.done(err)
	}
	return false, nil, nil
}

func readFunction(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := lambda.NewFromConfig(r.cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	f := out.Configuration
	r.eq("runtime", string(f.Runtime), r.str("runtime"))
	r.eq("handler", f.Handler, r.str("handler"))
	r.eq("role", f.Role, r.str("role"))
	r.eq("memory", f.MemorySize, r.str("memorySize"))
	r.eq("timeout", f.Timeout, r.str("timeout"))
	var env map[string]string
	if f.Environment != nil {
		env = f.Environment.Variables
	}
	r.has("environment", env, r.field("environment", "variables"))
	r.eq("environment STAGE", env["STAGE"], r.s.stage())
	r.has("tag", out.Tags, r.field("tags"))
	if vpc := r.field("vpcConfig"); vpc != nil {
		if f.VpcConfig == nil || len(f.VpcConfig.SubnetIds) == 0 {
			r.diff = append(r.diff, "vpcConfig: AWS has none")
		}
	}
	return r.done(nil)
}

func readRole(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := iam.NewFromConfig(r.cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	r.sameJSON("trust policy", aws.ToString(out.Role.AssumeRolePolicyDocument), r.str("assumeRolePolicy"))
	if b := r.str("permissionsBoundary"); b != "" {
		got := ""
		if out.Role.PermissionsBoundary != nil {
			got = aws.ToString(out.Role.PermissionsBoundary.PermissionsBoundaryArn)
		}
		r.eq("permissions boundary", got, b)
	}
	tags := map[string]string{}
	for _, t := range out.Role.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	r.has("tag", tags, r.field("tags"))
	return r.done(nil)
}

func readRolePolicy(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := iam.NewFromConfig(r.cfg).GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(r.str("role")), PolicyName: aws.String(r.policyName())})
	if err != nil {
		return r.done(err)
	}
	r.sameJSON("policy", aws.ToString(out.PolicyDocument), r.str("policy"))
	return r.done(nil)
}

// policyName: provider-aws names a RolePolicy "<role>:<name>" in its external name.
func (r *readCtx) policyName() string {
	n := r.external()
	if i := strings.LastIndex(n, ":"); i >= 0 {
		return n[i+1:]
	}
	return n
}

func readRolePolicyAttachment(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := iam.NewFromConfig(r.cfg).ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(r.str("role"))})
	if err != nil {
		return r.done(err)
	}
	for _, p := range out.AttachedPolicies {
		if aws.ToString(p.PolicyArn) == r.str("policyArn") {
			return r.done(nil)
		}
	}
	return false, nil, nil
}

func readLogGroup(ctx context.Context, r *readCtx) (bool, []string, error) {
	name := r.external()
	out, err := cloudwatchlogs.NewFromConfig(r.cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
	if err != nil {
		return r.done(err)
	}
	for _, g := range out.LogGroups {
		if aws.ToString(g.LogGroupName) == name {
			r.eq("retention days", g.RetentionInDays, r.str("retentionInDays"))
			return r.done(nil)
		}
	}
	return false, nil, nil
}

func readMetricFilter(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := cloudwatchlogs.NewFromConfig(r.cfg).DescribeMetricFilters(ctx, &cloudwatchlogs.DescribeMetricFiltersInput{
		LogGroupName: aws.String(r.str("logGroupName")), FilterNamePrefix: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	for _, f := range out.MetricFilters {
		if aws.ToString(f.FilterName) != r.external() {
			continue
		}
		r.eq("pattern", f.FilterPattern, r.str("pattern"))
		if len(f.MetricTransformations) == 1 {
			r.eq("metric", f.MetricTransformations[0].MetricName, r.str("metricTransformation", "name"))
			r.eq("namespace", f.MetricTransformations[0].MetricNamespace, r.str("metricTransformation", "namespace"))
		}
		return r.done(nil)
	}
	return false, nil, nil
}

func readSubscriptionFilter(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := cloudwatchlogs.NewFromConfig(r.cfg).DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String(r.str("logGroupName"))})
	if err != nil {
		return r.done(err)
	}
	for _, f := range out.SubscriptionFilters {
		if aws.ToString(f.FilterName) == r.str("name") {
			r.eq("destination", f.DestinationArn, r.str("destinationArn"))
			return r.done(nil)
		}
	}
	return false, nil, nil
}

func readMetricAlarm(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := cloudwatch.NewFromConfig(r.cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{r.external()}})
	if err != nil || len(out.MetricAlarms) == 0 {
		return r.none(err)
	}
	a := out.MetricAlarms[0]
	r.eq("threshold", a.Threshold, r.str("threshold"))
	r.eq("comparison", string(a.ComparisonOperator), r.str("comparisonOperator"))
	r.eq("evaluation periods", a.EvaluationPeriods, r.str("evaluationPeriods"))
	r.eq("metric", a.MetricName, r.str("metricName"))
	r.eq("namespace", a.Namespace, r.str("namespace"))
	for _, want := range strs(r.field("alarmActions")) {
		found := false
		for _, got := range a.AlarmActions {
			found = found || got == want
		}
		if !found {
			r.diff = append(r.diff, fmt.Sprintf("alarm actions %v lack the topic %s", a.AlarmActions, want))
		}
	}
	return r.done(nil)
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

func readDashboard(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := cloudwatch.NewFromConfig(r.cfg).GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	r.sameJSON("dashboard body", aws.ToString(out.DashboardBody), r.str("dashboardBody"))
	return r.done(nil)
}

func readTopic(ctx context.Context, r *readCtx) (bool, []string, error) {
	_, err := sns.NewFromConfig(r.cfg).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(r.observed("arn"))})
	return r.done(err)
}

func readTopicSubscription(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := sns.NewFromConfig(r.cfg).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(r.str("topicArn"))})
	if err != nil {
		return r.done(err)
	}
	for _, s := range out.Subscriptions {
		if aws.ToString(s.Protocol) == r.str("protocol") && aws.ToString(s.Endpoint) == r.str("endpoint") {
			return r.done(nil)
		}
	}
	return false, nil, nil
}

func readAPI(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := apigatewayv2.NewFromConfig(r.cfg).GetApi(ctx, &apigatewayv2.GetApiInput{ApiId: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	r.eq("name", out.Name, r.str("name"))
	r.eq("protocol", string(out.ProtocolType), r.str("protocolType"))
	r.has("tag", out.Tags, r.field("tags"))
	return r.done(nil)
}

func readRoute(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := apigatewayv2.NewFromConfig(r.cfg).GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: aws.String(r.str("apiId"))})
	if err != nil {
		return r.done(err)
	}
	for _, rt := range out.Items {
		if aws.ToString(rt.RouteKey) != r.str("routeKey") {
			continue
		}
		r.eq("target", rt.Target, r.str("target"))
		r.eq("authorization", string(rt.AuthorizationType), r.str("authorizationType"))
		r.eq("authorizer", rt.AuthorizerId, r.str("authorizerId"))
		return r.done(nil)
	}
	return false, nil, nil
}

func readIntegration(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := apigatewayv2.NewFromConfig(r.cfg).GetIntegration(ctx, &apigatewayv2.GetIntegrationInput{ApiId: aws.String(r.str("apiId")), IntegrationId: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	r.eq("type", string(out.IntegrationType), r.str("integrationType"))
	r.eq("uri", out.IntegrationUri, r.str("integrationUri"))
	r.eq("payload format", out.PayloadFormatVersion, r.str("payloadFormatVersion"))
	return r.done(nil)
}

func readAuthorizer(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := apigatewayv2.NewFromConfig(r.cfg).GetAuthorizer(ctx, &apigatewayv2.GetAuthorizerInput{ApiId: aws.String(r.str("apiId")), AuthorizerId: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	r.eq("type", string(out.AuthorizerType), r.str("authorizerType"))
	r.eq("name", out.Name, r.str("name"))
	if out.JwtConfiguration != nil {
		r.eq("JWT issuer", out.JwtConfiguration.Issuer, r.str("jwtConfiguration", "issuer"))
		r.eq("JWT audience", strings.Join(out.JwtConfiguration.Audience, ","), strings.Join(strs(r.field("jwtConfiguration", "audience")), ","))
	}
	r.eq("authorizer URI", out.AuthorizerUri, r.str("authorizerUri"))
	return r.done(nil)
}

func readStage(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := apigatewayv2.NewFromConfig(r.cfg).GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: aws.String(r.str("apiId")), StageName: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	r.eq("auto deploy", out.AutoDeploy, r.str("autoDeploy"))
	if out.AccessLogSettings != nil {
		r.eq("access log destination", out.AccessLogSettings.DestinationArn, r.str("accessLogSettings", "destinationArn"))
	} else if r.str("accessLogSettings", "destinationArn") != "" {
		r.diff = append(r.diff, "access log settings: AWS has none")
	}
	return r.done(nil)
}

func readPermission(ctx context.Context, r *readCtx) (bool, []string, error) {
	in := &lambda.GetPolicyInput{FunctionName: aws.String(r.str("functionName"))}
	if q := r.str("qualifier"); q != "" {
		in.Qualifier = aws.String(q)
	}
	out, err := lambda.NewFromConfig(r.cfg).GetPolicy(ctx, in)
	if err != nil {
		return r.done(err)
	}
	var doc struct {
		Statement []struct {
			Sid       string
			Action    any
			Principal any
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &doc); err != nil {
		return true, nil, fmt.Errorf("function policy: %w", err)
	}
	for _, st := range doc.Statement {
		if st.Sid != r.str("statementId") && st.Sid != r.external() {
			continue
		}
		if !strings.Contains(fmt.Sprint(st.Principal), r.str("principal")) {
			r.diff = append(r.diff, fmt.Sprintf("principal: AWS has %v, composed %s", st.Principal, r.str("principal")))
		}
		if src := r.str("sourceArn"); src != "" && st.Condition["ArnLike"]["AWS:SourceArn"] != src {
			r.diff = append(r.diff, fmt.Sprintf("source ARN: AWS has %v, composed %s", st.Condition, src))
		}
		return r.done(nil)
	}
	return false, nil, nil
}

func readAlias(ctx context.Context, r *readCtx) (bool, []string, error) {
	name := r.str("name") // the legacy kind's; the namespaced one's is its external name
	if name == "" {
		name = r.external()
	}
	out, err := lambda.NewFromConfig(r.cfg).GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(r.str("functionName")), Name: aws.String(name)})
	if err != nil {
		return r.done(err)
	}
	r.eq("function version", out.FunctionVersion, r.str("functionVersion"))
	return r.done(nil)
}

func readInvokeConfig(ctx context.Context, r *readCtx) (bool, []string, error) {
	in := &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String(r.str("functionName"))}
	if q := r.str("qualifier"); q != "" {
		in.Qualifier = aws.String(q)
	}
	out, err := lambda.NewFromConfig(r.cfg).GetFunctionEventInvokeConfig(ctx, in)
	if err != nil {
		return r.done(err)
	}
	r.eq("maximum retries", out.MaximumRetryAttempts, r.str("maximumRetryAttempts"))
	r.eq("maximum event age", out.MaximumEventAgeInSeconds, r.str("maximumEventAgeInSeconds"))
	if want := r.str("destinationConfig", "onFailure", "destination"); want != "" {
		got := ""
		if out.DestinationConfig != nil && out.DestinationConfig.OnFailure != nil {
			got = aws.ToString(out.DestinationConfig.OnFailure.Destination)
		}
		r.eq("on-failure destination", got, want)
	}
	return r.done(nil)
}

func readProvisionedConcurrency(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := lambda.NewFromConfig(r.cfg).GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{
		FunctionName: aws.String(r.str("functionName")), Qualifier: aws.String(r.str("qualifier"))})
	if err != nil {
		return r.done(err)
	}
	r.eq("provisioned executions", out.RequestedProvisionedConcurrentExecutions, r.str("provisionedConcurrentExecutions"))
	return r.done(nil)
}

func readQueue(ctx context.Context, r *readCtx) (bool, []string, error) {
	q := sqs.NewFromConfig(r.cfg)
	u, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(r.str("name"))})
	if err != nil {
		return r.done(err)
	}
	out, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		return r.done(err)
	}
	r.eq("visibility timeout", out.Attributes["VisibilityTimeout"], r.str("visibilityTimeoutSeconds"))
	r.eq("retention", out.Attributes["MessageRetentionPeriod"], r.str("messageRetentionSeconds"))
	if want := r.str("redrivePolicy"); want != "" {
		r.sameJSON("redrive policy", out.Attributes["RedrivePolicy"], want)
	}
	return r.done(nil)
}

func readEventSourceMapping(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := lambda.NewFromConfig(r.cfg).GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	r.eq("event source", out.EventSourceArn, r.str("eventSourceArn"))
	r.eq("batch size", out.BatchSize, r.str("batchSize"))
	r.eq("batching window", out.MaximumBatchingWindowInSeconds, r.str("maximumBatchingWindowInSeconds"))
	if fn := r.str("functionName"); fn != "" && !strings.Contains(aws.ToString(out.FunctionArn), fn) && aws.ToString(out.FunctionArn) != fn {
		r.diff = append(r.diff, fmt.Sprintf("function: AWS has %s, composed %s", aws.ToString(out.FunctionArn), fn))
	}
	return r.done(nil)
}

func readSchedule(ctx context.Context, r *readCtx) (bool, []string, error) {
	in := &scheduler.GetScheduleInput{Name: aws.String(r.str("name"))}
	if g := r.str("groupName"); g != "" {
		in.GroupName = aws.String(g)
	}
	out, err := scheduler.NewFromConfig(r.cfg).GetSchedule(ctx, in)
	if err != nil {
		return r.done(err)
	}
	r.eq("expression", out.ScheduleExpression, r.str("scheduleExpression"))
	r.eq("time zone", out.ScheduleExpressionTimezone, r.str("scheduleExpressionTimezone"))
	if out.Target != nil {
		r.eq("target", out.Target.Arn, r.str("target", "arn"))
		r.sameJSON("target input", aws.ToString(out.Target.Input), r.str("target", "input"))
	}
	return r.done(nil)
}

func readSecret(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := secretsmanager.NewFromConfig(r.cfg).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(r.observed("arn"))})
	if err != nil {
		return r.done(err)
	}
	if out.DeletedDate != nil {
		return false, nil, nil // scheduled for deletion: gone for its users
	}
	r.eq("name", out.Name, r.str("name"))
	return r.done(nil)
}

func readSecretVersion(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := secretsmanager.NewFromConfig(r.cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(r.str("secretId"))})
	if err != nil {
		return r.done(err)
	}
	ref := r.field("secretStringSecretRef")
	if m, ok := ref.(map[string]any); ok {
		sec, err := r.c.get(ctx, "v1", "Secret", r.u.GetNamespace(), fmt.Sprint(m["name"]))
		if err != nil {
			return true, nil, err
		}
		want := str(sec, "data", fmt.Sprint(m["key"]))
		if raw, err := decodeB64(want); err == nil {
			want = raw
		}
		r.eq("secret value (from the Kubernetes Secret)", out.SecretString, want)
	}
	return r.done(nil)
}

func readSecurityGroup(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := ec2.NewFromConfig(r.cfg).DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{r.external()}})
	if err != nil || len(out.SecurityGroups) == 0 {
		return r.none(err)
	}
	g := out.SecurityGroups[0]
	r.eq("VPC", g.VpcId, r.str("vpcId"))
	r.eq("name", g.GroupName, r.str("name"))
	return r.done(nil)
}

func readSecurityGroupRule(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := ec2.NewFromConfig(r.cfg).DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{r.external()}})
	if err != nil || len(out.SecurityGroupRules) == 0 {
		return r.none(err)
	}
	g := out.SecurityGroupRules[0]
	r.eq("group", g.GroupId, r.str("securityGroupId"))
	r.eq("CIDR", g.CidrIpv4, r.str("cidrIpv4"))
	r.eq("protocol", g.IpProtocol, r.str("ipProtocol"))
	return r.done(nil)
}

// readSecurityGroupRuleV1 reads a SecurityGroupRule (aws_security_group_rule) as its group's
// permission: its ID is Terraform's, not AWS's.
func readSecurityGroupRuleV1(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := ec2.NewFromConfig(r.cfg).DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{r.str("securityGroupId")}})
	if err != nil || len(out.SecurityGroups) == 0 {
		return r.none(err)
	}
	g := out.SecurityGroups[0]
	perms := g.IpPermissions
	if r.str("type") == "egress" {
		perms = g.IpPermissionsEgress
	}
	cidrs, _ := r.field("cidrBlocks").([]any)
	for _, p := range perms {
		if aws.ToString(p.IpProtocol) != r.str("protocol") {
			continue
		}
		for _, ip := range p.IpRanges {
			if len(cidrs) == 1 && aws.ToString(ip.CidrIp) == fmt.Sprint(cidrs[0]) {
				r.eq("description", ip.Description, r.str("description"))
				return r.done(nil)
			}
		}
	}
	return r.none(nil) // the group has no such permission
}

func readCertificate(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := acm.NewFromConfig(r.cfg).DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(r.observed("arn"))})
	if err != nil {
		return r.done(err)
	}
	r.eq("domain", out.Certificate.DomainName, r.str("domainName"))
	return r.done(nil)
}

func readCertificateValidation(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := acm.NewFromConfig(r.cfg).DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(r.str("certificateArn"))})
	if err != nil {
		return r.done(err)
	}
	r.eq("status", string(out.Certificate.Status), "ISSUED")
	return r.done(nil)
}

func readRecord(ctx context.Context, r *readCtx) (bool, []string, error) {
	name := strings.TrimSuffix(r.str("name"), ".") + "."
	out, err := route53.NewFromConfig(r.cfg).ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(r.str("zoneId")),
		StartRecordName: aws.String(name), StartRecordType: route53types.RRType(r.str("type"))})
	if err != nil {
		return r.done(err)
	}
	for _, rs := range out.ResourceRecordSets {
		if strings.EqualFold(aws.ToString(rs.Name), name) && string(rs.Type) == r.str("type") {
			if rs.AliasTarget != nil {
				r.eq("alias target", strings.TrimSuffix(aws.ToString(rs.AliasTarget.DNSName), "."), strings.TrimSuffix(r.str("alias", "name"), "."))
			}
			return r.done(nil)
		}
	}
	return false, nil, nil
}

func readDomainName(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := apigatewayv2.NewFromConfig(r.cfg).GetDomainName(ctx, &apigatewayv2.GetDomainNameInput{DomainName: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	if len(out.DomainNameConfigurations) == 1 {
		r.eq("certificate", out.DomainNameConfigurations[0].CertificateArn, r.str("domainNameConfiguration", "certificateArn"))
	}
	return r.done(nil)
}

func readAPIMapping(ctx context.Context, r *readCtx) (bool, []string, error) {
	out, err := apigatewayv2.NewFromConfig(r.cfg).GetApiMappings(ctx, &apigatewayv2.GetApiMappingsInput{DomainName: aws.String(r.str("domainName"))})
	if err != nil {
		return r.done(err)
	}
	for _, m := range out.Items {
		if aws.ToString(m.ApiId) == r.str("apiId") {
			r.eq("stage", m.Stage, r.str("stage"))
			return r.done(nil)
		}
	}
	return false, nil, nil
}

func readBudget(ctx context.Context, r *readCtx) (bool, []string, error) {
	b := budgets.NewFromConfig(r.cfg)
	account := r.str("accountId")
	if account == "" {
		account = r.account
	}
	out, err := b.DescribeBudget(ctx, &budgets.DescribeBudgetInput{AccountId: aws.String(account), BudgetName: aws.String(r.external())})
	if err != nil {
		return r.done(err)
	}
	if out.Budget.BudgetLimit != nil {
		r.eq("limit", out.Budget.BudgetLimit.Amount, r.str("limitAmount"))
	}
	n, err := b.DescribeNotificationsForBudget(ctx, &budgets.DescribeNotificationsForBudgetInput{AccountId: aws.String(account), BudgetName: aws.String(r.external())})
	if err != nil {
		return true, nil, err
	}
	if len(n.Notifications) == 0 && r.field("notification") != nil {
		r.diff = append(r.diff, "notifications: AWS has none")
	}
	return r.done(nil)
}

func decodeB64(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	return string(b), err
}
