package schema

import (
	"encoding/json"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"
)

func deepCopyJSON(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func equalJSON(t *testing.T, a, b map[string]any) bool {
	t.Helper()
	return reflect.DeepEqual(deepCopyJSON(t, a), deepCopyJSON(t, b))
}

// testXRD is a small v2 XRD written for these tests (not the project's API).
const testXRD = `
apiVersion: apiextensions.crossplane.io/v2
kind: CompositeResourceDefinition
metadata:
  name: xwidgets.test.lambdastack.example.org
spec:
  group: test.lambdastack.example.org
  names:
    kind: XWidget
    plural: xwidgets
  versions:
  - name: v1alpha1
    served: true
    referenceable: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [image]
            x-kubernetes-validations:
            - rule: "self.memory % 64 == 0"
              message: memory must be a multiple of 64
            properties:
              image:
                type: string
                minLength: 1
              memory:
                type: integer
                minimum: 128
                maximum: 10240
                default: 128
              tier:
                type: string
                enum: [small, large]
              env:
                type: object
                additionalProperties:
                  type: string
          status:
            type: object
            properties:
              url:
                type: string
`

func xrdFromYAML(t *testing.T, s string) map[string]any {
	t.Helper()
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func widget() map[string]any {
	return map[string]any{
		"apiVersion": "test.lambdastack.example.org/v1alpha1",
		"kind":       "XWidget",
		"metadata":   map[string]any{"name": "w1", "namespace": "team-a"},
		"spec": map[string]any{
			"image":  "registry.example.org/w:1",
			"memory": 256,
			"env":    map[string]string{"A": "b"},
		},
	}
}

func TestValidateAgainstXRD(t *testing.T) {
	xrd := xrdFromYAML(t, testXRD)
	if err := CheckXRD(xrd); err != nil {
		t.Fatalf("CheckXRD: %v", err)
	}
	cases := map[string]struct {
		obj  map[string]any
		want *wantErr
	}{
		"Valid": {obj: widget()},
		"ValidDefaultedMemory": {
			obj: set(widget(), "spec.memory", nil),
		},
		"CrossplaneSpecFieldsAllowed": {
			obj: set(set(widget(), "spec.crossplane.compositionRef.name", "widgets"), "spec.crossplane.compositionUpdatePolicy", "Manual"),
		},
		"CrossplaneFieldWrongEnum": {
			obj:  set(widget(), "spec.crossplane.compositionUpdatePolicy", "Sometimes"),
			want: &wantErr{paths: []string{"spec.crossplane.compositionUpdatePolicy"}},
		},
		"UnknownField": {
			obj:  set(widget(), "spec.imagee", "x"),
			want: &wantErr{paths: []string{"spec.imagee"}, contains: []string{"unknown field"}},
		},
		"UnknownStatusField": {
			obj:  set(widget(), "status.endpoint", "x"),
			want: &wantErr{paths: []string{"status.endpoint"}},
		},
		"MissingRequired": {
			obj:  set(widget(), "spec.image", nil),
			want: &wantErr{paths: []string{"spec.image"}, contains: []string{"Required value"}},
		},
		"WrongType": {
			obj:  set(widget(), "spec.memory", "256"),
			want: &wantErr{paths: []string{"spec.memory"}},
		},
		"BelowMinimum": {
			obj:  set(widget(), "spec.memory", 64),
			want: &wantErr{paths: []string{"spec.memory"}},
		},
		"BadEnum": {
			obj:  set(widget(), "spec.tier", "medium"),
			want: &wantErr{paths: []string{"spec.tier"}},
		},
		"CELRule": {
			obj:  set(widget(), "spec.memory", 200),
			want: &wantErr{paths: []string{"spec"}, contains: []string{"memory must be a multiple of 64"}},
		},
		"NamespacedByDefaultInV2": {
			obj:  set(widget(), "metadata.namespace", nil),
			want: &wantErr{paths: []string{"metadata.namespace"}},
		},
		"WrongKind": {
			obj:  set(widget(), "kind", "XGadget"),
			want: &wantErr{unknownKind: true},
		},
		"WrongVersion": {
			obj:  set(widget(), "apiVersion", "test.lambdastack.example.org/v1"),
			want: &wantErr{unknownKind: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			check(t, ValidateAgainstXRD(xrd, tc.obj), tc.want)
		})
	}
}

func TestCheckXRD(t *testing.T) {
	cases := map[string]struct {
		mutate func(map[string]any)
		want   *wantErr
	}{
		"NameMustBePluralDotGroup": {
			mutate: func(x map[string]any) { set(x, "metadata.name", "widgets.example.org") },
			want:   &wantErr{paths: []string{"metadata.name"}},
		},
		"UnknownXRDField": {
			mutate: func(x map[string]any) { set(x, "spec.claimNamez", map[string]any{}) },
			want:   &wantErr{contains: []string{"claimNamez"}},
		},
		"NonStructuralSchema": {
			mutate: func(x map[string]any) {
				v := x["spec"].(map[string]any)["versions"].([]any)[0].(map[string]any)
				set(v, "schema.openAPIV3Schema.properties.spec.properties.image.type", nil)
			},
			want: &wantErr{contains: []string{"type: Required value"}},
		},
		"BadCELRule": {
			mutate: func(x map[string]any) {
				v := x["spec"].(map[string]any)["versions"].([]any)[0].(map[string]any)
				set(v, "schema.openAPIV3Schema.properties.spec.x-kubernetes-validations",
					[]any{map[string]any{"rule": "self.nope > 1"}})
			},
			want: &wantErr{contains: []string{"compil"}},
		},
		"LegacyV1IsClusterScoped": {
			mutate: func(x map[string]any) { x["apiVersion"] = "apiextensions.crossplane.io/v1" },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xrd := xrdFromYAML(t, testXRD)
			tc.mutate(xrd)
			check(t, CheckXRD(xrd), tc.want)
		})
	}

	// A v1 XRD defaults to LegacyCluster: its XRs are cluster-scoped.
	v1 := xrdFromYAML(t, testXRD)
	v1["apiVersion"] = "apiextensions.crossplane.io/v1"
	crd, err := XRDToCRD(v1)
	if err != nil {
		t.Fatal(err)
	}
	if crd.Spec.Scope != "Cluster" {
		t.Errorf("v1 XRD scope = %s, want Cluster", crd.Spec.Scope)
	}
	check(t, ValidateAgainstXRD(v1, widget()), &wantErr{paths: []string{"metadata.namespace"}})
	check(t, ValidateAgainstXRD(v1, set(widget(), "metadata.namespace", nil)), nil)
}
