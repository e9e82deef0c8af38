//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testUpgrade upgrades the installed LambdaStack (E2E_VERSION, v0.1.0) to a newer build the way
// docs/install.md's "Upgrading" says, with the stacks live: a second build of the packages is
// pushed to the local registry as E2E_UPGRADE_VERSION (test/e2e/controlplane/packages.sh, i.e. make xpkg
// VERSION=... and hack/xpkg.sh push), then the function and the Configuration are pointed at it.
// It checks that the new revisions become active and Healthy, the package runtime serves the
// new function (its FunctionRevision resolves to the new tag and has an endpoint), every stack
// stays Ready with no composed resource replaced (same UIDs), and a change applied after the
// upgrade is composed by the new function in place.
func testUpgrade(ctx context.Context, t *testing.T, c *cluster, order []string, stacks map[string]*stack) {
	to := os.Getenv("E2E_UPGRADE_VERSION")
	if to == "" {
		to = "v0.2.0"
	}
	uids := map[string]string{}
	for _, name := range order {
		s := stacks[name]
		xr, err := s.observe(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resourceRefs(xr) {
			u, err := c.get(ctx, r.APIVersion, r.Kind, r.Namespace, r.Name)
			if err != nil {
				t.Fatal(err)
			}
			uids[name+" "+r.String()] = string(u.GetUID())
		}
	}

	start := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(c.root, "test", "e2e", "controlplane", "packages.sh"), "lambdastack", to)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("packages.sh lambdastack %s: %v\n%s", to, err, out)
	}
	t.Logf("pushed %s in %s", strings.TrimSpace(string(out)), time.Since(start).Round(time.Second))

	// docs/install.md: without --enable-dependency-version-upgrades, the function first, then
	// the Configuration
	c.mustKubectl(t, "", "patch", "function.pkg.crossplane.io", "spec3-function-lambdastack", "--type=merge",
		"-p", fmt.Sprintf(`{"spec":{"package":"xpkg.upbound.io/spec3/function-lambdastack:%s"}}`, to))
	c.mustKubectl(t, "", "patch", "configuration.pkg.crossplane.io", "configuration-lambdastack", "--type=merge",
		"-p", fmt.Sprintf(`{"spec":{"package":"xpkg.upbound.io/spec3/configuration-lambdastack:%s"}}`, to))

	for _, p := range []struct{ kind, revKind, name, repo string }{
		{"Function", "FunctionRevision", "spec3-function-lambdastack", "function-lambdastack"},
		{"Configuration", "ConfigurationRevision", "configuration-lambdastack", "configuration-lambdastack"},
	} {
		eventually(t, 3*time.Minute, p.kind+" "+p.name+" Healthy at "+to, func() (bool, string) {
			pkg, err := c.get(ctx, "pkg.crossplane.io/v1", p.kind, "", p.name)
			if err != nil {
				return false, err.Error()
			}
			cur := str(pkg, "status", "currentRevision")
			if st, msg := condition(pkg, "Healthy"); st != "True" {
				return false, "not Healthy: " + msg
			}
			r, err := c.resource("pkg.crossplane.io/v1", p.revKind, "")
			if err != nil {
				return false, err.Error()
			}
			l, err := r.List(ctx, metav1.ListOptions{LabelSelector: "pkg.crossplane.io/package=" + p.name})
			if err != nil {
				return false, err.Error()
			}
			for _, rev := range l.Items {
				if rev.GetName() != cur {
					continue
				}
				resolved := str(&rev, "status", "resolvedImage")
				if str(&rev, "spec", "desiredState") != "Active" || !strings.HasSuffix(resolved, "/"+p.repo+":"+to) {
					return false, fmt.Sprintf("current revision %s: %s, resolved %s", cur, str(&rev, "spec", "desiredState"), resolved)
				}
				if p.kind == "Function" && str(&rev, "status", "endpoint") == "" {
					return false, "no endpoint yet"
				}
				return true, ""
			}
			return false, "current revision " + cur + " not found"
		}, func() { t.Log(c.logTail("package-runtime.log", "", 20)) })
	}

	// every stack Ready, nothing replaced
	for _, name := range order {
		s := stacks[name]
		eventually(t, readyTimeout, name+" Ready after the upgrade", func() (bool, string) {
			xr, err := s.observe(ctx, c)
			if err != nil {
				return false, err.Error()
			}
			st, msg := condition(xr, "Ready")
			return st == "True", msg
		}, s.dump(ctx, t, c))
	}
	for k, uid := range uids {
		name, ref, _ := strings.Cut(k, " ")
		xr, err := stacks[name].observe(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range resourceRefs(xr) {
			if r.String() != ref {
				continue
			}
			found = true
			u, err := c.get(ctx, r.APIVersion, r.Kind, r.Namespace, r.Name)
			if err != nil {
				t.Errorf("%s: %v", k, err)
			} else if string(u.GetUID()) != uid {
				t.Errorf("%s: replaced by the upgrade (uid %s -> %s)", k, uid, u.GetUID())
			}
		}
		if !found {
			t.Errorf("%s: no longer composed after the upgrade", k)
		}
	}
	t.Logf("%d composed resources of %d stacks kept their UIDs", len(uids), len(order))

	// a change after the upgrade: composed by the new function, in place
	dev := stacks["dev"]
	fn := dev.composed["function"]
	c.mustKubectl(t, "", "-n", dev.request.GetNamespace(), "patch", "lambdastacks."+group, dev.request.GetName(), "--type=merge",
		"-p", fmt.Sprintf(`{"spec":{"tags":{"e2e-upgrade":%q}}}`, to))
	eventually(t, readyTimeout, "dev Function tagged e2e-upgrade by the upgraded function", func() (bool, string) {
		u, err := c.get(ctx, fn.GetAPIVersion(), fn.GetKind(), fn.GetNamespace(), fn.GetName())
		if err != nil {
			return false, err.Error()
		}
		if u.GetUID() != fn.GetUID() {
			t.Fatalf("Function MR replaced (uid %s -> %s)", fn.GetUID(), u.GetUID())
		}
		tag := str(u, "spec", "forProvider", "tags", "e2e-upgrade")
		return tag == to, "tags.e2e-upgrade=" + tag
	}, dev.dump(ctx, t, c))
}
