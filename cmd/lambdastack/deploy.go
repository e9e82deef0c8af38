package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/spec3/lambdastack/internal/cluster"
	"github.com/spec3/lambdastack/internal/preview"
	"github.com/spec3/lambdastack/internal/requestfile"
	"github.com/spec3/lambdastack/internal/stackdiff"
	"github.com/spec3/lambdastack/internal/stackrender"
)

const deployUsage = `Usage: lambdastack deploy DIR -f REQUEST.yaml [flags]
       lambdastack deploy --zip FILE -f REQUEST.yaml [flags]

Ships code in one step: bundles DIR (as lambdastack bundle does; --zip takes a
prebuilt zip), uploads it to s3://BUCKET/PREFIX/<sha256>.zip unless it is
already there, writes the new code: block into REQUEST.yaml in place (comments
and order kept), shows what applying it changes (lambdastack diff), and applies
it after you confirm (--yes applies without asking, for CI). Unchanged code
uploads nothing, leaves the file as it is and applies nothing.

BUCKET and PREFIX default to those of the request's current code.s3 block; the
runtime to its spec.function.runtime.

--offline stops after writing the file and shows the change against the file as
it was, without a cluster (commit the file; GitOps applies it).

Flags:
`

// deployFlags are the parsed arguments of `lambdastack deploy`.
type deployFlags struct {
	bundleFlags
	file                    string
	yes, offline            bool
	kubeconfig, kubeContext string
	core                    string
	required                multiFlag
}

func runDeploy(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f deployFlags
	parse := func() (err error) { f, err = parseDeployFlags(args, stderr); return err }
	return command("deploy", stderr, parse, func() (int, error) { return failed(deploy(ctx, f, stdin, stdout, stderr)) })
}

func parseDeployFlags(args []string, stderr io.Writer) (deployFlags, error) {
	var f deployFlags
	fs := newFlags("deploy", deployUsage, stderr)
	fs.StringVar(&f.file, "f", "", "the request file to update and apply (required)")
	fs.StringVar(&f.bucket, "bucket", "", "S3 bucket for the zip (default: the request's code.s3.bucket)")
	fs.StringVar(&f.prefix, "prefix", "", "key prefix (default: the folder of the request's code.s3.key)")
	fs.BoolVar(&f.yes, "yes", false, "apply without asking (CI)")
	fs.BoolVar(&f.offline, "offline", false, "no cluster: update the file and show the change against the file as it was; apply nothing")
	fs.Var(&f.required, "required-resources", "with --offline: a file or folder of the EnvironmentConfigs the function may ask for; repeatable")
	awsFlags(fs, &f.region, &f.endpoint)
	sourceFlags(fs, &f.bundleFlags)
	clusterFlags(fs, &f.kubeconfig, &f.kubeContext)
	coreFlag(fs, &f.core)
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return f, err
	}
	switch {
	case f.file == "":
		return f, errors.New("-f REQUEST.yaml is required")
	case f.zip != "" && len(positional) != 0:
		return f, fmt.Errorf("--zip takes the place of the source folder; got also %q", positional)
	case f.zip == "" && len(positional) != 1:
		return f, fmt.Errorf("want exactly one source folder, got %d arguments %q", len(positional), positional)
	case !f.offline && len(f.required) > 0:
		return f, errors.New("--required-resources goes with --offline")
	}
	if f.zip == "" {
		f.dir = positional[0]
	}
	return f, nil
}

func deploy(ctx context.Context, f deployFlags, stdin io.Reader, stdout, stderr io.Writer) error {
	before, err := readRequest(f.file)
	if err != nil {
		return err
	}
	eng, err := stackrender.Start(f.core) // before anything is uploaded or written
	if err != nil {
		return err
	}
	defer eng.Close()
	if err := defaultsFromRequest(&f.bundleFlags, before); err != nil {
		return err
	}
	code, err := bundleAndPublish(ctx, f.bundleFlags, stderr)
	if err != nil {
		return err
	}
	changed, err := requestfile.SetCode(f.file, code)
	if err != nil {
		return err
	}
	if changed {
		fmt.Fprintf(stderr, "%s: code set to s3://%s/%s\n", f.file, code.Bucket, code.Key)
	} else {
		fmt.Fprintf(stderr, "%s: code unchanged\n", f.file)
	}
	after, err := readRequest(f.file)
	if err != nil {
		return err
	}
	if f.offline {
		rep, err := previewOffline(ctx, eng, before, after, f.required)
		if err != nil {
			return err
		}
		return stackdiff.Write(stdout, rep)
	}
	return applyConfirmed(ctx, eng, f, after, stdin, stdout, stderr)
}

// defaultsFromRequest fills the bucket, prefix and runtime the flags leave open from the
// request's current spec.function.
func defaultsFromRequest(f *bundleFlags, request *unstructured.Unstructured) error {
	s3, _, _ := unstructured.NestedStringMap(request.Object, "spec", "function", "code", "s3")
	if f.bucket == "" {
		f.bucket = s3["bucket"]
	}
	if f.prefix == "" {
		if dir := path.Dir(s3["key"]); s3["key"] != "" && dir != "." {
			f.prefix = dir
		}
	}
	if f.runtime == "" {
		f.runtime, _, _ = unstructured.NestedString(request.Object, "spec", "function", "runtime")
	}
	if f.bucket == "" {
		return errors.New("--bucket is required: the request has no spec.function.code.s3.bucket to take it from")
	}
	return nil
}

func previewOffline(ctx context.Context, eng *stackrender.Engine, before, after *unstructured.Unstructured, files []string) (stackdiff.Report, error) {
	required, err := loadRequired(files)
	if err != nil {
		return stackdiff.Report{}, err
	}
	return preview.Offline(ctx, eng, before.Object, after.Object, required, nil)
}

// applyConfirmed shows the live diff and applies the request once confirmed.
func applyConfirmed(ctx context.Context, eng *stackrender.Engine, f deployFlags, request *unstructured.Unstructured, stdin io.Reader, stdout, stderr io.Writer) error {
	cl, err := cluster.Connect(f.kubeconfig, f.kubeContext)
	if err != nil {
		return err
	}
	inContextNamespace(request, cl)
	rep, err := preview.Live(ctx, eng, cl, request)
	if err != nil {
		return err
	}
	if err := stackdiff.Write(stdout, rep); err != nil {
		return err
	}
	if !rep.HasChanges() {
		fmt.Fprintln(stderr, "nothing to apply")
		return nil
	}
	what := fmt.Sprintf("%s %s/%s", request.GetKind(), request.GetNamespace(), request.GetName())
	if !f.yes && !confirm(stdin, stderr, fmt.Sprintf("apply %s to context %q?", what, cl.Context)) {
		return errors.New("not applied (answer y, or pass --yes)")
	}
	if _, err := cl.Apply(ctx, request, false); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "applied %s; watch it with kubectl get %s %s -n %s -w\n", what, strings.ToLower(request.GetKind()), request.GetName(), request.GetNamespace())
	return nil
}

// confirm asks a yes/no question on stderr and reads the answer from stdin.
func confirm(stdin io.Reader, stderr io.Writer, question string) bool {
	fmt.Fprintf(stderr, "%s [y/N] ", question)
	answer, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && answer == "" {
		fmt.Fprintln(stderr)
		return false
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true
	}
	return false
}
