package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spec3/lambdastack/internal/stackrender/rendertest"
)

// writeChanged writes examples/<name> with old replaced by new into a temporary file.
func writeChanged(t *testing.T, name, old, new string) string {
	t.Helper()
	raw, err := os.ReadFile("../../examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), old) {
		t.Fatalf("%s has no %q", name, old)
	}
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, []byte(strings.Replace(string(raw), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// The exit status is diff's: 0 no changes, 1 changes, 2 error.
func TestDiffOfflineExitStatus(t *testing.T) {
	core := rendertest.Core(t)
	dev := "../../examples/dev.yaml"
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"same", []string{dev, dev}, 0, "no changes\n", ""},
		{"memory", []string{dev, writeChanged(t, "dev.yaml", "    environment:\n", "    memoryMB: 512\n    environment:\n")}, 1,
			"~ function (Function mcp-server--function)\n    spec.forProvider.memorySize: 256 → 512\n0 to add, 1 to change, 0 to remove; 0 replaced or deleted in AWS\n", ""},
		{"refused", []string{dev, writeChanged(t, "dev.yaml", "stage: dev", "stage: nosuchstage")}, 2, "", "after: the function refused the request: "},
		{"prod without its EnvironmentConfig", []string{"../../examples/prod.yaml", "../../examples/prod.yaml"}, 2, "", "has no EnvironmentConfig"},
		{"not a request", []string{dev, "../../examples/functions.yaml"}, 2, "", "after: not a LambdaStack request: apiVersion pkg.crossplane.io/v1, kind Function"},
		{"two documents", []string{dev, "../../examples/providerconfigs.yaml"}, 2, "", "want one request (a LambdaStack or LambdaStackClaim), found"},
	}
	for _, c := range cases {
		args := append([]string{"diff", "--offline", "--crossplane-core", core}, c.args...)
		code, stdout, stderr := runCLI(t, args...)
		if code != c.code || stdout != c.stdout || !strings.Contains(stderr, c.stderr) {
			t.Errorf("%s: exit %d\nstdout %q\nstderr %q\nwant exit %d, stdout %q, stderr with %q", c.name, code, stdout, stderr, c.code, c.stdout, c.stderr)
		}
	}
	// with the stage's EnvironmentConfig, prod renders
	code, stdout, stderr := runCLI(t, "diff", "--offline", "--crossplane-core", core, "--required-resources", "../../examples/environmentconfigs",
		"../../examples/prod.yaml", writeChanged(t, "prod.yaml", "      - GET /health\n", ""))
	if code != 1 || !strings.Contains(stdout, "- api-route-get-health (Route mcp-server--api-route-get-health)\n  !! DELETED in AWS: api-route-get-health") {
		t.Errorf("prod, a route removed: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestDiffArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"diff"}, "want exactly one request file, got 0"},
		{[]string{"diff", "--offline", "a.yaml"}, "--offline wants two request files"},
		{[]string{"diff", "a.yaml", "--observed", "o.yaml"}, "--required-resources and --observed go with --offline"},
		{[]string{"diff", "--offline", "a.yaml", "b.yaml", "--crossplane-core", "/nonexistent/core"}, "render engine \"/nonexistent/core\" not found"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
