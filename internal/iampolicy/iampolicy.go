// Package iampolicy is the IAM policy of the role provider-aws assumes in each stage's account
// (the deployment role of docs/install.md): the AWS actions its controllers call for every kind
// LambdaStack composes, by kind. docs/iam/deployer-policy.json is generated from it
// (go run ./hack/iampolicy, make generate); a test fails when a kind of the Configuration's
// activation policy has no actions here, or when the file is stale, and make e2e-aws fails when
// the real provider calls anything the policy leaves out (the calls moto recorded).
//
// The actions come from the Terraform provider's resources provider-aws v2.5.0 runs
// (terraform-provider-aws internal/service/<service>/<resource>.go: create, read, update,
// delete, the finders and waiters, transparent tagging) and from the calls make e2e-aws saw.
package iampolicy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Kinds maps a managed resource kind (<plural>.<service>, the activation policy's names without
// the API group's scope suffix) to the IAM actions its controller needs.
var Kinds = map[string][]string{
	"functions.lambda": {"lambda:CreateFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode",
		"lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction", "lambda:PublishVersion", "lambda:ListVersionsByFunction",
		"lambda:GetFunctionCodeSigningConfig", "lambda:PutFunctionCodeSigningConfig", "lambda:DeleteFunctionCodeSigningConfig",
		"lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
		"lambda:ListTags", "lambda:TagResource", "lambda:UntagResource", "iam:PassRole",
		"s3:GetObject", "s3:GetObjectVersion", // the code zip: Lambda reads it with the caller's rights
		"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeNetworkInterfaces"},
	"permissions.lambda":                   {"lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"},
	"aliases.lambda":                       {"lambda:CreateAlias", "lambda:GetAlias", "lambda:UpdateAlias", "lambda:DeleteAlias"},
	"provisionedconcurrencyconfigs.lambda": {"lambda:PutProvisionedConcurrencyConfig", "lambda:GetProvisionedConcurrencyConfig", "lambda:DeleteProvisionedConcurrencyConfig"},
	"functionurls.lambda": {"lambda:CreateFunctionUrlConfig", "lambda:GetFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig",
		"lambda:DeleteFunctionUrlConfig", "lambda:AddPermission"},
	"functioneventinvokeconfigs.lambda": {"lambda:PutFunctionEventInvokeConfig", "lambda:GetFunctionEventInvokeConfig",
		"lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig"},
	"eventsourcemappings.lambda": {"lambda:CreateEventSourceMapping", "lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping",
		"lambda:DeleteEventSourceMapping", "lambda:ListTags", "lambda:TagResource", "lambda:UntagResource"},
	"roles.iam": {"iam:CreateRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole",
		"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
		"iam:ListInstanceProfilesForRole", "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags"},
	"rolepolicyattachments.iam": {"iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies"},
	"rolepolicies.iam":          {"iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"},
	"policies.iam": {"iam:CreatePolicy", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:CreatePolicyVersion",
		"iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:TagPolicy", "iam:UntagPolicy", "iam:ListPolicyTags"},
	"groups.cloudwatchlogs": {"logs:CreateLogGroup", "logs:DescribeLogGroups", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
		"logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:ListTagsForResource", "logs:TagResource", "logs:UntagResource"},
	"metricfilters.cloudwatchlogs":       {"logs:PutMetricFilter", "logs:DescribeMetricFilters", "logs:DeleteMetricFilter"},
	"subscriptionfilters.cloudwatchlogs": {"logs:PutSubscriptionFilter", "logs:DescribeSubscriptionFilters", "logs:DeleteSubscriptionFilter", "iam:PassRole"},
	"apis.apigatewayv2":                  apiGateway,
	"integrations.apigatewayv2":          apiGateway,
	"routes.apigatewayv2":                apiGateway,
	"stages.apigatewayv2":                apiGateway,
	"authorizers.apigatewayv2":           apiGateway,
	"domainnames.apigatewayv2":           append([]string{"acm:DescribeCertificate"}, apiGateway...),
	"apimappings.apigatewayv2":           apiGateway,
	"certificates.acm": {"acm:RequestCertificate", "acm:DescribeCertificate", "acm:DeleteCertificate", "acm:UpdateCertificateOptions",
		"acm:ListTagsForCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate"},
	"certificatevalidations.acm": {"acm:DescribeCertificate"},
	"records.route53":            {"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetChange", "route53:GetHostedZone"},
	"metricalarms.cloudwatch": {"cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms",
		"cloudwatch:ListTagsForResource", "cloudwatch:TagResource", "cloudwatch:UntagResource"},
	"dashboards.cloudwatch": {"cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"},
	"topics.sns": {"sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:DeleteTopic",
		"sns:ListTagsForResource", "sns:TagResource", "sns:UntagResource"},
	"topicsubscriptions.sns": {"sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes"},
	"secrets.secretsmanager": {"secretsmanager:CreateSecret", "secretsmanager:DescribeSecret", "secretsmanager:UpdateSecret", "secretsmanager:DeleteSecret",
		"secretsmanager:GetResourcePolicy", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy",
		"secretsmanager:TagResource", "secretsmanager:UntagResource"},
	"secretversions.secretsmanager": {"secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:UpdateSecretVersionStage",
		"secretsmanager:ListSecretVersionIds", "secretsmanager:DescribeSecret"},
	"securitygroups.ec2": {"ec2:CreateSecurityGroup", "ec2:DescribeSecurityGroups", "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupEgress",
		"ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DescribeNetworkInterfaces",
		"ec2:CreateTags", "ec2:DeleteTags"},
	"securitygrouprules.ec2": {"ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress",
		"ec2:RevokeSecurityGroupIngress", "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
		"ec2:UpdateSecurityGroupRuleDescriptionsIngress"},
	"securitygroupegressrules.ec2": {"ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:DescribeSecurityGroupRules",
		"ec2:ModifySecurityGroupRules", "ec2:CreateTags", "ec2:DeleteTags"},
	"securitygroupingressrules.ec2": {"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DescribeSecurityGroupRules",
		"ec2:ModifySecurityGroupRules", "ec2:CreateTags", "ec2:DeleteTags"},
	"budgets.budgets": {"budgets:ViewBudget", "budgets:ModifyBudget", "budgets:ListTagsForResource", "budgets:TagResource", "budgets:UntagResource"},
	"queues.sqs": {"sqs:CreateQueue", "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:DeleteQueue",
		"sqs:ListQueueTags", "sqs:TagQueue", "sqs:UntagQueue"},
	"schedules.scheduler": {"scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "iam:PassRole"},
}

// apiGateway: API Gateway v2's IAM actions are the HTTP methods of its REST API.
var apiGateway = []string{"apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"}

// Document is the IAM policy document for the kinds (<plural>.<group>, as the activation
// policy names them): one statement per AWS service, actions sorted and unique, on any resource
// (the account is the stage's own; docs/install.md). An unknown kind is an error.
func Document(kinds []string) ([]byte, error) {
	by := map[string]map[string]bool{}
	var unknown []string
	for _, k := range kinds {
		actions, ok := Kinds[Key(k)]
		if !ok || len(actions) == 0 {
			unknown = append(unknown, k)
			continue
		}
		for _, a := range actions {
			svc, _, _ := strings.Cut(a, ":")
			if by[svc] == nil {
				by[svc] = map[string]bool{}
			}
			by[svc][a] = true
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("no IAM actions for %s (internal/iampolicy)", strings.Join(unknown, ", "))
	}
	type statement struct {
		Sid      string
		Effect   string
		Action   []string
		Resource string
	}
	doc := struct {
		Version   string
		Statement []statement
	}{Version: "2012-10-17"}
	services := make([]string, 0, len(by))
	for s := range by {
		services = append(services, s)
	}
	sort.Strings(services)
	for _, s := range services {
		actions := make([]string, 0, len(by[s]))
		for a := range by[s] {
			actions = append(actions, a)
		}
		sort.Strings(actions)
		doc.Statement = append(doc.Statement, statement{Sid: "LambdaStack" + sid(s), Effect: "Allow", Action: actions, Resource: "*"})
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func sid(s string) string {
	return strings.ToUpper(s[:1]) + s[1:]
}

// Key is the table key of an activation policy name: lambda.aws.m.upbound.io's functions and
// lambda.aws.upbound.io's functions are both "functions.lambda".
func Key(kind string) string {
	plural, group, _ := strings.Cut(kind, ".")
	svc, _, _ := strings.Cut(group, ".")
	return plural + "." + svc
}

// Allows reports whether a policy document allows the action (exact names; "service:*" too).
func Allows(doc []byte, action string) (bool, error) {
	var d struct {
		Statement []struct {
			Effect string
			Action []string
		}
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return false, err
	}
	svc, _, _ := strings.Cut(action, ":")
	for _, st := range d.Statement {
		if st.Effect != "Allow" {
			continue
		}
		for _, a := range st.Action {
			if strings.EqualFold(a, action) || a == svc+":*" {
				return true, nil
			}
		}
	}
	return false, nil
}
