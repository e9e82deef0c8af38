package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

const (
	// CrossplaneModule is the Go module that ships Crossplane's own CRDs
	// (cluster/crds/: protection.crossplane.io Usage and ClusterUsage, …).
	CrossplaneModule = "github.com/crossplane/crossplane/v2"
	// CrossplaneVersion is the Crossplane core release the stack targets.
	CrossplaneVersion = "v2.4.0"
	// EnvCrossplaneDir overrides the Crossplane module directory (the
	// directory that contains cluster/crds/).
	EnvCrossplaneDir = "LAMBDASTACK_CROSSPLANE_DIR"
)

var crossplaneDir = sync.OnceValues(func() (string, error) {
	return moduleDir(CrossplaneModule, CrossplaneVersion, EnvCrossplaneDir, filepath.Join("cluster", "crds"))
})

// CrossplaneDir returns the directory of Crossplane core v2.4.0 in the Go
// module cache, downloading it if needed (`go mod download -json`, outside
// the main module: it is not a go.mod requirement). $LAMBDASTACK_CROSSPLANE_DIR
// overrides the lookup. The result is computed once per process.
func CrossplaneDir() (string, error) { return crossplaneDir() }

var crossplaneValidator = sync.OnceValue(func() *Validator {
	return newValidator(func() (string, error) {
		d, err := CrossplaneDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(d, "cluster", "crds"), nil
	})
})

// Crossplane returns the process-wide Validator for Crossplane core v2.4.0's
// own CRDs (cluster/crds/ of the module), e.g. protection.crossplane.io
// Usage (namespaced) and ClusterUsage (cluster-scoped), which a composition
// function may compose next to managed resources.
func Crossplane() *Validator { return crossplaneValidator() }

// ValidateComposed validates a resource a composition function composed
// against the CRD of its kind: Crossplane's own CRDs for *.crossplane.io
// groups, provider-aws v2.5.0's for everything else; core v1 kinds (the
// outputs ConfigMap) have no CRD and get the API server's checks
// (ValidateCore). It implies Composed().
func ValidateComposed(obj map[string]any, opts ...Option) error {
	opts = append([]Option{Composed()}, opts...)
	apiVersion, _ := obj["apiVersion"].(string)
	group, _, _ := strings.Cut(apiVersion, "/")
	switch {
	case !strings.Contains(apiVersion, "/"):
		return ValidateCore(obj)
	case strings.HasSuffix(group, ".crossplane.io"):
		return Crossplane().Validate(obj, opts...)
	}
	return ProviderAWS().Validate(obj, opts...)
}

// moduleDir returns the module cache directory of mod@version (downloading
// it outside the main module, so that go.mod/go.sum are never touched), or
// $env when set; the directory must contain sub.
func moduleDir(mod, version, env, sub string) (string, error) {
	if d := os.Getenv(env); d != "" {
		if _, err := os.Stat(filepath.Join(d, sub)); err != nil {
			return "", fmt.Errorf("$%s=%s: %w", env, d, err)
		}
		return d, nil
	}
	mv := mod + "@" + version
	cmd := exec.Command("go", "mod", "download", "-json", mv)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct {
		Dir   string
		Error string
	}
	if jerr := json.Unmarshal(out, &info); jerr != nil && err == nil {
		err = jerr
	}
	if info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", mv, info.Error)
	}
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w: %s", mv, err, strings.TrimSpace(stderr.String()))
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no Dir in output", mv)
	}
	if _, err := os.Stat(filepath.Join(info.Dir, sub)); err != nil {
		return "", fmt.Errorf("%s: %w", mv, err)
	}
	return info.Dir, nil
}
