// Command function-lambdastack serves the LambdaStack composition function over gRPC.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/crossplane/function-sdk-go"

	"github.com/spec3/lambdastack/fn"
)

type options struct {
	insecure       bool
	certsDir       string
	address        string
	metricsAddress string
	debug          bool
	ttl            time.Duration
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("function-lambdastack", flag.ContinueOnError)
	fs.BoolVar(&o.insecure, "insecure", false, "Serve without mTLS (local development only, e.g. crossplane render).")
	fs.StringVar(&o.certsDir, "tls-server-certs-dir", os.Getenv("TLS_SERVER_CERTS_DIR"), "Directory with tls.crt, tls.key and ca.crt for mTLS (env TLS_SERVER_CERTS_DIR).")
	fs.StringVar(&o.address, "address", function.DefaultAddress, "Address to serve gRPC on.")
	fs.StringVar(&o.metricsAddress, "metrics-address", "", "Address of the Prometheus metrics listener, e.g. :8080; empty turns it off.")
	fs.BoolVar(&o.debug, "debug", false, "Log one debug line per call (the XR, its stage and what was composed).")
	fs.DurationVar(&o.ttl, "ttl", 0, "Response TTL Crossplane may cache an answer for; 0 uses the stage's setting (default 60s).")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if !o.insecure && o.certsDir == "" {
		return o, fmt.Errorf("--tls-server-certs-dir (or TLS_SERVER_CERTS_DIR) is required unless --insecure is set")
	}
	if o.ttl < 0 {
		return o, fmt.Errorf("--ttl must not be negative")
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "function-lambdastack:", err)
		os.Exit(2)
	}
	log, err := function.NewLogger(o.debug)
	if err != nil {
		fmt.Fprintln(os.Stderr, "function-lambdastack:", err)
		os.Exit(1)
	}
	if err := serve(&fn.Function{Log: log, TTL: o.ttl}, o); err != nil {
		fmt.Fprintln(os.Stderr, "function-lambdastack:", err)
		os.Exit(1)
	}
}

// serve serves f with function-sdk-go's function.Serve.
func serve(f *fn.Function, o options) error {
	return function.Serve(f,
		function.Listen("tcp", o.address),
		function.Insecure(o.insecure),
		function.MTLSCertificates(o.certsDir),
		function.WithMetricsServer(o.metricsAddress),
	)
}
