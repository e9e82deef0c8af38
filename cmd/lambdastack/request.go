package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"

	"github.com/spec3/lambdastack/apis/v1alpha1"
	"github.com/spec3/lambdastack/internal/cluster"
)

// readRequest reads the one object of a request file.
func readRequest(path string) (*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the request: %w", err)
	}
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []map[string]any
	for {
		var o map[string]any
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if o != nil {
			objs = append(objs, o)
		}
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("%s: want one request (a LambdaStack or LambdaStackClaim), found %d YAML documents", path, len(objs))
	}
	return &unstructured.Unstructured{Object: objs[0]}, nil
}

// inContextNamespace gives a namespaced request without a namespace the kubeconfig context's,
// as kubectl apply does.
func inContextNamespace(request *unstructured.Unstructured, cl *cluster.Cluster) {
	if request.GetNamespace() == "" && request.GetKind() != v1alpha1.KindXLambdaStack {
		request.SetNamespace(cl.Namespace)
	}
}
