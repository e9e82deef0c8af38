package fn

import (
	"slices"
	"strings"
	"testing"
)

// TestPartsDeclareWhatTheyRead: plan refuses a part that reads a resource composed by a part it
// does not name in needs, a part whose needs run after it, and a part reading every resource
// that does not run last. The domain part reads the API's stage (its mapping waits for it), so
// the test runs a stack with a custom domain once everything is observed.
func TestPartsDeclareWhatTheyRead(t *testing.T) {
	s := settingsFor(t, domainXR(map[string]any{"hostname": testHostname}), domainEnv(nil))
	_, o := converged(t, s)
	if _, err := plan(s, o); err != nil {
		t.Fatalf("the declared parts: %v", err)
	}
	with := func(edit func(ps []part) []part) []part { return edit(slices.Clone(parts)) }
	at := func(ps []part, name string) int {
		i := slices.IndexFunc(ps, func(p part) bool { return p.name == name })
		if i < 0 {
			t.Fatalf("no part %s", name)
		}
		return i
	}
	for name, tc := range map[string]struct {
		parts []part
		want  string
	}{
		"domain before the api": {with(func(ps []part) []part {
			d := ps[at(ps, "domain")]
			ps = slices.Delete(ps, at(ps, "domain"), at(ps, "domain")+1)
			return slices.Insert(ps, at(ps, "api"), d)
		}), "part domain needs part api, which does not run before it"},
		"domain reading the api stage without naming the api": {with(func(ps []part) []part {
			ps[at(ps, "domain")].needs = nil
			return ps
		}), "part domain reads " + keyAPIStage + ", composed by part api, which it does not name in needs"},
		"domain first, naming nothing: it reads the stage before the api composed it": {with(func(ps []part) []part {
			d := ps[at(ps, "domain")]
			d.needs = nil
			ps = slices.Delete(ps, at(ps, "domain"), at(ps, "domain")+1)
			return slices.Insert(ps, 0, d)
		}), "part domain reads " + keyAPIStage + ", composed by part api"},
		"usages not last": {with(func(ps []part) []part {
			u := ps[at(ps, "usages")]
			ps = slices.Delete(ps, at(ps, "usages"), at(ps, "usages")+1)
			return slices.Insert(ps, 0, u)
		}), "part usages reads every part and must run last"},
		"usages not marked last": {with(func(ps []part) []part {
			ps[at(ps, "usages")].last = false
			return ps
		}), "part usages reads every part's resources but is not marked last"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := planParts(tc.parts, s, o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// TestStagedRounds counts the reconciles each example stack needs until nothing waits for a
// value AWS reports, with a provider that reports everything composed at once (the simulated
// one): round 1 composes what needs nothing observed, each later round what waited for the
// round before. docs/performance.md lists them; a part that starts waiting longer fails here.
// dev, staging, qa, legacy-claim: the API's id (the permission's sourceArn, the API alarms and
// widgets: no reference in provider-aws v2.5.0); worker: the function's existence (its invoke
// config has no functionName reference); prod: the custom domain's chain (certificate, its
// validation records, the domain name once ACM issued it, the alias record at its target).
func TestStagedRounds(t *testing.T) {
	want := map[string]int{"dev": 2, "staging": 2, "prod": 4, "qa": 2, "legacy-claim": 2, "worker": 2}
	for _, ex := range loadExampleRequests(t) {
		var env map[string]any
		if len(ex.envs) > 0 {
			env = ex.envs[0]
		}
		s := settingsFor(t, ex.xr, env)
		var o observedState
		rounds := 0
		for ; rounds < 10; rounds++ {
			_, out, pending := planByKey(t, s, o)
			if len(pending) == 0 && len(out) == len(o) {
				break
			}
			o = simulateObserved(out)
		}
		if w, ok := want[ex.name]; !ok || rounds != w {
			t.Errorf("%s: %d rounds until nothing waits, want %d", ex.name, rounds, w)
		}
	}
}
