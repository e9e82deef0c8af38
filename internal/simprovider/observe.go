package simprovider

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/json"
)

// Time is the made-up time of everything Observe writes.
const Time = "2024-01-01T00:00:00Z"

// AnnotationCompositionResourceName is the annotation in which Crossplane records a composed
// resource's key in the pipeline.
const AnnotationCompositionResourceName = "crossplane.io/composition-resource-name"

// Observe plays the provider offline for the desired composed resources of one stack, keyed by
// their name in the pipeline: each comes back as the API server returns it once the provider has
// created it in AWS (metadata the API server and Crossplane add, the external name, references
// resolved in spec.forProvider, status.atProvider and Ready and Synced conditions). References
// resolve among the given resources by name; one that cannot be resolved leaves its resource not
// Ready, with the reason in its Synced condition. Resources that are not provider-aws managed
// resources (Usages) come back as stored, without a status. xr, when not nil, is the composite
// resource that owns them. The input is not modified; the same input gives the same output.
func Observe(xr map[string]any, desired map[string]map[string]any) map[string]map[string]any {
	keys := make([]string, 0, len(desired))
	for k := range desired {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	objs := make(map[string]*unstructured.Unstructured, len(keys))
	for i, k := range keys {
		u := &unstructured.Unstructured{Object: deepCopy(desired[k])}
		stored(u, k, i, xr)
		objs[k] = u
	}

	lookup := func(target schema.GroupKind, mode string, v any) ([]*unstructured.Unstructured, error) {
		var names []string
		switch mode {
		case ModeRef:
			ref, _ := v.(map[string]any)
			name, _ := ref["name"].(string)
			names = []string{name}
		case ModeRefs:
			refs, _ := v.([]any)
			for _, e := range refs {
				ref, _ := e.(map[string]any)
				name, _ := ref["name"].(string)
				names = append(names, name)
			}
		default:
			return nil, fmt.Errorf("selectors are not simulated offline")
		}
		out := make([]*unstructured.Unstructured, 0, len(names))
		for _, name := range names {
			t := find(objs, keys, target, name)
			if t == nil {
				return nil, fmt.Errorf("%s %q not found", target.Kind, name)
			}
			out = append(out, t)
		}
		return out, nil
	}

	// Like the provider, resolve and create what can be; a resource whose references name one
	// not created yet waits for the next round.
	done := map[string]bool{}
	for progress := true; progress; {
		progress = false
		for _, k := range keys {
			u := objs[k]
			gk := u.GroupVersionKind().GroupKind()
			if done[k] || !IsManaged(gk.Group) {
				continue
			}
			fp, _, _ := unstructured.NestedMap(u.Object, "spec", "forProvider")
			if fp == nil {
				fp = map[string]any{}
			}
			if _, unresolved := Resolve(gk, fp, "spec.forProvider", lookup, nil); len(unresolved) > 0 {
				_ = unstructured.SetNestedSlice(u.Object, Conditions(false, u.GetGeneration(), Time, "cannot resolve references: "+strings.Join(unresolved, "; ")), "status", "conditions")
				continue
			}
			_ = unstructured.SetNestedMap(u.Object, fp, "spec", "forProvider")
			a := u.GetAnnotations()
			h := Hash(u.GetName())
			if a[AnnotationExternalName] == "" {
				a[AnnotationExternalName] = NewExternalName(gk.Kind, u.GetName(), h, fp)
				u.SetAnnotations(a)
			}
			attrs := Attributes{ExternalName: a[AnnotationExternalName], Hash: h, Generation: u.GetGeneration(), CreatedAt: Time, ModifiedAt: Time}
			if gk.Kind == "Alias" {
				attrs.FunctionARN = functionARN(objs, keys, gk, fp)
			}
			u.Object["status"] = map[string]any{
				"atProvider": AtProvider(gk, fp, attrs),
				"conditions": Conditions(true, u.GetGeneration(), Time, ""),
			}
			done[k], progress = true, true
		}
	}
	out := make(map[string]map[string]any, len(objs))
	for k, u := range objs {
		out[k] = u.Object
	}
	return out
}

// stored adds what the API server and Crossplane add to a composed resource they store.
func stored(u *unstructured.Unstructured, key string, i int, xr map[string]any) {
	a := u.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[AnnotationCompositionResourceName] = key
	u.SetAnnotations(a)
	m, _ := u.Object["metadata"].(map[string]any)
	setDefault(m, "uid", fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1))
	setDefault(m, "resourceVersion", fmt.Sprint(5000+i))
	setDefault(m, "generation", int64(1))
	setDefault(m, "creationTimestamp", Time)
	if IsManaged(u.GroupVersionKind().Group) {
		setDefault(m, "finalizers", []any{Finalizer})
	}
	if xr != nil {
		xm, _ := xr["metadata"].(map[string]any)
		setDefault(m, "ownerReferences", []any{map[string]any{
			"apiVersion": xr["apiVersion"], "kind": xr["kind"], "name": xm["name"], "uid": xm["uid"],
			"controller": true, "blockOwnerDeletion": true,
		}})
	}
}

func setDefault(m map[string]any, k string, v any) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func find(objs map[string]*unstructured.Unstructured, keys []string, gk schema.GroupKind, name string) *unstructured.Unstructured {
	for _, k := range keys {
		if u := objs[k]; u.GetName() == name && u.GroupVersionKind().GroupKind() == gk {
			return u
		}
	}
	return nil
}

// functionARN is the observed ARN of the function an alias names (forProvider.functionName).
func functionARN(objs map[string]*unstructured.Unstructured, keys []string, alias schema.GroupKind, fp map[string]any) string {
	name, _ := fp["functionName"].(string)
	for _, k := range keys {
		u := objs[k]
		if u.GroupVersionKind().GroupKind() == (schema.GroupKind{Group: alias.Group, Kind: "Function"}) && u.GetAnnotations()[AnnotationExternalName] == name {
			arn, _, _ := unstructured.NestedString(u.Object, "status", "atProvider", "arn")
			return arn
		}
	}
	return ""
}

// deepCopy copies a JSON-shaped object (maps, slices, scalars) through its JSON form, which
// also turns Go integers into the int64 and float64 the API server's decoder gives.
func deepCopy(m map[string]any) map[string]any {
	raw, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("simprovider: not a JSON object: %v", err))
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(fmt.Sprintf("simprovider: not a JSON object: %v", err))
	}
	return out
}
