package schema

import (
	"testing"
)

// legacyTestXRD is a small v1 XRD with a claim and a transition rule, written
// for these tests (not the project's API).
const legacyTestXRD = `
apiVersion: apiextensions.crossplane.io/v1
kind: CompositeResourceDefinition
metadata:
  name: xgadgets.test.lambdastack.example.org
spec:
  group: test.lambdastack.example.org
  names:
    kind: XGadget
    plural: xgadgets
  claimNames:
    kind: Gadget
    plural: gadgets
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
            required: [size]
            properties:
              size:
                type: string
                x-kubernetes-validations:
                - rule: "self == oldSelf"
                  message: size is immutable
              color:
                type: string
                maxLength: 8
`

func gadget(kind string) map[string]any {
	meta := map[string]any{"name": "g1"}
	if kind == "Gadget" {
		meta["namespace"] = "team-a"
	}
	return map[string]any{
		"apiVersion": "test.lambdastack.example.org/v1alpha1",
		"kind":       kind,
		"metadata":   meta,
		"spec":       map[string]any{"size": "s", "color": "red"},
	}
}

func TestValidateClaimAgainstXRD(t *testing.T) {
	xrd := xrdFromYAML(t, legacyTestXRD)
	check(t, ValidateAgainstXRD(xrd, gadget("XGadget")), nil)
	check(t, ValidateAgainstXRD(xrd, gadget("Gadget")), nil)
	// The claim CRD is namespaced and has the claim's own Crossplane fields.
	check(t, ValidateAgainstXRD(xrd, set(gadget("Gadget"), "metadata.namespace", nil)), &wantErr{paths: []string{"metadata.namespace"}})
	check(t, ValidateAgainstXRD(xrd, set(gadget("Gadget"), "spec.compositeDeletePolicy", "Foreground")), nil)
	check(t, ValidateAgainstXRD(xrd, set(gadget("Gadget"), "spec.compositeDeletePolicy", "Never")), &wantErr{paths: []string{"spec.compositeDeletePolicy"}})
	check(t, ValidateAgainstXRD(xrd, set(gadget("Gadget"), "spec.colour", "red")), &wantErr{paths: []string{"spec.colour"}})
	// The XR has no compositeDeletePolicy: that is a claim field.
	check(t, ValidateAgainstXRD(xrd, set(gadget("XGadget"), "spec.compositeDeletePolicy", "Foreground")), &wantErr{paths: []string{"spec.compositeDeletePolicy"}})

	crd, err := XRDToClaimCRD(xrd)
	if err != nil {
		t.Fatal(err)
	}
	if crd.Name != "gadgets.test.lambdastack.example.org" || crd.Spec.Scope != "Namespaced" {
		t.Errorf("claim CRD %s scope %s", crd.Name, crd.Spec.Scope)
	}
	if _, err := XRDToClaimCRD(xrdFromYAML(t, testXRD)); err == nil {
		t.Error("an XRD without claimNames has a claim CRD")
	}
}

func TestValidateUpdate(t *testing.T) {
	xrd := xrdFromYAML(t, legacyTestXRD)
	for _, kind := range []string{"XGadget", "Gadget"} {
		t.Run(kind, func(t *testing.T) {
			old := gadget(kind)
			// Unchanged and allowed changes pass.
			check(t, ValidateAgainstXRD(xrd, gadget(kind), Update(old)), nil)
			check(t, ValidateAgainstXRD(xrd, set(gadget(kind), "spec.color", "blue"), Update(old)), nil)
			// The transition rule runs against the old object, and only on update.
			changed := set(gadget(kind), "spec.size", "l")
			check(t, ValidateAgainstXRD(xrd, changed), nil)
			check(t, ValidateAgainstXRD(xrd, changed, Update(old)), &wantErr{paths: []string{"spec.size"}, contains: []string{"size is immutable"}})
			// Ratcheting: a stored value that is invalid today may stay; a new invalid one may not.
			oldBad := set(gadget(kind), "spec.color", "ultraviolet")
			check(t, ValidateAgainstXRD(xrd, set(gadget(kind), "spec.color", "ultraviolet"), Update(oldBad)), nil)
			check(t, ValidateAgainstXRD(xrd, set(gadget(kind), "spec.color", "infrared1"), Update(oldBad)), &wantErr{paths: []string{"spec.color"}})
			// Metadata update rules: the name cannot change.
			check(t, ValidateAgainstXRD(xrd, set(gadget(kind), "metadata.name", "g2"), Update(old)), &wantErr{paths: []string{"metadata.name"}})
		})
	}
}

func TestCrossplaneCRDs(t *testing.T) {
	usage := func(kind string) map[string]any {
		meta := map[string]any{"name": "u"}
		if kind == "Usage" {
			meta["namespace"] = "team-a"
		}
		return map[string]any{
			"apiVersion": "protection.crossplane.io/v1beta1",
			"kind":       kind,
			"metadata":   meta,
			"spec": map[string]any{
				"of":             map[string]any{"apiVersion": "iam.aws.m.upbound.io/v1beta1", "kind": "Role", "resourceRef": map[string]any{"name": "r"}},
				"by":             map[string]any{"apiVersion": "lambda.aws.m.upbound.io/v1beta1", "kind": "Function", "resourceRef": map[string]any{"name": "f"}},
				"reason":         "x",
				"replayDeletion": true,
			},
		}
	}
	check(t, Crossplane().Validate(usage("Usage")), nil)
	check(t, Crossplane().Validate(usage("ClusterUsage")), nil)
	check(t, ValidateComposed(set(usage("Usage"), "metadata.namespace", nil)), nil)
	check(t, Crossplane().Validate(set(usage("Usage"), "spec.of.resourceRef.nmae", "r")), &wantErr{paths: []string{"spec.of.resourceRef.nmae"}})
	check(t, Crossplane().Validate(set(usage("ClusterUsage"), "metadata.namespace", "team-a")), &wantErr{paths: []string{"metadata.namespace"}})
	// Usage's own CEL rule: either a reason or a "by" resource.
	check(t, Crossplane().Validate(set(set(usage("Usage"), "spec.reason", nil), "spec.by", nil)), &wantErr{contains: []string{"either"}})
	check(t, ValidateComposed(fn()), nil)
	check(t, Crossplane().Validate(fn()), &wantErr{unknownKind: true})
}
