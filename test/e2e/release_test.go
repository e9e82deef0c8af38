//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/spec3/lambdastack/test/e2e/providerstandin"
)

// Code keys the release test deploys after the request's own (testdata/release.yaml).
const (
	releaseKey2 = "releaser/2222222222222222222222222222222222222222222222222222222222222222.zip"
	releaseKey3 = "releaser/3333333333333333333333333333333333333333333333333333333333333333.zip"
)

// liveWant is what the stack must serve after a release step.
type liveWant struct {
	key       string  // the Function's code key (spec and observed)
	newest    string  // the Function's newest published version; "" any published version
	newerThan string  // … which must be newer than this one ("" no constraint)
	version   string  // the version live serves; "" the newest
	canary    string  // the version live routes weight of its traffic to; "" no routing, no canary alarm
	weight    float64 // the canary's share (0-1)
	// generation of the composite after the change: its Ready and Synced conditions must be for
	// it or a later one, so the state before the change cannot pass for the state after it
	generation int64
}

// releaseView is the composite and its composed resources (by composition-resource-name) as
// the API server has them now.
type releaseView struct {
	xr       *unstructured.Unstructured
	refs     []composedRef
	composed map[string]*unstructured.Unstructured
}

func (s *stack) view(ctx context.Context, c *cluster) (*releaseView, error) {
	xr, err := s.observe(ctx, c)
	if err != nil {
		return nil, err
	}
	v := &releaseView{xr: xr, refs: resourceRefs(xr), composed: map[string]*unstructured.Unstructured{}}
	for _, r := range v.refs {
		u, err := c.get(ctx, r.APIVersion, r.Kind, r.Namespace, r.Name)
		if err != nil {
			return nil, fmt.Errorf("composed %s: %w", r, err)
		}
		v.composed[u.GetAnnotations()["crossplane.io/composition-resource-name"]] = u
	}
	return v, nil
}

