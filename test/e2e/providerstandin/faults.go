//go:build e2e

package providerstandin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/spec3/lambdastack/internal/simprovider"
)

// Fault is the SIMULATION CONTROL of the stand-in (make chaos): which failure of the real
// provider it plays, on which share of the managed resources. It is read from a JSON file the
// stand-in polls (--faults-file); an absent or empty file means no fault.
//
//	{"mode": "synced-false", "percent": 30}
//
// Modes are simprovider's Fault* constants. Resources are picked by their UID's hash, so the
// same resources fail for as long as the file says so.
type Fault struct {
	Mode    string `json:"mode"`
	Percent int    `json:"percent"`
}

func (f Fault) validate() error {
	switch f.Mode {
	case "", simprovider.FaultSyncedFalse, simprovider.FaultNoARNs, simprovider.FaultNotReady:
	default:
		return fmt.Errorf("unknown fault mode %q", f.Mode)
	}
	if f.Percent < 0 || f.Percent > 100 {
		return fmt.Errorf("percent %d not in 0-100", f.Percent)
	}
	return nil
}

// WatchFaults polls the simulation control file every interval until ctx ends; when its fault
// changes, every managed resource is reconciled again (those the fault picks fail, those it
// picked before are observed anew).
func (s *StandIn) WatchFaults(ctx context.Context, path string, interval time.Duration) {
	var last []byte
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		raw, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.logf("provider stand-in: faults file: %v", err)
		}
		if string(raw) != string(last) {
			last = raw
			var f Fault
			if len(raw) > 0 {
				if err := json.Unmarshal(raw, &f); err == nil {
					err = f.validate()
				}
				if err != nil {
					s.logf("provider stand-in: faults file %s: %v (ignored)", path, err)
					f = Fault{}
				}
			}
			s.mu.Lock()
			s.fault = f
			s.mu.Unlock()
			s.logf("provider stand-in: SIMULATED fault now %+v", f)
			s.requeueAll()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *StandIn) requeueAll() {
	s.kindsMu.RLock()
	defer s.kindsMu.RUnlock()
	for gvr, inf := range s.informers {
		for _, obj := range inf.GetStore().List() {
			if u, ok := obj.(*unstructured.Unstructured); ok {
				s.queue.Add(item{gvr: gvr, namespace: u.GetNamespace(), name: u.GetName()})
			}
		}
	}
}

// playFault writes the observation of the current fault for mr if the fault picks it; handled
// is false when it does not (the normal observation follows). A resource the fault picked
// before is remembered, so that its normal observation is written again once the fault ends.
func (s *StandIn) playFault(ctx context.Context, r dynamic.ResourceInterface, mr *unstructured.Unstructured, at func() map[string]any) (handled bool, err error) {
	key := Key(mr.GroupVersionKind().GroupKind(), mr.GetNamespace(), mr.GetName())
	s.mu.Lock()
	f := s.fault
	s.mu.Unlock()
	h := simprovider.Hash(string(mr.GetUID()))
	if f.Mode == "" || !simprovider.FaultSelected(h, f.Percent) {
		return false, nil
	}
	now := time.Now().UTC().Format(time.RFC3339)
	conds, _, _ := unstructured.NestedSlice(mr.Object, "status", "conditions")
	cond := func(typ string) map[string]any {
		for _, c := range conds {
			if m, _ := c.(map[string]any); m["type"] == typ {
				return m
			}
		}
		return nil
	}
	switch f.Mode {
	case simprovider.FaultSyncedFalse:
		msg := simprovider.ThrottledError(simprovider.Service(mr.GroupVersionKind().Group), mr.GetKind(), externalName(mr), h)
		if c := cond("Synced"); c != nil && c["message"] == "observe failed: "+msg {
			s.markFaulted(key)
			return true, nil
		}
		simprovider.Fail(mr.Object, simprovider.OpObserve, mr.GetGeneration(), now, msg)
	case simprovider.FaultNoARNs:
		cur, _, _ := unstructured.NestedMap(mr.Object, "status", "atProvider")
		if len(cur) == 0 {
			return false, nil // never observed: it is being created, the normal path plays that
		}
		s.markFaulted(key)
		if upToDate(mr) && !simprovider.HasComputed(cur) {
			return true, nil // already observed without them
		}
		// observed anew (also after a spec change), without what AWS computes
		obs := at()
		simprovider.DropComputed(obs)
		if err := unstructured.SetNestedMap(mr.Object, obs, "status", "atProvider"); err != nil {
			return true, err
		}
		if err := unstructured.SetNestedSlice(mr.Object, simprovider.Conditions(true, mr.GetGeneration(), now, ""), "status", "conditions"); err != nil {
			return true, err
		}
	case simprovider.FaultNotReady:
		c := cond("Ready")
		if c == nil || (c["status"] != "True" && c["reason"] != "Unavailable") {
			return false, nil // never Ready: it is being created, nothing to take back
		}
		if c["reason"] == "Unavailable" {
			s.markFaulted(key)
			return true, nil
		}
		if err := unstructured.SetNestedSlice(mr.Object, simprovider.Unavailable(mr.GetGeneration(), now), "status", "conditions"); err != nil {
			return true, err
		}
	}
	s.markFaulted(key)
	_, err = r.UpdateStatus(ctx, mr, metav1.UpdateOptions{FieldManager: "provider-standin"})
	return true, err
}

func (s *StandIn) markFaulted(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faulted == nil {
		s.faulted = map[string]bool{}
	}
	s.faulted[key] = true
}

// healed reports (once) whether mr was picked by a fault that has ended: its observation is
// written anew even though its conditions look up to date.
func (s *StandIn) healed(mr *unstructured.Unstructured) bool {
	key := Key(mr.GroupVersionKind().GroupKind(), mr.GetNamespace(), mr.GetName())
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.faulted[key] {
		return false
	}
	delete(s.faulted, key)
	return true
}
