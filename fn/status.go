package fn

import (
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// observedState gives read access to the observed composed resources by key. Built from a
// request by observedFrom, each object holds only what the readers below and in deferred.go
// read: spec.forProvider, the type, status and message of status.conditions, and the string
// fields of status.atProvider. A reader of anything else extends observedFrom.
type observedState map[resource.Name]resource.ObservedComposed

// observedFrom reads the observed composed resources of a request. Crossplane sends each
// resource whole (metadata, the provider's full status.atProvider); converting all of it to
// maps would cost more than composing the stack, so only the fields the function reads are.
func observedFrom(req *fnv1.RunFunctionRequest) observedState {
	res := req.GetObserved().GetResources()
	o := make(observedState, len(res))
	for name, r := range res {
		f := r.GetResource().GetFields()
		obj := map[string]any{}
		if fp, ok := f["spec"].GetStructValue().GetFields()["forProvider"]; ok {
			obj["spec"] = map[string]any{"forProvider": fp.AsInterface()}
		}
		if st := f["status"].GetStructValue().GetFields(); st != nil {
			status := map[string]any{}
			if c, ok := st["conditions"]; ok {
				status["conditions"] = conditionsOf(c)
			}
			if at, ok := st["atProvider"]; ok {
				if fields := at.GetStructValue().GetFields(); fields != nil {
					strs := make(map[string]any, len(fields))
					for k, v := range fields {
						if s, ok := v.GetKind().(*structpb.Value_StringValue); ok {
							strs[k] = s.StringValue
						}
					}
					status["atProvider"] = strs
				}
			}
			obj["status"] = status
		}
		o[resource.Name(name)] = resource.ObservedComposed{
			Resource:          &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: obj}},
			ConnectionDetails: r.GetConnectionDetails(),
		}
	}
	return o
}

// conditionsOf converts status.conditions, keeping the fields condition reads.
func conditionsOf(v *structpb.Value) []any {
	l := v.GetListValue().GetValues()
	out := make([]any, 0, len(l))
	for _, c := range l {
		f := c.GetStructValue().GetFields()
		m := make(map[string]any, 3)
		for _, k := range [...]string{"type", "status", "message"} {
			if s, ok := f[k].GetKind().(*structpb.Value_StringValue); ok {
				m[k] = s.StringValue
			}
		}
		out = append(out, m)
	}
	return out
}

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
	st.AliasARN, st.LiveVersion = b.liveStatus(o)
	st.Regions = b.regionStatuses(o)
	ob := &builder{s: s, o: o}
	st.APIEndpoint = ob.apiEndpoint()
	st.AlarmTopicARN, st.DashboardName = ob.monitoringStatus()
	return st
}

// statusStruct is the XR status as protobuf: what encoding the LambdaStackStatus as JSON gives
// (fields under their json names, empty ones omitted), built without reflection
// (TestStatusStruct checks it against the JSON encoding of a status with every field set).
func statusStruct(st *v1alpha1.LambdaStackStatus, sb *structBuilder) (*structpb.Struct, error) {
	m := make(map[string]any, 13)
	for _, f := range [...]struct{ key, v string }{
		{"stage", st.Stage}, {"profile", st.Profile}, {"region", st.Region},
		{"functionName", st.FunctionName}, {"functionArn", st.FunctionARN}, {"roleArn", st.RoleARN},
		{"logGroupName", st.LogGroupName}, {"apiEndpoint", st.APIEndpoint}, {"aliasArn", st.AliasARN},
		{"liveVersion", st.LiveVersion}, {"alarmTopicArn", st.AlarmTopicARN}, {"dashboardName", st.DashboardName},
	} {
		if f.v != "" {
			m[f.key] = f.v
		}
	}
	if len(st.Regions) > 0 {
		regions := make([]any, len(st.Regions))
		for i, r := range st.Regions {
			rm := map[string]any{"region": r.Region}
			if r.FunctionARN != "" {
				rm["functionArn"] = r.FunctionARN
			}
			if r.APIEndpoint != "" {
				rm["apiEndpoint"] = r.APIEndpoint
			}
			regions[i] = rm
		}
		m["regions"] = regions
	}
	return sb.newStruct(m)
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