// live reports whether the stack serves w: the composite Ready and Synced with
// status.liveVersion and status.aliasArn; the Function on w's code with its newest published
// version observed; the alias `live` (its spec and what the stand-in observed) on w's version
// and routing; the API integration invoking the alias' ARN and the invoke permission qualified
// with live; the canary alarm exactly while a canary routes. It also says what it saw, and the
// version live serves.
func (v *releaseView) live(w liveWant) (ok bool, seen, liveVersion string) {
	fn, alias := v.composed["function"], v.composed["alias"]
	if fn == nil || alias == nil {
		return false, "the function or the alias is not composed", ""
	}
	var bad []string
	fail := func(f string, a ...any) { bad = append(bad, fmt.Sprintf(f, a...)) }

	for _, ct := range []string{"Ready", "Synced"} {
		if st, msg := condition(v.xr, ct); st != "True" {
			fail("composite %s=%s (%s)", ct, st, msg)
		} else if g := conditionGeneration(v.xr, ct); g < w.generation {
			fail("composite %s is for generation %d, not yet for the change (generation %d)", ct, g, w.generation)
		}
	}
	for _, u := range []*unstructured.Unstructured{fn, alias} {
		if !observedCurrent(u) {
			fail("%s %s not yet Ready and Synced for generation %d", u.GetKind(), u.GetName(), u.GetGeneration())
		}
	}

	newest := str(fn, "status", "atProvider", "version")
	if k := str(fn, "spec", "forProvider", "s3Key"); k != w.key {
		fail("Function spec.forProvider.s3Key %q, want %q", k, w.key)
	}
	if k := str(fn, "status", "atProvider", "s3Key"); k != w.key {
		fail("Function observed s3Key %q, want %q", k, w.key)
	}
	if p := str(fn, "spec", "forProvider", "publish"); p != "true" {
		fail("Function spec.forProvider.publish %q, want true", p)
	}
	switch {
	case !isVersionNumber(newest):
		fail("the Function reports no published version (status.atProvider.version %q)", newest)
	case w.newest != "" && newest != w.newest:
		fail("the Function's newest version is %s, want %s", newest, w.newest)
	case w.newerThan != "" && !newerVersion(newest, w.newerThan):
		fail("the Function's newest version is %s, want one newer than %s", newest, w.newerThan)
	}
	want := w.version
	if want == "" {
		want = newest
	}

	specV, obsV := str(alias, "spec", "forProvider", "functionVersion"), str(alias, "status", "atProvider", "functionVersion")
	if specV != want || obsV != want {
		fail("alias functionVersion %q (observed %q), want %q", specV, obsV, want)
	}
	wantRouting := ""
	if w.canary != "" {
		wantRouting = fmt.Sprintf("%s=%v", w.canary, w.weight)
	}
	specR, specHas := routing(alias, "spec", "forProvider")
	obsR, obsHas := routing(alias, "status", "atProvider")
	if specR != wantRouting || obsR != wantRouting || (w.canary == "" && (specHas || obsHas)) {
		fail("alias routingConfig %q (set: %v; observed %q, set: %v), want %q", specR, specHas, obsR, obsHas, wantRouting)
	}
	if lv := str(v.xr, "status", "liveVersion"); lv != want {
		fail("composite status.liveVersion %q, want %q", lv, want)
	}
	aliasARN := str(alias, "status", "atProvider", "arn")
	if !strings.HasSuffix(aliasARN, ":"+str(fn, "metadata", "annotations", providerstandin.AnnotationExternalName)+":live") {
		fail("alias observed ARN %q is not <function ARN>:live", aliasARN)
	}
	if a := str(v.xr, "status", "aliasArn"); a != aliasARN {
		fail("composite status.aliasArn %q, want the alias' %q", a, aliasARN)
	}

	if integ := v.composed["api-integration"]; integ == nil {
		fail("api-integration not composed")
	} else if uri := str(integ, "spec", "forProvider", "integrationUri"); aliasARN == "" || uri != aliasARN {
		fail("API Integration integrationUri %q, want the alias ARN %q", uri, aliasARN)
	}
	if perm := v.composed["api-permission"]; perm == nil {
		fail("api-permission not composed")
	} else {
		q, qRef := str(perm, "spec", "forProvider", "qualifier"), str(perm, "spec", "forProvider", "qualifierRef", "name")
		if q != "live" || qRef != alias.GetName() {
			fail("Permission qualifier %q (qualifierRef %q), want live (the alias %s)", q, qRef, alias.GetName())
		}
	}

	alarm := v.composed["alarm-canary-errors"]
	switch {
	case w.canary == "" && alarm != nil:
		fail("canary alarm %s still composed", alarm.GetName())
	case w.canary != "" && alarm == nil:
		fail("no canary alarm (alarm-canary-errors) composed")
	case w.canary != "":
		if !observedCurrent(alarm) {
			fail("canary alarm %s not yet Ready and Synced", alarm.GetName())
		}
		fnName := str(fn, "metadata", "annotations", providerstandin.AnnotationExternalName)
		if ev, res := str(alarm, "spec", "forProvider", "dimensions", "ExecutedVersion"), str(alarm, "spec", "forProvider", "dimensions", "Resource"); ev != w.canary || res != fnName+":live" {
			fail("canary alarm dimensions ExecutedVersion=%q Resource=%q, want %q and %q", ev, res, w.canary, fnName+":live")
		}
	}

	seen = fmt.Sprintf("Function newest version %s (generation %d); alias functionVersion %s (observed %s), routing %q (observed %q); status.liveVersion %s; canary alarm composed: %v",
		newest, fn.GetGeneration(), specV, obsV, specR, obsR, str(v.xr, "status", "liveVersion"), alarm != nil)
	if len(bad) > 0 {
		return false, seen + "\n  not yet: " + strings.Join(bad, "\n           "), ""
	}
	return true, seen, want
}

