package e2e

// Not behind the e2e build tag: `go test ./...` (make test) runs it without a control plane.

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUptestStep runs make e2e's uptest step (steps.sh) with a fake uptest in place of
// test/e2e/uptest.sh: the step returns uptest's exit status whatever its output filter finds, and
// a budget that runs out fails it.
func TestUptestStep(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	steps, err := filepath.Abs("steps.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, script, budget string
		want                 int
		wantLog, wantShown   string
	}{
		{"failing case", "printf '\\033[31m--- FAIL: chainsaw/case (240.00s)\\033[0m\\n'; exit 1", "30s", 1,
			"--- FAIL: chainsaw/case", "--- FAIL"},
		{"silent failure", "exit 3", "30s", 3, "", ""},
		{"killed by its own timeout", "echo 'uptest: error: cannot wait for chainsaw: signal: killed'; exit 1", "30s", 1,
			"signal: killed", "cannot wait"},
		{"over budget", "echo started; sleep 20", "1s", 124, "started", ""},
		{"pass, no progress line", "echo quiet; exit 0", "30s", 0, "quiet", ""},
		{"pass", "echo '--- PASS: chainsaw/dev (12.00s)'", "30s", 0, "--- PASS", "--- PASS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fake := filepath.Join(dir, "uptest.sh")
			if err := os.WriteFile(fake, []byte("#!/usr/bin/env bash\n"+tc.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			log := filepath.Join(dir, "uptest.log")
			cmd := exec.Command("bash", "-c", `set -uo pipefail; . "$1"; uptest_step "$2" "$3" examples/dev.yaml`,
				"bash", steps, log, tc.budget)
			cmd.Env = append(os.Environ(), "UPTEST_SH="+fake)
			out, err := cmd.Output()
			got := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				got = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("uptest_step returned %d, want %d (stdout %q)", got, tc.want, out)
			}
			raw, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(raw), tc.wantLog) || strings.Contains(string(raw), "\033[") {
				t.Errorf("log %q: want %q in it, without colour codes", raw, tc.wantLog)
			}
			if !strings.Contains(string(out), tc.wantShown) {
				t.Errorf("shown %q, want %q", out, tc.wantShown)
			}
		})
	}
}
