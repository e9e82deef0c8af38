// Package packages_test builds the Crossplane packages as `make xpkg` does (hack/xpkg.sh: static
// function binaries, runtime images made with go-containerregistry, `crossplane xpkg build`) into
// a temporary directory and inspects what came out: the runtime images' layers, files and config,
// the Function packages (runtime image embedded, package.yaml layer) and the Configuration
// package (meta, dependencies, XRDs and Compositions), parsed with the package parser Crossplane
// itself uses; then it pushes them (hack/xpkg.sh push) to go-containerregistry's in-memory
// registry on loopback and reads them back. A broken package fails here, not at install time.
//
// XPKG_DIR=_output go test ./test/package/ inspects packages built before instead of building.
// The build costs two static Go builds of the function (cold: a few minutes); -short skips it.
package packages_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/x509"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/crossplane/crossplane-runtime/v2/pkg/xpkg/parser"
	xpv1 "github.com/crossplane/crossplane/apis/v2/apiextensions/v1"
	xpv1alpha1 "github.com/crossplane/crossplane/apis/v2/apiextensions/v1alpha1"
	xpv2 "github.com/crossplane/crossplane/apis/v2/apiextensions/v2"
	pkgmetav1 "github.com/crossplane/crossplane/apis/v2/pkg/meta/v1"
	pkgmetav1beta1 "github.com/crossplane/crossplane/apis/v2/pkg/meta/v1beta1"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

const (
	root = "../.."
	// maxCompressed is the size budget of a runtime image as a node pulls it.
	maxCompressed = 25 << 20
	// crossplaneCore is the Crossplane version this project runs and tests against (hack/build-tools.sh).
	crossplaneCore = "v2.4.0"
	// providerAWS is the provider-aws release whose CRDs the render and schema tests validate against.
	providerAWS = "v2.5.0"
	functionPkg = "xpkg.upbound.io/spec3/function-lambdastack"
	// buildVersion is the VERSION the test builds the packages for (make xpkg VERSION=...).
	buildVersion = "v0.7.3"
)

var arches = []string{"amd64", "arm64"}

