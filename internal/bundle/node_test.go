package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// needNpm skips when npm is not installed.
func needNpm(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skipf("skipping: npm unavailable: %v", err)
	}
}

// offlineNpm packs a one-file package "tinylib 1.0.0" into a fresh npm cache and switches npm
// to offline mode with that cache, so `npm ci` installs it with no network, as it would from the
// registry. It returns the lock file entry's integrity.
func offlineNpm(t *testing.T) string {
	t.Helper()
	lib, cache := t.TempDir(), t.TempDir()
	writeTree(t, lib, map[string]string{
		"package.json": `{"name":"tinylib","version":"1.0.0","main":"index.js"}`,
		"index.js":     "module.exports = 42;\n",
	})
	t.Setenv("npm_config_cache", cache)
	t.Setenv("npm_config_offline", "true")
	t.Setenv("npm_config_userconfig", os.DevNull)
	for _, args := range [][]string{{"pack"}, {"cache", "add", "./tinylib-1.0.0.tgz"}} {
		cmd := exec.Command("npm", args...)
		cmd.Dir = lib
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm %v: %v\n%s", args, err, out)
		}
	}
	tgz, err := os.ReadFile(filepath.Join(lib, "tinylib-1.0.0.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(tgz)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// nodeApp is a handler with one production and one development dependency, locked.
func nodeApp(t *testing.T, integrity string) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"index.mjs":    "import lib from 'tinylib';\nexport const handler = async () => ({ statusCode: 200, body: String(lib) });\n",
		"package.json": `{"name":"app","version":"1.0.0","dependencies":{"tinylib":"1.0.0"},"devDependencies":{"devonly":"1.0.0"}}`,
		"package-lock.json": `{"name":"app","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{` +
			`"":{"name":"app","version":"1.0.0","dependencies":{"tinylib":"1.0.0"},"devDependencies":{"devonly":"1.0.0"}},` +
			`"node_modules/tinylib":{"version":"1.0.0","resolved":"https://registry.npmjs.org/tinylib/-/tinylib-1.0.0.tgz","integrity":"` + integrity + `"},` +
			`"node_modules/devonly":{"version":"1.0.0","resolved":"https://registry.npmjs.org/devonly/-/devonly-1.0.0.tgz","integrity":"sha512-AAAA","dev":true}}}`,
		// a local install with development dependencies: never bundled
		"node_modules/devonly/index.js": "module.exports = 'dev';\n",
	})
	return dir
}

func zipNames(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}

func TestNodeVendorsProductionDependenciesFromTheLock(t *testing.T) {
	needNpm(t)
	dir := nodeApp(t, offlineNpm(t))
	b, err := Build(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"index.mjs", "node_modules/tinylib/index.js", "node_modules/tinylib/package.json", "package-lock.json", "package.json"}
	if !slices.Equal(b.Files, want) || b.Vendored != 2 || b.Dependencies != PackageLock {
		t.Fatalf("files %q (%d vendored from %q), want %q (2 from %s)", b.Files, b.Vendored, b.Dependencies, want, PackageLock)
	}
	for _, n := range zipNames(t, b.Zip) {
		if strings.Contains(n, "devonly") || strings.HasSuffix(n, ".package-lock.json") {
			t.Errorf("zip holds %s", n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "devonly", "index.js")); err != nil {
		t.Errorf("the source folder's node_modules was touched: %v", err)
	}
	again, err := Build(Options{Dir: dir, Runtime: "nodejs20.x"})
	if err != nil || again.SHA256 != b.SHA256 {
		t.Fatalf("second build: %v, sha256 %s, want the same %s", err, again.SHA256, b.SHA256)
	}
}

func TestNodeErrors(t *testing.T) {
	needNpm(t)
	integrity := offlineNpm(t)

	unlocked := nodeApp(t, integrity)
	if err := os.Remove(filepath.Join(unlocked, PackageLock)); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(Options{Dir: unlocked}); err == nil || !strings.Contains(err.Error(), "lists 1 dependencies but there is no package-lock.json") {
		t.Errorf("no lock file: %v", err)
	}

	stale := nodeApp(t, "sha512-"+strings.Repeat("A", 86)+"==")
	if _, err := Build(Options{Dir: stale}); err == nil || !strings.Contains(err.Error(), "npm ci --omit=dev failed for package-lock.json") {
		t.Errorf("lock file that npm cannot satisfy: %v", err)
	}

	if _, err := Build(Options{Dir: nodeApp(t, integrity), Npm: "/nonexistent/npm"}); err == nil || !strings.Contains(err.Error(), "is Node.js installed? pass --npm") {
		t.Errorf("missing npm: %v", err)
	}

	noDeps := t.TempDir()
	writeTree(t, noDeps, map[string]string{"index.js": "exports.handler = async () => 1;\n", "package.json": `{"name":"x"}`})
	b, err := Build(Options{Dir: noDeps, Npm: "/nonexistent/npm"})
	if err != nil || b.Vendored != 0 || !slices.Equal(b.Files, []string{"index.js", "package.json"}) {
		t.Errorf("no dependencies must not run npm: %v %+v", err, b)
	}
}

func TestRuntimesWithoutASourceBuildWantAZip(t *testing.T) {
	for _, rt := range []string{"java21", "provided.al2023"} {
		_, err := Build(Options{Dir: t.TempDir(), Runtime: rt})
		if err == nil || !strings.Contains(err.Error(), "runtime "+rt+": build the zip yourself") || !strings.Contains(err.Error(), "--zip") {
			t.Errorf("%s: %v", rt, err)
		}
	}
}

func TestPrebuilt(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bootstrap")
	_, _ = w.Write([]byte("#!/bin/sh\n"))
	_ = zw.Close()
	path := filepath.Join(dir, "fn.zip")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Prebuilt(path)
	if err != nil || !bytes.Equal(b.Zip, buf.Bytes()) || !slices.Equal(b.Files, []string{"bootstrap"}) || len(b.SHA256) != 64 {
		t.Fatalf("Prebuilt: %v %+v", err, b)
	}
	if err := os.WriteFile(path, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Prebuilt(path); err == nil || !strings.Contains(err.Error(), "is not a zip file") {
		t.Errorf("not a zip: %v", err)
	}
}
