// Command lambdastack is the app team's tool for a LambdaStack (docs/app-teams.md): bundle
// builds a reproducible Lambda zip and uploads it to S3, deploy also writes its code: block into
// the request file and applies it, diff previews what applying a request changes, invoke runs
// the handler locally with the stack's environment, and logs reads the stack's CloudWatch logs.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// version is the release tag, set by hack/cli-release.sh (-X main.version=vX.Y.Z); "dev" for a
// build from source.
var version = "dev"

const usage = `Usage: lambdastack <command> [arguments]

Commands:
  bundle   build a reproducible zip from a Python folder, upload it to S3
           under <prefix>/<sha256>.zip and print the code: block
  diff     show what applying a request would change, per composed resource,
           and what AWS would replace or delete (exit 0 none, 1 changes, 2 error)
  deploy   bundle and upload code, write its code: block into the request file,
           show the diff and apply it on confirmation
  invoke   run the stack's handler locally (--local) on an event, with the
           stack's runtime and environment
  logs     print or follow the stack's CloudWatch logs with its read-only
           logs role
  version  print the version of this binary

Run "lambdastack <command> -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit code:
// 0 on success, 1 on failure, 2 on bad usage.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "bundle":
		return runBundle(ctx, args[1:], stdout, stderr)
	case "diff":
		return runDiff(ctx, args[1:], stdout, stderr)
	case "deploy":
		return runDeploy(ctx, args[1:], stdin, stdout, stderr)
	case "invoke":
		return runInvoke(ctx, args[1:], stdout, stderr)
	case "logs":
		return runLogs(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "lambdastack", version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "lambdastack: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
