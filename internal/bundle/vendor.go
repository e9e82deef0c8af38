package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// RequirementsFile is the name of the dependency list in the source folder.
const RequirementsFile = "requirements.txt"

// HasRequirements reports whether the requirements file in dir lists at
// least one requirement or option (anything but blank lines and comments).
// A missing file means no requirements.
func HasRequirements(dir string) (bool, error) {
	data, err := os.ReadFile(filepath.Join(dir, RequirementsFile))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", RequirementsFile, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			return true, nil
		}
	}
	return false, nil
}

// pipInstall installs the requirements of dir into target with
// `<python> -m pip install --target <target> --no-compile -r requirements.txt`.
// It runs in dir so that relative paths in the file resolve as the author
// expects.
func pipInstall(python, dir, target string) error {
	args := []string{"-m", "pip", "install",
		"--target", target,
		"--no-compile",
		"--no-input",
		"--disable-pip-version-check",
		"--requirement", RequirementsFile,
	}
	cmd := exec.Command(python, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	return pipError(python, err, out.String())
}

// pipError turns a failed pip run into an error that says what to fix.
func pipError(python string, err error, output string) error {
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return fmt.Errorf("cannot run %s to vendor %s (is Python installed? pass --python): %w", python, RequirementsFile, err)
	}
	tail := lastLines(output, 12)
	switch {
	case strings.Contains(output, "No module named pip"):
		return fmt.Errorf("pip is not installed for %s; install it (e.g. python3 -m ensurepip) to vendor %s", python, RequirementsFile)
	case unreachableIndex(output):
		return fmt.Errorf("pip could not reach the package index to install %s (check the network, PIP_INDEX_URL or PIP_FIND_LINKS):\n%s", RequirementsFile, tail)
	case strings.Contains(output, "(from versions: none)"):
		// pip says this both for a name the index lacks and for an index it
		// cannot reach when it does not retry (PIP_RETRIES=0).
		return fmt.Errorf("pip found no version of a requirement in %s: the package index may be unreachable (check the network, PIP_INDEX_URL or PIP_FIND_LINKS) or the name may be wrong:\n%s", RequirementsFile, tail)
	default:
		return fmt.Errorf("pip install -r %s failed (%w):\n%s", RequirementsFile, err, tail)
	}
}

// unreachableIndex recognises pip's messages for an index it cannot use.
func unreachableIndex(output string) bool {
	for _, s := range []string{
		"Failed to establish a new connection",
		"Connection refused",
		"Temporary failure in name resolution",
		"Name or service not known",
		"Read timed out",
		"ConnectTimeoutError",
		"Could not fetch URL",
		"ProxyError",
	} {
		if strings.Contains(output, s) {
			return true
		}
	}
	return false
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}
