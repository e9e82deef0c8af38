package bundle

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// file is one regular file to put in the package.
type file struct {
	name string // path inside the zip, slash separated
	src  string // path on disk
	exec bool   // any execute bit set on disk
}

// collect walks root and returns the files that m does not ignore.
// Symbolic links to files are followed; links to folders, devices, sockets
// and the like are refused because a Lambda package cannot hold them.
func collect(root string, m *Matcher) ([]file, error) {
	var files []file
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		info, err := os.Stat(p) // follows symbolic links
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if m.Ignored(rel, info.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		return checkEntry(rel, d, info, p, &files)
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}

// checkEntry appends a regular file to files, accepts real folders (WalkDir
// descends into them) and rejects anything else with an error naming it.
func checkEntry(rel string, d fs.DirEntry, info fs.FileInfo, p string, files *[]file) error {
	switch {
	case d.IsDir():
		return nil
	case info.IsDir():
		return fmt.Errorf("%s is a symbolic link to a folder; copy the folder instead or ignore it", rel)
	case !info.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (%s); ignore it or remove it", rel, info.Mode().Type())
	}
	*files = append(*files, file{name: rel, src: p, exec: info.Mode().Perm()&0o111 != 0})
	return nil
}

// merge joins the source files and the vendored dependencies, sorted by
// name. A name present in both is an error: silently picking one would
// hide a module shadowing a dependency.
func merge(source []file, deps vendored) ([]file, error) {
	seen := make(map[string]bool, len(source))
	for _, f := range source {
		seen[f.name] = true
	}
	all := append([]file(nil), source...)
	for _, f := range deps.files {
		if seen[f.name] {
			return nil, fmt.Errorf("%s exists both in the source folder and in the dependencies from %s; rename or ignore one", f.name, deps.from)
		}
		all = append(all, f)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	return all, nil
}
