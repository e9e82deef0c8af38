package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/spec3/lambdastack/internal/bundle"
	"github.com/spec3/lambdastack/internal/stackrender/rendertest"
)

// versions counts the stored versions of every object in a versioned bucket: an upload of an
// existing key would add one.
func versions(t *testing.T, endpoint, bucket string) int {
	t.Helper()
	client, err := bundle.NewS3Client(context.Background(), bundle.ClientOptions{EndpointURL: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Versions)
}

// deploy --offline against moto's S3: the first run uploads, writes the new key into the request
// (comments kept) and shows the function's new code; the second changes nothing and uploads
// nothing.
func TestDeployOfflineUploadsOnceAndEditsTheRequest(t *testing.T) {
	endpoint := motoBuckets(t)
	makeBucket(t, endpoint, exampleBucket, true)
	original, err := os.ReadFile("../../examples/dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stale := strings.Replace(string(original), "key: mcp-server/", "key: mcp-server/0000", 1)
	file := filepath.Join(t.TempDir(), "dev.yaml")
	if err := os.WriteFile(file, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	deploy := func() (int, string, string) {
		return runCLI(t, "deploy", exampleSource, "-f", file, "--offline", "--endpoint-url", endpoint, "--region", "us-east-1",
			"--crossplane-core", rendertest.Core(t))
	}

	code, stdout, stderr := deploy()
	if code != 0 {
		t.Fatalf("first deploy: exit %d\n%s\n%s", code, stdout, stderr)
	}
	edited, _ := os.ReadFile(file)
	if !strings.Contains(stderr, "uploaded s3://"+exampleBucket+"/mcp-server/") || versions(t, endpoint, exampleBucket) != 1 {
		t.Fatalf("first deploy did not upload once:\n%s", stderr)
	}
	block := s3CodeIn(t, file)[0]
	if block.Bucket != exampleBucket || !strings.HasPrefix(block.Key, "mcp-server/") || block.ObjectVersion == "" ||
		!strings.Contains(string(edited), "# dev: the built-in dev profile") || !strings.Contains(string(edited), "    # make uptest (docs/e2e.md)") {
		t.Fatalf("request after deploy:\n%s", edited)
	}
	if !strings.Contains(stdout, "~ function (Function mcp-server--function)\n    spec.forProvider.s3Key: ") ||
		!strings.Contains(stdout, "0 to add, 1 to change, 0 to remove") {
		t.Errorf("first deploy's diff:\n%s", stdout)
	}

	code, stdout, stderr = deploy()
	again, _ := os.ReadFile(file)
	if code != 0 || string(again) != string(edited) || stdout != "no changes\n" ||
		!strings.Contains(stderr, "already present: not uploaded again") || !strings.Contains(stderr, "code unchanged") {
		t.Fatalf("second deploy: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if n := versions(t, endpoint, exampleBucket); n != 1 {
		t.Fatalf("second deploy: %d object versions, want the first upload only", n)
	}
}

func TestDeployArguments(t *testing.T) {
	noBucket := filepath.Join(t.TempDir(), "r.yaml")
	if err := os.WriteFile(noBucket, []byte("apiVersion: platform.spec3.io/v1alpha1\nkind: LambdaStack\nspec: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"deploy", exampleSource}, 2, "-f REQUEST.yaml is required"},
		{[]string{"deploy", "-f", "x.yaml"}, 2, "want exactly one source folder"},
		{[]string{"deploy", exampleSource, "-f", "x.yaml", "--required-resources", "d"}, 2, "--required-resources goes with --offline"},
		{[]string{"deploy", exampleSource, "-f", noBucket, "--offline", "--crossplane-core", rendertest.Core(t)}, 1, "--bucket is required: the request has no spec.function.code.s3.bucket"},
		{[]string{"deploy", exampleSource, "-f", noBucket, "--offline", "--crossplane-core", "/nonexistent/core"}, 1, "render engine \"/nonexistent/core\" not found"},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("%q: exit %d, %q; want %d and %q", c.args, code, stdout+stderr, c.code, c.want)
		}
	}
}
