//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/spec3/lambdastack/internal/awspolicies"
)

// The upgrade from the current release. make e2e (run.sh) installs the release (the commit in
// testdata/upgrade-from, built and pushed as E2E_VERSION v0.1.0 by test/e2e/controlplane/packages.sh
// and named to this suite by E2E_RELEASE_REF); testUpgrade brings every example stack up on it,
// then upgrades to this build as docs/install.md's "Upgrading" says, with the stacks live: this
// tree's packages pushed as E2E_UPGRADE_VERSION (v0.2.0), the Function then the Configuration
// pointed at them. The release gives the execution role one inline policy per concern and an
// X-Ray attachment; this build merges them into one (fn/iam.go). Throughout, a watch on every
// RolePolicy and RolePolicyAttachment checks that at every change each stack's role is allowed
// everything it was allowed before the upgrade (counting only policies the provider reports
// Ready and that are not being deleted) and that its inline policies stay within IAM's size
// limit. Afterwards no composed resource was replaced (same UIDs) and none is gone but the
// merged policies and attachments and the Usages no longer needed. The suite's later steps (the
// requests against testdata/expected.yaml, updates, releases, deletion) then run on the
// upgraded stacks.

// droppedByTheUpgrade are the resources the release composed that this build no longer does
// (fn/iam.go roleGrants, fn/usage.go): the per-concern policies, the X-Ray attachment, Usages.
var droppedByTheUpgrade = map[string]bool{
	"role-logs": true, "role-policy": true, "role-network": true, "role-triggers": true,
	"role-async": true, "role-permissions": true, "role-xray": true,
}

// maxRolePolicyChars is IAM's limit on a role's inline policies, all together (fn/iam.go).
const maxRolePolicyChars = 10240

