package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/spf13/afero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/cli/v2/cmd/crossplane/render"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"

	"github.com/spec3/lambdastack/internal/cluster"
	"github.com/spec3/lambdastack/internal/preview"
	"github.com/spec3/lambdastack/internal/stackdiff"
	"github.com/spec3/lambdastack/internal/stackrender"
)

const diffUsage = `Usage: lambdastack diff REQUEST.yaml [flags]
       lambdastack diff --offline BEFORE.yaml AFTER.yaml [flags]

Shows what applying the request would change, per composed resource: added (+),
changed (~, field by field) or removed (-), and a line starting with !! for every
AWS resource that would be replaced (a new name, region or other field AWS cannot
update in place) or deleted. Exit status: 0 no changes, 1 changes, 2 error.

The request is checked by the API server (a server-side apply dry run) and
rendered with the live stack, its composed resources and the stage's
EnvironmentConfig read from the cluster of the current kubeconfig context.
--offline compares the renders of two request files without a cluster.

Flags:
`

// diffFlags are the parsed arguments of `lambdastack diff`.
type diffFlags struct {
	files       []string
	offline     bool
	kubeconfig  string
	kubeContext string
	core        string
	required    multiFlag
	observed    string
}

// multiFlag is a flag that may be given several times.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runDiff(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f diffFlags
	parse := func() (err error) { f, err = parseDiffFlags(args, stderr); return err }
	return command("diff", stderr, parse, func() (int, error) {
		rep, err := diff(ctx, f)
		if err == nil {
			err = stackdiff.Write(stdout, rep)
		}
		switch {
		case err != nil:
			return 2, err
		case rep.HasChanges():
			return 1, nil
		}
		return 0, nil
	})
}

func parseDiffFlags(args []string, stderr io.Writer) (diffFlags, error) {
	var f diffFlags
	fs := newFlags("diff", diffUsage, stderr)
	fs.BoolVar(&f.offline, "offline", false, "compare the renders of BEFORE.yaml and AFTER.yaml; no cluster")
	clusterFlags(fs, &f.kubeconfig, &f.kubeContext)
	coreFlag(fs, &f.core)
	fs.Var(&f.required, "required-resources", "with --offline: a file or folder of the EnvironmentConfigs (and Namespaces) the function may ask for; repeatable")
	fs.StringVar(&f.observed, "observed", "", "with --offline: a file or folder of composed resources as they exist (both renders observe them)")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return f, err
	}
	f.files = positional
	switch {
	case f.offline && len(positional) != 2:
		return f, fmt.Errorf("--offline wants two request files, BEFORE and AFTER; got %d", len(positional))
	case !f.offline && len(positional) != 1:
		return f, fmt.Errorf("want exactly one request file, got %d arguments %q", len(positional), positional)
	case !f.offline && (len(f.required) > 0 || f.observed != ""):
		return f, errors.New("--required-resources and --observed go with --offline (live, they are read from the cluster)")
	}
	return f, nil
}

// parseInterspersed accepts flags before and after the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func clusterFlags(fs *flag.FlagSet, kubeconfig, kubeContext *string) {
	fs.StringVar(kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG, else ~/.kube/config)")
	fs.StringVar(kubeContext, "context", "", "kubeconfig context (default: the current one)")
}

func coreFlag(fs *flag.FlagSet, core *string) {
	fs.StringVar(core, "crossplane-core", stackrender.DefaultCoreBinary, "the Crossplane core binary that renders (a path or a name on the PATH)")
}

func diff(ctx context.Context, f diffFlags) (stackdiff.Report, error) {
	eng, err := stackrender.Start(f.core)
	if err != nil {
		return stackdiff.Report{}, err
	}
	defer eng.Close()
	if f.offline {
		return diffOffline(ctx, eng, f)
	}
	request, err := readRequest(f.files[0])
	if err != nil {
		return stackdiff.Report{}, err
	}
	cl, err := cluster.Connect(f.kubeconfig, f.kubeContext)
	if err != nil {
		return stackdiff.Report{}, err
	}
	inContextNamespace(request, cl)
	return preview.Live(ctx, eng, cl, request)
}

func diffOffline(ctx context.Context, eng *stackrender.Engine, f diffFlags) (stackdiff.Report, error) {
	before, err := readRequest(f.files[0])
	if err != nil {
		return stackdiff.Report{}, err
	}
	after, err := readRequest(f.files[1])
	if err != nil {
		return stackdiff.Report{}, err
	}
	required, err := loadRequired(f.required)
	if err != nil {
		return stackdiff.Report{}, err
	}
	var observed []composed.Unstructured
	if f.observed != "" {
		if observed, err = render.LoadObservedResources(afero.NewOsFs(), f.observed); err != nil {
			return stackdiff.Report{}, fmt.Errorf("--observed %s: %w", f.observed, err)
		}
	}
	return preview.Offline(ctx, eng, before.Object, after.Object, required, observed)
}

// loadRequired reads the files and folders of --required-resources.
func loadRequired(paths []string) ([]unstructured.Unstructured, error) {
	var required []unstructured.Unstructured
	for _, p := range paths {
		r, err := render.LoadRequiredResources(afero.NewOsFs(), p)
		if err != nil {
			return nil, fmt.Errorf("--required-resources %s: %w", p, err)
		}
		required = append(required, r...)
	}
	return required, nil
}