// The provider-aws family providers the stack composes resources of (one per AWS service).
var wantProviders = []string{
	"xpkg.upbound.io/upbound/provider-aws-acm",
	"xpkg.upbound.io/upbound/provider-aws-apigatewayv2",
	"xpkg.upbound.io/upbound/provider-aws-budgets",
	"xpkg.upbound.io/upbound/provider-aws-cloudwatch",
	"xpkg.upbound.io/upbound/provider-aws-cloudwatchlogs",
	"xpkg.upbound.io/upbound/provider-aws-ec2",
	"xpkg.upbound.io/upbound/provider-aws-iam",
	"xpkg.upbound.io/upbound/provider-aws-lambda",
	"xpkg.upbound.io/upbound/provider-aws-route53",
	"xpkg.upbound.io/upbound/provider-aws-scheduler",
	"xpkg.upbound.io/upbound/provider-aws-secretsmanager",
	"xpkg.upbound.io/upbound/provider-aws-sns",
	"xpkg.upbound.io/upbound/provider-aws-sqs",
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
	tmpDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpDir != "" {
		_ = os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// packages returns the directory holding the packages: $XPKG_DIR, or a fresh build of them.
func packages(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("XPKG_DIR"); d != "" {
		return d
	}
	if testing.Short() {
		t.Skip("-short: the package build takes two static Go builds")
	}
	buildOnce.Do(func() {
		if tmpDir, buildErr = os.MkdirTemp("", "lambdastack-xpkg-"); buildErr != nil {
			return
		}
		buildDir = filepath.Join(tmpDir, "out")
		start := time.Now()
		cmd := exec.Command(filepath.Join(root, "hack", "xpkg.sh"), "build")
		cmd.Env = append(os.Environ(), "XPKG_OUTPUT="+buildDir, "VERSION="+buildVersion)
		out, err := cmd.CombinedOutput()
		t.Logf("hack/xpkg.sh build (%s):\n%s", time.Since(start).Round(time.Second), out)
		if err != nil {
			buildErr = fmt.Errorf("hack/xpkg.sh build: %w", err)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildDir
}

func load(t *testing.T, path string) v1.Image {
	t.Helper()
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func configFile(t *testing.T, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

func layers(t *testing.T, img v1.Image) []v1.Layer {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func digest(t *testing.T, d interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	h, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// compressedSize is what a registry stores and a node pulls: config plus gzipped layers.
func compressedSize(t *testing.T, img v1.Image) int64 {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n
}

type file struct {
	hdr  *tar.Header
	data []byte
}

// layerFiles reads a layer's tar entries in order.
func layerFiles(t *testing.T, l v1.Layer) []file {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	var files []file
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, file{hdr: h, data: data})
	}
}

// wantRuntimeConfig checks what Crossplane's function runtime relies on: a non-root numeric user
// (pods run with runAsNonRoot), the function as entrypoint, mTLS certificates from /tls/server
// (where Crossplane mounts them), the gRPC port 9443 and the platform.
func wantRuntimeConfig(t *testing.T, cf *v1.ConfigFile, arch string) {
	t.Helper()
	if cf.OS != "linux" || cf.Architecture != arch {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, arch)
	}
	if arch == "arm64" && cf.Variant != "v8" {
		t.Errorf("arm64 variant %q, want v8", cf.Variant)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532 (non-root, numeric)", cf.Config.User)
	}
	if !reflect.DeepEqual(cf.Config.Entrypoint, []string{"/function"}) {
		t.Errorf("entrypoint %q, want [/function]", cf.Config.Entrypoint)
	}
	if !slices.Contains(cf.Config.Cmd, "--tls-server-certs-dir=/tls/server") {
		t.Errorf("cmd %q lacks --tls-server-certs-dir=/tls/server", cf.Config.Cmd)
	}
	if _, ok := cf.Config.ExposedPorts["9443/tcp"]; !ok {
		t.Errorf("exposed ports %v lack 9443/tcp", cf.Config.ExposedPorts)
	}
}

// TestRuntimeImages: each function-<arch>.tar is a two-layer image on scratch (base files, then
// the binary) with a static, stripped binary for its architecture, a parseable CA bundle, the
// nonroot user, one fixed time stamp on every file, sorted entries, and at most 25 MB compressed;
// rebuilding it from its own binary gives the same digest.
func TestRuntimeImages(t *testing.T) {
	dir := packages(t)
	for _, arch := range arches {
		t.Run(arch, func(t *testing.T) {
			path := filepath.Join(dir, "function-"+arch+".tar")
			img := load(t, path)
			cf := configFile(t, img)
			wantRuntimeConfig(t, cf, arch)
			size := compressedSize(t, img)
			t.Logf("%s: digest %s, %d layers, compressed %d bytes (%.1f MB)", filepath.Base(path), digest(t, img), len(layers(t, img)), size, float64(size)/1e6)
			if size > maxCompressed {
				t.Errorf("compressed size %d bytes exceeds %d", size, maxCompressed)
			}
			ls := layers(t, img)
			if len(ls) != 2 {
				t.Fatalf("%d layers, want 2 (base, function)", len(ls))
			}
			byPath := map[string]file{}
			for i, l := range ls {
				var names []string
				for _, f := range layerFiles(t, l) {
					names = append(names, f.hdr.Name)
					byPath[f.hdr.Name] = f
					if !f.hdr.ModTime.Equal(cf.Created.Time) {
						t.Errorf("layer %d %s: mtime %s, want the image's %s", i, f.hdr.Name, f.hdr.ModTime, cf.Created.Time)
					}
				}
				if !sort.StringsAreSorted(names) {
					t.Errorf("layer %d entries not sorted: %q", i, names)
				}
			}
			var paths []string
			for p := range byPath {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			want := []string{"etc/", "etc/group", "etc/passwd", "etc/ssl/", "etc/ssl/certs/", "etc/ssl/certs/ca-certificates.crt",
				"function", "home/", "home/nonroot/", "tmp/"}
			if !reflect.DeepEqual(paths, want) {
				t.Errorf("files %q, want %q", paths, want)
			}

			fn := byPath["function"]
			if fn.hdr == nil {
				t.Fatal("no /function")
			}
			if fn.hdr.Mode != 0o755 || fn.hdr.Uid != 0 || fn.hdr.Gid != 0 {
				t.Errorf("/function mode %o owner %d:%d, want 755 0:0", fn.hdr.Mode, fn.hdr.Uid, fn.hdr.Gid)
			}
			checkBinary(t, fn.data, arch)
			if !x509.NewCertPool().AppendCertsFromPEM(byPath["etc/ssl/certs/ca-certificates.crt"].data) {
				t.Error("the CA bundle holds no certificate")
			}
			if !strings.Contains(string(byPath["etc/passwd"].data), "nonroot:x:65532:65532:") ||
				!strings.Contains(string(byPath["etc/group"].data), "nonroot:x:65532:") {
				t.Error("/etc/passwd or /etc/group lacks nonroot 65532")
			}
			if h := byPath["home/nonroot/"].hdr; h == nil || h.Uid != 65532 {
				t.Error("/home/nonroot is not owned by 65532")
			}
			if h := byPath["tmp/"].hdr; h == nil || h.Mode != 0o1777 {
				t.Error("/tmp is not 1777")
			}

			rebuilt := rebuild(t, fn.data, byPath["etc/ssl/certs/ca-certificates.crt"].data, cf, arch)
			if a, b := digest(t, img), digest(t, rebuilt); a != b {
				t.Errorf("not reproducible: rebuilding from the same binary gives %s, not %s", b, a)
			}
			if arch == runtime.GOARCH && runtime.GOOS == "linux" {
				runBinary(t, fn.data, cf.Config.Cmd)
			}
		})
	}
}

// checkBinary: an ELF executable for arch, statically linked (scratch has no loader), stripped.
func checkBinary(t *testing.T, bin []byte, arch string) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("/function is not ELF: %v", err)
	}
	defer func() { _ = f.Close() }()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != want {
		t.Errorf("/function is for %s, want %s", f.Machine, want)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("/function is dynamically linked")
		}
	}
	if f.Section(".symtab") != nil {
		t.Error("/function is not stripped (-ldflags=-s -w)")
	}
	t.Logf("/function: %.1f MB", float64(len(bin))/1e6)
}

// rebuild runs hack/image again on the image's own binary and CA bundle with its time stamp and
// version label.
func rebuild(t *testing.T, bin, ca []byte, cf *v1.ConfigFile, arch string) v1.Image {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string][]byte{"function": bin, "ca.crt": ca} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "image.tar")
	cmd := exec.Command("go", "run", "./hack/image", "-binary", filepath.Join(dir, "function"), "-arch", arch,
		"-ca-bundle", filepath.Join(dir, "ca.crt"), "-epoch", strconv.FormatInt(cf.Created.Unix(), 10),
		"-version", cf.Config.Labels["org.opencontainers.image.version"], "-o", out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hack/image: %v\n%s", err, b)
	}
	return load(t, out)
}

// runBinary starts the image's binary with the image's arguments on this machine: it must accept
// them (a usage error exits 2) and then stop because /tls/server holds no certificates here.
func runBinary(t *testing.T, bin []byte, args []string) {
	t.Helper()
	if _, err := os.Stat("/tls/server"); err == nil {
		t.Skip("/tls/server exists on this machine")
	}
	path := filepath.Join(t.TempDir(), "function")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Loopback ports chosen by the kernel, so nothing on this machine is disturbed.
	cmd := exec.CommandContext(ctx, path, append(slices.Clone(args), "--address=127.0.0.1:0", "--metrics-address=127.0.0.1:0")...)
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("the binary did not stop without certificates:\n%s", out)
	case !errors.As(err, &ee):
		t.Fatalf("the binary exited with %v, want a failure for the missing certificates:\n%s", err, out)
	case ee.ExitCode() == 2:
		t.Fatalf("the binary refused the image's arguments %q:\n%s", args, out)
	case !strings.Contains(string(out), "/tls/server"):
		t.Errorf("the binary did not fail on /tls/server:\n%s", out)
	}
	t.Logf("the static binary runs here with the image's arguments and stops without certificates: %s", bytes.TrimSpace(out))
}

// The xpkg format (crossplane-runtime pkg/xpkg): the package layer holds package.yaml and is
// labelled io.crossplane.xpkg:<layer digest>=base in the image config (`crossplane xpkg push`
// turns the labels into layer annotations); an examples layer would be labelled "upbound".
const (
	xpkgLabelKey    = "io.crossplane.xpkg"
	xpkgPackage     = "base"
	xpkgExamples    = "upbound"
	xpkgStreamFile  = "package.yaml"
	metaGroupPrefix = "meta.pkg.crossplane.io/"
)

// meta is a package's metadata object, whatever its meta.pkg.crossplane.io version.
type meta struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Metadata   metav1.ObjectMeta  `json:"metadata"`
	Spec       pkgmetav1.MetaSpec `json:"spec"`
}

