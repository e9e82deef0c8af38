// Command image builds the function's runtime image without Docker: an OCI image tarball (the
// `docker save` layout go-containerregistry writes, which `crossplane xpkg build
// --embed-runtime-image-tarball` reads) holding a static function binary on an otherwise empty
// (scratch) base with a distroless-like layout: CA certificates, /etc/passwd and /etc/group with
// the nonroot user 65532, /tmp and /home/nonroot.
//
//	image -binary _output/bin/linux_amd64/function -arch amd64 -o _output/function-amd64.tar
//
// The image is deterministic: layer entries are sorted, owned by fixed ids and stamped with one
// fixed time (-epoch, default $SOURCE_DATE_EPOCH, else 0), so the same binary and CA bundle give
// the same digest. It prints one line: output, architecture, image digest, compressed size.
//
//	image digest FILE...
//
// prints the same for image tarballs and xpkgs already built (make xpkg ends with it).
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The runtime contract with Crossplane's function runtime: it mounts the mTLS server certificates
// at /tls/server (and sets TLS_SERVER_CERTS_DIR to it, which the flag falls back to), serves
// gRPC on 9443 and declares a metrics port 8080 on the container.
const (
	entrypoint  = "/function"
	certsDir    = "/tls/server"
	grpcPort    = "9443/tcp"
	metricsPort = "8080/tcp"
	nonroot     = 65532
	caBundleAt  = "etc/ssl/certs/ca-certificates.crt"
)

type options struct {
	binary, arch, caBundle, out, tag, version, source string
	epoch                                             int64
}

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "digest" {
		err = digests(os.Args[2:])
	} else {
		var o options
		if o, err = parseFlags(os.Args[1:]); err == nil {
			err = run(o)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	defEpoch := int64(0)
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return o, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", s, err)
		}
		defEpoch = v
	}
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	fs.StringVar(&o.binary, "binary", "", "The static linux function binary (required).")
	fs.StringVar(&o.arch, "arch", "", "Its architecture: amd64 or arm64 (required).")
	fs.StringVar(&o.caBundle, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "PEM CA bundle laid at /"+caBundleAt+".")
	fs.StringVar(&o.out, "o", "", "The image tarball to write (required).")
	fs.StringVar(&o.tag, "tag", "", "Tag recorded in the tarball (default function-lambdastack-runtime:<arch>).")
	fs.StringVar(&o.version, "version", "", "Value of the org.opencontainers.image.version label (none if empty).")
	fs.StringVar(&o.source, "source", "https://github.com/spec3/lambdastack", "Value of the org.opencontainers.image.source label.")
	fs.Int64Var(&o.epoch, "epoch", defEpoch, "Unix time stamped on every file, layer and the image (default $SOURCE_DATE_EPOCH, else 0).")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.binary == "" || o.out == "" {
		return o, errors.New("-binary and -o are required")
	}
	if _, ok := elfMachine[o.arch]; !ok {
		return o, fmt.Errorf("-arch must be amd64 or arm64, not %q", o.arch)
	}
	if o.tag == "" {
		o.tag = "function-lambdastack-runtime:" + o.arch
	}
	return o, nil
}

var elfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

func run(o options) error {
	bin, err := os.ReadFile(o.binary)
	if err != nil {
		return err
	}
	if err := checkStatic(bin, o.arch); err != nil {
		return fmt.Errorf("%s: %w", o.binary, err)
	}
	ca, err := os.ReadFile(o.caBundle)
	if err != nil {
		return err
	}
	if !x509.NewCertPool().AppendCertsFromPEM(ca) {
		return fmt.Errorf("%s holds no PEM certificate", o.caBundle)
	}
	img, err := build(o, bin, ca)
	if err != nil {
		return err
	}
	tag, err := name.NewTag(o.tag)
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(o.out, tag, img); err != nil {
		return err
	}
	return describe(o.out, img)
}

