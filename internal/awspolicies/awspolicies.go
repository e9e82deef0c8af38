// Package awspolicies holds the documents of the AWS managed policies a stack may attach (or
// attached before LambdaStack v0.2), as AWS publishes them (IAM console, current version): what
// fn's least-privilege test walks and what test/e2e counts as the role's permissions when one of
// them is attached. A managed policy not listed here has unknown permissions.
package awspolicies

import "strings"

// Documents are the policy documents by name (the ARN's path after ":policy/").
var Documents = map[string]string{
	"service-role/AWSLambdaBasicExecutionRole": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`,
	"AWSXRayDaemonWriteAccess":                 `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:PutTraceSegments","xray:PutTelemetryRecords","xray:GetSamplingRules","xray:GetSamplingTargets","xray:GetSamplingStatisticSummaries"],"Resource":["*"]}]}`,
}

// Document is the document of the AWS managed policy arn (arn:<partition>:iam::aws:policy/...);
// false for a customer managed policy or one not listed.
func Document(arn string) (string, bool) {
	i := strings.Index(arn, ":policy/")
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":iam::aws:policy/") || i < 0 {
		return "", false
	}
	doc, ok := Documents[arn[i+len(":policy/"):]]
	return doc, ok
}
