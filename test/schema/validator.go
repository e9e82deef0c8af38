package schema

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/common"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/yaml"
)

// Error is a failed validation: every problem found, each with its field path.
type Error struct {
	GVK       schema.GroupVersionKind
	Namespace string
	Name      string
	Errs      field.ErrorList
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, fe := range e.Errs {
		msgs[i] = fe.Error()
	}
	id := e.Name
	if e.Namespace != "" {
		id = e.Namespace + "/" + e.Name
	}
	return fmt.Sprintf("%s %s %q is invalid: %s", e.GVK.GroupVersion(), e.GVK.Kind, id, strings.Join(msgs, "; "))
}

// Paths returns the field path of every error, e.g. "spec.forProvider.region".
func (e *Error) Paths() []string {
	out := make([]string, len(e.Errs))
	for i, fe := range e.Errs {
		out[i] = fe.Field
	}
	return out
}

// Option tunes a validation.
type Option func(*options)

type options struct {
	composed bool
	old      map[string]any // non-nil: validate an update of old to obj
}

// Composed treats obj as a composed resource emitted by a composition
// function: Crossplane, not the function, sets metadata.name (from
// generateName) and, for namespaced kinds, metadata.namespace (the XR's). A
// missing name is generated from metadata.generateName (or "composed-"), a
// missing namespace of a namespaced kind becomes "default". Everything else is
// validated unchanged.
func Composed() Option { return func(o *options) { o.composed = true } }

// Update validates obj as an update of old (the stored object), the way the
// apiserver validates an update: ObjectMeta update rules, OpenAPI and CEL
// validation with ratcheting (a value unchanged from old is not re-judged;
// CRDValidationRatcheting is GA and always on), list-type checks only when
// old passed them, and CEL transition rules (oldSelf) evaluated against old.
// old is not modified; it is pruned and defaulted like a stored object.
func Update(old map[string]any) Option {
	return func(o *options) { o.old = old }
}

// Validator validates objects against CRDs read lazily from a directory of
// <group>_<plural>.yaml files. It is safe for concurrent use; compiled schemas
// are cached per group/version/kind.
type Validator struct {
	dir *crdDir

	mu    sync.Mutex
	cache map[cacheKey]*cacheEntry
}

type cacheKey struct {
	source string // "" for the CRD directory, "xrd:<sha256>" for an XRD
	gvk    schema.GroupVersionKind
}

type cacheEntry struct {
	once sync.Once
	c    *compiled
	err  error
}

// NewValidator returns a Validator reading CRDs from dir.
func NewValidator(dir string) *Validator {
	return newValidator(func() (string, error) { return dir, nil })
}

func newValidator(root func() (string, error)) *Validator {
	return &Validator{dir: &crdDir{root: root}, cache: map[cacheKey]*cacheEntry{}}
}

var providerAWS = sync.OnceValue(func() *Validator {
	return newValidator(func() (string, error) {
		d, err := ProviderAWSDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "package", "crds"), nil
	})
})

// ProviderAWS returns the process-wide Validator for provider-aws v2.5.0's
// CRDs (namespaced *.aws.m.upbound.io and legacy cluster-scoped
// *.aws.upbound.io kinds).
func ProviderAWS() *Validator { return providerAWS() }

// Validate validates obj against provider-aws v2.5.0's CRD for its
// apiVersion/kind. Callers holding an *unstructured.Unstructured pass u.Object.
// It returns nil, an *Error listing every field problem, or another error (an
// unknown apiVersion/kind wraps ErrUnknownKind). obj is not modified.
func Validate(obj map[string]any, opts ...Option) error {
	return ProviderAWS().Validate(obj, opts...)
}

