package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"

	"github.com/spec3/lambdastack/apis/v1alpha1"
	"github.com/spec3/lambdastack/fn"
	"github.com/spec3/lambdastack/internal/cluster"
	"github.com/spec3/lambdastack/internal/localinvoke"
	"github.com/spec3/lambdastack/internal/stackrender"
)

const invokeUsage = `Usage: lambdastack invoke --local REQUEST.yaml --event EVENT.json [--source DIR] [flags]
       lambdastack invoke --local NAME -n NAMESPACE --event EVENT.json [--source DIR] [flags]

Runs the stack's handler on this machine, once, on the event: renders the
request (or the live LambdaStack NAME), takes the function's runtime, handler,
memory, timeout and environment (STAGE and the rest) from it, and runs the
handler from DIR in the runtime's interpreter (python3.x, node). Secrets
Manager ARNs in the environment are replaced by placeholder ARNs in account
000000000000. Prints what the handler returned (JSON) on stdout; its log
output goes to stderr. Exit status: 0 done, 1 the handler or the render
failed, 2 bad arguments.

Flags:
`

// invokeFlags are the parsed arguments of `lambdastack invoke`.
type invokeFlags struct {
	target, event, source, namespace string
	local                            bool
	interpreter, core                string
	kubeconfig, kubeContext          string
	required                         multiFlag
}

func runInvoke(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f invokeFlags
	parse := func() (err error) { f, err = parseInvokeFlags(args, stderr); return err }
	return command("invoke", stderr, parse, func() (int, error) {
		out, err := invoke(ctx, f, stderr)
		if err == nil {
			fmt.Fprintf(stdout, "%s\n", out)
		}
		return failed(err)
	})
}

func parseInvokeFlags(args []string, stderr io.Writer) (invokeFlags, error) {
	var f invokeFlags
	fs := newFlags("invoke", invokeUsage, stderr)
	fs.BoolVar(&f.local, "local", false, "run the handler on this machine (required: invoking in AWS is not offered)")
	fs.StringVar(&f.event, "event", "", "the event file, JSON (required), e.g. examples/lambda/events/initialize.json")
	fs.StringVar(&f.source, "source", ".", "the folder holding the handler's code")
	fs.StringVar(&f.namespace, "n", "", "the namespace of the live LambdaStack NAME")
	fs.StringVar(&f.interpreter, "interpreter", "", "the interpreter to run (default: python3.<minor> or python3, node)")
	fs.Var(&f.required, "required-resources", "with REQUEST.yaml: a file or folder of the EnvironmentConfigs the function may ask for; repeatable")
	clusterFlags(fs, &f.kubeconfig, &f.kubeContext)
	coreFlag(fs, &f.core)
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return f, err
	}
	switch {
	case !f.local:
		return f, errors.New("--local is required: lambdastack runs handlers on this machine only")
	case len(positional) != 1:
		return f, fmt.Errorf("want one request file or LambdaStack name, got %d arguments %q", len(positional), positional)
	case f.event == "":
		return f, errors.New("--event is required")
	}
	f.target = positional[0]
	return f, nil
}

func invoke(ctx context.Context, f invokeFlags, stderr io.Writer) ([]byte, error) {
	eng, err := stackrender.Start(f.core)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	in, err := invokeInput(ctx, f)
	if err != nil {
		return nil, err
	}
	lambda, err := renderFunction(ctx, eng, in)
	if err != nil {
		return nil, err
	}
	if masked := localinvoke.MaskSecrets(&lambda); len(masked) > 0 {
		fmt.Fprintf(stderr, "placeholder ARNs for %s\n", strings.Join(masked, ", "))
	}
	fmt.Fprintf(stderr, "invoking %s (%s, %s) from %s on %s\n", lambda.Handler, lambda.Runtime, lambda.Name, f.source, f.event)
	return localinvoke.Invoke(ctx, lambda, localinvoke.Options{Source: f.source, Event: f.event, Interpreter: f.interpreter, Stderr: stderr})
}

// invokeInput is the render input of a request file, or of a live LambdaStack by name.
func invokeInput(ctx context.Context, f invokeFlags) (stackrender.Input, error) {
	if _, err := os.Stat(f.target); err == nil {
		if f.namespace != "" {
			return stackrender.Input{}, fmt.Errorf("%s is a request file: -n is for a live LambdaStack name", f.target)
		}
		request, err := readRequest(f.target)
		if err != nil {
			return stackrender.Input{}, err
		}
		required, err := loadRequired(f.required)
		return stackrender.Input{Request: request.Object, Required: required}, err
	}
	if f.namespace == "" {
		return stackrender.Input{}, fmt.Errorf("%s: no such request file; for a live LambdaStack pass its namespace with -n", f.target)
	}
	cl, err := cluster.Connect(f.kubeconfig, f.kubeContext)
	if err != nil {
		return stackrender.Input{}, err
	}
	ref := &unstructured.Unstructured{}
	ref.SetAPIVersion(v1alpha1.APIVersion)
	ref.SetKind(v1alpha1.KindLambdaStack)
	ref.SetNamespace(f.namespace)
	ref.SetName(f.target)
	stack, err := cl.ReadStack(ctx, ref)
	if err != nil {
		return stackrender.Input{}, err
	}
	if stack == nil {
		return stackrender.Input{}, fmt.Errorf("no LambdaStack %s in namespace %s", f.target, f.namespace)
	}
	return stackrender.Input{Request: stack.XR.Object, Observed: stack.Composed, Lookup: cl.Required}, nil
}

// renderFunction renders the stack and reads its (primary region's) function. When the stack
// creates secrets that do not exist yet, it renders once more with them observed under
// placeholder ARNs, so the function has their variables.
func renderFunction(ctx context.Context, eng *stackrender.Engine, in stackrender.Input) (localinvoke.Function, error) {
	out, err := eng.Render(ctx, in)
	if err != nil {
		return localinvoke.Function{}, err
	}
	if secrets := localinvoke.ObservedSecrets(out.Composed, in.Observed); len(secrets) > 0 {
		in.Observed = append(append([]composed.Unstructured(nil), in.Observed...), secrets...)
		if out, err = eng.Render(ctx, in); err != nil {
			return localinvoke.Function{}, err
		}
	}
	lambda := part(out.Composed, fn.KeyFunction)
	if lambda == nil {
		return localinvoke.Function{}, errors.New("the stack composes no function yet (see its ResourcesReady condition)")
	}
	logGroup, _, _ := unstructured.NestedString(out.XR.Object, "status", "logGroupName")
	return localinvoke.FromRendered(lambda, logGroup)
}

// part is the composed resource of a part of the stack, or nil.
func part(objs []composed.Unstructured, name string) *unstructured.Unstructured {
	for i := range objs {
		if stackrender.Part(&objs[i]) == name {
			return &objs[i].Unstructured
		}
	}
	return nil
}
