package schema

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/xcrd"
	xpv1 "github.com/crossplane/crossplane/apis/v2/apiextensions/v1"
	xpv2 "github.com/crossplane/crossplane/apis/v2/apiextensions/v2"
	xpcore "github.com/crossplane/crossplane/apis/v2/core/v2"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"

	"github.com/spec3/lambdastack/examples"
)

// XRD API group and kind.
const (
	XRDGroup = "apiextensions.crossplane.io"
	XRDKind  = "CompositeResourceDefinition"
)

// ReadXRD reads a CompositeResourceDefinition from a YAML (or JSON) file.
func ReadXRD(path string) (map[string]any, error) { return examples.ReadYAML(path) }

// XRDToCRD derives the CustomResourceDefinition that Crossplane creates for
// the composite resource of an XRD (apiextensions.crossplane.io/v1 or v2),
// with Crossplane's own xcrd.ForCompositeResource: the XRD's spec/status
// schema is wrapped in apiVersion/kind/metadata/spec/status and Crossplane's
// fields (spec.crossplane.*, status.conditions, …) are added. API-server
// defaults of the XRD (scope, defaultCompositionUpdatePolicy) are applied
// first. Unknown fields in the XRD itself are an error.
func XRDToCRD(xrd map[string]any) (*extv1.CustomResourceDefinition, error) {
	x, err := decodeXRD(xrd)
	if err != nil {
		return nil, err
	}
	crd, err := xcrd.ForCompositeResource(x)
	if err != nil {
		return nil, err
	}
	crd.APIVersion = extv1.SchemeGroupVersion.String()
	crd.Kind = "CustomResourceDefinition"
	return crd, nil
}

// XRDToClaimCRD derives the CRD Crossplane creates for the claim of a legacy
// XRD (one with spec.claimNames), with Crossplane's own
// xcrd.ForCompositeResourceClaim: the XRD's schema plus the claim's fields
// (spec.compositeDeletePolicy, spec.resourceRef, …). The claim is namespaced.
func XRDToClaimCRD(xrd map[string]any) (*extv1.CustomResourceDefinition, error) {
	x, err := decodeXRD(xrd)
	if err != nil {
		return nil, err
	}
	if x.Spec.ClaimNames == nil {
		return nil, fmt.Errorf("%w: XRD %s offers no claim (spec.claimNames is unset)", ErrUnknownKind, x.GetName())
	}
	crd, err := xcrd.ForCompositeResourceClaim(x)
	if err != nil {
		return nil, err
	}
	crd.APIVersion = extv1.SchemeGroupVersion.String()
	crd.Kind = "CustomResourceDefinition"
	return crd, nil
}

// decodeXRD strictly decodes an XRD of a served version into the v1 type
// xcrd works on, with the API server's defaults applied.
func decodeXRD(xrd map[string]any) (*xpv1.CompositeResourceDefinition, error) {
	b, err := json.Marshal(xrd)
	if err != nil {
		return nil, fmt.Errorf("XRD is not JSON-serialisable: %w", err)
	}
	apiVersion, _ := xrd["apiVersion"].(string)
	kind, _ := xrd["kind"].(string)
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil || gv.Group != XRDGroup || kind != XRDKind {
		return nil, fmt.Errorf("not a %s.%s: apiVersion %q kind %q", XRDKind, XRDGroup, apiVersion, kind)
	}

	// Strict decode into the served version's Go type, for unknown fields.
	var typed any
	defaultScope := xpv1.CompositeResourceScopeLegacyCluster
	switch gv.Version {
	case "v1":
		typed = &xpv1.CompositeResourceDefinition{}
	case "v2":
		typed = &xpv2.CompositeResourceDefinition{}
		defaultScope = xpv1.CompositeResourceScopeNamespaced
	default:
		return nil, fmt.Errorf("unsupported XRD version %q", apiVersion)
	}
	strict, err := kjson.UnmarshalStrict(b, typed)
	if err != nil {
		return nil, fmt.Errorf("decoding XRD: %w", err)
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = e.Error()
		}
		return nil, fmt.Errorf("XRD has unknown or duplicate fields: %s", strings.Join(msgs, "; "))
	}

	// xcrd works on the v1 type; v2's JSON is a subset of it.
	x := &xpv1.CompositeResourceDefinition{}
	if err := json.Unmarshal(b, x); err != nil {
		return nil, fmt.Errorf("decoding XRD: %w", err)
	}
	if x.Spec.Scope == nil {
		x.Spec.Scope = &defaultScope
	}
	if x.Spec.DefaultCompositionUpdatePolicy == nil {
		p := xpcore.UpdateAutomatic
		x.Spec.DefaultCompositionUpdatePolicy = &p
	}
	return x, nil
}

