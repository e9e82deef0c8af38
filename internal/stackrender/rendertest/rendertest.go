// Package rendertest gives tests the repository's pinned tools in bin/ (bin/crossplane-core,
// the render engine, and bin/crossplane, the CLI), built with hack/build-tools.sh when missing
// as make does, and a stackrender.Engine on the render engine.
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

// tool is one pinned binary, built at most once per test process.
type tool struct {
	once sync.Once
	path string
	err  error
}

var (
	mu    sync.Mutex
	tools = map[string]*tool{}
)

// Tool is the path of bin/<name>, built with `hack/build-tools.sh <name>` when missing.
func Tool(t testing.TB, name string) string {
	t.Helper()
	mu.Lock()
	b, ok := tools[name]
	if !ok {
		b = &tool{}
		tools[name] = b
	}
	mu.Unlock()
	b.once.Do(func() {
		root, err := examples.Root()
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(root, "bin", name)
		if _, err := os.Stat(b.path); err == nil {
			return
		}
		cmd := exec.Command(filepath.Join(root, "hack", "build-tools.sh"), name)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		b.err = cmd.Run()
	})
	if b.err != nil {
		t.Fatalf("cannot build bin/%s: %v", name, b.err)
	}
	return b.path
}

// Core is bin/crossplane-core, the render engine.
func Core(t testing.TB) string { return Tool(t, "crossplane-core") }

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
