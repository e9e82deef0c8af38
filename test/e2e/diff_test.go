//go:build e2e

package e2e

// lambdastack diff against the live control plane (self-contained: it needs only the running
// control plane of test/e2e/up.sh, its kubeconfig under E2E_STATE or test/e2e/.state, and
// bin/crossplane-core). It builds the real CLI, so the exit status is checked as a user sees it.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	lscluster "github.com/spec3/lambdastack/internal/cluster"
)

// TestDiffLive applies examples/dev.yaml (unless the suite has it up already), waits until its
// composed resources exist, then runs lambdastack diff: the request as it is shows no changes
// (exit 0); with spec.function.memoryMB changed it shows exactly that one field on the Function
// (exit 1); and the dry run changed nothing on the cluster.
func TestDiffLive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	wd, _ := os.Getwd()
	root := filepath.Clean(filepath.Join(wd, "..", ".."))
	state := os.Getenv("E2E_STATE")
	if state == "" {
		state = filepath.Join(wd, ".state")
	}
	kubeconfig := filepath.Join(state, "kubeconfig")
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("no local control plane (%v): start it with test/e2e/up.sh", err)
	}
	cl, err := lscluster.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	bin := buildCLI(ctx, t, root)

	kubectl := func(args ...string) {
		cmd := exec.Command("kubectl", args...) // not ctx: it also runs in Cleanup, after ctx ends
		cmd.Dir, cmd.Env = root, append(os.Environ(), "KUBECONFIG="+kubeconfig)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kubectl %v: %v\n%s", args, err, out)
		}
	}
	// the platform team's part, as the suite applies it (idempotent)
	kubectl("apply", "-f", "examples/providerconfigs.yaml", "-f", "examples/environmentconfigs/")

	raw, err := os.ReadFile(filepath.Join(root, "examples", "dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	request := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &request.Object); err != nil {
		t.Fatal(err)
	}
	existing, err := cl.ReadStack(ctx, request)
	if err != nil {
		t.Fatal(err)
	}
	if existing == nil {
		if _, err := cl.Apply(ctx, request, false); err != nil {
			t.Fatal(err)
		}
		// the test created it: delete it as a user would (wait: a later test may apply it again)
		t.Cleanup(func() { kubectl("delete", "-f", "examples/dev.yaml", "--timeout=3m") })
	}
	// the stack's function exists (composed and created by Crossplane)
	var function *unstructured.Unstructured
	for deadline := time.Now().Add(4 * time.Minute); function == nil; time.Sleep(2 * time.Second) {
		if time.Now().After(deadline) {
			t.Fatal("the dev stack's function was not composed within 4 minutes")
		}
		s, err := cl.ReadStack(ctx, request)
		if err != nil {
			t.Fatal(err)
		}
		for i := range s.Composed {
			if s.Composed[i].GetAnnotations()["crossplane.io/composition-resource-name"] == "function" {
				function = &s.Composed[i].Unstructured
			}
		}
	}

	diff := func(file string) (int, string, string) {
		return runCLI(ctx, t, bin, kubeconfig, "diff", file, "--crossplane-core", filepath.Join(root, "bin", "crossplane-core"))
	}

	code, stdout, stderr := diff(filepath.Join(root, "examples", "dev.yaml"))
	if code != 0 || stdout != "no changes\n" {
		t.Errorf("diff of the applied request: exit %d\n%s%s", code, stdout, stderr)
	}

	changed := filepath.Join(t.TempDir(), "dev.yaml")
	if err := os.WriteFile(changed, []byte(strings.Replace(string(raw), "    environment:\n", "    memoryMB: 512\n    environment:\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = diff(changed)
	want := "~ function (Function " + function.GetName() + ")\n    spec.forProvider.memorySize: 256 → 512\n0 to add, 1 to change, 0 to remove; 0 replaced or deleted in AWS\n"
	if code != 1 || stdout != want {
		t.Errorf("diff with memoryMB 512: exit %d\n%s%s\nwant exit 1 and\n%s", code, stdout, stderr, want)
	}

	live, err := cl.Get(ctx, request.GetAPIVersion(), request.GetKind(), request.GetNamespace(), request.GetName())
	if err != nil {
		t.Fatal(err)
	}
	if m, found, _ := unstructured.NestedFieldNoCopy(live.Object, "spec", "function", "memoryMB"); found {
		t.Errorf("the dry run stored spec.function.memoryMB = %v", m)
	}
}
