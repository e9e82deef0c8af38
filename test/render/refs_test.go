package render_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"
)

// refKinds maps a reference field (without its Ref/Refs/Selector suffix) to the kind it must
// point at. A reference field missing here fails the test, so a new one is checked on purpose.
var refKinds = map[string]string{
	"role":                        "Role",
	"functionName":                "Function",
	"apiId":                       "API",
	"authorizerId":                "Authorizer",
	"securityGroupId":             "SecurityGroup",
	"securityGroupIds":            "SecurityGroup",
	"secretId":                    "Secret",
	"topicArn":                    "Topic",
	"logGroup":                    "Group",
	"logGroupName":                "Group",
	"roleArn":                     "Role",
	"integrationUri":              "Function",
	"target":                      "Integration",
	"destinationArn":              "Group",
	"functionVersion":             "Function",
	"kmsKeyId":                    "Key",
	"qualifier":                   "Alias",
	"alarmActions":                "Topic",
	"okActions":                   "Topic",
	"sourceArn":                   "API",
	"integrationId":               "Integration",
	"apiMappingKey":               "API",
	"stageName":                   "Stage",
	"secretArn":                   "Secret",
	"vpcId":                       "VPC",
	"subnetIds":                   "Subnet",
	"replacementSecurityGroupIds": "SecurityGroup",
	"certificateArn":              "Certificate",
	"domainName":                  "DomainName",
	"stage":                       "Stage",
	"destination":                 "Queue",
}

// TestReferencesStayInTheStack: every *Ref, *Refs and *Selector of every composed resource of
// every example (once fully composed, with the simulated provider status) points at a resource
// the same stack composes, of the right kind, in the same namespace; Usages name composed
// resources with their exact apiVersion and kind.
func TestReferencesStayInTheStack(t *testing.T) {
	addr := startFunction(t)
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) {
			out, _ := renderSettled(t, addr, c.Request)
			index := map[string]composed.Unstructured{}
			for _, r := range out.ComposedResources {
				index[r.GetName()] = r
			}
			for _, r := range out.ComposedResources {
				for _, p := range checkRefs(r, index) {
					t.Errorf("%s %s: %s", r.GetKind(), r.GetName(), p)
				}
			}
		})
	}
}

func checkRefs(r composed.Unstructured, index map[string]composed.Unstructured) []string {
	var problems []string
	if r.GetKind() == "Usage" || r.GetKind() == "ClusterUsage" {
		for _, side := range []string{"of", "by"} {
			s, _ := r.Object["spec"].(map[string]any)[side].(map[string]any)
			name, _ := s["resourceRef"].(map[string]any)["name"].(string)
			target, ok := index[name]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("spec.%s names %q, which the stack does not compose", side, name))
			case target.GetKind() != s["kind"] || target.GetAPIVersion() != s["apiVersion"]:
				problems = append(problems, fmt.Sprintf("spec.%s says %v %v, the resource is %s %s", side, s["apiVersion"], s["kind"], target.GetAPIVersion(), target.GetKind()))
			}
		}
		return problems
	}
	walk(r.Object["spec"], "spec", func(path, field string, v any) {
		var base string
		switch {
		case strings.HasSuffix(field, "Refs"):
			base = strings.TrimSuffix(field, "Refs")
		case strings.HasSuffix(field, "Ref"):
			base = strings.TrimSuffix(field, "Ref")
		case strings.HasSuffix(field, "Selector"):
			base = strings.TrimSuffix(field, "Selector")
		default:
			return
		}
		if field == "providerConfigRef" || field == "secretStringSecretRef" || field == "writeConnectionSecretToRef" {
			return
		}
		kind, known := refKinds[base]
		if !known {
			problems = append(problems, fmt.Sprintf("%s: reference field %q is not in refKinds; add the kind it must point at", path, field))
			return
		}
		if strings.HasSuffix(field, "Selector") {
			problems = append(problems, fmt.Sprintf("%s: selectors can match resources outside the stack; reference by name", path))
			return
		}
		refs := []any{v}
		if list, ok := v.([]any); ok {
			refs = list
		}
		for _, ref := range refs {
			m, _ := ref.(map[string]any)
			name, _ := m["name"].(string)
			target, ok := index[name]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s points at %q, which the stack does not compose", path, name))
			case target.GetKind() != kind:
				problems = append(problems, fmt.Sprintf("%s points at %s %q, want a %s", path, target.GetKind(), name, kind))
			case m["namespace"] != nil && m["namespace"] != r.GetNamespace():
				problems = append(problems, fmt.Sprintf("%s points into namespace %v", path, m["namespace"]))
			}
		}
	})
	sort.Strings(problems)
	return problems
}

// walk calls visit for every map field under v with its path.
func walk(v any, path string, visit func(path, field string, v any)) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			p := path + "." + k
			visit(p, k, x)
			walk(x, p, visit)
		}
	case []any:
		for i, x := range t {
			walk(x, fmt.Sprintf("%s[%d]", path, i), visit)
		}
	}
}

func TestCheckRefsFindsStrayReferences(t *testing.T) {
	mk := func(kind, name string, spec map[string]any) composed.Unstructured {
		u := composed.New()
		u.SetUnstructuredContent(map[string]any{"apiVersion": "x.aws.m.upbound.io/v1beta1", "kind": kind, "metadata": map[string]any{"name": name, "namespace": "ns"}, "spec": spec})
		return *u
	}
	role := mk("Role", "r", map[string]any{})
	group := mk("Group", "g", map[string]any{})
	index := map[string]composed.Unstructured{"r": role, "g": group}
	cases := map[string]struct {
		spec map[string]any
		want string
	}{
		"missing target":  {spec: map[string]any{"forProvider": map[string]any{"roleRef": map[string]any{"name": "nope"}}}, want: "does not compose"},
		"wrong kind":      {spec: map[string]any{"forProvider": map[string]any{"roleRef": map[string]any{"name": "g"}}}, want: "want a Role"},
		"other namespace": {spec: map[string]any{"forProvider": map[string]any{"roleRef": map[string]any{"name": "r", "namespace": "other"}}}, want: "namespace"},
		"selector":        {spec: map[string]any{"forProvider": map[string]any{"roleSelector": map[string]any{"matchLabels": map[string]any{}}}}, want: "selectors"},
		"unknown field":   {spec: map[string]any{"forProvider": map[string]any{"gizmoRef": map[string]any{"name": "r"}}}, want: "not in refKinds"},
		"fine":            {spec: map[string]any{"forProvider": map[string]any{"roleRef": map[string]any{"name": "r"}}}},
	}
	for name, tc := range cases {
		got := strings.Join(checkRefs(mk("Function", "f", tc.spec), index), "; ")
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %q, want %q", name, got, tc.want)
		}
	}
}
