// Package bundle builds reproducible Lambda deployment packages (zip files)
// from a Python or Node.js source folder (or takes a prebuilt zip) and
// publishes them to S3 under a key derived from their SHA-256, so the same
// source always yields the same object.
package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// IgnoreFileName is read from the source folder when no ignore file is given.
const IgnoreFileName = ".bundleignore"

// Options says what to build.
type Options struct {
	// Dir is the source folder: its files end up at the root of the zip.
	Dir string
	// IgnoreFile holds gitignore-like patterns of files to leave out.
	// Empty means Dir/.bundleignore when it exists.
	IgnoreFile string
	// Python runs pip to vendor requirements.txt. Empty means "python3".
	Python string
	// Runtime is the function's Lambda runtime (e.g. python3.11, nodejs20.x):
	// it picks how dependencies are vendored. Empty means Node.js when Dir
	// has a package.json, else Python.
	Runtime string
	// Npm runs `npm ci` for Node.js. Empty means "npm".
	Npm string
}

// Bundle is a built deployment package.
type Bundle struct {
	Zip    []byte   // the zip file
	SHA256 string   // hex SHA-256 of Zip
	Files  []string // file names in the zip, sorted
	// Vendored counts the files that came from the dependency list.
	Vendored int
	// Dependencies names the dependency list the vendored files came from
	// (requirements.txt, package-lock.json, ...), "" when none was used.
	Dependencies string
}

// Key names the object for b under prefix: "<prefix>/<sha256>.zip".
func (b *Bundle) Key(prefix string) string {
	name := b.SHA256 + ".zip"
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return name
	}
	return prefix + "/" + name
}

// Build packages opts.Dir: its files minus the ignored ones, plus the
// dependencies of requirements.txt installed by pip. The result depends only
// on file names, contents and execute bits (and on what pip installs).
func Build(opts Options) (*Bundle, error) {
	if err := checkDir(opts.Dir); err != nil {
		return nil, err
	}
	lang, err := languageOf(opts)
	if err != nil {
		return nil, err
	}
	m, err := matcher(opts, lang)
	if err != nil {
		return nil, err
	}
	source, err := collect(opts.Dir, m)
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", opts.Dir, err)
	}
	deps, cleanup, err := lang.vendor(opts)
	defer cleanup()
	if err != nil {
		return nil, err
	}
	return pack(opts.Dir, source, deps)
}

func checkDir(dir string) error {
	if dir == "" {
		return errors.New("no source folder given")
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("source folder: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("source %s is not a folder", dir)
	}
	return nil
}

// matcher combines DefaultIgnore, the language's own patterns and the
// ignore file, if any.
func matcher(opts Options, lang language) (*Matcher, error) {
	m, err := NewMatcher("default ignore patterns", append(append([]string(nil), DefaultIgnore...), lang.ignore...))
	if err != nil {
		return nil, err
	}
	file := opts.IgnoreFile
	if file == "" {
		file = filepath.Join(opts.Dir, IgnoreFileName)
		if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
			return m, nil
		}
	}
	if err := m.ReadIgnoreFile(file); err != nil {
		return nil, err
	}
	return m, nil
}

// vendorPython installs requirements.txt into a temporary folder and lists
// its files. The returned cleanup removes that folder and is always safe to
// call.
func vendorPython(opts Options) (vendored, func(), error) {
	noop := func() {}
	has, err := HasRequirements(opts.Dir)
	if err != nil || !has {
		return vendored{}, noop, err
	}
	python := opts.Python
	if python == "" {
		python = "python3"
	}
	return installed(RequirementsFile, "", nil, func(tmp string) error { return pipInstall(python, opts.Dir, tmp) })
}

// vendored are the files a dependency list brought in.
type vendored struct {
	files []file
	from  string // the dependency list
}

// installed runs install into a temporary folder and lists what it put under
// sub (relative to that folder; "" for all of it), as named in the zip, less
// DefaultIgnore and the patterns ignore (relative to sub).
func installed(from, sub string, ignore []string, install func(tmp string) error) (vendored, func(), error) {
	noop := func() {}
	tmp, err := os.MkdirTemp("", "lambdastack-deps-")
	if err != nil {
		return vendored{}, noop, fmt.Errorf("creating a folder for dependencies: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(tmp) }
	if err := install(tmp); err != nil {
		return vendored{}, cleanup, err
	}
	m, err := NewMatcher("default ignore patterns", append(append([]string(nil), DefaultIgnore...), ignore...))
	if err != nil {
		return vendored{}, cleanup, err
	}
	files, err := collect(filepath.Join(tmp, sub), m)
	if err != nil {
		return vendored{}, cleanup, fmt.Errorf("scanning installed dependencies: %w", err)
	}
	if sub != "" {
		for i := range files {
			files[i].name = sub + "/" + files[i].name
		}
	}
	return vendored{files: files, from: from}, cleanup, nil
}

func pack(dir string, source []file, deps vendored) (*Bundle, error) {
	all, err := merge(source, deps)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("nothing to bundle: every file in %s is ignored", dir)
	}
	data, err := writeZip(all)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	b := &Bundle{Zip: data, SHA256: hex.EncodeToString(sum[:]), Vendored: len(deps.files), Dependencies: deps.from}
	for _, f := range all {
		b.Files = append(b.Files, f.name)
	}
	return b, nil
}
