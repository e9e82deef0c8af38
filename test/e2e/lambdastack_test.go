//go:build e2e

// Package e2e is the end-to-end suite of LambdaStack on a real control plane: etcd,
// kube-apiserver, kube-controller-manager, Crossplane core and the function as a local process
// (test/e2e/controlplane/up.sh). No AWS provider runs; the provider stand-in (package
// providerstandin) plays its part on the Kubernetes objects. Run it with `make e2e`, or
// test/e2e/controlplane/up.sh then `go test -tags e2e ./test/e2e/`.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/internal/kinds"
	"github.com/spec3/lambdastack/test/e2e/providerstandin"
)

const (
	group = "platform.spec3.io"
	apiV  = group + "/v1alpha1"
	// fnLog and xpLog are the control plane logs the failure dumps quote.
	fnLog = "function.log"
	xpLog = "crossplane.log"
)

// Timeouts: a stack needs ~10-30 s here (two rounds for the resources composed once AWS reports
// an ID); the budgets are test/e2e/controlplane/lib.sh's (seconds, a baseline times
// E2E_LOAD_FACTOR), read from there when the environment does not set them (a run without
// run.sh).
var (
	readyTimeout  = budget("E2E_READY_TIMEOUT")
	deleteTimeout = budget("E2E_DELETE_TIMEOUT")
)

// budget is the time budget k of controlplane/lib.sh: from the environment, else as lib.sh
// computes it.
func budget(k string) time.Duration {
	v := os.Getenv(k)
	if v == "" {
		out, err := exec.Command("bash", "-c", `. controlplane/lib.sh && echo "${!1}"`, "bash", k).Output()
		if err != nil {
			panic(fmt.Sprintf("reading %s from controlplane/lib.sh: %v", k, err))
		}
		v = strings.TrimSpace(string(out))
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		panic(fmt.Sprintf("%s=%q: want seconds", k, v))
	}
	return time.Duration(n) * time.Second
}

// expectation is one example's entry of testdata/expected.yaml.
type expectation struct {
	File      string                      `json:"file"`
	Status    map[string]string           `json:"status"`
	Fields    map[string]map[string]any   `json:"fields"`
	Retained  []string                    `json:"retained"`
	Effective map[string]string           `json:"effective"`
	Resources map[string]expectedComposed `json:"resources"`
}

type expectedComposed struct {
	Kind string `json:"kind"`
	AWS  string `json:"aws"`
}

// anyIdentity, as the AWS identity of a composed resource, is one AWS makes up (make e2e-aws).
const anyIdentity = "~"

// stack is an example request on the cluster, with what the suite learnt about it.
type stack struct {
	name    string // dev, staging, …
	exp     expectation
	request *unstructured.Unstructured // the manifest (XR or claim)
	claim   bool
	xr      *unstructured.Unstructured // observed composite (for a claim: its XLambdaStack)
	// composed resources by composition-resource-name
	composed map[string]*unstructured.Unstructured
	refs     []composedRef
}

func (s *stack) stage() string { return str(s.request, "spec", "stage") }
func (s *stack) app() string   { return str(s.request, "spec", "app") }

