package bundle

import (
	"archive/zip"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestHasRequirements(t *testing.T) {
	cases := map[string]bool{
		"":                               false,
		"# only a comment\n\n   \n":      false,
		"requests==2.32.3\n":             true,
		"  # c\n--index-url http://x\n":  true,
		"\n# pinned below\nboto3==1.0\n": true,
	}
	for content, want := range cases {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{RequirementsFile: content})
		got, err := HasRequirements(dir)
		if err != nil || got != want {
			t.Errorf("HasRequirements(%q) = %v, %v; want %v", content, got, err, want)
		}
	}
	got, err := HasRequirements(t.TempDir())
	if err != nil || got {
		t.Errorf("missing requirements.txt: got %v, %v; want false, nil", got, err)
	}
}

// needPip skips when python3 has no pip module.
func needPip(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("python3", "-m", "pip", "--version").CombinedOutput(); err != nil {
		t.Skipf("skipping: python3 -m pip unavailable: %v %s", err, out)
	}
}

// writeWheel writes a minimal pure-Python wheel "tinypkg 1.0" into dir, so
// pip can install it with no network (PIP_NO_INDEX + PIP_FIND_LINKS).
func writeWheel(t *testing.T, dir string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range map[string]string{
		"tinypkg/__init__.py":            "VALUE = 42\n",
		"tinypkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
		"tinypkg-1.0.dist-info/WHEEL":    "Wheel-Version: 1.0\nGenerator: lambdastack-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
		"tinypkg-1.0.dist-info/RECORD":   "tinypkg/__init__.py,,\ntinypkg-1.0.dist-info/METADATA,,\ntinypkg-1.0.dist-info/WHEEL,,\ntinypkg-1.0.dist-info/RECORD,,\n",
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tinypkg-1.0-py3-none-any.whl"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// offlineIndex points pip at a local folder holding tinypkg only.
func offlineIndex(t *testing.T) {
	t.Helper()
	wheels := t.TempDir()
	writeWheel(t, wheels)
	t.Setenv("PIP_NO_INDEX", "1")
	t.Setenv("PIP_FIND_LINKS", wheels)
	t.Setenv("PIP_CONFIG_FILE", os.DevNull)
}

func TestVendorsRequirements(t *testing.T) {
	needPip(t)
	offlineIndex(t)
	src := t.TempDir()
	writeTree(t, src, map[string]string{"handler.py": "import tinypkg\n", RequirementsFile: "# deps\ntinypkg==1.0\n"})
	a, err := Build(Options{Dir: src})
	if err != nil {
		t.Fatal(err)
	}
	if a.Vendored == 0 || !slices.Contains(a.Files, "tinypkg/__init__.py") || !slices.Contains(a.Files, "handler.py") {
		t.Fatalf("vendored %d, files %q: want handler.py and tinypkg/__init__.py", a.Vendored, a.Files)
	}
	for _, f := range a.Files {
		if strings.HasSuffix(f, ".pyc") || strings.Contains(f, "__pycache__") {
			t.Errorf("byte code in the bundle: %s", f)
		}
	}
	t.Logf("files with vendored tinypkg: %q", a.Files)
	b, err := Build(Options{Dir: src})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Zip, b.Zip) {
		t.Errorf("two builds with the same requirements differ: %s vs %s", a.SHA256, b.SHA256)
	}
}

func TestVendoredNameClashIsAnError(t *testing.T) {
	needPip(t)
	offlineIndex(t)
	src := t.TempDir()
	writeTree(t, src, map[string]string{"tinypkg/__init__.py": "shadow\n", RequirementsFile: "tinypkg==1.0\n"})
	_, err := Build(Options{Dir: src})
	if err == nil || !strings.Contains(err.Error(), "tinypkg/__init__.py exists both") {
		t.Fatalf("want a clash error, got %v", err)
	}
}

func TestUnreachableIndexIsAClearError(t *testing.T) {
	needPip(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/simple"
	l.Close() // nothing listens there any more: connections are refused
	t.Setenv("PIP_CONFIG_FILE", os.DevNull)
	t.Setenv("PIP_FIND_LINKS", "")
	t.Setenv("PIP_INDEX_URL", closed)
	t.Setenv("PIP_RETRIES", "1")
	t.Setenv("PIP_DEFAULT_TIMEOUT", "5")
	src := t.TempDir()
	writeTree(t, src, map[string]string{"handler.py": "", RequirementsFile: "tinypkg==1.0\n"})
	_, err = Build(Options{Dir: src})
	if err == nil || !strings.Contains(err.Error(), "could not reach the package index") {
		t.Fatalf("want an unreachable-index error, got %v", err)
	}
	t.Setenv("PIP_RETRIES", "0") // pip then only says it found no version
	_, err = Build(Options{Dir: src})
	if err == nil || !strings.Contains(err.Error(), "index may be unreachable") {
		t.Fatalf("want a found-no-version error, got %v", err)
	}
}

func TestMissingPythonOrPip(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{"handler.py": "", RequirementsFile: "tinypkg==1.0\n"})
	_, err := Build(Options{Dir: src, Python: filepath.Join(t.TempDir(), "no-python")})
	if err == nil || !strings.Contains(err.Error(), "cannot run") {
		t.Fatalf("want a cannot-run error, got %v", err)
	}
	// A Python without pip answers like this one.
	fake := filepath.Join(t.TempDir(), "python-without-pip")
	script := "#!/bin/sh\necho \"/usr/bin/python3: No module named pip\" >&2\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = Build(Options{Dir: src, Python: fake})
	if err == nil || !strings.Contains(err.Error(), "pip is not installed") {
		t.Fatalf("want a pip-not-installed error, got %v", err)
	}
}

func TestNoRequirementsDoesNotRunPip(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{"handler.py": "", RequirementsFile: "# none\n"})
	// A Python that cannot run proves pip is not called.
	b, err := Build(Options{Dir: src, Python: filepath.Join(t.TempDir(), "no-python")})
	if err != nil || b.Vendored != 0 {
		t.Fatalf("got %v, vendored %v; want success without pip", err, b)
	}
}
