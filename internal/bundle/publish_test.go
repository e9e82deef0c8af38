package bundle

// These tests run against moto's S3 stand-in (started per test on
// 127.0.0.1); they are skipped only where moto is not installed.

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/spec3/lambdastack/internal/motoserver"
)

// countingS3 counts PutObject calls, to prove an upload did or did not happen.
type countingS3 struct {
	S3API
	puts int
}

func (c *countingS3) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	c.puts++
	return c.S3API.PutObject(ctx, in, optFns...)
}

// motoS3 starts moto and returns a client for it.
func motoS3(t *testing.T, env ...string) *s3.Client {
	t.Helper()
	endpoint := motoserver.Start(t, env...)
	motoserver.UseTestCredentials(t)
	client, err := NewS3Client(context.Background(), ClientOptions{EndpointURL: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func createBucket(t *testing.T, client *s3.Client, bucket string, versioned bool) {
	t.Helper()
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("creating bucket: %v", err)
	}
	if !versioned {
		return
	}
	_, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	})
	if err != nil {
		t.Fatalf("enabling versioning: %v", err)
	}
}

func sampleBundle(t *testing.T) *Bundle {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, sampleTree)
	b, err := Build(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPublishUploadsOnceThenSkips(t *testing.T) {
	client := motoS3(t)
	createBucket(t, client, "artifacts", false)
	b := sampleBundle(t)
	api := &countingS3{S3API: client}
	ctx := context.Background()

	first, err := Publish(ctx, api, b, "artifacts", "mcp-server")
	if err != nil {
		t.Fatal(err)
	}
	want := S3Code{Bucket: "artifacts", Key: "mcp-server/" + b.SHA256 + ".zip"}
	if !first.Uploaded || first.Code != want || api.puts != 1 {
		t.Fatalf("first publish: %+v after %d puts; want upload of %+v", first, api.puts, want)
	}
	before := headObject(t, client, "artifacts", want.Key)
	checkStored(t, client, "artifacts", want.Key, b)

	time.Sleep(1100 * time.Millisecond) // a second upload would get a later LastModified
	second, err := Publish(ctx, api, b, "artifacts", "mcp-server")
	if err != nil {
		t.Fatal(err)
	}
	after := headObject(t, client, "artifacts", want.Key)
	if second.Uploaded || second.Code != want || api.puts != 1 {
		t.Fatalf("second publish: %+v after %d puts; want no upload", second, api.puts)
	}
	if aws.ToString(before.ETag) != aws.ToString(after.ETag) || !aws.ToTime(before.LastModified).Equal(aws.ToTime(after.LastModified)) {
		t.Fatalf("object changed: ETag %s→%s, LastModified %v→%v", aws.ToString(before.ETag), aws.ToString(after.ETag), before.LastModified, after.LastModified)
	}
}

func TestPublishVersionedBucketPinsVersion(t *testing.T) {
	client := motoS3(t)
	createBucket(t, client, "versioned", true)
	b := sampleBundle(t)
	ctx := context.Background()
	first, err := Publish(ctx, client, b, "versioned", "p")
	if err != nil {
		t.Fatal(err)
	}
	head := headObject(t, client, "versioned", first.Code.Key)
	if first.Code.ObjectVersion == "" || first.Code.ObjectVersion != aws.ToString(head.VersionId) {
		t.Fatalf("objectVersion %q, object's version %q", first.Code.ObjectVersion, aws.ToString(head.VersionId))
	}
	second, err := Publish(ctx, client, b, "versioned", "p")
	if err != nil {
		t.Fatal(err)
	}
	if second.Uploaded || second.Code != first.Code {
		t.Fatalf("second publish %+v, want no upload and %+v", second, first.Code)
	}
}

func TestPublishMissingBucket(t *testing.T) {
	client := motoS3(t)
	_, err := Publish(context.Background(), client, sampleBundle(t), "no-such-bucket", "p")
	if err == nil || !strings.Contains(err.Error(), `bucket "no-such-bucket" does not exist`) {
		t.Fatalf("want a missing-bucket error, got %v", err)
	}
}

func TestPublishRefusesOverwrittenObject(t *testing.T) {
	client := motoS3(t)
	createBucket(t, client, "artifacts", false)
	b := sampleBundle(t)
	_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("artifacts"), Key: aws.String(b.Key("p")), Body: strings.NewReader("not a zip"),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Publish(context.Background(), client, b, "artifacts", "p")
	if err == nil || !strings.Contains(err.Error(), "was overwritten") {
		t.Fatalf("want an overwritten-object error, got %v", err)
	}
}

// moto accepts any credentials by default; INITIAL_NO_AUTH_ACTION_COUNT=0
// makes it check them against its (empty) IAM, so ours are unknown.
func TestPublishBadCredentials(t *testing.T) {
	client := motoS3(t, "INITIAL_NO_AUTH_ACTION_COUNT=0")
	_, err := Publish(context.Background(), client, sampleBundle(t), "artifacts", "p")
	if err == nil || !strings.Contains(err.Error(), "AWS rejected the credentials (InvalidAccessKeyId)") {
		t.Fatalf("want a bad-credentials error, got %v", err)
	}
}

func TestNewS3ClientNeedsRegionAndCredentials(t *testing.T) {
	motoserver.UseTestCredentials(t)
	t.Setenv("AWS_REGION", "")
	_, err := NewS3Client(context.Background(), ClientOptions{})
	if err == nil || !strings.Contains(err.Error(), "no AWS region") {
		t.Fatalf("want a no-region error, got %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	_, err = NewS3Client(context.Background(), ClientOptions{Region: "eu-west-1"})
	if err == nil || !strings.Contains(err.Error(), "no usable AWS credentials") {
		t.Fatalf("want a no-credentials error, got %v", err)
	}
}

func headObject(t *testing.T, client *s3.Client, bucket, key string) *s3.HeadObjectOutput {
	t.Helper()
	out, err := client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("head s3://%s/%s: %v", bucket, key, err)
	}
	return out
}

// checkStored reads the object back: same bytes, zip content type, digest metadata.
func checkStored(t *testing.T, client *s3.Client, bucket, key string, b *Bundle) {
	t.Helper()
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != string(b.Zip) || aws.ToString(out.ContentType) != "application/zip" || out.Metadata["sha256"] != b.SHA256 {
		t.Fatalf("stored object: %d bytes (want %d), content type %q, metadata %v", len(data), len(b.Zip), aws.ToString(out.ContentType), out.Metadata)
	}
}