// pkgLayer returns the layer labelled as the package, the meta of its package.yaml and the
// other objects, parsed with the parser and the schemes of Crossplane's package manager.
func pkgLayer(t *testing.T, img v1.Image) (v1.Layer, meta, []kruntime.Object) {
	t.Helper()
	cf := configFile(t, img)
	var found v1.Layer
	for _, l := range layers(t, img) {
		switch cf.Config.Labels[xpkgLabelKey+":"+digest(t, l).String()] {
		case xpkgPackage:
			if found != nil {
				t.Fatal("two package layers")
			}
			found = l
		case xpkgExamples:
			t.Error("the package carries an examples layer; examples must not be packaged")
		}
	}
	if found == nil {
		t.Fatalf("no layer labelled %s=%s", xpkgLabelKey, xpkgPackage)
	}
	files := layerFiles(t, found)
	if len(files) != 1 || files[0].hdr.Name != xpkgStreamFile {
		t.Fatalf("package layer holds %d files, want only %s", len(files), xpkgStreamFile)
	}
	metaScheme, objScheme := kruntime.NewScheme(), kruntime.NewScheme()
	for _, add := range []func(*kruntime.Scheme) error{pkgmetav1.AddToScheme, pkgmetav1beta1.AddToScheme} {
		if err := add(metaScheme); err != nil {
			t.Fatal(err)
		}
	}
	for _, add := range []func(*kruntime.Scheme) error{xpv1.AddToScheme, xpv1alpha1.AddToScheme, xpv2.AddToScheme, extv1.AddToScheme} {
		if err := add(objScheme); err != nil {
			t.Fatal(err)
		}
	}
	pkg, err := parser.New(metaScheme, objScheme).Parse(context.Background(), io.NopCloser(bytes.NewReader(files[0].data)))
	if err != nil {
		t.Fatalf("parse %s: %v", xpkgStreamFile, err)
	}
	if n := len(pkg.GetMeta()); n != 1 {
		t.Fatalf("%s holds %d meta objects, want 1", xpkgStreamFile, n)
	}
	var m meta
	b, err := json.Marshal(pkg.GetMeta()[0])
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.APIVersion, metaGroupPrefix) {
		t.Fatalf("meta apiVersion %q", m.APIVersion)
	}
	// As the package manager checks it before installing: a valid constraint that admits the
	// Crossplane this project runs.
	if m.Spec.Crossplane == nil {
		t.Error("no spec.crossplane.version constraint")
	} else if c, err := semver.NewConstraint(m.Spec.Crossplane.Version); err != nil {
		t.Errorf("spec.crossplane.version %q: %v", m.Spec.Crossplane.Version, err)
	} else if !c.Check(semver.MustParse(crossplaneCore)) {
		t.Errorf("spec.crossplane.version %q excludes Crossplane %s", m.Spec.Crossplane.Version, crossplaneCore)
	}
	if m.Metadata.Annotations["meta.crossplane.io/description"] == "" {
		t.Error("no meta.crossplane.io/description annotation")
	}
	return found, m, pkg.GetObjects()
}

