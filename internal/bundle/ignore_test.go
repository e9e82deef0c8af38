package bundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMatcher(t *testing.T) {
	lines := []string{
		"# comment",
		"",
		"*.log",
		"build/",
		"/top.txt",
		"docs/*.md",
		"**/fixtures",
		"deep/**/x.py",
		"vendor/**",
		"!vendor/keep.py",
		"!important.log",
		`\#literal`,
	}
	m, err := NewMatcher("test", lines)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path  string
		dir   bool
		want  bool
		cause string
	}{
		{"app.log", false, true, "*.log at the root"},
		{"a/b/app.log", false, true, "*.log at any depth"},
		{"important.log", false, false, "re-included by !"},
		{"build", true, true, "build/ matches a folder"},
		{"src/build", true, true, "build/ matches a folder at any depth"},
		{"build", false, false, "build/ does not match a file"},
		{"top.txt", false, true, "/top.txt anchored at the root"},
		{"sub/top.txt", false, false, "/top.txt not below the root"},
		{"docs/a.md", false, true, "docs/*.md"},
		{"docs/sub/a.md", false, false, "* does not cross /"},
		{"x/docs/a.md", false, false, "a pattern with / is anchored"},
		{"fixtures", true, true, "**/ matches zero folders"},
		{"a/b/fixtures", true, true, "**/ matches several folders"},
		{"deep/x.py", false, true, "/**/ matches zero folders"},
		{"deep/a/b/x.py", false, true, "/**/ matches several folders"},
		{"vendor", true, false, "trailing /** matches the contents, not the folder"},
		{"vendor/lib.py", false, true, "trailing /** matches the contents"},
		{"vendor/keep.py", false, false, "re-included inside vendor/"},
		{"#literal", false, true, `\# escapes a leading #`},
		{"handler.py", false, false, "no pattern"},
	}
	for _, c := range cases {
		if got := m.Ignored(c.path, c.dir); got != c.want {
			t.Errorf("Ignored(%q, dir=%v) = %v, want %v (%s)", c.path, c.dir, got, c.want, c.cause)
		}
	}
}

func TestDefaultIgnore(t *testing.T) {
	m, err := NewMatcher("defaults", DefaultIgnore)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		path string
		dir  bool
	}{
		{".git", true}, {"pkg/__pycache__", true}, {"a.pyc", false}, {"pkg/b.pyo", false},
		{".pytest_cache", true}, {".mypy_cache", true}, {".venv", true}, {".DS_Store", false}, {".bundleignore", false},
	} {
		if !m.Ignored(p.path, p.dir) {
			t.Errorf("%s should be ignored by default", p.path)
		}
	}
	if m.Ignored("handler.py", false) || m.Ignored("requirements.txt", false) {
		t.Error("source files must not be ignored by default")
	}
}

func TestBadPatternNamesFileAndLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), ".bundleignore")
	if err := os.WriteFile(file, []byte("ok.txt\n[unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _ := NewMatcher("defaults", nil)
	err := m.ReadIgnoreFile(file)
	if err == nil || !strings.Contains(err.Error(), file+":2") || !strings.Contains(err.Error(), "[unclosed") {
		t.Fatalf("want an error naming %s:2 and the pattern, got %v", file, err)
	}
}

func TestMissingIgnoreFile(t *testing.T) {
	m, _ := NewMatcher("defaults", nil)
	err := m.ReadIgnoreFile(filepath.Join(t.TempDir(), "nope"))
	if err == nil || !strings.Contains(err.Error(), "ignore file") {
		t.Fatalf("want a clear error for a missing ignore file, got %v", err)
	}
}
