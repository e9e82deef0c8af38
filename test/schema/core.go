package schema

import (
	"bytes"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxConfigMapBytes is the most data a ConfigMap holds (the API server's limit, 1 MiB).
const maxConfigMapBytes = 1 << 20

// ValidateCore validates a core (apiVersion v1) object a composition function composes. Core
// kinds have no CRD: the checks are the API server's for the kind, with the object decoded
// strictly into its Go type (an unknown or mistyped field is an error). Only ConfigMap is
// known; any other core kind is an error. Composed() is implied: a missing name is generated
// and a missing namespace becomes "default", as Crossplane does.
func ValidateCore(obj map[string]any) error {
	u, gvk, err := normalize(obj)
	if err != nil {
		return err
	}
	if gvk.Group != "" || gvk.Version != "v1" || gvk.Kind != "ConfigMap" {
		return fmt.Errorf("%w: %s (core kinds known: v1 ConfigMap)", ErrUnknownKind, gvk)
	}
	raw, err := json.Marshal(u)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var cm corev1.ConfigMap
	if err := dec.Decode(&cm); err != nil {
		return &Error{GVK: gvk, Errs: field.ErrorList{field.Invalid(field.NewPath(""), string(raw), err.Error())}}
	}
	if cm.Name == "" && cm.GenerateName == "" {
		cm.GenerateName = "composed-"
	}
	if cm.Name == "" {
		cm.Name = cm.GenerateName + "x"
	}
	if cm.Namespace == "" {
		cm.Namespace = "default"
	}
	errs := configMapErrors(&cm)
	if len(errs) > 0 {
		return &Error{GVK: gvk, Namespace: cm.Namespace, Name: cm.Name, Errs: errs}
	}
	return nil
}

// configMapErrors are the API server's checks of a ConfigMap: its metadata (a DNS subdomain
// name, a namespace, labels, annotations), each key of data and binaryData a valid key (and
// in only one of them), and at most 1 MiB of data.
func configMapErrors(cm *corev1.ConfigMap) field.ErrorList {
	errs := apivalidation.ValidateObjectMeta(&cm.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	size := 0
	for k, v := range cm.Data {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, msg))
		}
		size += len(k) + len(v)
	}
	for k, v := range cm.BinaryData {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(field.NewPath("binaryData").Key(k), k, msg))
		}
		if _, dup := cm.Data[k]; dup {
			errs = append(errs, field.Invalid(field.NewPath("binaryData").Key(k), k, "duplicate of key in data"))
		}
		size += len(k) + len(v)
	}
	if size > maxConfigMapBytes {
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxConfigMapBytes))
	}
	return errs
}
