// Package localinvoke runs a LambdaStack's handler on this machine, in the runtime's own
// interpreter (python3.x or node), with the environment the stack gives the function, on one
// event: lambdastack invoke --local.
package localinvoke

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

//go:embed runner.py
var pythonRunner []byte

//go:embed runner.mjs
var nodeRunner []byte

// Function is what a local invoke needs of the rendered Lambda function.
type Function struct {
	Name        string            // its name in AWS
	Runtime     string            // e.g. python3.11, nodejs20.x
	Handler     string            // e.g. handler.handler
	MemoryMB    int64             //
	Timeout     time.Duration     //
	Region      string            //
	LogGroup    string            //
	Environment map[string]string // the function's environment variables
}

// FromRendered reads a Function from the rendered lambda Function managed resource.
func FromRendered(fn *unstructured.Unstructured, logGroup string) (Function, error) {
	fp, _, _ := unstructured.NestedMap(fn.Object, "spec", "forProvider")
	str := func(k string) string { s, _ := fp[k].(string); return s }
	f := Function{
		Name: fn.GetAnnotations()["crossplane.io/external-name"], Runtime: str("runtime"), Handler: str("handler"),
		Region: str("region"), LogGroup: logGroup, Environment: map[string]string{},
	}
	if pt := str("packageType"); pt == "Image" {
		return f, errors.New("the function is a container image: run the image itself (docker run) to invoke it locally")
	}
	f.MemoryMB = number(fp["memorySize"], 128)
	f.Timeout = time.Duration(number(fp["timeout"], 3)) * time.Second
	vars, _, _ := unstructured.NestedMap(fp, "environment", "variables")
	for k, v := range vars {
		f.Environment[k] = fmt.Sprint(v)
	}
	if f.Runtime == "" || f.Handler == "" {
		return f, fmt.Errorf("the rendered function has runtime %q and handler %q: both are needed", f.Runtime, f.Handler)
	}
	return f, nil
}

func number(v any, def int64) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case json.Number:
		i, _ := n.Int64()
		return i
	}
	return def
}

// Options say where and how to run.
type Options struct {
	Source string // the code folder (LAMBDA_TASK_ROOT)
	Event  string // the event file (JSON)
	// Interpreter overrides the runtime's interpreter (default: python3.<minor> else python3;
	// node).
	Interpreter string
	Stderr      io.Writer // the handler's log output
}

// Invoke runs the handler on the event and returns the JSON of what it returned.
func Invoke(ctx context.Context, f Function, opts Options) (json.RawMessage, error) {
	interp, runner, ext, err := interpreter(f.Runtime, opts.Interpreter)
	if err != nil {
		return nil, err
	}
	src, err := filepath.Abs(opts.Source)
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(src); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("--source %s: not a folder holding the handler's code", opts.Source)
	}
	tmp, err := os.MkdirTemp("", "lambdastack-invoke-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	script, result := filepath.Join(tmp, "runner"+ext), filepath.Join(tmp, "result.json")
	if err := os.WriteFile(script, runner, 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.Timeout+2*time.Second) // the interpreter's start-up on top
	defer cancel()
	cmd := exec.CommandContext(ctx, interp, script, f.Handler, opts.Event, result)
	cmd.Dir = src
	cmd.Env = Environment(f, src)
	logs := opts.Stderr
	if logs == nil {
		logs = io.Discard
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("the handler ran out of its timeout (%s)", f.Timeout)
		}
		return nil, fmt.Errorf("the handler failed (%s %s): %w", interp, f.Handler, err)
	}
	out, err := os.ReadFile(result)
	if err != nil {
		return nil, fmt.Errorf("the handler returned nothing readable: %w", err)
	}
	return json.RawMessage(out), nil
}

// Environment is what the process sees: the function's variables and the ones the Lambda
// runtime sets, over PATH, HOME and the caller's AWS_* (credentials for calls the handler makes).
func Environment(f Function, taskRoot string) []string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if k == "PATH" || k == "HOME" || k == "TMPDIR" || strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "LANG") {
			env[k] = v
		}
	}
	for k, v := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        f.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.FormatInt(f.MemoryMB, 10),
		"AWS_LAMBDA_LOG_GROUP_NAME":       f.LogGroup,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "local",
		"AWS_REGION":                      f.Region,
		"AWS_DEFAULT_REGION":              f.Region,
		"AWS_EXECUTION_ENV":               "AWS_Lambda_" + f.Runtime,
		"LAMBDA_TASK_ROOT":                taskRoot,
		"_HANDLER":                        f.Handler,
		"LAMBDASTACK_LOCAL_TIMEOUT":       strconv.FormatFloat(f.Timeout.Seconds(), 'f', -1, 64),
		"TZ":                              ":UTC",
	} {
		env[k] = v
	}
	for k, v := range f.Environment {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// interpreter picks the program for a runtime: python3.11 runs under python3.11 when it is on
// the PATH, else python3; nodejs20.x under node.
func interpreter(runtime, override string) (path string, runner []byte, ext string, err error) {
	switch {
	case strings.HasPrefix(runtime, "python"):
		runner, ext = pythonRunner, ".py"
		path = firstOnPath(override, runtime, "python3")
	case strings.HasPrefix(runtime, "nodejs"):
		runner, ext = nodeRunner, ".mjs"
		path = firstOnPath(override, "node")
	default:
		return "", nil, "", fmt.Errorf("runtime %s: invoke --local runs Python and Node.js handlers; run a %s function with its own tooling (e.g. the Lambda runtime interface emulator)", runtime, runtime)
	}
	if path == "" {
		return "", nil, "", fmt.Errorf("no interpreter for %s on the PATH: install it or pass --interpreter", runtime)
	}
	return path, runner, ext, nil
}

func firstOnPath(names ...string) string {
	for _, n := range names {
		if n == "" {
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}