func TestLambdaStack(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := clusterWithStandIn(ctx, t)

	raw, err := os.ReadFile("testdata/expected.yaml")
	if err != nil {
		t.Fatal(err)
	}
	exps := map[string]expectation{}
	if err := yaml.Unmarshal(raw, &exps); err != nil {
		t.Fatalf("testdata/expected.yaml: %v", err)
	}
	// the stage examples of examples/index.txt, each applied as a user would
	stages, err := examples.Stages(c.root)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	stacks := map[string]*stack{}
	for _, ex := range stages {
		e, ok := exps[ex.Name]
		if !ok {
			t.Fatalf("testdata/expected.yaml has no entry %q", ex.Name)
		}
		e.File = ex.Request
		objs, err := readManifests(filepath.Join(c.root, e.File))
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) != 1 {
			t.Fatalf("%s: want one request, got %d objects", e.File, len(objs))
		}
		order = append(order, ex.Name)
		stacks[ex.Name] = &stack{name: ex.Name, exp: e, request: objs[0], claim: objs[0].GetKind() == "LambdaStackClaim"}
	}
	// the release test's own request (not an example): created, released and deleted by testRelease
	relExp, ok := exps["release"]
	if !ok {
		t.Fatal("testdata/expected.yaml has no entry \"release\"")
	}
	relObjs, err := readManifests(filepath.Join(c.root, relExp.File))
	if err != nil {
		t.Fatal(err)
	}
	if len(relObjs) != 1 {
		t.Fatalf("%s: want one request, got %d objects", relExp.File, len(relObjs))
	}
	release := &stack{name: "release", exp: relExp, request: relObjs[0]}

	if !t.Run("platform", func(t *testing.T) { testPlatform(ctx, t, c) }) {
		t.FailNow()
	}
	// with the release installed (make e2e: E2E_RELEASE_REF), every stack first comes up on it
	// and is upgraded to this build (upgrade_test.go); the steps after run on the upgraded stacks
	if os.Getenv("E2E_RELEASE_REF") != "" {
		if !t.Run("upgrade", func(t *testing.T) { testUpgrade(ctx, t, c, order, stacks) }) {
			t.FailNow()
		}
	}
	if !t.Run("requests", func(t *testing.T) {
		for _, name := range order {
			s := stacks[name]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				testRequest(ctx, t, c, s)
			})
		}
	}) {
		t.FailNow()
	}
	t.Run("logs", func(t *testing.T) { testLogs(ctx, t, c, stacks["dev"], stacks["staging"]) })
	t.Run("update", func(t *testing.T) { testUpdate(ctx, t, c, stacks["dev"]) })
	t.Run("refused", func(t *testing.T) { testRefused(ctx, t, c, stacks["dev"]) })
	t.Run("usage", func(t *testing.T) {
		for _, name := range []string{"qa", "prod"} { // functions in a VPC (fn/usage.go)
			t.Run(name, func(t *testing.T) { testUsage(ctx, t, c, stacks[name]) })
		}
	})
	// after refused, which requires that nothing else changes managed resources meanwhile
	t.Run("release", func(t *testing.T) { testRelease(ctx, t, c, release) })
	t.Run("delete", func(t *testing.T) {
		for _, name := range order {
			s := stacks[name]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				testDelete(ctx, t, c, s)
			})
		}
	})
}

// The packages docs/install.md says `kubectl get pkg` shows once the Configuration is installed:
// the Configuration and what Crossplane's package manager installed for its dependencies, named
// <org>-<repo> of their package paths.
var wantPackages = []string{
	"Configuration/configuration-lambdastack",
	"Function/spec3-function-lambdastack",
	"Provider/upbound-provider-aws-acm",
	"Provider/upbound-provider-aws-apigatewayv2",
	"Provider/upbound-provider-aws-budgets",
	"Provider/upbound-provider-aws-cloudwatch",
	"Provider/upbound-provider-aws-cloudwatchlogs",
	"Provider/upbound-provider-aws-ec2",
	"Provider/upbound-provider-aws-iam",
	"Provider/upbound-provider-aws-lambda",
	"Provider/upbound-provider-aws-route53",
	"Provider/upbound-provider-aws-scheduler",
	"Provider/upbound-provider-aws-secretsmanager",
	"Provider/upbound-provider-aws-sns",
	"Provider/upbound-provider-aws-sqs",
	"Provider/upbound-provider-family-aws",
}