// Validate validates obj against the CRD of its apiVersion/kind.
func (v *Validator) Validate(obj map[string]any, opts ...Option) error {
	u, gvk, err := normalize(obj)
	if err != nil {
		return err
	}
	c, err := v.compiled(cacheKey{gvk: gvk}, func() (*compiled, error) {
		path, err := v.dir.file(gvk.Group, gvk.Kind)
		if err != nil {
			return nil, err
		}
		crd, err := readCRD(path)
		if err != nil {
			return nil, err
		}
		if crd.Spec.Group != gvk.Group || crd.Spec.Names.Kind != gvk.Kind {
			return nil, fmt.Errorf("%s defines %s %s, not %s", path, crd.Spec.Group, crd.Spec.Names.Kind, gvk.GroupKind())
		}
		return compile(crd, gvk.Version)
	})
	if err != nil {
		return err
	}
	return c.validate(u, opts)
}

func (v *Validator) compiled(k cacheKey, build func() (*compiled, error)) (*compiled, error) {
	v.mu.Lock()
	e, ok := v.cache[k]
	if !ok {
		e = &cacheEntry{}
		v.cache[k] = e
	}
	v.mu.Unlock()
	e.once.Do(func() { e.c, e.err = build() })
	return e.c, e.err
}

func readCRD(path string) (*extv1.CustomResourceDefinition, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	crd := &extv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal(b, crd); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return crd, nil
}

// normalize deep-copies obj through JSON, as the apiserver sees it (Go ints,
// []string, typed maps, … become int64/float64, []any, map[string]any).
func normalize(obj map[string]any) (map[string]any, schema.GroupVersionKind, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, schema.GroupVersionKind{}, fmt.Errorf("object is not JSON-serialisable: %w", err)
	}
	u := map[string]any{}
	if err := utiljson.Unmarshal(b, &u); err != nil {
		return nil, schema.GroupVersionKind{}, err
	}
	apiVersion, _ := u["apiVersion"].(string)
	kind, _ := u["kind"].(string)
	if apiVersion == "" || kind == "" {
		return nil, schema.GroupVersionKind{}, fmt.Errorf("%w: object needs string apiVersion and kind (got %q, %q)", ErrUnknownKind, apiVersion, kind)
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, schema.GroupVersionKind{}, fmt.Errorf("%w: %w", ErrUnknownKind, err)
	}
	return u, gv.WithKind(kind), nil
}

// compiled holds everything needed to validate one GVK.
type compiled struct {
	gvk        schema.GroupVersionKind
	namespaced bool
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
	cel        *cel.Validator // nil when the schema has no x-kubernetes-validations
}

// compile builds the validators for one served version of a CRD exactly as
// the apiextensions-apiserver does for a served CRD.
func compile(crd *extv1.CustomResourceDefinition, version string) (*compiled, error) {
	crd = crd.DeepCopy()
	extv1.SetObjectDefaults_CustomResourceDefinition(crd)
	in := &apiextensions.CustomResourceDefinition{}
	if err := extv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(crd, in, nil); err != nil {
		return nil, fmt.Errorf("converting CRD %s: %w", crd.Name, err)
	}
	var served []string
	found := false
	for _, ver := range in.Spec.Versions {
		if ver.Served {
			served = append(served, ver.Name)
			found = found || ver.Name == version
		}
	}
	gvk := schema.GroupVersionKind{Group: in.Spec.Group, Version: version, Kind: in.Spec.Names.Kind}
	if !found {
		sort.Strings(served)
		return nil, fmt.Errorf("%w: %s is not served by CRD %s (served: %s)", ErrUnknownKind, gvk, crd.Name, strings.Join(served, ", "))
	}
	val, err := apiextensions.GetSchemaForVersion(in, version)
	if err != nil {
		return nil, err
	}
	if val == nil || val.OpenAPIV3Schema == nil {
		return nil, fmt.Errorf("CRD %s version %s has no openAPIV3Schema", crd.Name, version)
	}
	ss, err := structuralschema.NewStructural(val.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("CRD %s version %s: %w", crd.Name, version, err)
	}
	if errs := structuralschema.ValidateStructural(nil, ss); len(errs) > 0 {
		return nil, fmt.Errorf("CRD %s version %s: schema is not structural: %w", crd.Name, version, errs.ToAggregate())
	}
	sv, _, err := apiservervalidation.NewSchemaValidator(val.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("CRD %s version %s: %w", crd.Name, version, err)
	}
	return &compiled{
		gvk:        gvk,
		namespaced: in.Spec.Scope == apiextensions.NamespaceScoped,
		structural: ss,
		validator:  sv,
		// CEL programs are compiled here, once (apiserver: NewValidator in the CR strategy).
		cel: cel.NewValidator(ss, true, celconfig.PerCallLimit),
	}, nil
}

