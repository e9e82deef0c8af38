package stackdiff

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(apiVersion, kind, name string, annotations map[string]string, labels map[string]string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind, "spec": spec}}
	u.SetName(name)
	u.SetAnnotations(annotations)
	u.SetLabels(labels)
	return u
}

func TestForceNewFieldsAndReferencesReplace(t *testing.T) {
	route := func(apiRef, key string) *unstructured.Unstructured {
		return obj("apigatewayv2.aws.m.upbound.io/v1beta1", "Route", "s--api-route", nil, nil,
			map[string]any{"forProvider": map[string]any{"apiIdRef": map[string]any{"name": apiRef}, "routeKey": key, "region": "us-east-1"}})
	}
	rep, err := Compare(map[string]*unstructured.Unstructured{"api-route": route("s--api", "GET /a")},
		map[string]*unstructured.Unstructured{"api-route": route("s--api2", "GET /b")})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Resources[0]
	if r.Change != Changed || len(r.Fields) != 2 || len(r.Replaced) != 1 || !strings.Contains(r.Replaced[0], "AWS cannot change apiId in place") {
		t.Fatalf("%+v", r)
	}
}

func TestDeletionRespectsWhatCrossplaneKeeps(t *testing.T) {
	group := func(spec map[string]any) *unstructured.Unstructured {
		return obj("cloudwatchlogs.aws.m.upbound.io/v1beta1", "Group", "s--log-group",
			map[string]string{AnnotationExternalName: "/aws/lambda/x"}, map[string]string{LabelRegion: "eu-west-1"}, spec)
	}
	usage := obj("protection.crossplane.io/v1beta1", "Usage", "s--usage", nil, nil, map[string]any{})
	before := map[string]*unstructured.Unstructured{
		"log-group":  group(map[string]any{"forProvider": map[string]any{}}),
		"kept":       group(map[string]any{"deletionPolicy": "Orphan"}),
		"observed":   group(map[string]any{"managementPolicies": []any{"Observe"}}),
		"usage-some": usage,
	}
	rep, err := Compare(before, map[string]*unstructured.Unstructured{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rep.Resources {
		got[r.Part] = string(r.Change) + "/" + map[bool]string{true: "deleted", false: "not deleted"}[r.Deleted] + "/" + r.Kept
	}
	want := map[string]string{
		"log-group": "remove/deleted/", "kept": "remove/not deleted/deletionPolicy: Orphan",
		"observed": "remove/not deleted/managementPolicies without Delete", "usage-some": "remove/not deleted/",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if !slices.Equal(rep.Regions, []string{"eu-west-1"}) || rep.Loud() != 1 {
		t.Errorf("regions %v, loud %d; want [eu-west-1], 1", rep.Regions, rep.Loud())
	}
}