func testUpgrade(ctx context.Context, t *testing.T, c *cluster, order []string, stacks map[string]*stack) {
	from, to := os.Getenv("E2E_RELEASE_REF"), os.Getenv("E2E_UPGRADE_VERSION")
	if to == "" {
		to = "v0.2.0"
	}
	// the platform and the teams as they were at the release: its EnvironmentConfigs and requests
	// (the release refuses fields it does not know, such as a later stage's grants)
	rel := releaseTree(t, c.root, from)
	cmd := exec.CommandContext(ctx, filepath.Join(rel, "test", "e2e", "platform.sh"))
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the release's test/e2e/platform.sh: %v\n%s", err, out)
	}
	t.Logf("the release (%s) is installed with its platform setup; every example stack comes up on it", from)
	for _, name := range order {
		c.mustKubectl(t, "", "apply", "-f", filepath.Join(rel, stacks[name].exp.File))
	}
	for _, name := range order {
		s := stacks[name]
		s.waitReady(ctx, t, c, name+" Ready on the release", s.dump(ctx, t, c))
	}

	// what the release composed: UIDs, and each stack's role
	type record struct {
		stack, key, uid string
		awsName         string // its external name: the AWS resource it manages
		ref             composedRef
	}
	var before []record
	roles := map[string]string{} // stack -> namespace/name of its Role object
	for _, name := range order {
		xr, err := stacks[name].observe(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resourceRefs(xr) {
			u, err := c.get(ctx, r.APIVersion, r.Kind, r.Namespace, r.Name)
			if err != nil {
				t.Fatal(err)
			}
			key := u.GetAnnotations()["crossplane.io/composition-resource-name"]
			before = append(before, record{stack: name, key: key, uid: string(u.GetUID()), awsName: u.GetAnnotations()["crossplane.io/external-name"], ref: r})
			if key == "role" {
				roles[name] = u.GetNamespace() + "/" + u.GetName()
			}
		}
		if roles[name] == "" {
			t.Fatalf("%s composes no role", name)
		}
	}

	w, err := watchRolePermissions(ctx, c, roles)
	if err != nil {
		t.Fatal(err)
	}
	defer w.stop()
	for name, role := range roles {
		if len(w.baseline[role]) == 0 {
			t.Fatalf("%s: the role %s is allowed nothing on the release", name, role)
		}
		t.Logf("%s: role %s allowed %d action/resource pairs by the release", name, role, len(w.baseline[role]))
	}

	start := time.Now()
	cmd = exec.CommandContext(ctx, filepath.Join(c.root, "test", "e2e", "controlplane", "packages.sh"), "lambdastack", to)
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
		eventually(t, readyTimeout, p.kind+" "+p.name+" Healthy at "+to, func() (bool, string) {
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

	// then the platform updates its stages (docs/tenancy.md, "Upgrading": the owner boundary of a
	// shared account, grants, quotas) and the teams apply their requests as they are now
	c.platform(t)
	for _, name := range order {
		c.mustKubectl(t, "", "apply", "-f", stacks[name].exp.File)
	}

	// every stack moved: Ready, composing the merged policy and none of the old ones
	for _, name := range order {
		s := stacks[name]
		eventually(t, readyTimeout, name+" upgraded and Ready", func() (bool, string) {
			xr, err := s.observe(ctx, c)
			if err != nil {
				return false, err.Error()
			}
			var left []string
			merged := false
			for _, r := range resourceRefs(xr) {
				u, err := c.get(ctx, r.APIVersion, r.Kind, r.Namespace, r.Name)
				if err != nil {
					return false, err.Error()
				}
				key := u.GetAnnotations()["crossplane.io/composition-resource-name"]
				if droppedByTheUpgrade[key] {
					left = append(left, key)
				}
				merged = merged || key == "role-execution-policy"
			}
			if !merged || len(left) > 0 {
				return false, fmt.Sprintf("merged policy composed: %v; old ones left: %v", merged, left)
			}
			st, msg := condition(xr, "Ready")
			return st == "True", msg
		}, s.dump(ctx, t, c))
	}
	// what the provider had to delete is gone
	eventually(t, readyTimeout, "the old policies deleted", func() (bool, string) {
		var left []string
		for _, r := range before {
			if !droppedByTheUpgrade[r.key] {
				continue
			}
			if _, err := c.get(ctx, r.ref.APIVersion, r.ref.Kind, r.ref.Namespace, r.ref.Name); err == nil {
				left = append(left, r.stack+" "+r.key)
			}
		}
		sort.Strings(left)
		return len(left) == 0, strings.Join(left, ", ")
	})
	w.stop()
	for _, v := range w.problems() {
		t.Error(v)
	}
	t.Logf("%d changes of role policies observed during the upgrade; at each, every role was allowed everything it was before", w.events())

	// nothing replaced, nothing else dropped
	kept := 0
	for _, r := range before {
		xr, err := stacks[r.stack].observe(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, now := range resourceRefs(xr) {
			if now != r.ref {
				continue
			}
			found = true
			u, err := c.get(ctx, now.APIVersion, now.Kind, now.Namespace, now.Name)
			if err != nil {
				t.Errorf("%s %s: %v", r.stack, r.key, err)
			} else if string(u.GetUID()) != r.uid {
				t.Errorf("%s %s (%s): replaced by the upgrade (uid %s -> %s)", r.stack, r.key, now, r.uid, u.GetUID())
			} else if got := u.GetAnnotations()["crossplane.io/external-name"]; got != r.awsName {
				t.Errorf("%s %s (%s): its AWS name changed from %q to %q (a new AWS resource)", r.stack, r.key, now, r.awsName, got)
			} else {
				kept++
			}
		}
		if !found && !droppedByTheUpgrade[r.key] && !strings.HasPrefix(r.key, "usage-") {
			t.Errorf("%s %s (%s): no longer composed after the upgrade", r.stack, r.key, r.ref)
		}
	}
	t.Logf("%d composed resources of %d stacks kept their UIDs and AWS names; the release composed %d", kept, len(order), len(before))

	// The upgraded stacks keep the release's AWS names (fn/tenancy.go keepNameScheme), while
	// testdata/expected.yaml lists the names this build gives new stacks: the suite's later steps
	// run on stacks created by this build, so the upgraded ones are deleted first.
	for _, name := range order {
		c.mustKubectl(t, "", "delete", "-f", stacks[name].exp.File, "--wait=false")
	}
	eventually(t, deleteTimeout, "the upgraded stacks and everything they composed gone", func() (bool, string) {
		var left []string
		for _, name := range order {
			s := stacks[name]
			if _, err := c.get(ctx, s.request.GetAPIVersion(), s.request.GetKind(), s.request.GetNamespace(), s.request.GetName()); !isNotFound(err) {
				left = append(left, name)
			}
		}
		for _, r := range before {
			if _, err := c.get(ctx, r.ref.APIVersion, r.ref.Kind, r.ref.Namespace, r.ref.Name); !isNotFound(err) {
				left = append(left, r.stack+" "+r.key)
			}
		}
		return len(left) == 0, fmt.Sprintf("still there: %v", left)
	})
}

// releaseTree is the release's examples and platform setup (test/e2e/platform.sh), from git.
func releaseTree(t *testing.T, root, ref string) string {
	t.Helper()
	dir := t.TempDir()
	archive := exec.Command("git", "-C", root, "archive", "--format=tar", ref, "examples", "test/e2e/platform.sh")
	untar := exec.Command("tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	untar.Stdin = pipe
	var stderr strings.Builder
	archive.Stderr, untar.Stderr = &stderr, &stderr
	if err := untar.Start(); err != nil {
		t.Fatal(err)
	}
	if err := archive.Run(); err != nil {
		t.Fatalf("git archive %s: %v\n%s", ref, err, stderr.String())
	}
	if err := untar.Wait(); err != nil {
		t.Fatalf("tar: %v\n%s", err, stderr.String())
	}
	return dir
}

// roleWatch checks the stacks' roles on every change of a RolePolicy or RolePolicyAttachment.
type roleWatch struct {
	baseline map[string]map[string]bool // role -> what the release allows it
	stores   []cache.Store
	cancel   context.CancelFunc
	once     sync.Once

	mu      sync.Mutex
	seen    int
	failing []string
}

var rolePolicyKinds = []schema.GroupVersionResource{
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "rolepolicies"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "rolepolicyattachments"},
	{Group: "iam.aws.upbound.io", Version: "v1beta1", Resource: "rolepolicies"},
	{Group: "iam.aws.upbound.io", Version: "v1beta1", Resource: "rolepolicyattachments"},
}

func watchRolePermissions(ctx context.Context, c *cluster, roles map[string]string) (*roleWatch, error) {
	ctx, cancel := context.WithCancel(ctx)
	w := &roleWatch{cancel: cancel}
	f := dynamicinformer.NewDynamicSharedInformerFactory(c.dyn, 0)
	var synced []cache.InformerSynced
	for _, gvr := range rolePolicyKinds {
		inf := f.ForResource(gvr).Informer()
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { w.check() },
			UpdateFunc: func(any, any) { w.check() },
			DeleteFunc: func(any) { w.check() },
		}); err != nil {
			cancel()
			return nil, err
		}
		w.stores = append(w.stores, inf.GetStore())
		synced = append(synced, inf.HasSynced)
	}
	w.mu.Lock() // no checks before the baseline
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		w.mu.Unlock()
		cancel()
		return nil, fmt.Errorf("the role policy watch did not sync")
	}
	w.baseline = map[string]map[string]bool{}
	allowed, _ := w.allowed()
	for _, role := range roles {
		w.baseline[role] = allowed[role]
	}
	w.mu.Unlock()
	return w, nil
}

