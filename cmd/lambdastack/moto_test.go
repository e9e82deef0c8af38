package main

// End-to-end runs of `lambdastack bundle` against moto's S3 stand-in on
// 127.0.0.1 (skipped only where moto is not installed).

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/spec3/lambdastack/internal/bundle"
	"github.com/spec3/lambdastack/internal/motoserver"
)

func motoBuckets(t *testing.T, env ...string) string {
	t.Helper()
	endpoint := motoserver.Start(t, env...)
	motoserver.UseTestCredentials(t)
	return endpoint
}

func makeBucket(t *testing.T, endpoint, name string, versioned bool) {
	t.Helper()
	ctx := context.Background()
	client, err := bundle.NewS3Client(ctx, bundle.ClientOptions{EndpointURL: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if versioned {
		_, err = client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
			Bucket:                  aws.String(name),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func bundleTo(t *testing.T, endpoint, bucket string) (int, string, string) {
	return runCLI(t, "bundle", exampleSource, "--bucket", bucket, "--prefix", examplePrefix,
		"--endpoint-url", endpoint, "--region", "us-east-1")
}

func TestBundleUploadsOnceAndPrintsDryRunBlock(t *testing.T) {
	endpoint := motoBuckets(t)
	makeBucket(t, endpoint, exampleBucket, false)
	dry, _ := dryRunExample(t)

	code, stdout, stderr := bundleTo(t, endpoint, exampleBucket)
	if code != 0 || stdout != dry || !strings.Contains(stderr, "uploaded s3://"+exampleBucket) {
		t.Fatalf("first run: exit %d\nstdout %s\nstderr %s\nwant the dry-run block\n%s", code, stdout, stderr, dry)
	}
	code, stdout, stderr = bundleTo(t, endpoint, exampleBucket)
	if code != 0 || stdout != dry || !strings.Contains(stderr, "already present: not uploaded again") {
		t.Fatalf("second run: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

func TestBundleVersionedBucketPrintsObjectVersion(t *testing.T) {
	endpoint := motoBuckets(t)
	makeBucket(t, endpoint, "versioned-artifacts", true)
	code, stdout, stderr := bundleTo(t, endpoint, "versioned-artifacts")
	if code != 0 || !strings.Contains(stdout, "\n    objectVersion: ") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s\nwant an objectVersion line", code, stdout, stderr)
	}
	_, again, _ := bundleTo(t, endpoint, "versioned-artifacts")
	if again != stdout {
		t.Fatalf("second run printed\n%s\nwant the same block\n%s", again, stdout)
	}
}

func TestBundleErrors(t *testing.T) {
	endpoint := motoBuckets(t)
	code, stdout, stderr := bundleTo(t, endpoint, "missing-bucket")
	if code != 1 || stdout != "" || !strings.Contains(stderr, `bucket "missing-bucket" does not exist`) {
		t.Fatalf("missing bucket: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	strict := motoBuckets(t, "INITIAL_NO_AUTH_ACTION_COUNT=0") // moto then checks credentials
	code, _, stderr = bundleTo(t, strict, exampleBucket)
	if code != 1 || !strings.Contains(stderr, "AWS rejected the credentials (InvalidAccessKeyId)") {
		t.Fatalf("bad credentials: exit %d, stderr %q", code, stderr)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	code, _, stderr = bundleTo(t, endpoint, exampleBucket)
	if code != 1 || !strings.Contains(stderr, "no usable AWS credentials") {
		t.Fatalf("no credentials: exit %d, stderr %q", code, stderr)
	}
}
