package simprovider

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spec3/lambdastack/internal/kinds"
)

// Fault modes of the SIMULATED provider (make chaos, test/e2e/cmd/chaos): what a flaky cloud
// API or an eventually consistent AWS makes a real provider write for a resource that exists.
const (
	// FaultSyncedFalse: reading the resource fails (AWS throttles the provider): Synced=False
	// with the provider's "observe failed: …" message, Ready as it was (see Fail, OpObserve).
	FaultSyncedFalse = "synced-false"
	// FaultNoARNs: AWS does not return the computed attributes yet (eventual consistency): the
	// observation lacks arn, id and the other identifiers AWS assigns; Ready and Synced True.
	FaultNoARNs = "no-arns"
	// FaultNotReady: the resource was Ready and is not any more (AWS reports it unavailable):
	// Ready=False Unavailable, Synced True.
	FaultNotReady = "not-ready"
)

// FaultSelected reports whether the resource with the given seed (see Hash) is among percent
// of all resources: the same resources for the same seed and share.
func FaultSelected(h string, percent int) bool {
	if len(h) < 4 {
		return false
	}
	n, err := strconv.ParseUint(h[:4], 16, 32)
	return err == nil && int(n%100) < percent
}

// computedAttributes are the identifiers AWS assigns that FaultNoARNs leaves out.
var computedAttributes = []string{"arn", "id", "invokeArn", "qualifiedArn", "qualifiedInvokeArn", "executionArn",
	"apiEndpoint", "invokeUrl", "functionUrl", "urlId", "uniqueId", "policyId", "dashboardArn", "securityGroupRuleId", "versionId", "version"}

// DropComputed removes from an observation (see AtProvider) what AWS computes, as an
// eventually consistent read returns it before the resource is fully visible; it reports
// whether at held any of it.
func DropComputed(at map[string]any) bool {
	dropped := false
	for _, k := range computedAttributes {
		if _, ok := at[k]; ok {
			delete(at, k)
			dropped = true
		}
	}
	return dropped
}

// HasComputed reports whether an observation holds any attribute DropComputed removes.
func HasComputed(at map[string]any) bool {
	for _, k := range computedAttributes {
		if _, ok := at[k]; ok {
			return true
		}
	}
	return false
}

// ThrottledError is the AWS SDK error of a throttled read of a resource of kind in service
// (SIMULATED, in the words of aws-sdk-go-v2 behind upjet's refresh), e.g. for Fail(…, OpObserve, …).
func ThrottledError(service, kind, name, h string) string {
	op := map[string]string{"lambda": "GetFunction", "iam": "GetRole", "cloudwatchlogs": "DescribeLogGroups",
		"apigatewayv2": "GetApi", "cloudwatch": "DescribeAlarms", "sns": "GetTopicAttributes",
		"secretsmanager": "DescribeSecret", "ec2": "DescribeSecurityGroups", "budgets": "DescribeBudget"}[service]
	if op == "" {
		op = "Describe" + kind
	}
	svc := map[string]string{"cloudwatchlogs": "CloudWatch Logs", "apigatewayv2": "ApiGatewayV2", "iam": "IAM",
		"sns": "SNS", "ec2": "EC2", "secretsmanager": "Secrets Manager"}[service]
	if svc == "" {
		svc = strings.ToUpper(service[:1]) + service[1:]
	}
	return fmt.Sprintf("cannot run refresh: refresh failed: reading %s %s (%s): operation error %s: %s, "+
		"exceeded maximum number of attempts, 25, https response error StatusCode: 400, RequestID: %s, "+
		"api error ThrottlingException: Rate exceeded", svc, kind, name, svc, op, kinds.UUID(h))
}

// Unavailable are the conditions of a resource that was Ready and is not any more: Ready=False
// Unavailable (crossplane-runtime's reason), Synced True.
func Unavailable(generation int64, now string) []any {
	conds := Conditions(true, generation, now, "")
	ready, _ := conds[0].(map[string]any)
	ready["status"], ready["reason"] = "False", "Unavailable"
	return conds
}
