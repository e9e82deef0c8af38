// Command function-lambdastack serves the LambdaStack composition function over gRPC.
package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/crossplane/function-sdk-go"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/proto/v1beta1"
	grpcprometheus "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/reflection"

	"github.com/spec3/lambdastack/fn"
)

type options struct {
	insecure       bool
	certsDir       string
	address        string
	metricsAddress string
	debug          bool
	ttl            time.Duration
	// maxConcurrentCalls caps the calls served at once per connection (HTTP/2
	// MAX_CONCURRENT_STREAMS); further calls wait in the client. 0: unlimited.
	maxConcurrentCalls uint
	// memoryLimit is the Go runtime's soft memory limit in bytes; -1 leaves GOMEMLIMIT's.
	memoryLimit int64
}

// defaultMaxConcurrentCalls: composing is CPU-bound, so calls beyond a few per CPU add no
// throughput, only memory (each holds its request and response, up to a few hundred KB).
var defaultMaxConcurrentCalls = uint(max(4, 2*runtime.GOMAXPROCS(0)))

func parseFlags(args []string) (options, error) {
	var o options
	var memLimit string
	fs := flag.NewFlagSet("function-lambdastack", flag.ContinueOnError)
	fs.BoolVar(&o.insecure, "insecure", false, "Serve without mTLS (local development only, e.g. crossplane render).")
	fs.StringVar(&o.certsDir, "tls-server-certs-dir", os.Getenv("TLS_SERVER_CERTS_DIR"), "Directory with tls.crt, tls.key and ca.crt for mTLS (env TLS_SERVER_CERTS_DIR).")
	fs.StringVar(&o.address, "address", ":9443", "Address to serve gRPC on.")
	fs.StringVar(&o.metricsAddress, "metrics-address", "", "Address of the Prometheus metrics listener, e.g. :8080; empty turns it off.")
	fs.BoolVar(&o.debug, "debug", false, "Log debug messages.")
	fs.DurationVar(&o.ttl, "ttl", 0, "Response TTL Crossplane may cache an answer for; 0 uses the stage's setting (default 60s).")
	fs.UintVar(&o.maxConcurrentCalls, "max-concurrent-calls", defaultMaxConcurrentCalls, "Calls served at once per connection; more wait in the client (bounds memory under bursts). 0: unlimited.")
	fs.StringVar(&memLimit, "memory-limit", "", "Soft memory limit of the Go runtime, e.g. 64MiB (GOMEMLIMIT syntax; docs/performance.md); empty keeps GOMEMLIMIT, off removes it.")
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
	if o.maxConcurrentCalls > math.MaxUint32 {
		return o, fmt.Errorf("--max-concurrent-calls: %d is too large", o.maxConcurrentCalls)
	}
	var err error
	if o.memoryLimit, err = parseMemoryLimit(memLimit); err != nil {
		return o, fmt.Errorf("--memory-limit: %w", err)
	}
	return o, nil
}

// parseMemoryLimit reads a size as GOMEMLIMIT does: a number of bytes with an optional unit
// B, KiB, MiB, GiB or TiB; "off" is no limit, "" keeps the runtime's setting (-1).
func parseMemoryLimit(s string) (int64, error) {
	switch s {
	case "":
		return -1, nil
	case "off":
		return math.MaxInt64, nil
	}
	num, mult := s, int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = n, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size like 64MiB", s)
	}
	return n * mult, nil
}

func main() {
	// Nothing reads heap profiles here: do not sample allocations (a stack walk every 512 KB,
	// about once a call) nor keep their buckets.
	runtime.MemProfileRate = 0
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "function-lambdastack:", err)
		os.Exit(2)
	}
	if o.memoryLimit >= 0 {
		debug.SetMemoryLimit(o.memoryLimit)
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

// serve is function-sdk-go's function.Serve (same credentials, message size limit, services and
// metrics) with what it does not let a function choose: the protobuf codec and buffer pool
// (codec.go), a cap on concurrent calls, and stream workers that keep their grown stacks
// between calls.
func serve(f fnv1.FunctionRunnerServiceServer, o options) error {
	so := &function.ServeOptions{MaxRecvMsgSize: function.DefaultMaxRecvMsgSize}
	for _, opt := range []function.ServeOption{function.Insecure(o.insecure), function.MTLSCertificates(o.certsDir)} {
		if err := opt(so); err != nil {
			return err
		}
	}
	if so.Credentials == nil {
		return errors.New("no credentials: set --insecure or --tls-server-certs-dir")
	}
	lis, err := net.Listen("tcp", o.address)
	if err != nil {
		return fmt.Errorf("cannot listen on %q: %w", o.address, err)
	}
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(so.MaxRecvMsgSize),
		grpc.Creds(so.Credentials),
		grpc.ForceServerCodecV2(newCodec()),
		experimental.BufferPool(bufferPool),
		grpc.NumStreamWorkers(uint32(runtime.GOMAXPROCS(0))),
	}
	if o.maxConcurrentCalls > 0 {
		opts = append(opts, grpc.MaxConcurrentStreams(uint32(o.maxConcurrentCalls)))
	}
	var metrics *grpcprometheus.ServerMetrics
	if o.metricsAddress != "" {
		metrics = grpcprometheus.NewServerMetrics()
		opts = append(opts, grpc.ChainUnaryInterceptor(metrics.UnaryServerInterceptor()))
		prometheus.MustRegister(metrics)
	}
	srv := grpc.NewServer(opts...)
	reflection.Register(srv)
	fnv1.RegisterFunctionRunnerServiceServer(srv, f)
	v1beta1.RegisterFunctionRunnerServiceServer(srv, function.ServeBeta(f))
	if metrics != nil {
		metrics.InitializeMetrics(srv)
		ms := &http.Server{Addr: o.metricsAddress, Handler: promhttp.HandlerFor(prometheus.DefaultGatherer, promhttp.HandlerOpts{}), ReadHeaderTimeout: 30 * time.Second}
		go func() {
			if err := ms.ListenAndServe(); err != nil {
				fmt.Fprintln(os.Stderr, "function-lambdastack: metrics listener:", err)
			}
		}()
	}
	return srv.Serve(lis)
}
