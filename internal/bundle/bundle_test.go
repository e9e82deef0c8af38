package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const exampleDir = "../../examples/lambda"

// writeTree creates files (slash paths → contents) under root; names ending
// in ".sh" are made executable.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// copyTree copies src into a new temporary folder, giving every file and
// folder the modification time mtime, and returns the copy.
func copyTree(t *testing.T, src string, mtime time.Time) string {
	t.Helper()
	dst := t.TempDir()
	var dirs []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, target)
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, data, info.Mode().Perm()); err != nil {
			return err
		}
		return os.Chtimes(target, mtime, mtime)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
	for _, d := range dirs {
		if err := os.Chtimes(d, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

var sampleTree = map[string]string{
	"handler.py":                       "def handler(event, context):\n    return {}\n",
	"pkg/__init__.py":                  "",
	"pkg/util.py":                      "X = 1\n",
	"bin/run.sh":                       "#!/bin/sh\necho hi\n",
	"requirements.txt":                 "# nothing\n\n",
	"pkg/__pycache__/util.cpython.pyc": "junk",
	"stale.pyc":                        "junk",
	".git/HEAD":                        "ref: refs/heads/main\n",
	".pytest_cache/v/x":                "junk",
	".bundleignore":                    "tests/\n*.md\n!KEEP.md\n",
	"tests/test_handler.py":            "assert True\n",
	"README.md":                        "docs\n",
	"KEEP.md":                          "kept\n",
}

func TestBuildSelectsAndOrdersFiles(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, sampleTree)
	b, err := Build(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"KEEP.md", "bin/run.sh", "handler.py", "pkg/__init__.py", "pkg/util.py", "requirements.txt"}
	if !slices.Equal(b.Files, want) {
		t.Fatalf("files = %q\nwant    %q", b.Files, want)
	}
	sum := sha256.Sum256(b.Zip)
	if b.SHA256 != hex.EncodeToString(sum[:]) || b.Key("p/") != "p/"+b.SHA256+".zip" || b.Key("") != b.SHA256+".zip" {
		t.Errorf("digest %s or keys %s, %s do not match the zip", b.SHA256, b.Key("p/"), b.Key(""))
	}
}

func TestZipEntriesAreNormalised(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, sampleTree)
	if err := os.Chmod(filepath.Join(dir, "pkg", "util.py"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := Build(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Zip), int64(len(b.Zip)))
	if err != nil {
		t.Fatal(err)
	}
	wantModes := map[string]fs.FileMode{
		"KEEP.md": 0o644, "bin/": fs.ModeDir | 0o755, "bin/run.sh": 0o755, "handler.py": 0o644,
		"pkg/": fs.ModeDir | 0o755, "pkg/__init__.py": 0o644, "pkg/util.py": 0o644, "requirements.txt": 0o644,
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(Epoch) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, Epoch)
		}
		if f.Mode() != wantModes[f.Name] {
			t.Errorf("%s: mode %v, want %v", f.Name, f.Mode(), wantModes[f.Name])
		}
		checkContent(t, f, dir)
	}
	if !slices.IsSorted(names) || len(names) != len(wantModes) {
		t.Errorf("entries %q: want the %d sorted names of %v", names, len(wantModes), wantModes)
	}
}

func checkContent(t *testing.T, f *zip.File, dir string) {
	t.Helper()
	if strings.HasSuffix(f.Name, "/") {
		return
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	if want := sampleTree[f.Name]; string(got) != want {
		t.Errorf("%s: content %q, want %q", f.Name, got, want)
	}
}

// Two copies of a folder with different modification times (and a
// different umask on one file) give byte-identical zips.
func TestBuildIsByteIdenticalAcrossCopies(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, sampleTree)
	a := copyTree(t, src, time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC))
	b := copyTree(t, src, time.Now())
	if err := os.Chmod(filepath.Join(b, "handler.py"), 0o664); err != nil {
		t.Fatal(err)
	}
	za, err := Build(Options{Dir: a})
	if err != nil {
		t.Fatal(err)
	}
	zb, err := Build(Options{Dir: b})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(za.Zip, zb.Zip) {
		t.Fatalf("zips differ: %s vs %s", za.SHA256, zb.SHA256)
	}
	// A content change must change the digest.
	writeTree(t, b, map[string]string{"pkg/util.py": "X = 2\n"})
	zc, err := Build(Options{Dir: b})
	if err != nil {
		t.Fatal(err)
	}
	if zc.SHA256 == za.SHA256 {
		t.Fatal("changing a file did not change the digest")
	}
}

// The example handler builds to the same bytes from two copies; the digest
// is logged (go test -v) for the record.
func TestExampleBundleIsReproducible(t *testing.T) {
	a, err := Build(Options{Dir: copyTree(t, exampleDir, time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(Options{Dir: copyTree(t, exampleDir, time.Now().Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Zip, b.Zip) {
		t.Fatalf("example zips differ: %s vs %s", a.SHA256, b.SHA256)
	}
	if slices.ContainsFunc(a.Files, func(f string) bool { return strings.HasPrefix(f, "events/") }) {
		t.Errorf("sample events leaked into the bundle: %q", a.Files)
	}
	if !slices.Contains(a.Files, "handler.py") {
		t.Errorf("handler.py missing from the bundle: %q", a.Files)
	}
	t.Logf("examples/lambda: build 1 sha256 %s, build 2 sha256 %s (%d bytes, files %q)", a.SHA256, b.SHA256, len(a.Zip), a.Files)
}

func TestExplicitIgnoreFile(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, sampleTree)
	ignore := filepath.Join(t.TempDir(), "custom-ignore")
	if err := os.WriteFile(ignore, []byte("pkg/\nbin/*.sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Build(Options{Dir: dir, IgnoreFile: ignore})
	if err != nil {
		t.Fatal(err)
	}
	// The explicit file replaces .bundleignore: README.md and tests/ are back.
	want := []string{"KEEP.md", "README.md", "handler.py", "requirements.txt", "tests/test_handler.py"}
	if !slices.Equal(b.Files, want) {
		t.Fatalf("files = %q, want %q", b.Files, want)
	}
}

func TestBuildErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file.py")
	writeTree(t, filepath.Dir(file), map[string]string{"file.py": "x"})
	allIgnored := t.TempDir()
	writeTree(t, allIgnored, map[string]string{"a.pyc": "x", ".bundleignore": "*\n"})
	linked := t.TempDir()
	writeTree(t, linked, map[string]string{"real/a.py": "x"})
	if err := os.Symlink(filepath.Join(linked, "real"), filepath.Join(linked, "link")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"no folder", Options{}, "no source folder"},
		{"missing folder", Options{Dir: filepath.Join(t.TempDir(), "nope")}, "no such file"},
		{"not a folder", Options{Dir: file}, "is not a folder"},
		{"everything ignored", Options{Dir: allIgnored}, "every file in"},
		{"symlinked folder", Options{Dir: linked}, "link is a symbolic link to a folder"},
		{"missing ignore file", Options{Dir: linked, IgnoreFile: "/nonexistent/ignore"}, "reading ignore file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want error containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestSymlinkedFileIsFollowed(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"real.py": "R = 1\n"})
	if err := os.Symlink("real.py", filepath.Join(dir, "alias.py")); err != nil {
		t.Fatal(err)
	}
	b, err := Build(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.Files, []string{"alias.py", "real.py"}) {
		t.Fatalf("files = %q", b.Files)
	}
}
