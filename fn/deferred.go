package fn

import (
	"strings"

	"github.com/crossplane/function-sdk-go/resource"
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

// wait records that key (a resource or a field of one) waits for what.
func (b *builder) wait(key, what string) {
	b.pending = append(b.pending, key+" (waits for "+what+")")
}

// account is the AWS account of the stack, read from the first observed ARN that has one (the
// role is created first); "" while none is observed.
func (b *builder) account() string {
	for _, key := range []string{KeyRole, KeyFunction, KeyLogGroup} {
		if acct := arnAccount(b.o.atProvider(key, "arn")); acct != "" {
			return acct
		}
	}
	return ""
}

// arnIn is an ARN of region built from the account; "" while the account is unknown.
func (b *builder) arnIn(service, region, resource string) string {
	acct := b.account()
	if acct == "" {
		return ""
	}
	return "arn:" + partition(region) + ":" + service + ":" + region + ":" + acct + ":" + resource
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
