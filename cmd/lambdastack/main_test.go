package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const (
	exampleSource = "../../examples/lambda"
	exampleBucket = "spec3-lambdastack-artifacts"
	examplePrefix = "mcp-server"
)

// runCLI runs the command in-process and returns exit code, stdout, stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUsage(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage: lambdastack"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"bundle"}, 2, "want exactly one source folder"},
		{[]string{"bundle", "a", "b", "--bucket", "x"}, 2, "want exactly one source folder, got 2"},
		{[]string{"bundle", exampleSource}, 2, "--bucket is required"},
		{[]string{"bundle", "--nope", exampleSource}, 2, "flag provided but not defined: -nope"},
		{[]string{"bundle", "/nonexistent/src", "--bucket", "b", "--dry-run"}, 1, "source folder: stat /nonexistent/src"},
	}
	for _, c := range cases {
		code, stdout, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("%q: exit %d, output %q; want exit %d and %q", c.args, code, stdout+stderr, c.code, c.want)
		}
	}
	if code, stdout, _ := runCLI(t, "help"); code != 0 || !strings.Contains(stdout, "bundle") {
		t.Errorf("help: exit %d, %q", code, stdout)
	}
	if code, stdout, _ := runCLI(t, "version"); code != 0 || stdout != "lambdastack dev\n" {
		t.Errorf("version: exit %d, %q; want the version of a build from source", code, stdout)
	}
	if code, _, stderr := runCLI(t, "bundle", "-h"); code != 0 || !strings.Contains(stderr, "-dry-run") {
		t.Errorf("bundle -h: exit %d, %q", code, stderr)
	}
}

// dryRunExample runs the documented dry run (flags after the folder, as in
// the README) and returns the printed block and the zip it wrote.
func dryRunExample(t *testing.T) (block string, zip []byte) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bundle.zip")
	code, stdout, stderr := runCLI(t, "bundle", exampleSource, "--bucket", exampleBucket, "--prefix", examplePrefix, "--dry-run", "--out", out)
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return stdout, data
}

func TestDryRunPrintsCodeBlock(t *testing.T) {
	block, zip := dryRunExample(t)
	sum := sha256.Sum256(zip)
	want := "code:\n  s3:\n    bucket: " + exampleBucket + "\n    key: " + examplePrefix + "/" + hex.EncodeToString(sum[:]) + ".zip\n"
	if block != want {
		t.Fatalf("dry run printed\n%s\nwant\n%s", block, want)
	}
	again, _ := dryRunExample(t)
	if again != block {
		t.Fatalf("second dry run printed a different block:\n%s", again)
	}
	t.Logf("examples/lambda bundle:\n%s", block)
}

var keyLine = regexp.MustCompile(`(?m)^    key: (\S+)$`)

// Every example request that takes its code from S3 must name the object
// that `make bundle` (the dry run of examples/lambda) computes.
func TestExamplesCarryBundleKey(t *testing.T) {
	block, _ := dryRunExample(t)
	wantKey := keyLine.FindStringSubmatch(block)[1]
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		for i, code := range s3CodeIn(t, f) {
			checked++
			if code.Bucket != exampleBucket || code.Key != wantKey {
				t.Errorf("%s (document %d): code.s3 is %s/%s, want %s/%s: run `make bundle` and paste its key",
					f, i+1, code.Bucket, code.Key, exampleBucket, wantKey)
			}
		}
	}
	if checked == 0 {
		t.Skip("no examples/*.yaml has spec.function.code.s3")
	}
	t.Logf("checked %d example requests against %s", checked, wantKey)
}