// testPlatform checks the install test/e2e/controlplane/install.sh did as docs/install.md says (kubectl apply
// of the Configuration from the registry): exactly the packages the docs list, all Healthy; the
// Compositions the Configuration installed call Functions by the names the package manager gave
// them, each Healthy with an endpoint; both XRDs Established (the legacy one Offered), a
// CompositionRevision of each Composition. Then it applies what a platform team applies besides.
func testPlatform(ctx context.Context, t *testing.T, c *cluster) {
	var got []string
	healthy := map[string]bool{}
	for _, kind := range []string{"Configuration", "Function", "Provider"} {
		r, err := c.resource("pkg.crossplane.io/v1", kind, "")
		if err != nil {
			t.Fatal(err)
		}
		l, err := r.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range l.Items {
			p := &l.Items[i]
			key := kind + "/" + p.GetName()
			got = append(got, key)
			st, msg := condition(p, "Healthy")
			healthy[key] = st == "True"
			if st != "True" {
				t.Errorf("%s (%s) is not Healthy: %s", key, str(p, "spec", "package"), msg)
			}
		}
	}
	sort.Strings(got)
	t.Logf("packages: %s", strings.Join(got, ", "))
	if strings.Join(got, " ") != strings.Join(wantPackages, " ") {
		t.Errorf("packages on the cluster:\n  %s\nwant (docs/install.md):\n  %s", strings.Join(got, "\n  "), strings.Join(wantPackages, "\n  "))
	}

	comps, err := c.resource("apiextensions.crossplane.io/v1", "Composition", "")
	if err != nil {
		t.Fatal(err)
	}
	l, err := comps.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 2 {
		t.Errorf("%d Compositions, want 2 (compositions/*.yaml, installed by the Configuration)", len(l.Items))
	}
	for _, comp := range l.Items {
		if owner := metav1.GetControllerOf(&comp); owner == nil || owner.Kind != "ConfigurationRevision" {
			t.Errorf("Composition %s is not controlled by a ConfigurationRevision (owner %v): not installed by the package manager", comp.GetName(), owner)
		}
		steps, _, _ := unstructured.NestedSlice(comp.Object, "spec", "pipeline")
		for _, s := range steps {
			fn, _, _ := unstructured.NestedString(s.(map[string]any), "functionRef", "name")
			if !healthy["Function/"+fn] {
				t.Errorf("Composition %s calls function %q, which the package manager did not install (packages: %s)", comp.GetName(), fn, strings.Join(got, ", "))
				continue
			}
			revs, err := c.resource("pkg.crossplane.io/v1", "FunctionRevision", "")
			if err != nil {
				t.Fatal(err)
			}
			rl, err := revs.List(ctx, metav1.ListOptions{LabelSelector: "pkg.crossplane.io/package=" + fn})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rl.Items {
				if str(&r, "spec", "desiredState") == "Active" {
					t.Logf("Composition %s -> Function %s, revision %s (%s) at %s", comp.GetName(), fn, r.GetName(), str(&r, "status", "resolvedImage"), str(&r, "status", "endpoint"))
				}
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	for _, x := range []struct{ name, cond string }{
		{"lambdastacks." + group, "Established"},
		{"xlambdastacks." + group, "Established"},
		{"xlambdastacks." + group, "Offered"}, // the claim's CRD
	} {
		eventually(t, readyTimeout, "XRD "+x.name+" "+x.cond, func() (bool, string) {
			u, err := c.get(ctx, "apiextensions.crossplane.io/v2", "CompositeResourceDefinition", "", x.name)
			if err != nil {
				return false, err.Error()
			}
			st, msg := condition(u, x.cond)
			return st == "True", msg
		}, func() { t.Log(c.logTail(xpLog, x.name, 15)) })
	}
	for _, comp := range l.Items {
		name := comp.GetName()
		// Crossplane accepted the Composition when it cut a revision of it.
		eventually(t, readyTimeout, "CompositionRevision of Composition "+name, func() (bool, string) {
			r, err := c.resource("apiextensions.crossplane.io/v1", "CompositionRevision", "")
			if err != nil {
				return false, err.Error()
			}
			l, err := r.List(ctx, metav1.ListOptions{LabelSelector: "crossplane.io/composition-name=" + name})
			if err != nil {
				return false, err.Error()
			}
			return len(l.Items) > 0, "no revision"
		})
	}

	// What a platform team applies besides (test/e2e/platform.sh, the one platform setup of every
	// suite): the teams' namespaces, one provider config per stage (account), the stages'
	// EnvironmentConfigs, Crossplane may read namespaces, the Kubernetes Secret a created secret
	// reads.
	c.platform(t)
}

// waitReady waits (readyTimeout) until the stack's composite is Ready, calling dump on failure.
func (s *stack) waitReady(ctx context.Context, t *testing.T, c *cluster, what string, dump func()) {
	t.Helper()
	eventually(t, readyTimeout, what, func() (bool, string) {
		xr, err := s.observe(ctx, c)
		if err != nil {
			return false, err.Error()
		}
		st, msg := condition(xr, "Ready")
		return st == "True", msg
	}, dump)
}

// observe reads the stack's composite (through the claim for the legacy flavour).
func (s *stack) observe(ctx context.Context, c *cluster) (*unstructured.Unstructured, error) {
	req, err := c.get(ctx, s.request.GetAPIVersion(), s.request.GetKind(), s.request.GetNamespace(), s.request.GetName())
	if err != nil {
		return nil, err
	}
	if !s.claim {
		return req, nil
	}
	name := str(req, "spec", "resourceRef", "name")
	if name == "" {
		return nil, fmt.Errorf("claim %s/%s is not bound to an XLambdaStack yet", req.GetNamespace(), req.GetName())
	}
	return c.get(ctx, apiV, "XLambdaStack", "", name)
}

func (s *stack) dump(ctx context.Context, t *testing.T, c *cluster) func() {
	return func() {
		xr, err := s.observe(ctx, c)
		if err != nil {
			t.Logf("%s: %v", s.name, err)
			return
		}
		conds, _, _ := unstructured.NestedSlice(xr.Object, "status", "conditions")
		t.Logf("%s: composite %s conditions: %v", s.name, xr.GetName(), conds)
		for _, r := range resourceRefs(xr) {
			u, err := c.get(ctx, r.APIVersion, r.Kind, r.Namespace, r.Name)
			if err != nil {
				t.Logf("  %s: %v", r, err)
				continue
			}
			rs, rm := condition(u, "Ready")
			ss, sm := condition(u, "Synced")
			t.Logf("  %s Ready=%s (%s) Synced=%s (%s)", r, rs, rm, ss, sm)
		}
		t.Logf("function log:\n%s", c.logTail(fnLog, "", 10))
		t.Logf("crossplane log about %s:\n%s", xr.GetName(), c.logTail(xpLog, xr.GetName(), 10))
	}
}

// testRequest applies one example request and checks what Crossplane composed through the
// function, as the API server stored it (validated against the provider-aws CRDs).
func testRequest(ctx context.Context, t *testing.T, c *cluster, s *stack) {
	c.mustKubectl(t, "", "apply", "-f", s.exp.File)
	dump := s.dump(ctx, t, c)

	eventually(t, readyTimeout, s.name+" composite Synced", func() (bool, string) {
		xr, err := s.observe(ctx, c)
		if err != nil {
			return false, err.Error()
		}
		st, msg := condition(xr, "Synced")
		return st == "True", msg
	}, dump)
	// Ready needs every composed resource Ready: the stand-in observes them, then the function
	// composes what waited for their IDs/ARNs, which the stand-in observes in turn.
	s.waitReady(ctx, t, c, s.name+" composite Ready", dump)
	if s.claim {
		eventually(t, readyTimeout, s.name+" claim Ready", func() (bool, string) {
			cl, err := c.get(ctx, s.request.GetAPIVersion(), s.request.GetKind(), s.request.GetNamespace(), s.request.GetName())
			if err != nil {
				return false, err.Error()
			}
			st, msg := condition(cl, "Ready")
			return st == "True", msg
		}, dump)
	}

	xr, err := s.observe(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	s.xr = xr
	s.refs = resourceRefs(xr)
	s.composed = map[string]*unstructured.Unstructured{}
	for _, r := range s.refs {
		u, err := c.get(ctx, r.APIVersion, r.Kind, r.Namespace, r.Name)
		if err != nil {
			t.Fatalf("composed %s: %v", r, err)
		}
		key := u.GetAnnotations()["crossplane.io/composition-resource-name"]
		if key == "" {
			t.Errorf("%s has no crossplane.io/composition-resource-name annotation", r)
			continue
		}
		s.composed[key] = u
	}
	checkComposedSet(t, s)
	for key, u := range s.composed {
		checkComposed(ctx, t, c, s, key, u)
	}
	checkFields(t, s)
	checkStatus(t, s)
	checkOutputs(ctx, t, c, s)
}

// checkComposedSet: exactly the expected resources, of the expected kinds and AWS identities.
func checkComposedSet(t *testing.T, s *stack) {
	t.Helper()
	var missing, unexpected []string
	for key, e := range s.exp.Resources {
		u, ok := s.composed[key]
		if !ok {
			missing = append(missing, key+" ("+e.Kind+")")
			continue
		}
		if u.GetKind() != e.Kind {
			t.Errorf("%s: kind %s, want %s", key, u.GetKind(), e.Kind)
		}
		if got := awsIdentity(u); got != e.AWS && e.AWS != anyIdentity {
			t.Errorf("%s %s: AWS identity %q, want %q", u.GetKind(), key, got, e.AWS)
		}
	}
	for key, u := range s.composed {
		if _, ok := s.exp.Resources[key]; !ok {
			unexpected = append(unexpected, fmt.Sprintf("%s (%s, AWS identity %q)", key, u.GetKind(), awsIdentity(u)))
		}
	}
	sort.Strings(missing)
	sort.Strings(unexpected)
	if len(missing)+len(unexpected) > 0 {
		t.Errorf("%s: composed resources differ from testdata/expected.yaml:\n  missing:    %v\n  unexpected: %v", s.name, missing, unexpected)
	}
	t.Logf("%s: %d composed resources as expected", s.name, len(s.composed))
}

// awsIdentity is what names a resource in AWS: its external name, or, for kinds AWS identifies
// by a generated ID, the parameter that tells it apart (see testdata/expected.yaml); the registry
// of kinds (internal/kinds) declares which.
func awsIdentity(u *unstructured.Unstructured) string { return kinds.Identity(u.Object) }

// stackNamed reports whether a kind's AWS name is <owner>_<stage>_<app>[_<part>] (internal/kinds).
func stackNamed(kind string) bool {
	k, ok := kinds.ByKind(kind)
	return ok && k.StackNamed
}

// checkComposed: ownership, labels, provider config, readiness, tags, names and references of
// one composed resource.
func checkComposed(ctx context.Context, t *testing.T, c *cluster, s *stack, key string, u *unstructured.Unstructured) {
	t.Helper()
	id := fmt.Sprintf("%s %s (%s)", u.GetKind(), u.GetName(), key)
	// owned (controller reference) by the composite, so deleting it garbage-collects them
	ctl := metav1.GetControllerOf(u)
	if ctl == nil || ctl.UID != s.xr.GetUID() || ctl.Kind != s.xr.GetKind() {
		t.Errorf("%s: controller owner %+v, want %s %s (uid %s)", id, ctl, s.xr.GetKind(), s.xr.GetName(), s.xr.GetUID())
	}
	if got := u.GetLabels()["crossplane.io/composite"]; got != s.xr.GetName() {
		t.Errorf("%s: label crossplane.io/composite=%q, want %q", id, got, s.xr.GetName())
	}
	if s.claim {
		if l := u.GetLabels(); l["crossplane.io/claim-name"] != s.request.GetName() || l["crossplane.io/claim-namespace"] != s.request.GetNamespace() {
			t.Errorf("%s: claim labels %v, want claim %s/%s", id, l, s.request.GetNamespace(), s.request.GetName())
		}
	}
	gk := u.GroupVersionKind().GroupKind()
	if _, managed := c.managed[gk]; !managed {
		return // Usage/ClusterUsage: Crossplane's own kinds, no Ready condition
	}
	if st, msg := condition(u, "Ready"); st != "True" {
		t.Errorf("%s: not Ready: %s", id, msg)
	}
	if st, msg := condition(u, "Synced"); st != "True" {
		t.Errorf("%s: not Synced: %s", id, msg)
	}

	// the provider config of the stage exists (it selects the AWS account)
	pcKind := str(u, "spec", "providerConfigRef", "kind")
	pcName := str(u, "spec", "providerConfigRef", "name")
	pcAPI := "aws.m.upbound.io/v1beta1"
	if strings.HasSuffix(gk.Group, ".aws.upbound.io") {
		pcAPI, pcKind = "aws.upbound.io/v1beta1", "ProviderConfig"
	}
	if pcName == "" {
		t.Errorf("%s: no spec.providerConfigRef", id)
	} else if _, err := c.get(ctx, pcAPI, pcKind, u.GetNamespace(), pcName); err != nil {
		t.Errorf("%s: provider config %s %s: %v", id, pcKind, pcName, err)
	}

	// names: <owner>_<stage>_<app>[_<part>], the owner being the request's (or claim's)
	// namespace (log groups under /aws/lambda/ and /aws/apigateway/, created secrets under the
	// stage's per-namespace prefix <owner>/ where it sets one)
	if stackNamed(u.GetKind()) {
		owner := regexp.QuoteMeta(s.request.GetNamespace())
		re := regexp.MustCompile(`^(/aws/(lambda|apigateway)/|` + owner + `/)?` + owner + `_` + regexp.QuoteMeta(s.stage()+"_"+s.app()) + `([_/][a-z0-9-]+)?$`)
		if n := awsIdentity(u); !re.MatchString(n) {
			t.Errorf("%s: AWS name %q is not <owner>_<stage>_<app>[_<part>] (%s)", id, n, re)
		}
	}

	// tags: every taggable resource carries the request's tags and the stack's standard tags
	if c.taggable[gk] {
		tags, _, _ := unstructured.NestedStringMap(u.Object, "spec", "forProvider", "tags")
		want := map[string]string{"lambdastack:stage": s.stage(), "lambdastack:app": s.app(), "managed-by": "crossplane-lambdastack", "lambdastack:owner": s.request.GetNamespace()}
		reqTags, _, _ := unstructured.NestedStringMap(s.request.Object, "spec", "tags")
		for k, v := range reqTags {
			want[k] = v
		}
		for k, v := range want {
			if tags[k] != v {
				t.Errorf("%s: tag %s=%q, want %q (tags %v)", id, k, tags[k], v, tags)
			}
		}
	}

	// references point at resources of this stack, and the stand-in resolved them
	fp, _, _ := unstructured.NestedMap(u.Object, "spec", "forProvider")
	walkRefs(fp, "spec.forProvider", func(path, field string, names []string, resolved any) {
		for _, n := range names {
			found := false
			for _, r := range s.refs {
				if r.Name == n {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: %s references %q, which is not composed by this stack", id, path, n)
			}
		}
		if resolved == nil || resolved == "" {
			t.Errorf("%s: %s was not resolved into %s", id, path, field)
		}
	})
}

// walkRefs calls fn for every …Ref/…Refs in m with the referenced names and the filled value.
func walkRefs(m map[string]any, path string, fn func(path, field string, names []string, resolved any)) {
	for k, v := range m {
		switch {
		case strings.HasSuffix(k, "SecretRef"):
		case strings.HasSuffix(k, "Refs"):
			var names []string
			l, _ := v.([]any)
			for _, e := range l {
				if em, ok := e.(map[string]any); ok {
					n, _ := em["name"].(string)
					names = append(names, n)
				}
			}
			stem := strings.TrimSuffix(k, "Refs")
			field := stem
			if _, ok := m[stem+"s"]; ok {
				field = stem + "s"
			}
			fn(path+"."+k, field, names, m[field])
		case strings.HasSuffix(k, "Ref"):
			em, _ := v.(map[string]any)
			n, _ := em["name"].(string)
			field := strings.TrimSuffix(k, "Ref")
			fn(path+"."+k, field, []string{n}, m[field])
		default:
			switch vv := v.(type) {
			case map[string]any:
				walkRefs(vv, path+"."+k, fn)
			case []any:
				for i, e := range vv {
					if em, ok := e.(map[string]any); ok {
						walkRefs(em, fmt.Sprintf("%s.%s[%d]", path, k, i), fn)
					}
				}
			}
		}
	}
}

// splitPath splits a dotted path; "\." is a literal dot (annotation keys).
func splitPath(p string) []string {
	var out []string
	cur := ""
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p) && p[i+1] == '.':
			cur += "."
			i++
		case p[i] == '.':
			out = append(out, cur)
			cur = ""
		default:
			cur += string(p[i])
		}
	}
	return append(out, cur)
}

// checkFields compares the fields testdata/expected.yaml lists.
func checkFields(t *testing.T, s *stack) {
	t.Helper()
	for key, fields := range s.exp.Fields {
		u, ok := s.composed[key]
		if !ok {
			t.Errorf("fields: %s is not composed", key)
			continue
		}
		for path, want := range fields {
			w := fmt.Sprint(want)
			if strings.HasPrefix(w, "@") { // "@<resource> <path>": a value of another resource
				parts := strings.SplitN(strings.TrimPrefix(w, "@"), " ", 2)
				other, ok := s.composed[parts[0]]
				if !ok || len(parts) != 2 {
					t.Errorf("fields: %s %s: bad reference %q", key, path, w)
					continue
				}
				w = str(other, splitPath(parts[1])...)
				if w == "" {
					t.Errorf("fields: %s %s: %s has no %s", key, path, parts[0], parts[1])
				}
			}
			if got := str(u, splitPath(path)...); got != w {
				t.Errorf("%s %s: %s = %q, want %q", u.GetKind(), key, path, got, w)
			}
		}
	}
}

// checkStatus: the composite reports the stage's settings and what the (stand-in) provider
// observed: function and role ARNs, API endpoint, alias ARN.
func checkStatus(t *testing.T, s *stack) {
	t.Helper()
	for k, want := range s.exp.Status {
		if got := str(s.xr, "status", k); got != want {
			t.Errorf("%s: status.%s = %q, want %q", s.name, k, got, want)
		}
	}
	observed := []struct{ status, resource, field string }{
		{"functionArn", "function", "arn"},
		{"roleArn", "role", "arn"},
		{"apiEndpoint", "api", "apiEndpoint"},
		{"aliasArn", "alias", "arn"},
	}
	for _, o := range observed {
		u, ok := s.composed[o.resource]
		if !ok {
			continue
		}
		want := str(u, "status", "atProvider", o.field)
		if got := str(s.xr, "status", o.status); got == "" || got != want {
			t.Errorf("%s: status.%s = %q, want %q (status.atProvider.%s of %s)", s.name, o.status, got, want, o.field, o.resource)
		}
	}
	t.Logf("%s: status functionArn=%s apiEndpoint=%s", s.name, str(s.xr, "status", "functionArn"), str(s.xr, "status", "apiEndpoint"))
}

// testUpdate changes memory and a tag of the dev request: the function updates the Lambda
// function's managed resource in place (same object, same UID), the tag reaches every taggable
// resource, and the stack becomes Ready again.
func testUpdate(ctx context.Context, t *testing.T, c *cluster, s *stack) {
	fn := s.composed["function"]
	if fn == nil {
		t.Fatal("dev has no function resource (requests failed?)")
	}
	uid := fn.GetUID()
	c.mustKubectl(t, "", "-n", s.request.GetNamespace(), "patch", "lambdastacks."+group, s.request.GetName(), "--type=merge",
		"-p", `{"spec":{"function":{"memoryMB":512},"tags":{"e2e-update":"memory-512"}}}`)
	eventually(t, readyTimeout, "dev Function updated to 512 MB with tag e2e-update", func() (bool, string) {
		u, err := c.get(ctx, fn.GetAPIVersion(), fn.GetKind(), fn.GetNamespace(), fn.GetName())
		if err != nil {
			return false, err.Error()
		}
		if u.GetUID() != uid {
			t.Fatalf("Function MR was replaced (uid %s -> %s), want an update in place", uid, u.GetUID())
		}
		mem := str(u, "spec", "forProvider", "memorySize")
		tag := str(u, "spec", "forProvider", "tags", "e2e-update")
		obs := str(u, "status", "atProvider", "memorySize")
		return mem == "512" && tag == "memory-512" && obs == "512",
			fmt.Sprintf("forProvider.memorySize=%s tags.e2e-update=%q atProvider.memorySize=%s", mem, tag, obs)
	}, s.dump(ctx, t, c))
	eventually(t, readyTimeout, "every taggable dev resource tagged e2e-update and the stack Ready", func() (bool, string) {
		xr, err := s.observe(ctx, c)
		if err != nil {
			return false, err.Error()
		}
		if st, msg := condition(xr, "Ready"); st != "True" {
			return false, "composite not Ready: " + msg
		}
		for _, r := range resourceRefs(xr) {
			if !c.taggable[r.gk()] {
				continue
			}
			u, err := c.get(ctx, r.APIVersion, r.Kind, r.Namespace, r.Name)
			if err != nil {
				return false, err.Error()
			}
			if str(u, "spec", "forProvider", "tags", "e2e-update") != "memory-512" {
				return false, r.String() + " lacks the new tag"
			}
		}
		return true, ""
	}, s.dump(ctx, t, c))
}

// testRefused: requests the API server (XRD schema, CEL rules) or the function refuse leave
// every managed resource untouched.
func testRefused(ctx context.Context, t *testing.T, c *cluster, dev *stack) {
	before, err := c.snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// API server: CEL rules of the XRD
	bad := dev.request.DeepCopy()
	bad.SetName("e2e-refused")
	if err := unstructured.SetNestedStringMap(bad.Object, map[string]string{"aws:owner": "me"}, "spec", "tags"); err != nil {
		t.Fatal(err)
	}
	refuse := func(what, manifest string, args []string, wantMsg string) {
		out, err := c.kubectl(manifest, args...)
		if err == nil {
			t.Errorf("%s: accepted, want refused with %q: %s", what, wantMsg, out)
			return
		}
		if !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("%s: refused with\n  %v\nwant message containing %q", what, err, wantMsg)
			return
		}
		t.Logf("%s: refused as expected", what)
	}
	y, _ := yaml.Marshal(bad.Object)
	refuse("tag key aws:owner", string(y), []string{"apply", "-f", "-"}, "tag keys must not start with aws: (reserved by AWS)")
	refuse("stage change", "", []string{"-n", dev.request.GetNamespace(), "patch", "lambdastacks." + group, dev.request.GetName(),
		"--type=merge", "-p", `{"spec":{"stage":"staging"}}`}, "spec.stage is immutable")
	refuse("memory above 10240 MB", "", []string{"-n", dev.request.GetNamespace(), "patch", "lambdastacks." + group, dev.request.GetName(),
		"--type=merge", "-p", `{"spec":{"function":{"memoryMB":20000}}}`}, "spec.function.memoryMB")

	// the function: an unauthenticated API on a production stage without api.public
	pub := unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiV, "kind": "LambdaStack",
		"metadata": map[string]any{"name": "e2e-refused-public", "namespace": "team-mcp-prod"},
		"spec": map[string]any{
			"stage": "prod", "app": "e2e-refused",
			"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "spec3-lambdastack-artifacts", "key": "e2e.zip"}}},
			"api":      map[string]any{"auth": map[string]any{"type": "none"}},
		},
	}}
	y, _ = yaml.Marshal(pub.Object)
	c.mustKubectl(t, string(y), "apply", "-f", "-")
	want := "none is refused on stage prod because its profile is production"
	eventually(t, readyTimeout, "the function refuses e2e-refused-public", func() (bool, string) {
		u, err := c.get(ctx, apiV, "LambdaStack", "team-mcp-prod", "e2e-refused-public")
		if err != nil {
			return false, err.Error()
		}
		st, msg := condition(u, "Synced")
		return st == "False" && strings.Contains(msg, want), "Synced=" + st + ": " + msg
	}, func() { t.Log(c.logTail(xpLog, "e2e-refused-public", 10)) })
	if mrs, err := c.managedWithLabel(ctx, "crossplane.io/composite", "e2e-refused-public"); err != nil || len(mrs) > 0 {
		t.Errorf("refused request composed managed resources %v (%v)", mrs, err)
	}
	c.mustKubectl(t, "", "-n", "team-mcp-prod", "delete", "lambdastacks."+group, "e2e-refused-public", "--timeout=60s")

	after, err := c.snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k, rv := range after {
		if before[k] != rv {
			t.Errorf("managed resource %s changed (resourceVersion %s -> %s) by a refused request", k, before[k], rv)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("managed resource %s disappeared after a refused request", k)
		}
	}
}

