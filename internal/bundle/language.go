package bundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// language is how a runtime's dependencies get into the zip.
type language struct {
	name   string
	ignore []string // patterns left out of the source folder, besides DefaultIgnore
	vendor func(Options) (vendored, func(), error)
}

var (
	python = language{name: "Python", vendor: vendorPython}
	// node leaves the folder's own node_modules out: the dependencies come
	// from the lock file, without the development ones.
	node = language{name: "Node.js", ignore: []string{"/node_modules/"}, vendor: vendorNode}
)

// languageOf picks the language from opts.Runtime, or from the folder when
// no runtime is given. Runtimes this package cannot build from source
// (Java, provided.al2023) are an error that points to a prebuilt zip.
func languageOf(opts Options) (language, error) {
	switch r := opts.Runtime; {
	case r == "":
		if _, err := os.Stat(filepath.Join(opts.Dir, PackageJSON)); err == nil {
			return node, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return language{}, err
		}
		return python, nil
	case strings.HasPrefix(r, "python"):
		return python, nil
	case strings.HasPrefix(r, "nodejs"):
		return node, nil
	default:
		return language{}, fmt.Errorf("runtime %s: build the zip yourself (e.g. with Maven or make) and pass it with --zip; source folders are bundled for Python and Node.js", r)
	}
}
