package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/spec3/lambdastack/internal/bundle"
)

const bundleUsage = `Usage: lambdastack bundle DIR --bucket BUCKET [--prefix PREFIX] [flags]
       lambdastack bundle --zip FILE --bucket BUCKET [--prefix PREFIX] [flags]

Builds a reproducible zip of the Python or Node.js folder DIR (plus the
dependencies of DIR/requirements.txt, installed with pip, or of
DIR/package.json as its lock file pins them, installed with npm ci
--omit=dev), or takes the prebuilt zip FILE (Java, provided.al2023), uploads
it to s3://BUCKET/PREFIX/<sha256>.zip unless it is already there, and prints
the code: block to paste under spec.function of a LambdaStack request.

Flags:
`

// bundleFlags are the parsed arguments of `lambdastack bundle`.
type bundleFlags struct {
	dir, zip, bucket, prefix string
	region, endpoint         string
	ignoreFile, python, out  string
	runtime, npm             string
	dryRun                   bool
}

func runBundle(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f bundleFlags
	parse := func() (err error) { f, err = parseBundleFlags(args, stderr); return err }
	return command("bundle", stderr, parse, func() (int, error) {
		code, err := bundleAndPublish(ctx, f, stderr)
		if err == nil {
			fmt.Fprint(stdout, code.YAML())
		}
		return failed(err)
	})
}

// parseBundleFlags accepts flags before and after the folder argument.
func parseBundleFlags(args []string, stderr io.Writer) (bundleFlags, error) {
	var f bundleFlags
	fs := newFlags("bundle", bundleUsage, stderr)
	fs.StringVar(&f.bucket, "bucket", "", "S3 bucket for the zip (required)")
	fs.StringVar(&f.prefix, "prefix", "", "key prefix; the key is PREFIX/<sha256>.zip")
	fs.BoolVar(&f.dryRun, "dry-run", false, "build and print the code: block without any AWS call")
	awsFlags(fs, &f.region, &f.endpoint)
	sourceFlags(fs, &f)
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return f, err
	}
	return f, checkBundleArgs(&f, positional)
}

// sourceFlags are the flags that say what to bundle (bundle and deploy).
func sourceFlags(fs *flag.FlagSet, f *bundleFlags) {
	fs.StringVar(&f.zip, "zip", "", "upload this prebuilt zip instead of bundling a folder (Java, provided.al2023)")
	fs.StringVar(&f.runtime, "runtime", "", "the function's runtime, e.g. nodejs20.x (default: Node.js when DIR has a package.json, else Python)")
	fs.StringVar(&f.ignoreFile, "ignore-file", "", "gitignore-like patterns to leave out (default: DIR/"+bundle.IgnoreFileName+" if present)")
	fs.StringVar(&f.python, "python", "python3", "Python interpreter whose pip vendors requirements.txt")
	fs.StringVar(&f.npm, "npm", "npm", "npm that installs the dependencies of a Node.js folder")
	fs.StringVar(&f.out, "out", "", "also write the zip to this file")
}

// awsFlags are the flags that reach AWS (bundle, deploy).
func awsFlags(fs *flag.FlagSet, region, endpoint *string) {
	fs.StringVar(region, "region", "", "AWS region (default: AWS_REGION or the profile's)")
	fs.StringVar(endpoint, "endpoint-url", "", "S3-compatible endpoint, e.g. http://127.0.0.1:5000")
}

func checkBundleArgs(f *bundleFlags, positional []string) error {
	switch {
	case f.zip != "" && len(positional) != 0:
		return fmt.Errorf("--zip takes the place of the source folder; got also %q", positional)
	case f.zip == "" && len(positional) != 1:
		return fmt.Errorf("want exactly one source folder, got %d arguments %q", len(positional), positional)
	case f.bucket == "":
		return errors.New("--bucket is required")
	}
	if f.zip == "" {
		f.dir = positional[0]
	}
	return nil
}

// build makes the zip: the prebuilt one, or one bundled from the folder.
func build(f bundleFlags, log io.Writer) (*bundle.Bundle, error) {
	if f.zip != "" {
		b, err := bundle.Prebuilt(f.zip)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "took %s: %d files, %d bytes, sha256 %s\n", f.zip, len(b.Files), len(b.Zip), b.SHA256)
		return b, nil
	}
	b, err := bundle.Build(bundle.Options{Dir: f.dir, IgnoreFile: f.ignoreFile, Python: f.python, Runtime: f.runtime, Npm: f.npm})
	if err != nil {
		return nil, err
	}
	deps := "no dependencies"
	if b.Dependencies != "" {
		deps = fmt.Sprintf("%d from %s", b.Vendored, b.Dependencies)
	}
	fmt.Fprintf(log, "built %s: %d files (%s), %d bytes, sha256 %s\n", f.dir, len(b.Files), deps, len(b.Zip), b.SHA256)
	return b, nil
}

// bundleAndPublish builds the zip and, unless dry-running, publishes it.
// Progress goes to log; the returned block is the command's output.
func bundleAndPublish(ctx context.Context, f bundleFlags, log io.Writer) (bundle.S3Code, error) {
	b, err := build(f, log)
	if err != nil {
		return bundle.S3Code{}, err
	}
	if err := writeOut(f.out, b.Zip); err != nil {
		return bundle.S3Code{}, err
	}
	key := b.Key(f.prefix)
	if f.dryRun {
		fmt.Fprintf(log, "dry run: s3://%s/%s not checked or uploaded\n", f.bucket, key)
		return bundle.S3Code{Bucket: f.bucket, Key: key}, nil
	}
	client, err := bundle.NewS3Client(ctx, bundle.ClientOptions{Region: f.region, EndpointURL: f.endpoint})
	if err != nil {
		return bundle.S3Code{}, err
	}
	res, err := bundle.Publish(ctx, client, b, f.bucket, f.prefix)
	if err != nil {
		return bundle.S3Code{}, err
	}
	logPublished(log, res)
	return res.Code, nil
}

func writeOut(path string, data []byte) error {
	if path == "" {
		return nil
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing --out: %w", err)
	}
	return nil
}

func logPublished(log io.Writer, res bundle.Published) {
	where := "s3://" + res.Code.Bucket + "/" + res.Code.Key
	if res.Uploaded {
		fmt.Fprintf(log, "uploaded %s\n", where)
	} else {
		fmt.Fprintf(log, "%s already present: not uploaded again\n", where)
	}
}
