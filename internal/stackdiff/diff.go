// Package stackdiff compares two states of a LambdaStack's composed resources, part by part:
// which are added, which change (field by field) and which are removed, and which of those AWS
// carries out by replacing or deleting a resource rather than updating it in place. The field
// diff is github.com/wI2L/jsondiff (RFC 6902 operations between two JSON documents).
package stackdiff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wI2L/jsondiff"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Change says what happens to one composed resource.
type Change string

// The changes, in the order a report lists them.
const (
	Added   Change = "add"
	Changed Change = "change"
	Removed Change = "remove"
)

// AnnotationExternalName is Crossplane's annotation for the name of a resource in AWS.
const AnnotationExternalName = "crossplane.io/external-name"

// Field is one field-level change of a resource.
type Field struct {
	Op   string // add, replace or remove (RFC 6902)
	Path string // JSON pointer, e.g. /spec/forProvider/memorySize
	// Inner, for a string field holding a JSON document (an IAM policy, a dashboard body), is
	// the JSON pointer of the change inside it.
	Inner string
	Old   any // the value before (replace, remove)
	New   any // the value after (add, replace)
}

// Resource is what happens to one composed resource.
type Resource struct {
	Part       string // the part of the stack (composition-resource-name), e.g. function
	APIVersion string
	Kind       string
	Name       string // the Kubernetes object's name
	Change     Change
	Fields     []Field // for Changed: the fields that differ
	// Replaced explains why AWS replaces a Changed resource (creates a new one, deletes the old)
	// instead of updating it in place; empty when it updates it or it is no AWS resource.
	Replaced []string
	// AWSName is the resource's name in AWS (its external name), when it has one.
	AWSName string
	// Deleted: AWS deletes this Removed resource. Kept says why a Removed AWS resource stays.
	Deleted bool
	Kept    string
}

// Loud reports whether AWS replaces or deletes the resource.
func (r Resource) Loud() bool { return len(r.Replaced) > 0 || r.Deleted }

// Report is the comparison of two states.
type Report struct {
	Resources []Resource // sorted by change, then part
	// Regions lists the regions the stack leaves: every resource there is removed.
	Regions []string
}

// HasChanges reports whether anything is added, changed or removed.
func (r Report) HasChanges() bool { return len(r.Resources) > 0 }

// Compare compares the composed resources of two states, each keyed by part. Only what
// Crossplane applies is compared: metadata.name, namespace, labels and annotations, and spec.
func Compare(before, after map[string]*unstructured.Unstructured) (Report, error) {
	var rep Report
	for part, a := range after {
		b, ok := before[part]
		if !ok {
			rep.Resources = append(rep.Resources, describe(part, a, Added))
			continue
		}
		fields, err := fieldDiff(b, a)
		if err != nil {
			return Report{}, fmt.Errorf("%s: %w", part, err)
		}
		if len(fields) == 0 {
			continue
		}
		r := describe(part, a, Changed)
		r.Fields = fields
		r.Replaced = replacements(a, fields)
		rep.Resources = append(rep.Resources, r)
	}
	for part, b := range before {
		if _, ok := after[part]; !ok {
			r := describe(part, b, Removed)
			r.Deleted, r.Kept = deletion(b)
			rep.Resources = append(rep.Resources, r)
		}
	}
	order := map[Change]int{Added: 0, Changed: 1, Removed: 2}
	sort.Slice(rep.Resources, func(i, j int) bool {
		ri, rj := rep.Resources[i], rep.Resources[j]
		if ri.Change != rj.Change {
			return order[ri.Change] < order[rj.Change]
		}
		return ri.Part < rj.Part
	})
	rep.Regions = regionsLeft(before, after)
	return rep, nil
}

func describe(part string, o *unstructured.Unstructured, c Change) Resource {
	return Resource{Part: part, APIVersion: o.GetAPIVersion(), Kind: o.GetKind(), Name: o.GetName(), Change: c,
		AWSName: o.GetAnnotations()[AnnotationExternalName]}
}

// fieldDiff lists the fields of the applied projection that differ, with jsondiff's LCS
// comparison of lists (one list item added or removed is one operation).
func fieldDiff(before, after *unstructured.Unstructured) ([]Field, error) {
	patch, err := jsondiff.Compare(applied(before), applied(after), jsondiff.LCS())
	if err != nil {
		return nil, err
	}
	fields := make([]Field, 0, len(patch))
	for _, op := range patch {
		if inner := innerDiff(op); inner != nil {
			fields = append(fields, inner...)
			continue
		}
		fields = append(fields, Field{Op: op.Type, Path: op.Path, Old: op.OldValue, New: op.Value})
	}
	return fields, nil
}

// innerDiff compares the two JSON documents of a string field that holds one before and after
// (an IAM policy, a dashboard body), so the change shows inside it; nil otherwise.
func innerDiff(op jsondiff.Operation) []Field {
	before, okB := op.OldValue.(string)
	after, okA := op.Value.(string)
	if op.Type != jsondiff.OperationReplace || !okA || !okB || !strings.HasPrefix(before, "{") || !strings.HasPrefix(after, "{") {
		return nil
	}
	patch, err := jsondiff.CompareJSON([]byte(before), []byte(after), jsondiff.LCS())
	if err != nil {
		return nil
	}
	fields := make([]Field, 0, len(patch))
	for _, in := range patch {
		fields = append(fields, Field{Op: in.Type, Path: op.Path, Inner: in.Path, Old: in.OldValue, New: in.Value})
	}
	return fields
}

// applied is the part of an object that Crossplane applies from the desired state; status and
// server-set metadata (uid, resourceVersion, owner references, managed fields) are left out.
func applied(o *unstructured.Unstructured) map[string]any {
	meta := map[string]any{"name": o.GetName()}
	if ns := o.GetNamespace(); ns != "" {
		meta["namespace"] = ns
	}
	if l := o.GetLabels(); len(l) > 0 {
		meta["labels"] = l
	}
	if a := o.GetAnnotations(); len(a) > 0 {
		meta["annotations"] = a
	}
	out := map[string]any{"metadata": meta}
	if spec, ok := o.Object["spec"]; ok {
		out["spec"] = spec
	}
	return out
}