// unknownFieldDetail mirrors the apiserver: it prunes such fields (and warns),
// and rejects them with fieldValidation=Strict.
const unknownFieldDetail = "unknown field: not in the schema (the API server would prune it, or reject it with fieldValidation=Strict)"

// validate runs the apiserver's create path on u (already a private copy):
// decode-time metadata decoding, pruning, null pruning, embedded metadata
// coercion, defaulting, then customResourceStrategy.Validate.
func (c *compiled) validate(u map[string]any, opts []Option) error {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	obj := &unstructured.Unstructured{Object: u}
	if o.composed {
		if obj.GetName() == "" {
			prefix := obj.GetGenerateName()
			if prefix == "" {
				prefix = "composed-"
			}
			obj.SetName(names.SimpleNameGenerator.GenerateName(prefix))
		}
		if c.namespaced && obj.GetNamespace() == "" {
			obj.SetNamespace("default")
		}
	}
	fail := func(errs field.ErrorList) error {
		if len(errs) == 0 {
			return nil
		}
		return &Error{GVK: c.gvk, Namespace: obj.GetNamespace(), Name: obj.GetName(), Errs: errs}
	}

	var errs field.ErrorList
	if obj.GetKind() != c.gvk.Kind {
		errs = append(errs, field.Invalid(field.NewPath("kind"), obj.GetKind(), "must be "+c.gvk.Kind))
	}
	if obj.GetAPIVersion() != c.gvk.GroupVersion().String() {
		errs = append(errs, field.Invalid(field.NewPath("apiVersion"), obj.GetAPIVersion(), "must be "+c.gvk.GroupVersion().String()))
	}

	// Decoding (customresource_handler.go unstructuredSchemaCoercer.apply).
	meta, foundMeta, unknown, err := schemaobjectmeta.GetObjectMetaWithOptions(u, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return fail(append(errs, field.Invalid(field.NewPath("metadata"), nil, err.Error())))
	}
	unknown = append(unknown, structuralpruning.PruneWithOptions(u, c.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(u, c.structural)
	ferr, paths := schemaobjectmeta.CoerceWithOptions(nil, u, c.structural, false, schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
	if ferr != nil {
		errs = append(errs, ferr)
	}
	unknown = append(unknown, paths...)
	if foundMeta {
		if err := schemaobjectmeta.SetObjectMeta(u, meta); err != nil {
			return fail(append(errs, field.Invalid(field.NewPath("metadata"), nil, err.Error())))
		}
	}
	for _, p := range unknown {
		errs = append(errs, field.Forbidden(field.NewPath(p), unknownFieldDetail))
	}
	structuraldefaulting.Default(u, c.structural)

	if o.old != nil {
		old, err := c.stored(o.old)
		if err != nil {
			return fail(append(errs, field.Invalid(field.NewPath("metadata"), nil, "old object: "+err.Error())))
		}
		return fail(c.validateUpdate(errs, obj, old))
	}

	// Validation (registry/customresource: validator.Validate + strategy.Validate).
	errs = append(errs, apivalidation.ValidateObjectMetaAccessor(obj, c.namespaced, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, u, c.validator)...)
	errs = append(errs, schemaobjectmeta.Validate(nil, u, c.structural, false)...)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, c.structural, u)...)
	if c.cel != nil {
		if blocked, e := hasBlockingErr(errs); blocked {
			errs = append(errs, e)
		} else {
			celErrs, _ := c.cel.Validate(context.Background(), nil, c.structural, u, nil, celconfig.RuntimeCELCostBudget)
			errs = append(errs, celErrs...)
		}
	}
	return fail(errs)
}

// stored turns old into the object the apiserver would have stored: a JSON
// copy, pruned and defaulted (unknown fields are dropped silently).
func (c *compiled) stored(old map[string]any) (*unstructured.Unstructured, error) {
	b, err := json.Marshal(old)
	if err != nil {
		return nil, fmt.Errorf("not JSON-serialisable: %w", err)
	}
	u := map[string]any{}
	if err := utiljson.Unmarshal(b, &u); err != nil {
		return nil, err
	}
	meta, foundMeta, err := schemaobjectmeta.GetObjectMeta(u, true)
	if err != nil {
		return nil, err
	}
	structuralpruning.Prune(u, c.structural, true)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(u, c.structural)
	if err := schemaobjectmeta.Coerce(nil, u, c.structural, false, true); err != nil {
		return nil, err
	}
	if foundMeta {
		if err := schemaobjectmeta.SetObjectMeta(u, meta); err != nil {
			return nil, err
		}
	}
	structuraldefaulting.Default(u, c.structural)
	return &unstructured.Unstructured{Object: u}, nil
}

// validateUpdate is the apiserver's update path (registry/customresource:
// validator.ValidateUpdate + strategy.ValidateUpdate) with ratcheting on.
func (c *compiled) validateUpdate(errs field.ErrorList, obj, old *unstructured.Unstructured) field.ErrorList {
	// As for a patch, the object being updated carries the stored resourceVersion.
	if old.GetResourceVersion() == "" {
		old.SetResourceVersion("1")
	}
	if obj.GetResourceVersion() == "" {
		obj.SetResourceVersion(old.GetResourceVersion())
	}
	correlated := common.NewCorrelatedObject(obj.Object, old.Object, &model.Structural{Structural: c.structural})
	errs = append(errs, apivalidation.ValidateObjectMetaAccessorUpdate(obj, old, field.NewPath("metadata"))...)
	errs = append(errs, apivalidation.ValidateObjectMetaAccessor(obj, c.namespaced, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	errs = append(errs, apiservervalidation.ValidateCustomResourceUpdate(nil, obj.Object, old.Object, c.validator, apiservervalidation.WithRatcheting(correlated))...)
	errs = append(errs, schemaobjectmeta.Validate(nil, obj.Object, c.structural, false)...)
	if oldErrs := listtype.ValidateListSetsAndMaps(nil, c.structural, old.Object); len(oldErrs) == 0 {
		errs = append(errs, listtype.ValidateListSetsAndMaps(nil, c.structural, obj.Object)...)
	}
	if c.cel != nil {
		if blocked, e := hasBlockingErr(errs); blocked {
			errs = append(errs, e)
		} else {
			celErrs, _ := c.cel.Validate(context.Background(), nil, c.structural, obj.Object, old.Object, celconfig.RuntimeCELCostBudget, cel.WithRatcheting(correlated))
			errs = append(errs, celErrs...)
		}
	}
	return errs
}

// hasBlockingErr is the apiserver's rule: CEL rules are not evaluated on an
// object that already has type/required/enum/size errors.
func hasBlockingErr(errs field.ErrorList) (bool, *field.Error) {
	for _, err := range errs {
		switch err.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true, field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")
		}
	}
	return false, nil
}

// CRDName is the name of the CRD that serves group/kind, <plural>.<group>, as a
// ManagedResourceActivationPolicy names it (from the CRD file <group>_<plural>.yaml).
func (v *Validator) CRDName(group, kind string) (string, error) {
	f, err := v.dir.file(group, kind)
	if err != nil {
		return "", err
	}
	plural := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), group+"_"), ".yaml")
	return plural + "." + group, nil
}
