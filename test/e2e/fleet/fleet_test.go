package fleet

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/spec3/lambdastack/apis/v1alpha1"
	"github.com/spec3/lambdastack/examples"
)

// A copy of the prod example in another namespace names that namespace's secrets and hostnames
// (the only ones its stage grants it), and its own app's hostname.
func TestOwnMovesSecretsAndHostnameToTheStacksNamespace(t *testing.T) {
	ts, err := Templates("../../..", "examples/prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: ts[0]}
	u.SetNamespace("chaos-team-01")
	if err := unstructured.SetNestedField(u.Object, "app007", "spec", "app"); err != nil {
		t.Fatal(err)
	}
	Own(u)
	host, _, _ := unstructured.NestedString(u.Object, "spec", "api", "domain", "hostname")
	if host != "app007.chaos-team-01.api.spec3.example" {
		t.Errorf("hostname %q, want app007.chaos-team-01.api.spec3.example", host)
	}
	secrets, _, _ := unstructured.NestedSlice(u.Object, "spec", "secrets")
	found := false
	for _, s := range secrets {
		if arn, ok := s.(map[string]any)["arn"].(string); ok {
			found = true
			if !strings.Contains(arn, ":secret:chaos-team-01/") {
				t.Errorf("secret ARN %q is not under chaos-team-01/", arn)
			}
		}
	}
	if !found {
		t.Error("the prod example has no existing secret any more: pick another example for this test")
	}
}

// The stage templates are the namespaced stage examples; with a directory, its copies of them by
// file name (make scale with the real provider reads the examples with moto's IDs), and a
// missing copy is an error, not a silent fallback to examples/.
func TestStageTemplatesReadCopiesFromADirectory(t *testing.T) {
	root := "../../.."
	orig, err := StageTemplates(root, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orig {
		if o["kind"] != "LambdaStack" {
			t.Errorf("template of kind %v: want only LambdaStack", o["kind"])
		}
	}
	dir := t.TempDir()
	stages, err := examples.Stages(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range stages {
		raw, err := os.ReadFile(filepath.Join(root, e.Request))
		if err != nil {
			t.Fatal(err)
		}
		raw = []byte(strings.ReplaceAll(string(raw), "spec3-lambdastack-artifacts", "local-artifacts"))
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(e.Request)), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copies, err := StageTemplates(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(copies) != len(orig) {
		t.Fatalf("%d templates from the copies, want %d", len(copies), len(orig))
	}
	read := 0
	for i, c := range copies {
		bucket, _, _ := unstructured.NestedString(c, "spec", "function", "code", "s3", "bucket")
		was, _, _ := unstructured.NestedString(orig[i], "spec", "function", "code", "s3", "bucket")
		if was == "spec3-lambdastack-artifacts" {
			read++
			if bucket != "local-artifacts" {
				t.Errorf("template %d: bucket %q, want the copy's local-artifacts", i, bucket)
			}
		}
	}
	if read == 0 {
		t.Error("no stage example names the bucket spec3-lambdastack-artifacts: pick another field for this test")
	}
	if err := os.Remove(filepath.Join(dir, filepath.Base(stages[0].Request))); err != nil {
		t.Fatal(err)
	}
	if _, err := StageTemplates(root, dir); err == nil {
		t.Error("a missing copy gave no error")
	}
}

// Granting a fleet namespace a stage puts the stage's account there as the platform does: a copy
// of the example team's ProviderConfig under the name the stack will use (the request's, the
// stage's EnvironmentConfig's, else the stage's name), with its credentials Secret when it reads
// one (secretRef moved to the new namespace); a ClusterProviderConfig stage needs no copy.
func TestGrantAccountsCopiesTheStagesProviderConfigs(t *testing.T) {
	obj := func(apiVersion, kind, ns, name string, labels map[string]any, rest map[string]any) *unstructured.Unstructured {
		meta := map[string]any{"name": name}
		if ns != "" {
			meta["namespace"] = ns
		}
		if labels != nil {
			meta["labels"] = labels
		}
		o := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": meta}
		for k, v := range rest {
			o[k] = v
		}
		return &unstructured.Unstructured{Object: o}
	}
	stage := func(s string) map[string]any { return map[string]any{v1alpha1.StageLabel: s} }
	ec := "apiextensions.crossplane.io/v1beta1"
	pc := "aws.m.upbound.io/v1beta1"
	scheme := kruntime.NewScheme()
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(scheme, map[schema.GroupVersionResource]string{
		EnvGVR: "EnvironmentConfigList", PCGVR: "ProviderConfigList", SecretGVR: "SecretList"},
		obj(ec, "EnvironmentConfig", "", "stage-prod", stage("prod"), map[string]any{"data": map[string]any{"providerConfigName": "aws-prod"}}),
		obj(ec, "EnvironmentConfig", "", "stage-shared", stage("shared"), map[string]any{"data": map[string]any{"providerConfigKind": "ClusterProviderConfig"}}),
		obj(pc, "ProviderConfig", "team-mcp-prod", "aws-prod", nil, map[string]any{"spec": map[string]any{"credentials": map[string]any{
			"source": "Secret", "secretRef": map[string]any{"namespace": "team-mcp-prod", "name": "local-creds", "key": "credentials"}}}}),
		obj("v1", "Secret", "team-mcp-prod", "local-creds", nil, map[string]any{"data": map[string]any{"credentials": "c2VjcmV0"}}),
		obj(pc, "ProviderConfig", "team-mcp-staging", "staging", nil, map[string]any{"spec": map[string]any{"credentials": map[string]any{"source": "IRSA"}}}),
	)
	tmpl := func(ns, st string) map[string]any {
		return map[string]any{"apiVersion": "platform.spec3.io/v1alpha1", "kind": "LambdaStack",
			"metadata": map[string]any{"name": "x", "namespace": ns}, "spec": map[string]any{"stage": st}}
	}
	templates := []map[string]any{tmpl("team-mcp-prod", "prod"), tmpl("team-mcp-staging", "staging"), tmpl("team-mcp-shared", "shared")}
	ctx := context.Background()
	if err := GrantAccounts(ctx, dyn, templates, []string{"team-a"}); err != nil {
		t.Fatal(err)
	}
	got, err := dyn.Resource(PCGVR).Namespace("team-a").Get(ctx, "aws-prod", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("prod's account in team-a: %v", err)
	}
	if ns, _, _ := unstructured.NestedString(got.Object, "spec", "credentials", "secretRef", "namespace"); ns != "team-a" {
		t.Errorf("prod's copy reads its Secret from %q, want team-a", ns)
	}
	sec, err := dyn.Resource(SecretGVR).Namespace("team-a").Get(ctx, "local-creds", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("prod's credentials in team-a: %v", err)
	}
	if v, _, _ := unstructured.NestedString(sec.Object, "data", "credentials"); v != "c2VjcmV0" {
		t.Errorf("copied Secret holds %q", v)
	}
	got, err = dyn.Resource(PCGVR).Namespace("team-a").Get(ctx, "staging", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("staging's account (named for the stage, no EnvironmentConfig) in team-a: %v", err)
	}
	if src, _, _ := unstructured.NestedString(got.Object, "spec", "credentials", "source"); src != "IRSA" {
		t.Errorf("staging's copy has credentials source %q, want IRSA", src)
	}
	l, err := dyn.Resource(PCGVR).Namespace("team-a").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 2 {
		t.Errorf("%d ProviderConfigs in team-a, want 2 (none for the ClusterProviderConfig stage)", len(l.Items))
	}
	// a stage whose account the example team does not have is an error naming it
	if err := GrantAccounts(ctx, dyn, []map[string]any{tmpl("team-mcp-qa", "qa")}, []string{"team-a"}); err == nil || !strings.Contains(err.Error(), "team-mcp-qa/qa") {
		t.Errorf("missing account: error %v, want one naming ProviderConfig team-mcp-qa/qa", err)
	}
}
