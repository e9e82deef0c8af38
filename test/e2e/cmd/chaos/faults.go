//go:build e2e

// The faults make chaos injects: the function killed, the control plane restarted, the
// SIMULATED provider failing, invalid edits, a burst of updates.

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/spec3/lambdastack/internal/procstat"
	"github.com/spec3/lambdastack/internal/simprovider"
	"github.com/spec3/lambdastack/test/e2e/fleet"
	"github.com/spec3/lambdastack/test/e2e/providerstandin"
)

// --- the function ---------------------------------------------------------------------------

func (h *harness) functionPID() int {
	b, err := os.ReadFile(filepath.Join(h.c.pidsDir, "function.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// metricsAddress is the function's --metrics-address, read from its command line.
func metricsAddress(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	for _, a := range strings.Split(string(b), "\x00") {
		if v, ok := strings.CutPrefix(a, "--metrics-address="); ok {
			return v
		}
	}
	return ""
}

// functionMetrics reads gauges and counters of the function's Prometheus metrics: the
// goroutines (go_goroutines) and RunFunction calls started and handled.
func functionMetrics(pid int) (goroutines, started, handled int, err error) {
	addr := metricsAddress(pid)
	if addr == "" {
		return 0, 0, 0, fmt.Errorf("function %d serves no metrics (no --metrics-address)", pid)
	}
	cl := http.Client{Timeout: 2 * time.Second}
	rsp, err := cl.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, 0, 0, err
	}
	defer rsp.Body.Close() //nolint:errcheck // read only
	sc := bufio.NewScanner(rsp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	found := false
	for sc.Scan() {
		l := sc.Text()
		f := strings.Fields(l)
		if len(f) != 2 || strings.HasPrefix(l, "#") {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch {
		case f[0] == "go_goroutines":
			goroutines, found = int(v), true
		case strings.HasPrefix(f[0], "grpc_server_started_total{") && strings.Contains(f[0], `grpc_method="RunFunction"`):
			started += int(v)
		case strings.HasPrefix(f[0], "grpc_server_handled_total{") && strings.Contains(f[0], `grpc_method="RunFunction"`):
			handled += int(v)
		}
	}
	if !found {
		return 0, 0, 0, errors.New("no go_goroutines in the function's metrics")
	}
	return goroutines, started, handled, sc.Err()
}

// sampleFunction records the function's RSS and goroutines every 2 s until stopped.
func (h *harness) sampleFunction(ctx context.Context) func() {
	return every(ctx, 2*time.Second, func() {
		pid := h.functionPID()
		if pid <= 0 {
			return
		}
		rss := procstat.StatusKiB(pid, "VmRSS")
		g, _, _, err := functionMetrics(pid)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.fnPIDs[pid] = true
		h.rssPeakKiB = max(h.rssPeakKiB, rss)
		if err == nil {
			h.goroutinePeak = max(h.goroutinePeak, g)
			h.goroutineSamples++
		}
	})
}

// functionKill SIGKILLs the function c.kills times while Crossplane calls it (every stack is
// touched right before, so reconciles are under way); the package runtime restarts it after its
// back-off, as the kubelet restarts a crashed container.
func (h *harness) functionKill(ctx context.Context, r *faultResult) error {
	r.what = fmt.Sprintf("SIGKILL of the function ×%d during reconciles; restarted by the package runtime after its back-off (the kubelet's part)", h.c.kills)
	stop := h.during(ctx, r)
	defer stop()
	var worstDown time.Duration
	for i := range h.c.kills {
		pid := h.functionPID()
		if pid == 0 {
			return errors.New("no function PID")
		}
		if err := h.touchAll(ctx, fmt.Sprintf("kill-%d", i)); err != nil {
			return err
		}
		// kill while a call is in flight if one is seen within 10 s (the metrics are polled)
		var started, handled int
		for t := time.Now(); time.Since(t) < 10*time.Second; time.Sleep(20 * time.Millisecond) {
			_, s, hd, err := functionMetrics(pid)
			if err != nil {
				return err
			}
			if started, handled = s, hd; started > handled {
				break
			}
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return fmt.Errorf("kill %d: %w", pid, err)
		}
		t0 := time.Now()
		// back until a new process serves
		for {
			if p := h.functionPID(); p != pid && p > 0 {
				if _, _, _, err := functionMetrics(p); err == nil {
					break
				}
			}
			if time.Since(t0) > 2*time.Minute {
				return errors.New("the function was not restarted within 2 minutes")
			}
			time.Sleep(200 * time.Millisecond)
		}
		down := time.Since(t0)
		worstDown = max(worstDown, down)
		r.notes = append(r.notes, fmt.Sprintf("kill %d: pid %d had served %d RunFunction calls, %d in flight at its last metrics read before the kill; a new process served after %s",
			i+1, pid, handled, started-handled, down.Round(100*time.Millisecond)))
		if i < h.c.kills-1 {
			time.Sleep(5 * time.Second)
		}
	}
	stop()
	return h.recover(ctx, r, nil)
}

// touchAll annotates every request, so Crossplane reconciles every stack now.
func (h *harness) touchAll(ctx context.Context, v string) error {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{"chaos.spec3.io/touch":%q}}}`, v)
	for _, s := range h.stacks {
		if _, err := h.requests(s).Patch(ctx, s.name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("touch %s: %w", s.id, err)
		}
	}
	return nil
}

// --- the control plane's processes ----------------------------------------------------------

func (h *harness) restart(ctx context.Context, r *faultResult, name string) error {
	what := map[string]string{"crossplane": "Crossplane core", "kas": "kube-apiserver", "etcd": "etcd (data directory kept)"}[name]
	r.what = what + " stopped (SIGTERM) and started again after 5 s (test/e2e/controlplane/restart.sh)"
	stop := h.during(ctx, r)
	defer stop()
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(h.c.cpDir, "restart.sh"), name, "5")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("restart.sh %s: %w", name, err)
	}
	r.notes = append(r.notes, fmt.Sprintf("%s down and back healthy in %s", what, time.Since(t0).Round(100*time.Millisecond)))
	stop()
	return h.recover(ctx, r, nil)
}

// --- the provider stand-in (SIMULATED provider) ---------------------------------------------

func (h *harness) faultsFile() string { return filepath.Join(h.c.state, "standin-faults.json") }

// standIn makes the stand-in play a provider failure on percent of the managed resources for
// the hold time (at least until every affected stack reports it), checking the stacks'
// conditions, then lifts it.
func (h *harness) standIn(ctx context.Context, r *faultResult, mode string, percent int) error {
	r.what = map[string]string{
		simprovider.FaultSyncedFalse: "Synced=False with the provider's throttling error (observe failed: … ThrottlingException: Rate exceeded)",
		simprovider.FaultNoARNs:      "observations without ARNs and ids (eventual consistency)",
		simprovider.FaultNotReady:    "resources reported Ready=False (Unavailable) after they were Ready",
	}[mode] + fmt.Sprintf(" on %d%% of the managed resources (SIMULATED, the stand-in's control file)", percent)
	picked := map[string]*mr{}
	for k, m := range h.base.mrs {
		if simprovider.FaultSelected(simprovider.Hash(m.uid), percent) {
			if mode == simprovider.FaultNoARNs {
				at, _, _ := unstructured.NestedMap(m.obj.Object, "status", "atProvider")
				if !simprovider.HasComputed(at) {
					continue
				}
			}
			picked[k] = m
		}
	}
	stacks := map[string]bool{}
	for _, m := range picked {
		stacks[m.stack] = true
	}
	r.notes = append(r.notes, fmt.Sprintf("%d managed resources of %d stacks picked", len(picked), len(stacks)))
	raw, _ := json.Marshal(providerstandin.Fault{Mode: mode, Percent: percent})
	if err := os.WriteFile(h.faultsFile(), raw, 0o600); err != nil {
		return err
	}
	defer os.Remove(h.faultsFile()) //nolint:errcheck // removed below; this is for errors
	stop := h.during(ctx, r)
	defer stop()

	// the stacks' conditions while it lasts
	truth := func(s *snapshot) []string {
		var bad []string
		for k, p := range picked {
			m := s.mrs[k]
			x := s.xrs[p.stack]
			if m == nil || x == nil {
				continue
			}
			switch mode {
			case simprovider.FaultSyncedFalse:
				if m.synced == nil || m.synced["status"] != "False" {
					bad = append(bad, k+": the stand-in has not failed it yet")
				} else if !slices.Contains(x.failures, m.obj.GetName()) {
					bad = append(bad, fmt.Sprintf("%s: status.failures of %s does not name it", k, p.stack))
				} else if c := fleet.Condition(x.obj, "ResourcesReady"); c == nil || c["reason"] != "ResourceFailing" || !strings.Contains(fmt.Sprint(c["message"]), "ThrottlingException") {
					bad = append(bad, fmt.Sprintf("%s: ResourcesReady of %s is %v, want ResourceFailing with the provider's error", k, p.stack, c))
				}
			case simprovider.FaultNotReady:
				if m.ready == nil || m.ready["reason"] != "Unavailable" {
					bad = append(bad, k+": the stand-in has not taken its readiness back yet")
				} else if c := fleet.Condition(x.obj, "Ready"); c != nil && c["status"] == "True" {
					bad = append(bad, fmt.Sprintf("%s: %s is Ready while it is not", k, p.stack))
				} else if c := fleet.Condition(x.obj, "ResourcesReady"); c == nil || !strings.Contains(fmt.Sprint(c["message"]), p.part) {
					bad = append(bad, fmt.Sprintf("%s: ResourcesReady of %s does not name %s", k, p.stack, p.part))
				}
			case simprovider.FaultNoARNs:
				at, _, _ := unstructured.NestedMap(m.obj.Object, "status", "atProvider")
				if simprovider.HasComputed(at) {
					bad = append(bad, k+": the stand-in still reports its ARN")
				} else if len(x.failures) > 0 {
					bad = append(bad, fmt.Sprintf("%s: %s reports failures %v though nothing failed", k, p.stack, x.failures))
				}
			}
		}
		sort.Strings(bad)
		return bad
	}
	t0 := time.Now()
	var bad []string
	told := time.Duration(0)
	for {
		time.Sleep(2 * time.Second)
		s, err := h.snap(ctx)
		if err != nil {
			continue
		}
		bad = truth(s)
		if len(bad) == 0 && told == 0 {
			told = time.Since(t0)
		}
		if time.Since(t0) >= h.c.hold && (len(bad) == 0 || time.Since(t0) >= h.c.hold+2*time.Minute) {
			break
		}
	}
	if len(bad) > 0 {
		r.truth = bad
	} else {
		r.notes = append(r.notes, fmt.Sprintf("every affected stack told it after %s", told.Round(time.Second)))
	}
	if err := os.Remove(h.faultsFile()); err != nil {
		return err
	}
	stop()
	return h.recover(ctx, r, nil)
}

// --- invalid edits --------------------------------------------------------------------------

// envInvalid sets the dev stage's account to a value that is not an account ID, until every dev
// stack reports it, then restores it.
func (h *harness) envInvalid(ctx context.Context, r *faultResult) error {
	const ec = "stage-dev"
	r.what = "EnvironmentConfig " + ec + ": data.accountId set to \"11111111111x\", then restored"
	res := h.dyn.Resource(fleet.EnvGVR)
	cur, err := res.Get(ctx, ec, metav1.GetOptions{})
	if err != nil {
		return err
	}
	orig, _, _ := unstructured.NestedString(cur.Object, "data", "accountId")
	set := func(v string) error {
		patch := fmt.Sprintf(`{"data":{"accountId":%q}}`, v)
		_, err := res.Patch(ctx, ec, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		return err
	}
	if err := set("11111111111x"); err != nil {
		return err
	}
	stop := h.during(ctx, r)
	defer stop()
	r.truth = h.holdUntilTold(ctx, r, func(st *stack) bool { return st.stage == "dev" }, "data.accountId")
	if err := set(orig); err != nil {
		return err
	}
	stop()
	return h.recover(ctx, r, nil)
}

// holdUntilTold waits at least the hold time and until every affected stack's composite is
// Synced=False with a message containing want; it returns the stacks that never told it.
func (h *harness) holdUntilTold(ctx context.Context, r *faultResult, affected func(*stack) bool, want string) []string {
	t0 := time.Now()
	var bad []string
	told := time.Duration(0)
	n := 0
	for {
		time.Sleep(2 * time.Second)
		s, err := h.snap(ctx)
		if err != nil {
			continue
		}
		bad, n = nil, 0
		for _, st := range h.stacks {
			if !affected(st) {
				continue
			}
			n++
			x := s.xrs[st.id]
			if x == nil {
				continue
			}
			c := fleet.Condition(x.obj, "Synced")
			if c == nil || c["status"] != "False" || !strings.Contains(fmt.Sprint(c["message"]), want) {
				bad = append(bad, fmt.Sprintf("%s: Synced is %v, want False naming %s", st.id, c, want))
			}
		}
		if len(bad) == 0 && told == 0 {
			told = time.Since(t0)
		}
		if time.Since(t0) >= h.c.hold && (len(bad) == 0 || time.Since(t0) >= h.c.hold+2*time.Minute) {
			break
		}
	}
	if len(bad) == 0 {
		r.notes = append(r.notes, fmt.Sprintf("all %d affected stacks Synced=False naming %s after %s", n, want, told.Round(time.Second)))
	}
	return bad
}

// requestInvalid first tries to store a value the XRD's schema forbids with the API server's
// field validation set to Ignore (the API server refuses it: schema and CEL validation cannot
// be bypassed through the API), then edits requests of both flavours to an environment
// variable the schema admits and the function refuses (AWS_REGION is reserved by Lambda; the
// XRD's CEL rule only covers STAGE), and restores them.
func (h *harness) requestInvalid(ctx context.Context, r *faultResult) error {
	r.what = "requests edited to spec.function.environment.AWS_REGION (admitted by the XRD's schema and CEL, refused by the function), then restored"
	// up to two requests of each flavour
	var victims []*stack
	perFlavour := map[bool]int{}
	for _, st := range h.stacks {
		if perFlavour[st.claim] < 2 {
			perFlavour[st.claim]++
			victims = append(victims, st)
		}
	}
	// the schema cannot be bypassed
	bad := `{"spec":{"function":{"memoryMB":64}}}`
	_, err := h.requests(victims[0]).Patch(ctx, victims[0].name, types.MergePatchType, []byte(bad), metav1.PatchOptions{FieldValidation: "Ignore"})
	if err == nil {
		return fmt.Errorf("the API server stored memoryMB 64 for %s", victims[0].id)
	}
	r.notes = append(r.notes, fmt.Sprintf("memoryMB: 64 with fieldValidation=Ignore refused: %s", shorten(err.Error(), 160)))
	ids := map[string]bool{}
	hadEnv := map[string]bool{}
	for _, st := range victims {
		ids[st.id] = true
		cur, err := h.requests(st).Get(ctx, st.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		_, hadEnv[st.id], _ = unstructured.NestedMap(cur.Object, "spec", "function", "environment")
		patch := `{"spec":{"function":{"environment":{"AWS_REGION":"us-east-1"}}}}`
		if _, err := h.requests(st).Patch(ctx, st.name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("the API server refused the edit of %s: %w", st.id, err)
		}
	}
	stop := h.during(ctx, r)
	defer stop()
	r.truth = h.holdUntilTold(ctx, r, func(st *stack) bool { return ids[st.id] }, "spec.function.environment")
	for _, st := range victims {
		// back to the request as it was: without an environment when it had none (a claim
		// with "environment: {}" cannot be synced to its composite in Crossplane v2.4.0: the
		// claim controller sends it as null, which the XRD's schema refuses)
		patch := `{"spec":{"function":{"environment":{"AWS_REGION":null}}}}`
		if !hadEnv[st.id] {
			patch = `{"spec":{"function":{"environment":null}}}`
		}
		if _, err := h.requests(st).Patch(ctx, st.name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return err
		}
	}
	stop()
	return h.recover(ctx, r, nil)
}

// --- a burst of updates ---------------------------------------------------------------------

// burst changes every request's memory at once, twice in a row; recovered means every stack's
// Lambda Functions carry the second value.
func (h *harness) burst(ctx context.Context, r *faultResult) error {
	r.what = "every request's spec.function.memoryMB changed at once, twice in a row (+64 MB, then +128 MB)"
	stop := h.during(ctx, r)
	defer stop()
	want := map[string]int64{}
	for round, add := range []int64{64, 128} {
		t0 := time.Now()
		for _, st := range h.stacks {
			base := st.memoryBase
			if base == 0 {
				base = 512
			}
			want[st.id] = base + add
			patch := fmt.Sprintf(`{"spec":{"function":{"memoryMB":%d}}}`, base+add)
			if _, err := h.requests(st).Patch(ctx, st.name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				return fmt.Errorf("update %s: %w", st.id, err)
			}
		}
		r.notes = append(r.notes, fmt.Sprintf("round %d: %d updates sent in %s", round+1, len(h.stacks), time.Since(t0).Round(time.Millisecond)))
	}
	stop()
	return h.recover(ctx, r, func(st *stack, s *snapshot) bool {
		return h.functionsShow(st, s, func(fp map[string]any) bool {
			v, _, _ := unstructured.NestedInt64(fp, "memorySize")
			return v == want[st.id]
		})
	})
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// recordPIDs writes every function PID seen, for the leak check after the control plane stops.
func (h *harness) recordPIDs() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for pid := range h.fnPIDs {
		fmt.Fprintln(&b, pid)
	}
	return os.WriteFile(filepath.Join(h.c.state, "chaos-function-pids"), []byte(b.String()), 0o600)
}