// allowed is what each role is allowed by the policies in AWS: Ready, not being deleted; and
// the characters of its inline policies.
func (w *roleWatch) allowed() (map[string]map[string]bool, map[string]int) {
	out, chars := map[string]map[string]bool{}, map[string]int{}
	for _, st := range w.stores {
		for _, obj := range st.List() {
			u, ok := obj.(*unstructured.Unstructured)
			if !ok || u.GetDeletionTimestamp() != nil {
				continue
			}
			if s, _ := condition(u, "Ready"); s != "True" {
				continue
			}
			role := u.GetNamespace() + "/" + str(u, "spec", "forProvider", "roleRef", "name")
			if out[role] == nil {
				out[role] = map[string]bool{}
			}
			switch u.GetKind() {
			case "RolePolicy":
				doc := str(u, "spec", "forProvider", "policy")
				addStatements(out[role], doc)
				for _, r := range doc {
					if !unicode.IsSpace(r) {
						chars[role]++
					}
				}
			case "RolePolicyAttachment":
				arn := str(u, "spec", "forProvider", "policyArn")
				if doc, ok := awspolicies.Document(arn); ok {
					addStatements(out[role], doc)
				} else {
					out[role]["managed policy "+arn] = true
				}
			}
		}
	}
	return out, chars
}

// addStatements adds each action on each resource under its condition of a policy document.
func addStatements(to map[string]bool, doc string) {
	var d struct {
		Statement []struct {
			Action, Resource any
			Condition        map[string]any
		}
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		to["unreadable policy "+doc] = true
		return
	}
	list := func(v any) []string {
		switch x := v.(type) {
		case string:
			return []string{x}
		case []any:
			var out []string
			for _, e := range x {
				s, _ := e.(string)
				out = append(out, s)
			}
			return out
		}
		return nil
	}
	for _, st := range d.Statement {
		cond, _ := json.Marshal(st.Condition)
		for _, a := range list(st.Action) {
			for _, r := range list(st.Resource) {
				to[strings.ToLower(a)+" on "+r+" if "+string(cond)] = true
			}
		}
	}
}

func (w *roleWatch) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.baseline == nil {
		return
	}
	w.seen++
	allowed, chars := w.allowed()
	for role, want := range w.baseline {
		var lacks []string
		for k := range want {
			if !allowed[role][k] {
				lacks = append(lacks, k)
			}
		}
		if len(lacks) > 0 && len(w.failing) < 20 {
			sort.Strings(lacks)
			w.failing = append(w.failing, fmt.Sprintf("%s: at change %d (%s) the role lacks %s", role, w.seen, time.Now().Format("15:04:05.000"), strings.Join(lacks, "; ")))
		}
		if chars[role] > maxRolePolicyChars && len(w.failing) < 20 {
			w.failing = append(w.failing, fmt.Sprintf("%s: at change %d its inline policies take %d characters, over IAM's %d", role, w.seen, chars[role], maxRolePolicyChars))
		}
	}
}

func (w *roleWatch) stop() { w.once.Do(w.cancel) }

func (w *roleWatch) problems() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.failing...)
}

func (w *roleWatch) events() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen
}
