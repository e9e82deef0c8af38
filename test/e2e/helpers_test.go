//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/test/e2e/providerstandin"
)

// cluster is the local control plane started by test/e2e/controlplane/up.sh.
type cluster struct {
	root, state, kubeconfig string
	cfg                     *rest.Config
	dyn                     dynamic.Interface
	mapper                  *restmapper.DeferredDiscoveryRESTMapper
	managed                 map[schema.GroupKind]schema.GroupVersionResource
	taggable                map[schema.GroupKind]bool
	standIn                 *providerstandin.StandIn
}

func newCluster(ctx context.Context) (*cluster, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	c := &cluster{root: filepath.Clean(filepath.Join(wd, "..", ".."))}
	c.state = os.Getenv("E2E_STATE")
	if c.state == "" {
		c.state = filepath.Join(wd, ".state")
	}
	c.kubeconfig = filepath.Join(c.state, "kubeconfig")
	if _, err := os.Stat(c.kubeconfig); err != nil {
		return nil, fmt.Errorf("no local control plane (%w): start it with test/e2e/controlplane/up.sh, or run make e2e", err)
	}
	if c.cfg, err = clientcmd.BuildConfigFromFlags("", c.kubeconfig); err != nil {
		return nil, err
	}
	c.cfg.WarningHandler = rest.NoWarnings{}
	c.cfg.QPS, c.cfg.Burst = 50, 100
	if c.dyn, err = dynamic.NewForConfig(c.cfg); err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(c.cfg)
	if err != nil {
		return nil, err
	}
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	if c.managed, err = providerstandin.ManagedKinds(ctx, c.dyn); err != nil {
		return nil, err
	}
	return c, c.loadTaggable(ctx)
}

// loadTaggable records which provider kinds have spec.forProvider.tags in their CRD schema.
func (c *cluster) loadTaggable(ctx context.Context) error {
	c.taggable = map[schema.GroupKind]bool{}
	l, err := c.dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, crd := range l.Items {
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
		if _, ok := c.managed[schema.GroupKind{Group: group, Kind: kind}]; !ok {
			continue
		}
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		for _, v := range versions {
			if _, ok, _ := unstructured.NestedMap(v.(map[string]any), "schema", "openAPIV3Schema", "properties", "spec", "properties", "forProvider", "properties", "tags"); ok {
				c.taggable[schema.GroupKind{Group: group, Kind: kind}] = true
			}
		}
	}
	return nil
}

// resource returns the client of apiVersion/kind in namespace ns ("" for cluster scope).
func (c *cluster) resource(apiVersion, kind, ns string) (dynamic.ResourceInterface, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, err
	}
	m, err := c.mapper.RESTMapping(gv.WithKind(kind).GroupKind(), gv.Version)
	if meta.IsNoMatchError(err) {
		c.mapper.Reset() // a CRD created since the last discovery (XRDs)
		m, err = c.mapper.RESTMapping(gv.WithKind(kind).GroupKind(), gv.Version)
	}
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.dyn.Resource(m.Resource).Namespace(ns), nil
	}
	return c.dyn.Resource(m.Resource), nil
}

func (c *cluster) get(ctx context.Context, apiVersion, kind, ns, name string) (*unstructured.Unstructured, error) {
	r, err := c.resource(apiVersion, kind, ns)
	if err != nil {
		return nil, err
	}
	return r.Get(ctx, name, metav1.GetOptions{})
}

// kubectl runs kubectl against the control plane (60 s timeout) and returns its combined output.
func (c *cluster) kubectl(stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Dir = c.root
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), err
}

// platform runs test/e2e/platform.sh, the platform team's setup every suite shares, against the
// control plane (PLATFORM_PROVIDERCONFIGS from the environment chooses the provider configs).
func (c *cluster) platform(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.root, "test", "e2e", "platform.sh"))
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("test/e2e/platform.sh: %v\n%s", err, out)
	}
}

func (c *cluster) mustKubectl(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out string
	var err error
	for i := 0; i < 3; i++ { // the API server may briefly refuse right after a CRD appears
		if out, err = c.kubectl(stdin, args...); err == nil {
			return out
		}
		time.Sleep(time.Second)
	}
	t.Fatal(err)
	return ""
}

