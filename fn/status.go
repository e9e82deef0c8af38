package fn

import (
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// observedState gives read access to the observed composed resources by key.
type observedState map[resource.Name]resource.ObservedComposed

// condition returns the status and message of a condition of an observed resource.
func (o observedState) condition(key, typ string) (status, message string, found bool) {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return "", "", false
	}
	conds, _, _ := unstructuredSlice(oc.Resource.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			st, _ := m["status"].(string)
			msg, _ := m["message"].(string)
			return st, msg, true
		}
	}
	return "", "", false
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

// readiness of a desired resource: managed resources are ready when their observed Ready
// condition is True; Usages (no provider behind them) once they exist.
func (o observedState) readiness(c Composed) resource.Ready {
	if kind, _ := c.Object["kind"].(string); kind == "Usage" || kind == "ClusterUsage" {
		if o.exists(c.Key) {
			return resource.ReadyTrue
		}
		return resource.ReadyFalse
	}
	if st, _, _ := o.condition(c.Key, "Ready"); st == "True" {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}

// notReady lists the keys of resources that are not ready yet, sorted as desired is.
func notReady(desired []Composed, o observedState) []string {
	var out []string
	for _, c := range desired {
		if o.readiness(c) != resource.ReadyTrue {
			out = append(out, c.Key)
		}
	}
	return out
}

// compositeStatus is the XR status: what is known from the request at once, ARNs and
// endpoints once the provider has observed them.
func compositeStatus(b *builder, o observedState) v1alpha1.LambdaStackStatus {
	s := b.s
	st := v1alpha1.LambdaStackStatus{
		Stage:        s.Stage,
		Profile:      s.Profile,
		Region:       s.Region,
		FunctionName: b.functionName(),
		LogGroupName: b.logGroupName(),
		FunctionARN:  o.atProvider(KeyFunction, "arn"),
		RoleARN:      o.atProvider(KeyRole, "arn"),
	}
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

func unstructuredSlice(obj map[string]any, path ...string) ([]any, bool, error) {
	cur := any(obj)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false, nil
		}
		cur = m[p]
	}
	s, ok := cur.([]any)
	return s, ok, nil
}