// conditionGeneration is the observedGeneration of u's condition of type ct (0 without one).
func conditionGeneration(u *unstructured.Unstructured, ct string) int64 {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if cm, _ := c.(map[string]any); cm["type"] == ct {
			g, _ := cm["observedGeneration"].(int64)
			return g
		}
	}
	return 0
}

// observedCurrent: Ready and Synced are True for the object's current generation.
func observedCurrent(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	ok := 0
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if (cm["type"] == "Ready" || cm["type"] == "Synced") && cm["status"] == "True" {
			if g, _ := cm["observedGeneration"].(int64); g == u.GetGeneration() {
				ok++
			}
		}
	}
	return ok == 2
}

// routing renders the alias' routingConfig under path as "version=weight,…" and reports whether
// the field is set at all.
func routing(u *unstructured.Unstructured, path ...string) (string, bool) {
	v, found, _ := unstructured.NestedFieldNoCopy(u.Object, append(path, "routingConfig")...)
	blocks, _ := v.([]any)
	if m, ok := v.(map[string]any); ok {
		blocks = []any{m}
	}
	var out []string
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		weights, _ := bm["additionalVersionWeights"].(map[string]any)
		for version, w := range weights {
			out = append(out, fmt.Sprintf("%s=%v", version, w))
		}
	}
	sort.Strings(out)
	return strings.Join(out, ","), found
}

func isVersionNumber(v string) bool {
	n, err := strconv.Atoi(v)
	return err == nil && n > 0
}

func newerVersion(v, than string) bool {
	a, err1 := strconv.Atoi(v)
	b, err2 := strconv.Atoi(than)
	return err1 == nil && err2 == nil && a > b
}

