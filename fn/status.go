package fn

import (
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// observedState is the observed composed resources by key, as request.GetObservedComposedResources
// reads them.
type observedState map[resource.Name]resource.ObservedComposed

// observedCondition is one status condition of an observed resource.
type observedCondition struct{ status, reason, message string }

// conditionOf returns a condition of an observed resource.
func (o observedState) conditionOf(key, typ string) (observedCondition, bool) {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return observedCondition{}, false
	}
	s, _ := oc.Resource.Object["status"].(map[string]any)
	conds, _ := s["conditions"].([]any)
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			var oc observedCondition
			oc.status, _ = m["status"].(string)
			oc.reason, _ = m["reason"].(string)
			oc.message, _ = m["message"].(string)
			return oc, true
		}
	}
	return observedCondition{}, false
}

// condition returns the status and message of a condition of an observed resource.
func (o observedState) condition(key, typ string) (status, message string, found bool) {
	c, ok := o.conditionOf(key, typ)
	return c.status, c.message, ok
}

// atProvider reads status.atProvider.<field> of an observed resource as a string.
func (o observedState) atProvider(key, field string) string {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return ""
	}
	status, _ := oc.Resource.Object["status"].(map[string]any)
	at, _ := status["atProvider"].(map[string]any)
	v, _ := at[field].(string)
	return v
}

func (o observedState) exists(key string) bool {
	oc, ok := o[resource.Name(key)]
	return ok && oc.Resource != nil
}

// ready reports whether a desired resource is ready: managed resources once their observed
// Ready condition is True; Usages (no provider behind them) once they exist.
func (o observedState) ready(c Composed) bool {
	if kind, _ := c.Object["kind"].(string); kind == "Usage" || kind == "ClusterUsage" {
		return o.exists(c.Key)
	}
	st, _, _ := o.condition(c.Key, "Ready")
	return st == "True"
}

// status is the XR status: what is known from the request at once, ARNs and endpoints once
// the provider has observed them.
func (b *builder) status() v1alpha1.LambdaStackStatus {
	st := v1alpha1.LambdaStackStatus{
		Stage:        b.s.Stage,
		Profile:      b.s.Profile,
		Region:       b.s.Region,
		FunctionName: b.functionName(),
		LogGroupName: b.logGroupName(),
		FunctionARN:  b.o.atProvider(KeyFunction, "arn"),
		RoleARN:      b.o.atProvider(KeyRole, "arn"),
		APIEndpoint:  b.apiEndpoint(),
		CustomURL:    b.domainStatus(),
	}
	st.AliasARN, st.LiveVersion = b.liveStatus()
	st.Regions = b.regionStatuses()
	st.AlarmTopicARN, st.DashboardName = b.monitoringStatus()
	st.Failures = b.failures()
	st.Summary = summary(b.out, b.pending, st.Failures)
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
