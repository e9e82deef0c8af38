package packages_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIReleaseIsReproducibleAndVerifiable builds the lambdastack CLI release as the publish
// workflow does (hack/cli-release.sh, here for linux/amd64 only) twice, into two folders: both
// builds give the same bytes, SHA256SUMS verifies them with sha256sum -c as the README tells
// users to, and the binary reports the release version.
func TestCLIReleaseIsReproducibleAndVerifiable(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the CLI twice")
	}
	const version = "v9.8.7"
	build := func() string {
		out := t.TempDir()
		cmd := exec.Command("hack/cli-release.sh", version)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CLI_TARGETS=linux/amd64", "CLI_OUT="+out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hack/cli-release.sh: %v\n%s", err, b)
		}
		return out
	}
	a, b := build(), build()
	name := "lambdastack-" + version + "-linux-amd64"
	binA, errA := os.ReadFile(filepath.Join(a, name))
	binB, errB := os.ReadFile(filepath.Join(b, name))
	if errA != nil || errB != nil {
		t.Fatalf("release binary missing: %v, %v", errA, errB)
	}
	if !bytes.Equal(binA, binB) {
		t.Errorf("two builds of %s differ (%d and %d bytes): the release is not reproducible", name, len(binA), len(binB))
	}
	sums, err := os.ReadFile(filepath.Join(a, "SHA256SUMS"))
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(sums)), "  "+name) {
		t.Fatalf("SHA256SUMS = %q (%v); want one line for %s", sums, err, name)
	}
	check := exec.Command("sha256sum", "-c", "SHA256SUMS")
	check.Dir = a
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c SHA256SUMS: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(a, name), "version").Output()
	if err != nil || string(out) != "lambdastack "+version+"\n" {
		t.Errorf("%s version = %q (%v); want lambdastack %s", name, out, err, version)
	}
}
