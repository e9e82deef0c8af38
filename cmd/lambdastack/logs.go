package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spec3/lambdastack/internal/cluster"
	"github.com/spec3/lambdastack/internal/outputs"
	"github.com/spec3/lambdastack/internal/stacklogs"
)

const logsUsage = `Usage: lambdastack logs NAME [-n NAMESPACE] [--follow] [--since 10m] [--filter PATTERN]

Prints the CloudWatch logs of the LambdaStack NAME (or LambdaStackClaim NAME):
every log group of the stack, in every region, oldest first. It reads the
stack's log groups and its read-only logs role from the ConfigMap
NAME-outputs in the stack's namespace, assumes that role with your own AWS
credentials (AWS_PROFILE, aws sso login, ...) and reads with FilterLogEvents;
--follow streams new lines with StartLiveTail until interrupted.

Flags:
`

// logsFlags are the parsed arguments of `lambdastack logs`.
type logsFlags struct {
	name, namespace         string
	follow                  bool
	since                   time.Duration
	filter, endpoint        string
	kubeconfig, kubeContext string
}

func runLogs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f logsFlags
	parse := func() (err error) { f, err = parseLogsFlags(args, stderr); return err }
	return command("logs", stderr, parse, func() (int, error) { return failed(logs(ctx, f, stdout)) })
}

func parseLogsFlags(args []string, stderr io.Writer) (logsFlags, error) {
	var f logsFlags
	fs := newFlags("logs", logsUsage, stderr)
	fs.StringVar(&f.namespace, "n", "", "the stack's namespace (default: the kubeconfig context's)")
	fs.BoolVar(&f.follow, "follow", false, "stream new log lines (StartLiveTail) until interrupted")
	fs.DurationVar(&f.since, "since", 10*time.Minute, "without --follow: print the lines of this last period")
	fs.StringVar(&f.filter, "filter", "", "a CloudWatch Logs filter pattern, e.g. ERROR or '{ $.level = \"ERROR\" }'")
	fs.StringVar(&f.endpoint, "endpoint-url", "", "STS and CloudWatch Logs endpoint of a local test server (not for AWS)")
	clusterFlags(fs, &f.kubeconfig, &f.kubeContext)
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return f, err
	}
	if len(positional) != 1 {
		return f, fmt.Errorf("want the stack's name, got %d arguments %q", len(positional), positional)
	}
	f.name = positional[0]
	return f, nil
}

func logs(ctx context.Context, f logsFlags, stdout io.Writer) error {
	cl, err := cluster.Connect(f.kubeconfig, f.kubeContext)
	if err != nil {
		return err
	}
	if f.namespace == "" {
		f.namespace = cl.Namespace
	}
	out, err := readOutputs(ctx, cl, f.namespace, f.name)
	if err != nil {
		return err
	}
	r, err := stacklogs.New(ctx, out, f.endpoint)
	if err != nil {
		return err
	}
	multiRegion := regions(out.LogGroups) > 1
	show := func(e stacklogs.Event) {
		where := e.Group
		if multiRegion {
			where = e.Region + " " + e.Group
		}
		fmt.Fprintf(stdout, "%s %s %s\n", e.Time.Format("2006-01-02T15:04:05.000Z"), where, trimNewline(e.Message))
	}
	if f.follow {
		return r.Follow(ctx, f.filter, show)
	}
	events, err := r.Recent(ctx, time.Now().Add(-f.since), f.filter)
	if err != nil {
		return err
	}
	for _, e := range events {
		show(e)
	}
	return nil
}

// readOutputs reads the outputs ConfigMap of a stack, saying what is missing when it is not there.
func readOutputs(ctx context.Context, cl *cluster.Cluster, namespace, name string) (outputs.Outputs, error) {
	cm, err := cl.Get(ctx, "v1", "ConfigMap", namespace, outputs.ConfigMapName(name))
	if err != nil {
		return outputs.Outputs{}, err
	}
	if cm == nil {
		return outputs.Outputs{}, fmt.Errorf("no ConfigMap %s/%s: the stack %s does not exist in namespace %s, is not composed yet, or its LambdaStack function does not publish outputs (keys %s, %s; docs/app-teams.md)",
			namespace, outputs.ConfigMapName(name), name, namespace, outputs.KeyLogGroups, outputs.KeyLogsRoleARN)
	}
	return outputs.Read(cm)
}

func regions(groups []outputs.LogGroup) int {
	seen := map[string]bool{}
	for _, g := range groups {
		seen[g.Region] = true
	}
	return len(seen)
}

func trimNewline(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
