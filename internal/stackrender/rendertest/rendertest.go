// Package rendertest gives tests a stackrender.Engine on the repository's pinned render engine,
// bin/crossplane-core (built with hack/build-tools.sh when missing, as make does).
package rendertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/spec3/lambdastack/examples"
	"github.com/spec3/lambdastack/internal/stackrender"
)

var (
	once    sync.Once
	core    string
	coreErr error
)

// Core is the path of bin/crossplane-core.
func Core(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		root, err := examples.Root()
		if err != nil {
			coreErr = err
			return
		}
		core = filepath.Join(root, "bin", "crossplane-core")
		if _, err := os.Stat(core); err == nil {
			return
		}
		cmd := exec.Command(filepath.Join(root, "hack", "build-tools.sh"), "crossplane-core")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		coreErr = cmd.Run()
	})
	if coreErr != nil {
		t.Fatalf("no render engine bin/crossplane-core: %v", coreErr)
	}
	return core
}

// Engine starts an engine for the test and closes it at its end.
func Engine(t testing.TB) *stackrender.Engine {
	t.Helper()
	eng, err := stackrender.Start(Core(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	return eng
}

// Request reads a request file relative to the repository root.
func Request(t testing.TB, path string) map[string]any {
	t.Helper()
	root, err := examples.Root()
	if err != nil {
		t.Fatal(err)
	}
	obj, err := examples.ReadYAML(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return obj
}
