package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/internal/bundle"
)

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// s3CodeIn returns spec.function.code.s3 of every YAML document in file
// that has one (documents without it are skipped).
func s3CodeIn(t *testing.T, file string) []bundle.S3Code {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var codes []bundle.S3Code
	for _, doc := range docSeparator.Split(string(data), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var obj struct {
			Spec struct {
				Function struct {
					Code struct {
						S3 *bundle.S3Code `json:"s3"`
					} `json:"code"`
				} `json:"function"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if s3 := obj.Spec.Function.Code.S3; s3 != nil {
			codes = append(codes, *s3)
		}
	}
	return codes
}