// TestFunctionPackages: each function-lambdastack-<arch>.xpkg is its runtime image (same layers,
// same config) plus one package.yaml layer holding only the Function meta of function/crossplane.yaml.
func TestFunctionPackages(t *testing.T) {
	dir := packages(t)
	for _, arch := range arches {
		t.Run(arch, func(t *testing.T) {
			path := filepath.Join(dir, "function-lambdastack-"+arch+".xpkg")
			img := load(t, path)
			rt := load(t, filepath.Join(dir, "function-"+arch+".tar"))
			size := compressedSize(t, img)
			t.Logf("%s: digest %s, %d layers, compressed %d bytes (%.1f MB)", filepath.Base(path), digest(t, img), len(layers(t, img)), size, float64(size)/1e6)
			if size > maxCompressed {
				t.Errorf("compressed size %d bytes exceeds %d", size, maxCompressed)
			}

			cf, rcf := configFile(t, img), configFile(t, rt)
			wantRuntimeConfig(t, cf, arch)
			if !reflect.DeepEqual(cf.Config.Cmd, rcf.Config.Cmd) || cf.Config.User != rcf.Config.User {
				t.Errorf("package runtime config %+v differs from the runtime image's %+v", cf.Config, rcf.Config)
			}
			pl, rl := layers(t, img), layers(t, rt)
			if len(pl) != len(rl)+1 {
				t.Fatalf("%d layers, want the runtime image's %d + the package layer", len(pl), len(rl))
			}
			for i := range rl {
				if digest(t, pl[i]) != digest(t, rl[i]) {
					t.Errorf("layer %d is not the runtime image's", i)
				}
			}

			l, m, objs := pkgLayer(t, img)
			if digest(t, l) != digest(t, pl[len(pl)-1]) {
				t.Error("the package layer is not the last layer")
			}
			if len(objs) != 0 {
				t.Errorf("%d objects besides the meta, want 0", len(objs))
			}
			if m.Kind != "Function" || m.Metadata.Name != "function-lambdastack" {
				t.Errorf("meta %s %q, want Function function-lambdastack", m.Kind, m.Metadata.Name)
			}
			// the current meta version of Crossplane v2 (v1beta1 is generated from it for old packages)
			if m.APIVersion != pkgmetav1.SchemeGroupVersion.String() {
				t.Errorf("meta apiVersion %q, want %s", m.APIVersion, pkgmetav1.SchemeGroupVersion)
			}
			if !slices.Contains(m.Spec.Capabilities, pkgmetav1.FunctionCapabilityComposition) {
				t.Errorf("capabilities %q lack %q", m.Spec.Capabilities, pkgmetav1.FunctionCapabilityComposition)
			}
		})
	}
}

