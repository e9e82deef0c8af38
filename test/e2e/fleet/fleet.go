// Package fleet holds what make scale and make chaos (test/e2e/cmd/scale, test/e2e/cmd/chaos)
// share to bring many stacks up on the local control plane: requests made from the examples,
// team namespaces, and the grants a platform team gives a new team namespace.
package fleet

import (
	"context"
	"fmt"
	"log"
	"path/filepath"
	"strings"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/spec3/lambdastack/apis/v1alpha1"
	"github.com/spec3/lambdastack/examples"
)

// Resources the fleet helpers use.
var (
	XRGVR      = schema.GroupVersionResource{Group: v1alpha1.Group, Version: v1alpha1.Version, Resource: "lambdastacks"}
	ClusterGVR = schema.GroupVersionResource{Group: v1alpha1.Group, Version: v1alpha1.Version, Resource: "xlambdastacks"}
	ClaimGVR   = schema.GroupVersionResource{Group: v1alpha1.Group, Version: v1alpha1.Version, Resource: "lambdastackclaims"}
	NSGVR      = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	EnvGVR     = schema.GroupVersionResource{Group: "apiextensions.crossplane.io", Version: "v1beta1", Resource: "environmentconfigs"}
	SecretGVR  = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	// PCGVR is provider-aws's namespaced ProviderConfig (a team namespace's AWS account)
	PCGVR = schema.GroupVersionResource{Group: "aws.m.upbound.io", Version: "v1beta1", Resource: "providerconfigs"}
)

