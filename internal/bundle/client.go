package bundle

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ClientOptions configure the S3 client; empty fields fall back to the
// usual AWS sources (AWS_REGION, AWS_PROFILE, ~/.aws/config, ...).
type ClientOptions struct {
	Region string
	// EndpointURL points at an S3-compatible endpoint (e.g. a local test
	// server); it switches to path-style addressing.
	EndpointURL string
}

// NewS3Client loads the AWS configuration and checks that a region and
// credentials are there, so their absence is reported before any request.
func NewS3Client(ctx context.Context, opts ClientOptions) (*s3.Client, error) {
	var loaders []func(*config.LoadOptions) error
	if opts.Region != "" {
		loaders = append(loaders, config.WithRegion(opts.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loaders...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: pass --region or set AWS_REGION")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("no usable AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: %w", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.EndpointURL != "" {
			o.BaseEndpoint = aws.String(opts.EndpointURL)
			o.UsePathStyle = true
		}
	}), nil
}