// TestConfigurationPackage: configuration-lambdastack.xpkg is one package.yaml layer (no runtime,
// no examples) with the Configuration meta, its dependencies, and exactly the XRDs under apis/,
// the Compositions under compositions/ and the activation policy, their specs unchanged.
func TestConfigurationPackage(t *testing.T) {
	dir := packages(t)
	path := filepath.Join(dir, "configuration-lambdastack.xpkg")
	img := load(t, path)
	ls := layers(t, img)
	t.Logf("%s: digest %s, %d layers, compressed %d bytes", filepath.Base(path), digest(t, img), len(ls), compressedSize(t, img))
	if len(ls) != 1 {
		t.Errorf("%d layers, want 1 (package.yaml)", len(ls))
	}
	_, m, objs := pkgLayer(t, img)
	if m.Kind != "Configuration" || m.Metadata.Name != "configuration-lambdastack" {
		t.Errorf("meta %s %q, want Configuration configuration-lambdastack", m.Kind, m.Metadata.Name)
	}
	// the XRDs are apiextensions.crossplane.io/v2 (namespaced composites): Crossplane v1 lacks them
	if m.Spec.Crossplane != nil {
		if c, err := semver.NewConstraint(m.Spec.Crossplane.Version); err == nil && c.Check(semver.MustParse("v1.20.0")) {
			t.Errorf("spec.crossplane.version %q admits Crossplane v1, which has no apiextensions.crossplane.io/v2 XRDs", m.Spec.Crossplane.Version)
		}
	}
	checkDependencies(t, m.Spec.DependsOn, builtVersion(t, dir))
	checkFunctionRefs(t, m.Spec.DependsOn, objs)

	// the objects: exactly the repository's XRDs and Compositions, specs as written
	want := map[string]map[string]any{}
	for _, pattern := range []string{"apis/*.yaml", "compositions/*.yaml", "package/activation-policy.yaml"} {
		files, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var o map[string]any
			if err := yaml.Unmarshal(b, &o); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			want[objKey(o)] = o
		}
	}
	got := map[string]map[string]any{}
	for _, obj := range objs {
		b, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		var o map[string]any
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatal(err)
		}
		got[objKey(o)] = o
	}
	var gotKeys, wantKeys []string
	for k := range got {
		gotKeys = append(gotKeys, k)
	}
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	sort.Strings(gotKeys)
	sort.Strings(wantKeys)
	t.Logf("packaged objects: %q", gotKeys)
	if !reflect.DeepEqual(gotKeys, wantKeys) {
		t.Fatalf("packaged objects %q, want %q (apis/*.yaml, compositions/*.yaml, package/activation-policy.yaml)", gotKeys, wantKeys)
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k]["spec"], w["spec"]) {
			gb, _ := yaml.Marshal(got[k]["spec"])
			wb, _ := yaml.Marshal(w["spec"])
			t.Errorf("%s: packaged spec differs from the repository's:\n--- packaged\n%s\n--- repository\n%s", k, gb, wb)
		}
	}
}