// testRelease is the release flow of a prod-profile stack (testdata/release.yaml) through the
// live alias, with the provider stand-in publishing a Function version for each generation of
// the Function (it reports it in status.atProvider.version, as Lambda does on publish):
//
//  1. create: what testRequest checks for every stack, then live serves the Function's
//     published version, the API integration invokes the alias and the permission is qualified;
//  2. new code (s3 key): the Function is updated in place, a newer version is published and live
//     follows it;
//  3. rollback: pinnedVersion = the first version, live serves it again;
//  4. unpin: live serves the newest version;
//  5. canary: new code deployed while live is pinned to the current version (live stays), then
//     the pin removed and a canary of the new version set in one change (live routes 10 % to it,
//     a canary alarm watches it), then the canary removed (promote: live serves the new
//     version, routing and alarm gone);
//  6. delete: as testDelete (retained log groups).
func testRelease(ctx context.Context, t *testing.T, c *cluster, s *stack) {
	ns, name := s.request.GetNamespace(), s.request.GetName()
	c.mustKubectl(t, fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", ns), "apply", "-f", "-")
	key1 := str(s.request, "spec", "function", "code", "s3", "key")
	dump := s.dump(ctx, t, c)
	var fnUID string
	var history []string

	// step patches the request (kubectl patch args), waits until the stack serves w and returns
	// what it saw then.
	step := func(t *testing.T, what string, patch []string, w liveWant) (*releaseView, string) {
		t.Helper()
		if len(patch) > 0 {
			c.mustKubectl(t, "", append([]string{"-n", ns, "patch", "lambdastacks." + group, name}, patch...)...)
			xr, err := s.observe(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			w.generation = xr.GetGeneration()
		}
		var v *releaseView
		var live, seen string
		eventually(t, readyTimeout, what, func() (bool, string) {
			var err error
			if v, err = s.view(ctx, c); err != nil {
				return false, err.Error()
			}
			if fn := v.composed["function"]; fn != nil && fnUID != "" && string(fn.GetUID()) != fnUID {
				t.Fatalf("the Function MR was replaced (uid %s -> %s), want updates in place", fnUID, fn.GetUID())
			}
			var ok bool
			ok, seen, live = v.live(w)
			return ok, seen
		}, dump)
		t.Logf("%s: %s", what, seen)
		served := strings.SplitN(what, ":", 2)[0] + ": live -> " + live
		if w.canary != "" {
			served += fmt.Sprintf(" (+%v%% to %s)", w.weight*100, w.canary)
		}
		history = append(history, served)
		return v, live
	}
	merge := func(p string) []string { return []string{"--type=merge", "-p", p} }

	var v1, v2, v3 string
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"create", func(t *testing.T) {
			testRequest(ctx, t, c, s)
			if t.Failed() {
				t.FailNow()
			}
			fnUID = string(s.composed["function"].GetUID())
			_, v1 = step(t, "create: live serves the Function's published version", nil, liveWant{key: key1})
		}},
		{"new-code", func(t *testing.T) {
			_, v2 = step(t, "new code: a newer version published, live follows it",
				merge(`{"spec":{"function":{"code":{"s3":{"key":"`+releaseKey2+`"}}}}}`),
				liveWant{key: releaseKey2, newerThan: v1})
		}},
		{"rollback", func(t *testing.T) {
			step(t, "rollback: live pinned to version "+v1,
				merge(`{"spec":{"release":{"pinnedVersion":"`+v1+`"}}}`),
				liveWant{key: releaseKey2, newest: v2, version: v1})
		}},
		{"unpin", func(t *testing.T) {
			step(t, "unpin: live back on the newest version",
				[]string{"--type=json", "-p", `[{"op":"remove","path":"/spec/release/pinnedVersion"}]`},
				liveWant{key: releaseKey2, newest: v2})
		}},
		{"canary", func(t *testing.T) {
			var v *releaseView
			v, _ = step(t, "hold: new code deployed while live is pinned to "+v2+", a newer version published, live stays",
				merge(`{"spec":{"release":{"pinnedVersion":"`+v2+`"},"function":{"code":{"s3":{"key":"`+releaseKey3+`"}}}}}`),
				liveWant{key: releaseKey3, newerThan: v2, version: v2})
			v3 = str(v.composed["function"], "status", "atProvider", "version")
			v, _ = step(t, "canary: pin removed, 10% of live's traffic to version "+v3,
				merge(`{"spec":{"release":{"pinnedVersion":null,"canary":{"additionalVersion":"`+v3+`","weight":10}}}}`),
				liveWant{key: releaseKey3, newest: v3, version: v2, canary: v3, weight: 0.1})
			alarm := v.composed["alarm-canary-errors"]
			step(t, "promote: canary removed, live serves version "+v3,
				[]string{"--type=json", "-p", `[{"op":"remove","path":"/spec/release/canary"}]`},
				liveWant{key: releaseKey3, newest: v3})
			gk := alarm.GroupVersionKind().GroupKind()
			eventually(t, deleteTimeout, "canary alarm "+alarm.GetName()+" deleted", func() (bool, string) {
				_, err := c.get(ctx, alarm.GetAPIVersion(), alarm.GetKind(), alarm.GetNamespace(), alarm.GetName())
				return isNotFound(err), fmt.Sprintf("still there (%v)", err)
			}, dump)
			if c.standIn != nil {
				d, ok := c.standIn.Deletions()[providerstandin.Key(gk, alarm.GetNamespace(), alarm.GetName())]
				if !ok || d.Outcome != providerstandin.DeletedInAWS {
					t.Errorf("canary alarm %s: the stand-in recorded %+v (seen: %v), want the AWS alarm deleted", alarm.GetName(), d, ok)
				}
			}
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, st.run) {
			break
		}
	}
	t.Logf("release of %s/%s: %s", ns, name, strings.Join(history, ", "))

	// delete whatever state the steps reached: testDelete checks what is composed now
	if s.xr == nil {
		return
	}
	if v, err := s.view(ctx, c); err == nil {
		s.xr, s.refs, s.composed = v.xr, v.refs, v.composed
	}
	t.Run("delete", func(t *testing.T) { testDelete(ctx, t, c, s) })
}
