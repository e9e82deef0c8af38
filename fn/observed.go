package fn

import (
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
	sdkcomposed "github.com/crossplane/function-sdk-go/resource/composed"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Values known only once AWS has created something. Most links between composed resources are
// references the provider resolves (apiIdRef, targetRef, integrationUriRef, roleRef, ...), but a
// few fields have no reference in provider-aws v2.5.0 and need a value AWS assigns:
//
//   - the lambda Permission's sourceArn (the API's execution ARN, which holds the API id);
//   - the API stage's access log destination (the log group ARN, which holds the account);
//   - alarm and OK actions to the SNS topic the stack creates (alarmActionsRefs resolve to
//     autoscaling Policies, not Topics; the topic ARN holds the account);
//   - the ApiId dimension of the API alarms and the dashboard's API widgets;
//   - SECRET_<NAME>_ARN of a secret the stack creates (AWS appends six random characters).
//
// Each is read from the observed resource that owns it, or built from the account once any ARN
// of the stack is observed (the role is the first). A resource that needs such a value is
// composed only once it is known, and then always: when the value cannot be read any more (the
// source is being replaced), the value the resource was last composed with is kept, read from
// its own observed spec, so a composed resource is never dropped (that would delete it).
// While something waits, the builder records it in pending and the function keeps the XR not
// Ready (see fn.go), so a stack is never Ready with a part still missing.

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

// appliedPolicy reports whether the observed resource key holds the policy document doc and the
// provider reports it applied: Ready, and Synced for the object's current generation (when the
// provider records observedGeneration), so AWS has that document, not an earlier one.
func (o observedState) appliedPolicy(key, doc string) bool {
	if o.kept(key, "policy") != doc {
		return false
	}
	meta, _ := o[resource.Name(key)].Resource.Object["metadata"].(map[string]any)
	gen, _ := asInt64(meta["generation"])
	for _, typ := range []string{"Ready", "Synced"} {
		if st, _, _ := o.condition(key, typ); st != "True" {
			return false
		}
		if g, ok := o.observedGeneration(key, typ); ok && gen != 0 && g != gen {
			return false
		}
	}
	return true
}

// observedGeneration is the generation a condition of an observed resource was recorded for.
func (o observedState) observedGeneration(key, typ string) (int64, bool) {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return 0, false
	}
	s, _ := oc.Resource.Object["status"].(map[string]any)
	conds, _ := s["conditions"].([]any)
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			g, ok := asInt64(m["observedGeneration"])
			return g, ok
		}
	}
	return 0, false
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		return int64(n), true
	case int:
		return int64(n), true
	}
	return 0, false
}

// observedWithARN is an observed resource that reports only its ARN.
func observedWithARN(arn string) resource.ObservedComposed {
	return resource.ObservedComposed{Resource: &sdkcomposed.Unstructured{Unstructured: unstructured.Unstructured{
		Object: map[string]any{"status": map[string]any{"atProvider": map[string]any{"arn": arn}}}}}}
}

// providerless reports whether no provider reconciles a composed resource, so it has no
// conditions: Crossplane's Usages and the outputs ConfigMap.
func providerless(c composed) bool {
	switch kindOf(c) {
	case "Usage", "ClusterUsage", "ConfigMap":
		return true
	}
	return false
}

// createdInAWS reports whether the provider created the AWS resource of an observed managed
// resource whose identifier AWS assigns, or has a create under way: it records the identifier
// as external name, and marks a create it starts as pending.
func (o observedState) createdInAWS(key string) bool {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return false
	}
	a := oc.Resource.GetAnnotations()
	return a[annotationExternalName] != "" || a[annotationCreatePending] != ""
}

// withoutDelete reports whether an observed managed resource has management policies that
// leave out Delete (and so "*"): deleting the object leaves AWS untouched.
func (o observedState) withoutDelete(key string) bool {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return false
	}
	spec, _ := oc.Resource.Object["spec"].(map[string]any)
	p, _ := spec["managementPolicies"].([]any)
	return len(p) > 0 && !slices.Contains(p, any("Delete")) && !slices.Contains(p, any("*"))
}

func (o observedState) exists(key string) bool {
	oc, ok := o[resource.Name(key)]
	return ok && oc.Resource != nil
}

