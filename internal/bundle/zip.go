package bundle

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"time"
)

// Epoch is the timestamp of every entry: the earliest a zip file can store.
var Epoch = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// Modes of the entries; nothing from the disk but the execute bit survives.
const (
	FileMode = 0o644
	ExecMode = 0o755
	DirMode  = 0o755
)

// writeZip writes files (sorted by name) and their parent folders as a zip
// whose bytes depend only on the names, contents and execute bits.
func writeZip(files []file) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries(files) {
		if err := writeEntry(zw, e); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("finishing zip: %w", err)
	}
	return buf.Bytes(), nil
}

// entry is a file or (with src == "") a folder in the zip.
type entry struct {
	file
	dir bool
}

// entries returns the files plus one entry per parent folder, sorted by name.
func entries(files []file) []entry {
	dirs := map[string]bool{}
	var out []entry
	for _, f := range files {
		out = append(out, entry{file: f})
		for d := path.Dir(f.name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		out = append(out, entry{file: file{name: d + "/"}, dir: true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func writeEntry(zw *zip.Writer, e entry) error {
	h := &zip.FileHeader{Name: e.name, Modified: Epoch, Method: zip.Deflate}
	switch {
	case e.dir:
		h.Method = zip.Store
		h.SetMode(os.ModeDir | DirMode)
	case e.exec:
		h.SetMode(ExecMode)
	default:
		h.SetMode(FileMode)
	}
	w, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("adding %s to zip: %w", e.name, err)
	}
	if e.dir {
		return nil
	}
	return copyFile(w, e.src, e.name)
}

func copyFile(w io.Writer, src, name string) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}
