package schema

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

const (
	// ProviderAWSModule is the Go module that ships provider-aws' CRDs.
	ProviderAWSModule = "github.com/upbound/provider-aws/v2"
	// ProviderAWSVersion is the provider-aws release the stack targets.
	ProviderAWSVersion = "v2.5.0"
	// EnvProviderAWSDir overrides the provider-aws module directory (the
	// directory that contains package/crds/).
	EnvProviderAWSDir = "LAMBDASTACK_PROVIDER_AWS_DIR"
)

var providerDir struct {
	once sync.Once
	dir  string
	err  error
}

// ProviderAWSDir returns the directory of provider-aws v2.5.0 in the Go module
// cache, downloading it if needed (`go mod download -json`). The module is not
// a go.mod requirement. $LAMBDASTACK_PROVIDER_AWS_DIR overrides the lookup.
// The result is computed once per process.
func ProviderAWSDir() (string, error) {
	providerDir.once.Do(func() {
		providerDir.dir, providerDir.err = lookupProviderAWSDir()
	})
	return providerDir.dir, providerDir.err
}

func lookupProviderAWSDir() (string, error) {
	return moduleDir(ProviderAWSModule, ProviderAWSVersion, EnvProviderAWSDir, filepath.Join("package", "crds"))
}

// crdDir is a directory of CRD files named <group>_<plural>.yaml, indexed
// lazily: a group's files are listed and their spec.names.kind read (a short
// line scan of each file's head) the first time a kind of that group is asked.
type crdDir struct {
	root func() (string, error)

	mu     sync.Mutex
	files  []string                     // all file names of the dir, sorted
	groups map[string]map[string]string // group -> kind -> file name
}

func (d *crdDir) file(group, kind string) (string, error) {
	root, err := d.root()
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.files == nil {
		ents, err := os.ReadDir(root)
		if err != nil {
			return "", fmt.Errorf("reading CRD directory: %w", err)
		}
		d.files = make([]string, 0, len(ents))
		for _, e := range ents {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml") {
				d.files = append(d.files, e.Name())
			}
		}
		sort.Strings(d.files)
		d.groups = map[string]map[string]string{}
	}
	idx, ok := d.groups[group]
	if !ok {
		idx = map[string]string{}
		prefix := group + "_"
		i := sort.SearchStrings(d.files, prefix)
		for ; i < len(d.files) && strings.HasPrefix(d.files[i], prefix); i++ {
			k, err := scanKind(filepath.Join(root, d.files[i]))
			if err != nil {
				return "", err
			}
			idx[k] = d.files[i]
		}
		d.groups[group] = idx
	}
	if len(idx) == 0 {
		return "", fmt.Errorf("%w: no CRDs for API group %q in %s", ErrUnknownKind, group, root)
	}
	f, ok := idx[kind]
	if !ok {
		return "", fmt.Errorf("%w: API group %q has no kind %q", ErrUnknownKind, group, kind)
	}
	return filepath.Join(root, f), nil
}

// scanKind reads spec.names.kind from the head of a CRD YAML file without
// parsing the (large) schema; the result is verified after the full parse.
func scanKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close() //nolint:errcheck // read-only
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	inNames, namesIndent := false, 0
	for n := 0; sc.Scan() && n < 200; n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		switch {
		case trimmed == "names:":
			inNames, namesIndent = true, indent
		case inNames && indent <= namesIndent && trimmed != "":
			inNames = false
		case inNames && strings.HasPrefix(trimmed, "kind:"):
			return strings.Trim(strings.TrimSpace(strings.TrimPrefix(trimmed, "kind:")), `"'`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return "", fmt.Errorf("%s: spec.names.kind not found in the file's head", path)
}

// ErrUnknownKind is returned (wrapped) for an apiVersion/kind without a schema.
var ErrUnknownKind = errors.New("unknown kind")
