//go:build e2e

package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildCLI builds the real lambdastack binary from the checkout at root, so tests run it as a
// user does and see its exit status.
func buildCLI(ctx context.Context, t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lambdastack")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, filepath.Join(root, "cmd", "lambdastack")).CombinedOutput(); err != nil {
		t.Fatalf("building lambdastack: %v\n%s", err, out)
	}
	return bin
}

// runCLI runs lambdastack with args against the control plane of kubeconfig and returns its exit
// status, stdout and stderr; a binary that does not run fails the test.
func runCLI(ctx context.Context, t *testing.T, bin, kubeconfig string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}
