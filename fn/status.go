package fn

import (
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// status is the XR status: what is known of the stack (knownStatus), the failures the provider
// reports and the summary.
func (b *builder) status() v1alpha1.LambdaStackStatus {
	st := b.knownStatus()
	st.Failures = b.failures()
	st.Summary = summary(b.out, b.pending, st.Failures)
	return st
}

// knownStatus is what is known of the stack: from the request at once, ARNs and endpoints once
// the provider has observed them. The outputs ConfigMap publishes the same values (outputs.go).
func (b *builder) knownStatus() v1alpha1.LambdaStackStatus {
	st := v1alpha1.LambdaStackStatus{
		Stage:            b.s.Stage,
		Profile:          b.s.Profile,
		Region:           b.s.Region,
		FunctionName:     b.functionName(),
		LogGroupName:     b.logGroupName(),
		FunctionARN:      b.o.atProvider(KeyFunction, "arn"),
		RoleARN:          b.o.atProvider(KeyRole, "arn"),
		APIEndpoint:      b.apiEndpoint(),
		CustomURL:        b.domainStatus(),
		OutputsConfigMap: outputsName(b.s),
		LogsRoleARN:      b.logsRoleStatus(),
		Effective:        b.s.Effective,
	}
	st.AliasARN, st.LiveVersion = b.liveStatus()
	st.Regions = b.regionStatuses()
	st.AlarmTopicARN, st.DashboardName = b.monitoringStatus()
	return st
}

// iamPropagationHint explains the one failure that heals by itself: Lambda refuses a role that
// IAM has not propagated yet, and the provider's next retry succeeds.
func iamPropagationHint(o observedState) string {
	st, msg, ok := o.condition(KeyFunction, "Synced")
	if !ok || st != "False" {
		return ""
	}
	if strings.Contains(msg, "cannot be assumed by Lambda") || strings.Contains(msg, "role defined for the function cannot be assumed") {
		return "the Lambda function was refused because its new IAM role has not propagated yet; the provider retries and this heals by itself, usually within a minute"
	}
	return ""
}
