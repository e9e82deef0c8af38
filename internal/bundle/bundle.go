// Package bundle builds reproducible Lambda deployment packages (zip files)
// from a Python source folder and publishes them to S3 under a key derived
// from their SHA-256, so the same source always yields the same object.
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
}

// Bundle is a built deployment package.
type Bundle struct {
	Zip    []byte   // the zip file
	SHA256 string   // hex SHA-256 of Zip
	Files  []string // file names in the zip, sorted
	// Vendored counts the files that came from requirements.txt.
	Vendored int
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
	m, err := matcher(opts)
	if err != nil {
		return nil, err
	}
	source, err := collect(opts.Dir, m)
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", opts.Dir, err)
	}
	vendored, cleanup, err := vendor(opts)
	defer cleanup()
	if err != nil {
		return nil, err
	}
	return pack(opts.Dir, source, vendored)
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

// matcher combines DefaultIgnore with the ignore file, if any.
func matcher(opts Options) (*Matcher, error) {
	m, err := NewMatcher("default ignore patterns", DefaultIgnore)
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

// vendor installs requirements.txt into a temporary folder and lists its
// files. The returned cleanup removes that folder and is always safe to call.
func vendor(opts Options) ([]file, func(), error) {
	noop := func() {}
	has, err := HasRequirements(opts.Dir)
	if err != nil || !has {
		return nil, noop, err
	}
	tmp, err := os.MkdirTemp("", "lambdastack-deps-")
	if err != nil {
		return nil, noop, fmt.Errorf("creating a folder for dependencies: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(tmp) }
	python := opts.Python
	if python == "" {
		python = "python3"
	}
	if err := pipInstall(python, opts.Dir, tmp); err != nil {
		return nil, cleanup, err
	}
	m, err := NewMatcher("default ignore patterns", DefaultIgnore)
	if err != nil {
		return nil, cleanup, err
	}
	files, err := collect(tmp, m)
	if err != nil {
		return nil, cleanup, fmt.Errorf("scanning installed dependencies: %w", err)
	}
	return files, cleanup, nil
}

func pack(dir string, source, vendored []file) (*Bundle, error) {
	all, err := merge(source, vendored)
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
	b := &Bundle{Zip: data, SHA256: hex.EncodeToString(sum[:]), Vendored: len(vendored)}
	for _, f := range all {
		b.Files = append(b.Files, f.name)
	}
	return b, nil
}