// Templates reads the example requests at the given paths (relative to root); with none, the
// namespaced (LambdaStack) stage examples of examples/index.txt (StageTemplates).
func Templates(root string, paths ...string) ([]map[string]any, error) {
	if len(paths) == 0 {
		return StageTemplates(root, "")
	}
	var out []map[string]any
	for _, p := range paths {
		obj, err := examples.ReadYAML(filepath.Join(root, p))
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
	return out, nil
}

// StageTemplates reads the namespaced (LambdaStack) stage examples of examples/index.txt; with
// dir, their copies there by file name (make e2e-aws's, with the IDs the local AWS made up).
func StageTemplates(root, dir string) ([]map[string]any, error) {
	stages, err := examples.Stages(root)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, e := range stages {
		p := filepath.Join(root, e.Request)
		if dir != "" {
			p = filepath.Join(dir, filepath.Base(e.Request))
		}
		obj, err := examples.ReadYAML(p)
		if err != nil {
			return nil, err
		}
		if obj["kind"] == v1alpha1.KindLambdaStack {
			out = append(out, obj)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no namespaced stage example in examples/index.txt")
	}
	return out, nil
}

// StageNames lists the stages of templates.
func StageNames(ts []map[string]any) string {
	var out []string
	for _, t := range ts {
		s, _, _ := unstructured.NestedString(t, "spec", "stage")
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// TeamNamespaces creates the namespaces with what a team has in place: the Kubernetes Secret
// the prod example's created secret reads.
func TeamNamespaces(ctx context.Context, dyn dynamic.Interface, names []string) error {
	for _, ns := range names {
		obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
		if _, err := dyn.Resource(NSGVR).Create(ctx, obj, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
			return err
		}
		sec := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret",
			"metadata":   map[string]any{"name": "mcp-signing-key", "namespace": ns},
			"stringData": map[string]any{"value": "fleet-not-a-real-key"}}}
		if _, err := dyn.Resource(SecretGVR).Namespace(ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

// Own rewrites what a stack copied from an example names under the example's namespace to its
// own namespace, as a team in that namespace would write it (docs/tenancy.md): the existing
// secrets (a stage with a secretNamePrefix grants a namespace only the secrets under
// <namespace>/) and the custom domain's hostname (a stage grants a namespace only the names under
// <namespace>.<zone>; the example's <label>.<namespace>.<zone> becomes <app>.<namespace>.<zone>,
// so that stacks sharing a namespace do not share a hostname). Call it after setting spec.app.
func Own(u *unstructured.Unstructured) {
	secrets, _, _ := unstructured.NestedSlice(u.Object, "spec", "secrets")
	for _, sec := range secrets {
		m, _ := sec.(map[string]any)
		if arn, ok := m["arn"].(string); ok {
			if i := strings.Index(arn, ":secret:"); i >= 0 {
				name := arn[i+len(":secret:"):]
				if j := strings.Index(name, "/"); j >= 0 {
					m["arn"] = arn[:i] + ":secret:" + u.GetNamespace() + name[j:]
				}
			}
		}
	}
	if secrets != nil {
		_ = unstructured.SetNestedSlice(u.Object, secrets, "spec", "secrets")
	}
	host, _, _ := unstructured.NestedString(u.Object, "spec", "api", "domain", "hostname")
	if labels := strings.SplitN(host, ".", 3); len(labels) == 3 {
		app, _, _ := unstructured.NestedString(u.Object, "spec", "app")
		_ = unstructured.SetNestedField(u.Object, app+"."+u.GetNamespace()+"."+labels[2], "spec", "api", "domain", "hostname")
	}
}

// GrantStages does what the platform team does for new team namespaces (docs/tenancy.md): it
// labels them for the stages that select namespaces by label and adds them to the namespaces of
// every stage EnvironmentConfig that lists them, each with the grants of the example team's
// namespace there (data.grants.namespaces.<first listed namespace that has some>: prod's network,
// KMS key and table), as a platform team gives a new team the same access.
func GrantStages(ctx context.Context, dyn dynamic.Interface, namespaces []string) error {
	var names []any
	for _, ns := range namespaces {
		names = append(names, ns)
		patch := `{"metadata":{"labels":{"platform.spec3.io/stage-dev":"granted"}}}`
		if _, err := dyn.Resource(NSGVR).Patch(ctx, ns, "application/merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
			return err
		}
	}
	l, err := dyn.Resource(EnvGVR).List(ctx, metav1.ListOptions{LabelSelector: v1alpha1.StageLabel})
	if err != nil {
		return err
	}
	for i := range l.Items {
		ec := &l.Items[i]
		granted, found, _ := unstructured.NestedSlice(ec.Object, "data", "namespaces")
		if shared, set, _ := unstructured.NestedBool(ec.Object, "data", "sharedAccount"); !found || (set && !shared) {
			continue // a one-namespace account (OneNamespaceStages) admits no one else
		}
		if err := unstructured.SetNestedSlice(ec.Object, append(granted, names...), "data", "namespaces"); err != nil {
			return err
		}
		perNS, _, _ := unstructured.NestedMap(ec.Object, "data", "grants", "namespaces")
		for _, example := range granted {
			g, ok := perNS[fmt.Sprint(example)]
			if !ok {
				continue
			}
			for _, ns := range namespaces {
				perNS[ns] = kruntime.DeepCopyJSONValue(g)
			}
			if err := unstructured.SetNestedMap(ec.Object, perNS, "data", "grants", "namespaces"); err != nil {
				return err
			}
			break
		}
		if _, err := dyn.Resource(EnvGVR).Update(ctx, ec, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// GrantAccounts does the other half of granting new team namespaces a stage (docs/tenancy.md,
// examples/providerconfigs.yaml): it puts the stage's account, a ProviderConfig of the name the
// stack will use, in each namespace. For every template it copies the ProviderConfig of the
// template's own namespace (the example team's) and, when that reads its credentials from a
// Secret (the local AWS of make e2e-aws), the Secret too: provider-aws reads a namespaced
// ProviderConfig's Secret from the managed resource's namespace. A template whose stage uses a
// ClusterProviderConfig (EnvironmentConfig data.providerConfigKind) needs nothing. Existing
// copies are left as they are. The copies assume the example team's role: a platform gives each
// team a deployment role of its own where the account's roles are per team (prod's
// lambdastack-deployer-team-mcp); the stand-in and moto do not evaluate IAM, so a fleet shares it.
func GrantAccounts(ctx context.Context, dyn dynamic.Interface, templates []map[string]any, namespaces []string) error {
	type pcKey struct{ ns, name string }
	seen := map[pcKey]bool{}
	for _, t := range templates {
		u := &unstructured.Unstructured{Object: t}
		stage, _, _ := unstructured.NestedString(t, "spec", "stage")
		name, _, _ := unstructured.NestedString(t, "spec", "providerConfigName")
		kind := ""
		if ec, err := stageConfig(ctx, dyn, stage); err != nil {
			return err
		} else if ec != nil {
			if name == "" {
				name, _, _ = unstructured.NestedString(ec.Object, "data", "providerConfigName")
			}
			kind, _, _ = unstructured.NestedString(ec.Object, "data", "providerConfigKind")
		}
		if name == "" {
			name = stage
		}
		k := pcKey{u.GetNamespace(), name}
		if kind == "ClusterProviderConfig" || seen[k] {
			continue
		}
		seen[k] = true
		pc, err := dyn.Resource(PCGVR).Namespace(k.ns).Get(ctx, k.name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("the account of stage %s (ProviderConfig %s/%s) to grant: %w", stage, k.ns, k.name, err)
		}
		secretName, _, _ := unstructured.NestedString(pc.Object, "spec", "credentials", "secretRef", "name")
		var secret *unstructured.Unstructured
		if secretName != "" {
			if secret, err = dyn.Resource(SecretGVR).Namespace(k.ns).Get(ctx, secretName, metav1.GetOptions{}); err != nil {
				return fmt.Errorf("the credentials of ProviderConfig %s/%s: %w", k.ns, k.name, err)
			}
		}
		for _, ns := range namespaces {
			if secret != nil {
				cp := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret",
					"metadata": map[string]any{"name": secretName, "namespace": ns}, "data": secret.Object["data"]}}
				if _, err := dyn.Resource(SecretGVR).Namespace(ns).Create(ctx, cp, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
					return err
				}
			}
			cp := &unstructured.Unstructured{Object: map[string]any{"apiVersion": pc.GetAPIVersion(), "kind": pc.GetKind(),
				"metadata": map[string]any{"name": k.name, "namespace": ns}, "spec": kruntime.DeepCopyJSONValue(pc.Object["spec"])}}
			if secret != nil {
				if err := unstructured.SetNestedField(cp.Object, ns, "spec", "credentials", "secretRef", "namespace"); err != nil {
					return err
				}
			}
			if _, err := dyn.Resource(PCGVR).Namespace(ns).Create(ctx, cp, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
				return err
			}
		}
	}
	return nil
}

// stageConfig is the EnvironmentConfig of a stage (labelled with it), nil when the stage has none
// (a built-in profile).
func stageConfig(ctx context.Context, dyn dynamic.Interface, stage string) (*unstructured.Unstructured, error) {
	l, err := dyn.Resource(EnvGVR).List(ctx, metav1.ListOptions{LabelSelector: v1alpha1.StageLabel + "=" + stage})
	if err != nil || len(l.Items) == 0 {
		return nil, err
	}
	return &l.Items[0], nil
}

// OneNamespaceStages lists the stages whose account is one namespace's (EnvironmentConfig
// data.sharedAccount: false, e.g. qa): a fleet's namespaces cannot be admitted to them without
// the platform opening the account (a permissions boundary, grants), so fleets leave them out.
func OneNamespaceStages(ctx context.Context, dyn dynamic.Interface) (map[string]bool, error) {
	l, err := dyn.Resource(EnvGVR).List(ctx, metav1.ListOptions{LabelSelector: v1alpha1.StageLabel})
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, ec := range l.Items {
		if shared, found, _ := unstructured.NestedBool(ec.Object, "data", "sharedAccount"); found && !shared {
			out[ec.GetLabels()[v1alpha1.StageLabel]] = true
		}
	}
	return out, nil
}

// Admitted leaves out of templates those whose stage's account is one namespace's
// (OneNamespaceStages): a fleet spreads its stacks over namespaces such a stage refuses.
func Admitted(ctx context.Context, dyn dynamic.Interface, templates []map[string]any) ([]map[string]any, error) {
	alone, err := OneNamespaceStages(ctx, dyn)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, t := range templates {
		if stage, _, _ := unstructured.NestedString(t, "spec", "stage"); alone[stage] {
			log.Printf("stage %s left out: its account is one namespace's (EnvironmentConfig data.sharedAccount: false)", stage)
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

// Condition returns the condition of type typ of an object, nil when it has none.
func Condition(u *unstructured.Unstructured, typ string) map[string]any {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, _ := c.(map[string]any); m["type"] == typ {
			return m
		}
	}
	return nil
}

// ConditionTrue reports whether an object's condition typ is True.
func ConditionTrue(u *unstructured.Unstructured, typ string) bool {
	c := Condition(u, typ)
	return c != nil && c["status"] == "True"
}