// CheckXRD derives the XRD's CRD (XRDToCRD) and runs the API server's CRD
// validation on it (apiextensions validation.ValidateCustomResourceDefinition:
// structural schema, CEL rules compile and fit the cost budget, defaults are
// pruned and valid, name is <plural>.<group>, …), i.e. whether Crossplane could
// create the CRD at all.
func CheckXRD(xrd map[string]any) error {
	crd, err := XRDToCRD(xrd)
	if err != nil {
		return err
	}
	return checkCRD(crd)
}

func checkCRD(crd *extv1.CustomResourceDefinition) error {
	crd = crd.DeepCopy()
	// The owner reference to the XRD carries the XRD's UID, which only exists
	// in a cluster.
	crd.OwnerReferences = nil
	extv1.SetObjectDefaults_CustomResourceDefinition(crd)
	// The CRD strategy's PrepareForCreate records the storage version.
	crd.Status = extv1.CustomResourceDefinitionStatus{}
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			crd.Status.StoredVersions = append(crd.Status.StoredVersions, v.Name)
		}
	}
	in := &apiextensions.CustomResourceDefinition{}
	if err := extv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(crd, in, nil); err != nil {
		return err
	}
	if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), in); len(errs) > 0 {
		return &Error{
			GVK:  extv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"),
			Name: crd.Name,
			Errs: errs,
		}
	}
	return nil
}

// xrdValidator holds compiled XR schemas, keyed by the XRD's content hash.
var xrdValidator = &Validator{cache: map[cacheKey]*cacheEntry{}}

// ValidateAgainstXRD validates obj, a composite resource (XR) or — when its
// kind is the XRD's spec.claimNames.kind — a claim, against the CRD Crossplane
// derives from xrd (XRDToCRD, XRDToClaimCRD), with the same machinery as
// Validate (unknown fields, OpenAPI schema, CEL rules of the XRD, metadata).
// With the Update option, transition rules (oldSelf) run against the old
// object. The XRD must pass CheckXRD. Compiled validators are cached per XRD
// content and GVK.
func ValidateAgainstXRD(xrd, obj map[string]any, opts ...Option) error {
	u, gvk, err := normalize(obj)
	if err != nil {
		return err
	}
	b, err := json.Marshal(xrd)
	if err != nil {
		return fmt.Errorf("XRD is not JSON-serialisable: %w", err)
	}
	sum := sha256.Sum256(b)
	key := cacheKey{source: "xrd:" + hex.EncodeToString(sum[:]), gvk: gvk}
	c, err := xrdValidator.compiled(key, func() (*compiled, error) {
		crd, err := XRDToCRD(xrd)
		if err != nil {
			return nil, err
		}
		spec, _ := xrd["spec"].(map[string]any)
		if names, ok := spec["claimNames"].(map[string]any); ok && names["kind"] == gvk.Kind && crd.Spec.Group == gvk.Group {
			if crd, err = XRDToClaimCRD(xrd); err != nil {
				return nil, err
			}
		}
		if crd.Spec.Group != gvk.Group || crd.Spec.Names.Kind != gvk.Kind {
			return nil, fmt.Errorf("%w: XRD %s defines %s.%s, not %s", ErrUnknownKind, crd.Name, crd.Spec.Names.Kind, crd.Spec.Group, gvk.GroupKind())
		}
		if err := checkCRD(crd); err != nil {
			return nil, fmt.Errorf("XRD %s would be rejected: %w", crd.Name, err)
		}
		return compile(crd, gvk.Version)
	})
	if err != nil {
		return err
	}
	return c.validate(u, opts)
}
