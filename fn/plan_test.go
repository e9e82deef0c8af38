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
