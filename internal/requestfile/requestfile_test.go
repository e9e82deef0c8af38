package requestfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spec3/lambdastack/internal/bundle"
)

const newKey = "mcp-server/0000000000000000000000000000000000000000000000000000000000000000.zip"

func copyFile(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.WriteFile(dst, data, 0o640); err != nil {
		t.Fatal(err)
	}
	return dst
}

// The examples' request files change in exactly their key: line; comments, order and the rest
// of the text stay byte for byte.
func TestSetCodeChangesOnlyTheKeyOfTheExamples(t *testing.T) {
	for _, name := range []string{"dev.yaml", "staging.yaml", "qa.yaml", "worker.yaml", "legacy-claim.yaml"} {
		src := filepath.Join("..", "..", "examples", name)
		before, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		file := copyFile(t, src)
		changed, err := SetCode(file, bundle.S3Code{Bucket: "spec3-lambdastack-artifacts", Key: newKey})
		if err != nil || !changed {
			t.Fatalf("%s: changed %v, %v", name, changed, err)
		}
		after, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		b, a := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
		if len(a) != len(b) {
			t.Fatalf("%s: %d lines, want %d:\n%s", name, len(a), len(b), after)
		}
		differ := 0
		for i := range b {
			if a[i] != b[i] {
				differ++
				if strings.TrimSpace(a[i]) != "key: "+newKey || !strings.Contains(b[i], "key: mcp-server/") {
					t.Errorf("%s:%d: %q became %q", name, i+1, b[i], a[i])
				}
			}
		}
		if differ != 1 {
			t.Errorf("%s: %d lines differ, want the key line only", name, differ)
		}
		if info, _ := os.Stat(file); info.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v, want the file's 0640 kept", name, info.Mode().Perm())
		}
		again, err := SetCode(file, bundle.S3Code{Bucket: "spec3-lambdastack-artifacts", Key: newKey})
		if err != nil || again {
			t.Errorf("%s: setting the same code again: changed %v, %v; want no change", name, again, err)
		}
	}
}

func TestSetCodeReplacesAnImageAndKeepsComments(t *testing.T) {
	file := filepath.Join(t.TempDir(), "r.yaml")
	in := `# the request
apiVersion: platform.spec3.io/v1alpha1
kind: LambdaStack
metadata:
  name: a
spec:
  stage: dev # the stage
  function:
    # where the code is
    code:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1
    memoryMB: 512
  app: a
`
	if err := os.WriteFile(file, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := SetCode(file, bundle.S3Code{Bucket: "b", Key: "k.zip", ObjectVersion: "v1"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(file)
	want := strings.Replace(in, "      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1\n",
		"      s3:\n        bucket: b\n        key: k.zip\n        objectVersion: v1\n", 1)
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSetCodeAddsAMissingBlock(t *testing.T) {
	file := filepath.Join(t.TempDir(), "r.yaml")
	if err := os.WriteFile(file, []byte("apiVersion: platform.spec3.io/v1alpha1\nkind: LambdaStack\nspec:\n  app: a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := SetCode(file, bundle.S3Code{Bucket: "b", Key: "true"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(file)
	want := "apiVersion: platform.spec3.io/v1alpha1\nkind: LambdaStack\nspec:\n  app: a\n  function:\n    code:\n      s3:\n        bucket: b\n        key: \"true\"\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSetCodeErrors(t *testing.T) {
	for in, want := range map[string]string{
		"a: 1\n---\nb: 2\n":        "want one YAML document",
		"- a\n":                    "want one YAML document",
		"spec:\n  function: [1]\n": "spec.function: want a mapping",
		"spec: {function: {code: ": "yaml:",
	} {
		file := filepath.Join(t.TempDir(), "r.yaml")
		if err := os.WriteFile(file, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := SetCode(file, bundle.S3Code{Bucket: "b", Key: "k"}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
		if got, _ := os.ReadFile(file); string(got) != in {
			t.Errorf("%q: the file changed on error", in)
		}
	}
}
