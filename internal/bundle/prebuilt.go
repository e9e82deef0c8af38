package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
)

// Prebuilt takes a zip someone else built (a Java jar-in-zip, a provided.al2023 bootstrap) as it
// is: its key is its SHA-256 like any bundle's, so the same file is uploaded once. The bytes
// are not normalised: a reproducible zip is then the builder's job.
func Prebuilt(path string) (*Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the zip: %w", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s is not a zip file: %w", path, err)
	}
	sum := sha256.Sum256(data)
	b := &Bundle{Zip: data, SHA256: hex.EncodeToString(sum[:])}
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() {
			b.Files = append(b.Files, f.Name)
		}
	}
	if len(b.Files) == 0 {
		return nil, fmt.Errorf("%s holds no files", path)
	}
	sort.Strings(b.Files)
	return b, nil
}