// digests describes every image tarball or xpkg in files.
func digests(files []string) error {
	for _, f := range files {
		img, err := tarball.ImageFromPath(f, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := describe(f, img); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// describe prints file, platform, image digest and compressed size.
func describe(file string, img v1.Image) error {
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	size, err := compressedSize(img)
	if err != nil {
		return err
	}
	platform := cf.OS + "/" + cf.Architecture
	if platform == "/" {
		platform = "-" // a Configuration package has no runtime
	}
	fmt.Printf("%s %s %s compressed=%d bytes (%.1f MB)\n", file, platform, d, size, float64(size)/1e6)
	return nil
}

// checkStatic refuses a binary that is not an ELF executable for arch or that needs a dynamic
// loader (scratch has none).
func checkStatic(bin []byte, arch string) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	if f.Machine != elfMachine[arch] {
		return fmt.Errorf("built for %s, not %s", f.Machine, arch)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errors.New("dynamically linked (build with CGO_ENABLED=0)")
		}
	}
	return nil
}

// entry is one file or directory of a layer.
type entry struct {
	path     string // relative, directories end in "/"
	mode     int64
	uid, gid int
	data     []byte
}

// The distroless-like filesystem under the binary. Root owns everything but the nonroot home.
func baseEntries(ca []byte) []entry {
	passwd := "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group := "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n"
	return []entry{
		{path: "etc/", mode: 0o755},
		{path: "etc/group", mode: 0o644, data: []byte(group)},
		{path: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{path: "etc/ssl/", mode: 0o755},
		{path: "etc/ssl/certs/", mode: 0o755},
		{path: caBundleAt, mode: 0o644, data: ca},
		{path: "home/", mode: 0o755},
		{path: "home/nonroot/", mode: 0o700, uid: nonroot, gid: nonroot},
		{path: "tmp/", mode: 0o1777},
	}
}

// layer writes entries, sorted by path, into an uncompressed tar with every time set to mtime;
// go-containerregistry gzips it (deterministically) on demand.
func layer(entries []entry, mtime time.Time) (v1.Layer, error) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name:    e.path,
			Mode:    e.mode,
			Uid:     e.uid,
			Gid:     e.gid,
			ModTime: mtime,
		}
		if e.path[len(e.path)-1] == '/' {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithCompressionLevel(gzip.BestCompression), tarball.WithCompressedCaching)
}

func build(o options, bin, ca []byte) (v1.Image, error) {
	t := time.Unix(o.epoch, 0).UTC()
	base, err := layer(baseEntries(ca), t)
	if err != nil {
		return nil, err
	}
	fn, err := layer([]entry{{path: entrypoint[1:], mode: 0o755, data: bin}}, t)
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: base, History: v1.History{Created: v1.Time{Time: t}, CreatedBy: "hack/image: CA certificates, passwd/group (nonroot 65532), /tmp", Comment: "base"}},
		mutate.Addendum{Layer: fn, History: v1.History{Created: v1.Time{Time: t}, CreatedBy: "hack/image: static function binary " + entrypoint, Comment: "function"}},
	)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS, cf.Variant = o.arch, "linux", ""
	if o.arch == "arm64" {
		cf.Variant = "v8"
	}
	cf.Created = v1.Time{Time: t}
	labels := map[string]string{
		"org.opencontainers.image.title":  "function-lambdastack",
		"org.opencontainers.image.source": o.source,
	}
	if o.version != "" {
		labels["org.opencontainers.image.version"] = o.version
	}
	cf.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", nonroot, nonroot),
		Entrypoint: []string{entrypoint},
		// The flag only repeats what TLS_SERVER_CERTS_DIR says under Crossplane, so the image also
		// runs as is elsewhere; metrics go to the port Crossplane declares on the container.
		Cmd:          []string{"--tls-server-certs-dir=" + certsDir, "--metrics-address=:8080"},
		Env:          []string{"SSL_CERT_FILE=/" + caBundleAt},
		ExposedPorts: map[string]struct{}{grpcPort: {}, metricsPort: {}},
		WorkingDir:   "/",
		Labels:       labels,
	}
	return mutate.ConfigFile(img, cf)
}

// compressedSize is what a registry stores and a node pulls: the config and the gzipped layers.
func compressedSize(img v1.Image) (int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return 0, err
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, nil
}
