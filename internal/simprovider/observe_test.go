package simprovider

import (
	"reflect"
	"strings"
	"testing"
)

func mr(kind, name string, fp map[string]any) map[string]any {
	group := map[string]string{"Function": "lambda", "Alias": "lambda", "Role": "iam", "API": "apigatewayv2", "Route": "apigatewayv2", "Integration": "apigatewayv2"}[kind]
	return map[string]any{
		"apiVersion": group + GroupSuffixNamespaced + "/v1beta1",
		"kind":       kind,
		"metadata":   map[string]any{"name": name, "namespace": "team"},
		"spec":       map[string]any{"forProvider": fp},
	}
}

func TestObserveResolvesReferencesInTheStack(t *testing.T) {
	desired := map[string]map[string]any{
		"role":     mr("Role", "s-role", map[string]any{"assumeRolePolicy": "{}"}),
		"function": mr("Function", "s-function", map[string]any{"region": "eu-west-1", "publish": true, "roleRef": map[string]any{"name": "s-role"}}),
		"alias":    mr("Alias", "s-alias", map[string]any{"region": "eu-west-1", "functionNameRef": map[string]any{"name": "s-function"}}),
		"api":      mr("API", "s-api", map[string]any{"region": "eu-west-1"}),
		"integration": mr("Integration", "s-int", map[string]any{"region": "eu-west-1",
			"apiIdRef": map[string]any{"name": "s-api"}, "integrationUriRef": map[string]any{"name": "s-function"}}),
		"route": mr("Route", "s-route", map[string]any{"region": "eu-west-1",
			"apiIdRef": map[string]any{"name": "s-api"}, "targetRef": map[string]any{"name": "s-int"}}),
		"usage": {"apiVersion": "protection.crossplane.io/v1beta1", "kind": "Usage", "metadata": map[string]any{"name": "s-usage"}},
	}
	before := deepCopy(map[string]any{"d": desired})
	o := Observe(map[string]any{"apiVersion": "platform.spec3.io/v1alpha1", "kind": "LambdaStack", "metadata": map[string]any{"name": "s", "uid": "u"}}, desired)
	if !reflect.DeepEqual(deepCopy(map[string]any{"d": desired}), before) {
		t.Fatal("Observe changed its input")
	}
	str := func(obj map[string]any, path ...string) string {
		var cur any = obj
		for _, p := range path {
			cur = cur.(map[string]any)[p]
		}
		s, _ := cur.(string)
		return s
	}
	for k, obj := range o {
		if k == "usage" {
			if obj["status"] != nil {
				t.Errorf("a Usage has a provider status: %v", obj["status"])
			}
			continue
		}
		conds := obj["status"].(map[string]any)["conditions"].([]any)
		if c := conds[0].(map[string]any); c["type"] != "Ready" || c["status"] != "True" {
			t.Errorf("%s is not Ready: %v", k, conds)
		}
	}
	fnARN := "arn:aws:lambda:eu-west-1:" + AccountID + ":function:s-function"
	for _, c := range []struct{ got, want string }{
		{str(o["function"], "spec", "forProvider", "role"), "arn:aws:iam::" + AccountID + ":role/s-role"},
		{str(o["function"], "status", "atProvider", "version"), "1"},
		{str(o["alias"], "status", "atProvider", "arn"), fnARN + ":s-alias"},
		{str(o["integration"], "spec", "forProvider", "integrationUri"), "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/" + fnARN + "/invocations"},
		{str(o["route"], "spec", "forProvider", "target"), "integrations/" + str(o["integration"], "metadata", "annotations", AnnotationExternalName)},
		{str(o["api"], "status", "atProvider", "id"), NewExternalName("API", "s-api", Hash("s-api"), nil)},
		{str(o["route"], "metadata", "annotations", AnnotationCompositionResourceName), "route"},
		{o["role"]["metadata"].(map[string]any)["ownerReferences"].([]any)[0].(map[string]any)["uid"].(string), "u"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if again := Observe(nil, desired); !reflect.DeepEqual(again["route"]["status"], o["route"]["status"]) {
		t.Error("two observations of the same resources differ")
	}
}

func TestObserveLeavesUnresolvableReferencesNotReady(t *testing.T) {
	o := Observe(nil, map[string]map[string]any{
		"alias": mr("Alias", "a", map[string]any{"functionNameRef": map[string]any{"name": "missing"}}),
	})
	st := o["alias"]["status"].(map[string]any)
	if st["atProvider"] != nil {
		t.Errorf("an unresolved resource has an observation: %v", st["atProvider"])
	}
	conds := st["conditions"].([]any)
	ready, synced := conds[0].(map[string]any), conds[1].(map[string]any)
	if ready["status"] != "False" || synced["status"] != "False" || !strings.Contains(synced["message"].(string), `Function "missing" not found`) {
		t.Errorf("conditions %v", conds)
	}
}
