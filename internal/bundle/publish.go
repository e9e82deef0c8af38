package bundle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3API is the part of the S3 client that Publish uses.
type S3API interface {
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Published says what Publish did.
type Published struct {
	Code     S3Code // the block for the request; ObjectVersion only in a versioned bucket
	Uploaded bool   // false when the object was already there
}

// Publish uploads b to bucket under prefix unless an object with that key
// (which names the content) is already there.
func Publish(ctx context.Context, api S3API, b *Bundle, bucket, prefix string) (Published, error) {
	key := b.Key(prefix)
	res := Published{Code: S3Code{Bucket: bucket, Key: key}}
	versioned, err := bucketVersioned(ctx, api, bucket)
	if err != nil {
		return res, err
	}
	version, found, err := existing(ctx, api, b, bucket, key)
	if err != nil {
		return res, err
	}
	if !found {
		if version, err = upload(ctx, api, b, bucket, key); err != nil {
			return res, err
		}
		res.Uploaded = true
	}
	if versioned && version != "null" {
		res.Code.ObjectVersion = version
	}
	return res, nil
}

// bucketVersioned reports whether versioning is enabled on bucket. It is the
// first call Publish makes, so it also proves the bucket exists and that the
// credentials work.
func bucketVersioned(ctx context.Context, api S3API, bucket string) (bool, error) {
	out, err := api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil {
		return false, describe(err, bucket, "")
	}
	return out.Status == types.BucketVersioningStatusEnabled, nil
}

// existing looks for key in bucket. An object of another size under the
// content-addressed key means someone overwrote it: that is an error.
func existing(ctx context.Context, api S3API, b *Bundle, bucket, key string) (version string, found bool, err error) {
	out, err := api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if isNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, describe(err, bucket, key)
	}
	if size := aws.ToInt64(out.ContentLength); size != int64(len(b.Zip)) {
		return "", false, fmt.Errorf("s3://%s/%s exists but holds %d bytes, not the %d of this bundle; it was overwritten: delete it and run again", bucket, key, size, len(b.Zip))
	}
	return aws.ToString(out.VersionId), true, nil
}

// upload puts the zip with its SHA-256 so S3 rejects a corrupted transfer.
func upload(ctx context.Context, api S3API, b *Bundle, bucket, key string) (string, error) {
	sum := sha256.Sum256(b.Zip)
	out, err := api.PutObject(ctx, &s3.PutObjectInput{
		Bucket:         aws.String(bucket),
		Key:            aws.String(key),
		Body:           bytes.NewReader(b.Zip),
		ContentLength:  aws.Int64(int64(len(b.Zip))),
		ContentType:    aws.String("application/zip"),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		Metadata:       map[string]string{"sha256": b.SHA256},
	})
	if err != nil {
		return "", describe(err, bucket, key)
	}
	return aws.ToString(out.VersionId), nil
}

func isNotFound(err error) bool {
	var nf *types.NotFound
	var nk *types.NoSuchKey
	return errors.As(err, &nf) || errors.As(err, &nk)
}

// describe turns an S3 error into one that names the problem and the fix.
func describe(err error, bucket, key string) error {
	where := "s3://" + bucket
	if key != "" {
		where += "/" + key
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("%s: cannot talk to S3 (check --endpoint-url, --region and the network): %w", where, err)
	}
	switch apiErr.ErrorCode() {
	case "NoSuchBucket":
		return fmt.Errorf("bucket %q does not exist (or is in another account); create it or fix --bucket: %w", bucket, err)
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
		return fmt.Errorf("AWS rejected the credentials (%s) for %s; check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: %w", apiErr.ErrorCode(), where, err)
	case "AccessDenied", "Forbidden", "AllAccessDisabled":
		return fmt.Errorf("access denied to %s; the credentials need s3:GetBucketVersioning, s3:GetObject and s3:PutObject on it: %w", where, err)
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
		return fmt.Errorf("bucket %q is in another region; pass its region with --region: %w", bucket, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}
