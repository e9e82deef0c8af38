package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// The files of a Node.js project that name its dependencies.
const (
	PackageJSON     = "package.json"
	PackageLock     = "package-lock.json"
	NpmShrinkwrap   = "npm-shrinkwrap.json"
	nodeModulesPath = "node_modules"
)

// vendorNode installs the production dependencies of DIR/package.json
// exactly as its lock file pins them (`npm ci --omit=dev`, in a temporary
// copy of the two files so DIR stays untouched) and lists them under
// node_modules/. Without dependencies nothing runs; with dependencies but no
// lock file the build stops: the zip would not be reproducible.
func vendorNode(opts Options) (vendored, func(), error) {
	noop := func() {}
	deps, err := nodeDependencies(opts.Dir)
	if err != nil || deps == 0 {
		return vendored{}, noop, err
	}
	lock, err := lockFile(opts.Dir)
	if err != nil {
		return vendored{}, noop, err
	}
	if lock == "" {
		return vendored{}, noop, fmt.Errorf("%s lists %d dependencies but there is no %s or %s: run npm install once and keep the lock file, so every bundle installs the same versions", PackageJSON, deps, PackageLock, NpmShrinkwrap)
	}
	npm := opts.Npm
	if npm == "" {
		npm = "npm"
	}
	// npm's record of what it installed differs between npm releases: it is left out
	return installed(lock, nodeModulesPath, []string{"/.package-lock.json"}, func(tmp string) error {
		for _, f := range []string{PackageJSON, lock} {
			if err := copyInto(filepath.Join(opts.Dir, f), filepath.Join(tmp, f)); err != nil {
				return err
			}
		}
		return npmCI(npm, tmp, lock)
	})
}

// nodeDependencies counts the entries of "dependencies" in package.json
// (development dependencies never ship).
func nodeDependencies(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, PackageJSON))
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", PackageJSON, err)
	}
	var pkg struct {
		Dependencies map[string]any `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return 0, fmt.Errorf("%s: %w", PackageJSON, err)
	}
	return len(pkg.Dependencies), nil
}

// lockFile is the lock file in dir (npm-shrinkwrap.json wins, as in npm), or "".
func lockFile(dir string) (string, error) {
	for _, f := range []string{NpmShrinkwrap, PackageLock} {
		_, err := os.Stat(filepath.Join(dir, f))
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	return "", nil
}

func copyInto(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// npmCI runs `npm ci --omit=dev` in dir without install scripts' output on
// our stdout, and says what to fix when it fails.
func npmCI(npm, dir, lock string) error {
	cmd := exec.Command(npm, "ci", "--omit=dev", "--no-audit", "--no-fund")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return fmt.Errorf("cannot run %s to install the dependencies of %s (is Node.js installed? pass --npm): %w", npm, lock, err)
	}
	if unreachableIndex(out.String()) || bytes.Contains(out.Bytes(), []byte("ENOTFOUND")) || bytes.Contains(out.Bytes(), []byte("ECONNREFUSED")) {
		return fmt.Errorf("npm could not reach the registry to install %s (check the network or the registry in .npmrc):\n%s", lock, lastLines(out.String(), 12))
	}
	return fmt.Errorf("npm ci --omit=dev failed for %s (%w); is the lock file in step with %s?\n%s", lock, err, PackageJSON, lastLines(out.String(), 12))
}
