// Package examples reads the project's example requests: examples/index.txt lists them, and the
// tests, benchmarks and scripts read that one list.
package examples

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Sets of examples.
const (
	SetStage   = "stage"   // one request per stage, applied as a user would
	SetRelease = "release" // render-only release scenarios, some with a simulated observed state
)

// Example is one example request. Paths are relative to the repository root.
type Example struct {
	Set      string
	Name     string
	Request  string
	Observed string // a simulated provider status to render from; "" when none
}

// Index reads examples/index.txt under the repository root.
func Index(root string) ([]Example, error) {
	f, err := os.Open(filepath.Join(root, "examples", "index.txt"))
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck // read only
	var out []Example
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 || len(fields) > 4 || (fields[0] != SetStage && fields[0] != SetRelease) {
			return nil, fmt.Errorf("examples/index.txt:%d: want <stage|release> <name> <request> [<observed>], got %q", n, line)
		}
		e := Example{Set: fields[0], Name: fields[1], Request: fields[2]}
		if len(fields) == 4 {
			e.Observed = fields[3]
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Stages are the examples of set stage, in the order of the index.
func Stages(root string) ([]Example, error) {
	all, err := Index(root)
	if err != nil {
		return nil, err
	}
	var out []Example
	for _, e := range all {
		if e.Set == SetStage {
			out = append(out, e)
		}
	}
	return out, nil
}

// Root walks up from the working directory to the repository root (the go.mod of
// github.com/spec3/lambdastack).
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/spec3/lambdastack\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the lambdastack repository")
		}
		dir = parent
	}
}

// ReadYAML reads one YAML object.
func ReadYAML(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return obj, nil
}

// ClaimToXR turns a request into the composite resource Crossplane composes for it, in place: a
// LambdaStackClaim becomes the cluster-scoped XLambdaStack with the claim's spec, labelled with
// the claim's name and namespace as Crossplane labels it (claim reports true); a LambdaStack is
// its own composite.
func ClaimToXR(obj map[string]any) (claim bool) {
	if obj["kind"] != v1alpha1.KindLambdaStackClaim {
		return false
	}
	obj["kind"] = v1alpha1.KindXLambdaStack
	if meta, ok := obj["metadata"].(map[string]any); ok {
		labels, _ := meta["labels"].(map[string]any)
		if labels == nil {
			labels = map[string]any{}
		}
		labels["crossplane.io/claim-name"] = meta["name"]
		labels["crossplane.io/claim-namespace"] = meta["namespace"]
		meta["labels"] = labels
		delete(meta, "namespace")
	}
	return true
}

// StageConfigs are the EnvironmentConfigs of examples/environmentconfigs labelled with stage,
// sorted by file name.
func StageConfigs(root, stage string) ([]map[string]any, error) {
	files, err := filepath.Glob(filepath.Join(root, "examples", "environmentconfigs", "*.yaml"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	out := []map[string]any{}
	for _, f := range files {
		c, err := ReadYAML(f)
		if err != nil {
			return nil, err
		}
		meta, _ := c["metadata"].(map[string]any)
		labels, _ := meta["labels"].(map[string]any)
		if labels[v1alpha1.StageLabel] == stage {
			out = append(out, c)
		}
	}
	return out, nil
}