// testDelete deletes the request: every composed resource leaves the API server (the kube
// garbage collector follows the owner references; the stand-in releases its finalizer). Retained
// resources carried managementPolicies without Delete, so the real provider leaves them in AWS.
func testDelete(ctx context.Context, t *testing.T, c *cluster, s *stack) {
	if s.xr == nil {
		t.Skip("the request was not composed")
	}
	c.mustKubectl(t, "", "delete", "-f", s.exp.File, "--wait=false")
	eventually(t, deleteTimeout, s.name+": request, composite and composed resources gone", func() (bool, string) {
		if _, err := c.get(ctx, s.request.GetAPIVersion(), s.request.GetKind(), s.request.GetNamespace(), s.request.GetName()); !isNotFound(err) {
			return false, "request still there"
		}
		if _, err := c.get(ctx, s.xr.GetAPIVersion(), s.xr.GetKind(), s.xr.GetNamespace(), s.xr.GetName()); !isNotFound(err) {
			return false, "composite still there"
		}
		var left []string
		for _, r := range s.refs {
			if _, err := c.get(ctx, r.APIVersion, r.Kind, r.Namespace, r.Name); !isNotFound(err) {
				left = append(left, r.String())
			}
		}
		return len(left) == 0, fmt.Sprintf("still there: %v", left)
	}, func() { t.Log(c.logTail("kcm.log", "", 10)); t.Log(c.logTail(xpLog, s.xr.GetName(), 10)) })

	retained := map[string]bool{}
	for _, k := range s.exp.Retained {
		retained[k] = true
	}
	var deletions map[string]providerstandin.Deletion
	if c.standIn != nil {
		deletions = c.standIn.Deletions()
	}
	for key, u := range s.composed {
		gk := u.GroupVersionKind().GroupKind()
		if _, managed := c.managed[gk]; !managed {
			continue
		}
		policies, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "managementPolicies")
		keeps := str(u, "spec", "deletionPolicy") == "Orphan" || (len(policies) > 0 && !contains(policies, "*") && !contains(policies, "Delete"))
		if keeps != retained[key] {
			t.Errorf("%s %s: managementPolicies %v deletionPolicy %q: retained in AWS=%v, want %v",
				u.GetKind(), key, policies, str(u, "spec", "deletionPolicy"), keeps, retained[key])
		}
		if deletions == nil {
			continue
		}
		d, ok := deletions[providerstandin.Key(gk, u.GetNamespace(), u.GetName())]
		switch {
		case !ok:
			t.Errorf("%s %s: the stand-in never saw it deleted", u.GetKind(), key)
		case (d.Outcome == providerstandin.RetainedInAWS) != retained[key]:
			t.Errorf("%s %s: on deletion the provider would have %s the AWS resource", u.GetKind(), key, d.Outcome)
		}
	}
	if deletions != nil {
		checkDeletionOrder(t, c, s, deletions)
	}
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}