// ready reports whether a desired resource is ready: managed resources once their observed
// Ready condition is True; resources no provider reconciles once they exist.
func (o observedState) ready(c composed) bool {
	if providerless(c) {
		return o.exists(c.Key)
	}
	st, _, _ := o.condition(c.Key, "Ready")
	return st == "True"
}

// kept is what a composed resource was last composed with: spec.forProvider.<path> of its
// observed object. Nested blocks in the legacy list shape and list values are read through
// their first element. "" when the resource or field is not observed.
func (o observedState) kept(key string, path ...string) string {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return ""
	}
	spec, _ := oc.Resource.Object["spec"].(map[string]any)
	cur := spec["forProvider"]
	for _, p := range path {
		cur = first(cur)
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[p]
	}
	s, _ := first(cur).(string)
	return s
}

func first(v any) any {
	if l, ok := v.([]any); ok {
		if len(l) == 0 {
			return nil
		}
		return l[0]
	}
	return v
}

// observedARNOf is the observed ARN of key when it ends with suffix (i.e. names the resource the
// stack composed under that name), else "".
func (o observedState) observedARNOf(key, suffix string) string {
	arn := o.atProvider(key, "arn")
	if arn == "" || !strings.HasSuffix(arn, suffix) {
		return ""
	}
	return arn
}

// validationOption is the DNS record ACM asks for to validate domain on the certificate of key,
// from its observed domain validation options.
func (o observedState) validationOption(key, domain string) (dnsRecord, bool) {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return dnsRecord{}, false
	}
	status, _ := oc.Resource.Object["status"].(map[string]any)
	at, _ := status["atProvider"].(map[string]any)
	opts, _ := at["domainValidationOptions"].([]any)
	for _, e := range opts {
		m, _ := e.(map[string]any)
		if m["domainName"] != domain {
			continue
		}
		r := dnsRecord{}
		r.name, _ = m["resourceRecordName"].(string)
		r.typ, _ = m["resourceRecordType"].(string)
		r.value, _ = m["resourceRecordValue"].(string)
		if r.name != "" && r.typ != "" && r.value != "" {
			r.name = strings.TrimSuffix(r.name, ".")
			return r, true
		}
	}
	return dnsRecord{}, false
}

// recordOf is the validation record key was last composed with.
func (o observedState) recordOf(key string) (dnsRecord, bool) {
	r := dnsRecord{name: o.kept(key, "name"), typ: o.kept(key, "type"), value: o.kept(key, "records")}
	return r, r.name != "" && r.typ != "" && r.value != ""
}

// validationFor is the record that validates domain on the certificate certKey: the option the
// certificate reports, else what the record recordKey was composed with before (it stays).
func (o observedState) validationFor(certKey, recordKey, domain string) (dnsRecord, bool) {
	if rec, ok := o.validationOption(certKey, domain); ok {
		return rec, true
	}
	return o.recordOf(recordKey)
}

// domainTarget is the observed regional target of the domain name of key: its domain name and
// hosted zone, "" until observed.
func (o observedState) domainTarget(key string) (name, zone string) {
	oc, ok := o[resource.Name(key)]
	if !ok || oc.Resource == nil {
		return "", ""
	}
	status, _ := oc.Resource.Object["status"].(map[string]any)
	at, _ := status["atProvider"].(map[string]any)
	conf, _ := first(at["domainNameConfiguration"]).(map[string]any)
	name, _ = conf["targetDomainName"].(string)
	zone, _ = conf["hostedZoneId"].(string)
	if name == "" || zone == "" {
		return "", ""
	}
	return name, zone
}

// publishedVersion is the newest published version of an observed function, "" when it has none
// (the provider reports $LATEST) or is not observed.
func (o observedState) publishedVersion(key string) string {
	if v := o.atProvider(key, "version"); isVersion(v) {
		return v
	}
	return ""
}

// aliasVersion is the published version an observed alias was last told to serve (its desired
// state, which a canary holds), else the one AWS reports; "" while it serves $LATEST.
func (o observedState) aliasVersion(key string) string {
	if v := o.kept(key, "functionVersion"); isVersion(v) {
		return v
	}
	if v := o.atProvider(key, "functionVersion"); isVersion(v) {
		return v
	}
	return ""
}