// eventually polls check every 500 ms until it reports done, or fails the test after timeout
// with the last status check gave, then calls each dump.
func eventually(t *testing.T, timeout time.Duration, what string, check func() (bool, string), dumps ...func()) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	start := time.Now()
	last := ""
	for {
		done, status := check()
		if done {
			t.Logf("%s (%.1fs)", what, time.Since(start).Seconds())
			return
		}
		if status != "" {
			last = status
		}
		if time.Now().After(deadline) {
			for _, d := range dumps {
				d()
			}
			t.Fatalf("timed out after %s waiting for %s; last: %s", timeout, what, last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// condition returns status and message of condition type t of u.
func condition(u *unstructured.Unstructured, t string) (string, string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if cm["type"] == t {
			s, _ := cm["status"].(string)
			m, _ := cm["message"].(string)
			r, _ := cm["reason"].(string)
			if m == "" {
				m = r
			}
			return s, m
		}
	}
	return "Unknown", "no " + t + " condition"
}

func str(u *unstructured.Unstructured, path ...string) string {
	v, _, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// logTail returns the last n lines of a control plane log that contain substr.
func (c *cluster) logTail(log, substr string, n int) string {
	raw, err := os.ReadFile(filepath.Join(c.state, "logs", log))
	if err != nil {
		return err.Error()
	}
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if substr == "" || strings.Contains(l, substr) {
			if len(l) > 600 {
				l = l[:600] + "…"
			}
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// composedRef is one entry of an XR's resourceRefs.
type composedRef struct {
	APIVersion, Kind, Namespace, Name string
}

func (r composedRef) String() string {
	return fmt.Sprintf("%s %s/%s", r.Kind, r.Namespace, r.Name)
}

func (r composedRef) gk() schema.GroupKind {
	gv, _ := schema.ParseGroupVersion(r.APIVersion)
	return schema.GroupKind{Group: gv.Group, Kind: r.Kind}
}

// resourceRefs of an XR: spec.crossplane.resourceRefs (Crossplane v2) or spec.resourceRefs (legacy).
func resourceRefs(xr *unstructured.Unstructured) []composedRef {
	refs, ok, _ := unstructured.NestedSlice(xr.Object, "spec", "crossplane", "resourceRefs")
	if !ok {
		refs, _, _ = unstructured.NestedSlice(xr.Object, "spec", "resourceRefs")
	}
	out := make([]composedRef, 0, len(refs))
	for _, r := range refs {
		m, _ := r.(map[string]any)
		cr := composedRef{Namespace: xr.GetNamespace()}
		if cr.Namespace == "" { // a cluster-scoped XR names the namespace of a namespaced resource
			cr.Namespace, _ = m["namespace"].(string)
		}
		cr.APIVersion, _ = m["apiVersion"].(string)
		cr.Kind, _ = m["kind"].(string)
		cr.Name, _ = m["name"].(string)
		out = append(out, cr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// readManifests splits a YAML file into objects.
func readManifests(path string) ([]*unstructured.Unstructured, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(raw), -1) {
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out, nil
}

// snapshot maps every managed resource on the cluster to its resourceVersion.
func (c *cluster) snapshot(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for gk, gvr := range c.managed {
		l, err := c.dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, u := range l.Items {
			out[providerstandin.Key(gk, u.GetNamespace(), u.GetName())] = u.GetResourceVersion()
		}
	}
	return out, nil
}

// managedWithLabel lists managed resources carrying label k=v.
func (c *cluster) managedWithLabel(ctx context.Context, k, v string) ([]string, error) {
	var out []string
	for gk, gvr := range c.managed {
		l, err := c.dyn.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: k + "=" + v})
		if err != nil {
			return nil, err
		}
		for _, u := range l.Items {
			out = append(out, providerstandin.Key(gk, u.GetNamespace(), u.GetName()))
		}
	}
	sort.Strings(out)
	return out, nil
}

func isNotFound(err error) bool { return kerrors.IsNotFound(err) }

// clusterWithStandIn connects to the e2e control plane and, unless E2E_STANDIN=external (a
// stand-in process runs already), starts the provider stand-in in-process until ctx ends (see
// package providerstandin for what it does and does not do). Its log goes to stderr, not
// t.Logf: it may still log while the test ends.
func clusterWithStandIn(ctx context.Context, t *testing.T) *cluster {
	t.Helper()
	if os.Getenv("E2E_PROVIDER") == "real" {
		t.Skip("the suites of the provider stand-in do not run against the real provider (make e2e-aws runs TestAWS)")
	}
	c, err := newCluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("E2E_STANDIN") != "external" {
		if c.standIn, err = providerstandin.New(ctx, c.cfg, log.New(os.Stderr, "", log.Ltime).Printf); err != nil {
			t.Fatal(err)
		}
		if err := c.standIn.Run(ctx, 4); err != nil {
			t.Fatal(err)
		}
	}
	return c
}
