package cluster

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func u(obj map[string]any) *unstructured.Unstructured { return &unstructured.Unstructured{Object: obj} }

// The XR Crossplane composes after an apply: the request's spec, Crossplane's own fields kept.
func TestWithRequest(t *testing.T) {
	live := &Stack{XR: u(map[string]any{
		"apiVersion": "platform.spec3.io/v1alpha1", "kind": "LambdaStack",
		"metadata": map[string]any{"name": "s", "namespace": "n", "uid": "1"},
		"spec": map[string]any{"stage": "dev", "app": "a", "function": map[string]any{"memoryMB": int64(256)},
			"crossplane": map[string]any{"compositionRef": map[string]any{"name": "lambdastack"}, "resourceRefs": []any{"x"}}},
		"status": map[string]any{"functionArn": "arn"},
	})}
	req := u(map[string]any{"apiVersion": "platform.spec3.io/v1alpha1", "kind": "LambdaStack",
		"metadata": map[string]any{"name": "s", "namespace": "n"},
		"spec":     map[string]any{"stage": "dev", "app": "a", "function": map[string]any{"memoryMB": int64(512)}}})
	got := live.WithRequest(req)
	want := map[string]any{"stage": "dev", "app": "a", "function": map[string]any{"memoryMB": int64(512)},
		"crossplane": map[string]any{"compositionRef": map[string]any{"name": "lambdastack"}, "resourceRefs": []any{"x"}}}
	if !reflect.DeepEqual(got.Object["spec"], want) || got.GetUID() != "1" || got.Object["status"] == nil {
		t.Fatalf("%v", got.Object)
	}
	if live.XR.Object["spec"].(map[string]any)["function"].(map[string]any)["memoryMB"] != int64(256) {
		t.Fatal("the live XR was changed")
	}

	legacy := &Stack{XR: u(map[string]any{"apiVersion": "platform.spec3.io/v1alpha1", "kind": "XLambdaStack",
		"metadata": map[string]any{"name": "s-abcde"},
		"spec": map[string]any{"stage": "dev", "claimRef": map[string]any{"name": "s"}, "resourceRefs": []any{"x"},
			"compositionRef": map[string]any{"name": "xlambdastack"}}})}
	claim := u(map[string]any{"apiVersion": "platform.spec3.io/v1alpha1", "kind": "LambdaStackClaim",
		"spec": map[string]any{"stage": "staging", "compositeDeletePolicy": "Foreground", "resourceRef": map[string]any{"name": "s-abcde"}}})
	got = legacy.WithRequest(claim)
	want = map[string]any{"stage": "staging", "claimRef": map[string]any{"name": "s"}, "resourceRefs": []any{"x"},
		"compositionRef": map[string]any{"name": "xlambdastack"}}
	if !reflect.DeepEqual(got.Object["spec"], want) {
		t.Fatalf("legacy: %v", got.Object["spec"])
	}
}
