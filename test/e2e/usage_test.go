//go:build e2e

package e2e

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spec3/lambdastack/test/e2e/providerstandin"
)

// usedByFunction lists the resources the stack's Usages protect while its function exists
// (fn/usage.go: only where the deletion order matters, e.g. the role and the security group of
// a function in a VPC), by composition-resource-name.
func usedByFunction(s *stack) []string {
	byName := map[string]string{}
	for key, u := range s.composed {
		byName[u.GetKind()+"/"+u.GetName()] = key
	}
	var out []string
	for _, u := range s.composed {
		if u.GetKind() != "Usage" && u.GetKind() != "ClusterUsage" {
			continue
		}
		if key, ok := byName[str(u, "spec", "of", "kind")+"/"+str(u, "spec", "of", "resourceRef", "name")]; ok {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// testUsage: on a live stack, deleting what a Usage protects (the role, the security group) is
// refused by Crossplane's Usage webhook (the API server calls it: webhooks are on in the local
// control plane), and the objects stay as they were.
func testUsage(ctx context.Context, t *testing.T, c *cluster, s *stack) {
	used := usedByFunction(s)
	if len(used) == 0 {
		t.Fatalf("%s composes no Usage (expected.yaml lists them)", s.name)
	}
	for _, key := range used {
		u, ok := s.composed[key]
		if !ok {
			t.Fatalf("%s: no composed %q", s.name, key)
		}
		eventually(t, readyTimeout, s.name+" "+key+" labelled crossplane.io/in-use", func() (bool, string) {
			cur, err := c.get(ctx, u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName())
			if err != nil {
				return false, err.Error()
			}
			return cur.GetLabels()["crossplane.io/in-use"] == "true", "labels " + strings.Join(labelList(cur.GetLabels()), ",")
		})
		args := []string{"delete", strings.ToLower(u.GetKind()) + "." + u.GroupVersionKind().Group, u.GetName(), "--wait=false"}
		if u.GetNamespace() != "" {
			args = append(args, "-n", u.GetNamespace())
		}
		out, err := c.kubectl("", args...)
		if err == nil {
			t.Errorf("%s %s (%s %s): deleted while the function uses it: %s", s.name, key, u.GetKind(), u.GetName(), out)
			continue
		}
		if !strings.Contains(err.Error(), "denied the request") || !strings.Contains(strings.ToLower(err.Error()), "usage") {
			t.Errorf("%s %s: refused, but not by the Usage webhook: %v", s.name, key, err)
		}
		t.Logf("%s %s: %v", s.name, key, err)
		cur, err := c.get(ctx, u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName())
		if err != nil {
			t.Errorf("%s %s: %v", s.name, key, err)
		} else if cur.GetDeletionTimestamp() != nil || cur.GetUID() != u.GetUID() {
			t.Errorf("%s %s: marked for deletion or replaced (uid %s, was %s)", s.name, key, cur.GetUID(), u.GetUID())
		}
	}
}

// checkDeletionOrder: when the whole stack was deleted, the provider (stand-in) let go of the
// function before the role and the log group it uses: their deletion was held back until then.
func checkDeletionOrder(t *testing.T, c *cluster, s *stack, deletions map[string]providerstandin.Deletion) {
	fn, ok := s.composed["function"]
	if !ok {
		return
	}
	f, ok := deletions[providerstandin.Key(fn.GroupVersionKind().GroupKind(), fn.GetNamespace(), fn.GetName())]
	if !ok {
		return // reported by the caller
	}
	for _, key := range usedByFunction(s) {
		u, ok := s.composed[key]
		if !ok {
			continue
		}
		d, ok := deletions[providerstandin.Key(u.GroupVersionKind().GroupKind(), u.GetNamespace(), u.GetName())]
		if !ok {
			continue
		}
		if !d.Released.After(f.Released) {
			t.Errorf("%s: %s released at %s, before the function that uses it (%s)", s.name, key,
				d.Released.Format(time.RFC3339Nano), f.Released.Format(time.RFC3339Nano))
		} else {
			t.Logf("%s: %s gone %s after the function", s.name, key, d.Released.Sub(f.Released).Round(time.Millisecond))
		}
	}
}

func labelList(m map[string]string) []string {
	var l []string
	for k, v := range m {
		l = append(l, k+"="+v)
	}
	return l
}