func objKey(o map[string]any) string {
	md, _ := o["metadata"].(map[string]any)
	return fmt.Sprintf("%v/%v", o["kind"], md["name"])
}

// builtVersion is the VERSION the packages in dir were built for (hack/xpkg.sh writes it).
func builtVersion(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "version"))
	if err != nil {
		t.Fatalf("%v (hack/xpkg.sh build records the VERSION it built for)", err)
	}
	return strings.TrimSpace(string(b))
}

// checkDependencies: constraints as published Configurations write them. The function: at least
// the version the packages were built for (">=VERSION", stamped by hack/xpkg.sh; without VERSION
// package/crossplane.yaml's own range). The providers: the provider-aws family providers the
// stack composes, at least the release its tests validate against, newer patches admitted.
func checkDependencies(t *testing.T, deps []pkgmetav1.Dependency, version string) {
	t.Helper()
	var providers []string
	var fnConstraint string
	newerPatch := semver.MustParse(providerAWS).IncPatch()
	for _, d := range deps {
		if d.APIVersion == nil || d.Kind == nil || d.Package == nil {
			t.Errorf("dependency %+v: use apiVersion, kind and package (provider/function are deprecated)", d)
			continue
		}
		if *d.APIVersion != "pkg.crossplane.io/v1" {
			t.Errorf("%s: apiVersion %q, want pkg.crossplane.io/v1", *d.Package, *d.APIVersion)
		}
		// as the package manager reads it (a digest would pin one build)
		c, err := semver.NewConstraint(d.Version)
		if err != nil {
			t.Errorf("%s: version %q is not a semver constraint: %v", *d.Package, d.Version, err)
			continue
		}
		switch *d.Kind {
		case "Provider":
			providers = append(providers, *d.Package)
			if d.Version != ">="+providerAWS {
				t.Errorf("%s: version %q, want \">=%s\"", *d.Package, d.Version, providerAWS)
			}
			if !c.Check(semver.MustParse(providerAWS)) || !c.Check(&newerPatch) {
				t.Errorf("%s: %q must admit %s and %s", *d.Package, d.Version, providerAWS, newerPatch.Original())
			}
		case "Function":
			if *d.Package != functionPkg {
				t.Errorf("function dependency %q, want %s", *d.Package, functionPkg)
			}
			fnConstraint = d.Version
		default:
			t.Errorf("%s: unexpected dependency kind %q", *d.Package, *d.Kind)
		}
	}
	sort.Strings(providers)
	if !reflect.DeepEqual(providers, wantProviders) {
		t.Errorf("providers %q, want %q", providers, wantProviders)
	}
	if fnConstraint == "" {
		t.Fatalf("no dependency on %s", functionPkg)
	}
	want := functionConstraint(t)
	if version != "" {
		want = ">=" + version
	}
	if fnConstraint != want {
		t.Errorf("function dependency %q, want %q (built for version %q)", fnConstraint, want, version)
	}
	// examples/functions.yaml (what `make render` runs) names a function release the
	// Configuration admits, under the name Crossplane gives the dependency
	b, err := os.ReadFile(filepath.Join(root, "examples", "functions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
		Spec     struct {
			Package string `json:"package"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	ref := mustRef(t, f.Spec.Package)
	if ref.Context().Name() != functionPkg {
		t.Errorf("examples/functions.yaml runs %q, the Configuration depends on %s", f.Spec.Package, functionPkg)
	}
	if c, err := semver.NewConstraint(functionConstraint(t)); err != nil || !c.Check(semver.MustParse(ref.Identifier())) {
		t.Errorf("examples/functions.yaml runs %s, which package/crossplane.yaml's %q does not admit", ref.Identifier(), functionConstraint(t))
	}
	if want := dependencyName(t, functionPkg); f.Metadata.Name != want {
		t.Errorf("examples/functions.yaml names the function %q, Crossplane installs it as %q", f.Metadata.Name, want)
	}
}

// dependencyName is the name Crossplane's package manager gives the package it installs for a
// dependency: the repository path without the registry host, as a DNS label (Crossplane v2.4.0,
// internal/controller/pkg/resolver NewPackage: xpkg.ToDNSLabel of the reference's
// RepositoryStr). Lower-case letters and digits are kept, '/', '.', ':' and '-' become '-', at
// most 63 characters, no leading or trailing '-'; e.g. spec3-function-lambdastack for
// xpkg.upbound.io/spec3/function-lambdastack. (crossplane-runtime's xpkg package would drag
// the registry credential helpers into this module; the e2e suite checks the names the real
// package manager creates.)
func dependencyName(t *testing.T, pkg string) string {
	t.Helper()
	r, err := name.NewRepository(pkg, name.StrictValidation)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, ch := range r.RepositoryStr() {
		switch {
		case b.Len() == 63:
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9':
			b.WriteRune(ch)
		case strings.ContainsRune("/.:-", ch):
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// checkFunctionRefs: every pipeline step of every packaged Composition calls a Function by the
// name the package manager gives one of the Configuration's Function dependencies. A step
// calling any other name fails every stack at its first step once installed.
func checkFunctionRefs(t *testing.T, deps []pkgmetav1.Dependency, objs []kruntime.Object) {
	t.Helper()
	installed := map[string]bool{}
	for _, d := range deps {
		if d.Kind != nil && *d.Kind == "Function" && d.Package != nil {
			installed[dependencyName(t, *d.Package)] = true
		}
	}
	steps := 0
	for _, o := range objs {
		comp, ok := o.(*xpv1.Composition)
		if !ok {
			continue
		}
		for _, s := range comp.Spec.Pipeline {
			steps++
			if !installed[s.FunctionRef.Name] {
				t.Errorf("Composition %s step %s calls function %q; the Configuration's dependencies install %q",
					comp.GetName(), s.Step, s.FunctionRef.Name, slices.Sorted(maps.Keys(installed)))
			}
		}
	}
	if steps == 0 {
		t.Error("no Composition pipeline step in the package")
	}
}

// functionConstraint is the function version range package/crossplane.yaml depends on.
func functionConstraint(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "package", "crossplane.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Spec pkgmetav1.MetaSpec `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for _, d := range c.Spec.DependsOn {
		if d.Package != nil && *d.Package == functionPkg {
			return d.Version
		}
	}
	t.Fatalf("package/crossplane.yaml does not depend on %s", functionPkg)
	return ""
}

// TestPush runs the publish step (`make xpkg-push`, i.e. hack/xpkg.sh push) against an in-memory
// registry on loopback and reads the result back as Crossplane's package manager would: one index
// over linux/amd64 and linux/arm64 for the function, the Configuration as one image, each with
// the package layer annotated io.crossplane.xpkg=base in the manifest (Crossplane picks
// package.yaml from that layer). It logs the digests a registry shows. A version other than the
// pinned one is refused before anything is pushed.
func TestPush(t *testing.T) {
	dir := packages(t)
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	version := builtVersion(t, dir)
	if version == "" {
		t.Skip("the packages in XPKG_DIR were built without VERSION; push needs one")
	}

	push := func(v string) ([]byte, error) {
		cmd := exec.Command(filepath.Join(root, "hack", "xpkg.sh"), "push")
		cmd.Env = append(os.Environ(), "XPKG_OUTPUT="+dir, "REGISTRY="+host+"/spec3", "VERSION="+v,
			"DOCKER_CONFIG="+t.TempDir()) // anonymous: no credentials of this machine
		return cmd.CombinedOutput()
	}
	if out, err := push("v0.0.0-not-built"); err == nil || !strings.Contains(string(out), "make xpkg VERSION=v0.0.0-not-built first") {
		t.Errorf("push of a version the packages were not built for: err %v, output:\n%s", err, out)
	}
	if _, err := remote.Head(mustRef(t, host+"/spec3/configuration-lambdastack:v0.0.0-not-built")); err == nil {
		t.Error("the refused version was pushed")
	}
	if out, err := push(version); err != nil {
		t.Fatalf("hack/xpkg.sh push: %v\n%s", err, out)
	}

	idx, err := remote.Index(mustRef(t, host+"/spec3/function-lambdastack:"+version))
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pushed function-lambdastack:%s: index %s", version, digest(t, idx))
	var platforms []string
	for _, m := range im.Manifests {
		if m.Platform == nil {
			t.Fatalf("index entry %s has no platform", m.Digest)
		}
		arch := m.Platform.Architecture
		platforms = append(platforms, m.Platform.OS+"/"+arch)
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		local := load(t, filepath.Join(dir, "function-lambdastack-"+arch+".xpkg"))
		t.Logf("  linux/%s: %s (local xpkg %s; the push annotates its layers)", arch, m.Digest, digest(t, local))
		checkPushed(t, img, local)
	}
	sort.Strings(platforms)
	if want := []string{"linux/amd64", "linux/arm64"}; !reflect.DeepEqual(platforms, want) {
		t.Errorf("index platforms %q, want %q", platforms, want)
	}

	img, err := remote.Image(mustRef(t, host+"/spec3/configuration-lambdastack:"+version))
	if err != nil {
		t.Fatal(err)
	}
	local := load(t, filepath.Join(dir, "configuration-lambdastack.xpkg"))
	t.Logf("pushed configuration-lambdastack:%s: %s (local xpkg %s)", version, digest(t, img), digest(t, local))
	checkPushed(t, img, local)
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkPushed: the pushed image has the local package's config and layers, and the manifest
// annotates exactly the package layer, whose package.yaml is the local one.
func checkPushed(t *testing.T, pushed, local v1.Image) {
	t.Helper()
	pm, err := pushed.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	lm, err := local.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if pm.Config.Digest != lm.Config.Digest {
		t.Errorf("pushed config %s, local %s", pm.Config.Digest, lm.Config.Digest)
	}
	if len(pm.Layers) != len(lm.Layers) {
		t.Fatalf("pushed %d layers, local %d", len(pm.Layers), len(lm.Layers))
	}
	var annotated []v1.Hash
	for i, l := range pm.Layers {
		if l.Digest != lm.Layers[i].Digest {
			t.Errorf("layer %d: pushed %s, local %s", i, l.Digest, lm.Layers[i].Digest)
		}
		if l.Annotations[xpkgLabelKey] == xpkgPackage {
			annotated = append(annotated, l.Digest)
		}
	}
	if len(annotated) != 1 {
		t.Fatalf("%d layers annotated %s=%s, want 1", len(annotated), xpkgLabelKey, xpkgPackage)
	}
	pl, err := pushed.LayerByDigest(annotated[0])
	if err != nil {
		t.Fatal(err)
	}
	ll, _, _ := pkgLayer(t, local)
	got, want := layerFiles(t, pl), layerFiles(t, ll)
	if len(got) != 1 || got[0].hdr.Name != xpkgStreamFile || !bytes.Equal(got[0].data, want[0].data) {
		t.Error("the annotated layer's package.yaml is not the local package's")
	}
}
