package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/proto/v1beta1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/spec3/lambdastack/fn"
)

func TestParseFlags(t *testing.T) {
	t.Setenv("TLS_SERVER_CERTS_DIR", "")
	cases := map[string]struct {
		args    []string
		env     string // TLS_SERVER_CERTS_DIR
		want    func(o options) bool
		wantErr string
	}{
		"defaults with --insecure": {args: []string{"--insecure"}, want: func(o options) bool {
			return o.insecure && o.address == ":9443" && o.metricsAddress == "" && o.ttl == 0 && !o.debug
		}},
		"metrics listener address": {args: []string{"--insecure", "--metrics-address=127.0.0.1:18080"}, want: func(o options) bool {
			return o.metricsAddress == "127.0.0.1:18080"
		}},
		"ttl":               {args: []string{"--insecure", "--ttl=5m"}, want: func(o options) bool { return o.ttl == 5*time.Minute }},
		"negative ttl":      {args: []string{"--insecure", "--ttl=-1s"}, wantErr: "--ttl must not be negative"},
		"bad ttl":           {args: []string{"--insecure", "--ttl=soon"}, wantErr: "invalid value"},
		"missing certs dir": {args: nil, wantErr: "--tls-server-certs-dir (or TLS_SERVER_CERTS_DIR) is required"},
		"certs dir flag": {args: []string{"--tls-server-certs-dir=/certs", "--address=127.0.0.1:9443"}, want: func(o options) bool {
			return !o.insecure && o.certsDir == "/certs" && o.address == "127.0.0.1:9443"
		}},
		"certs dir from the environment": {env: "/env-certs", want: func(o options) bool { return o.certsDir == "/env-certs" }},
		"unknown flag":                   {args: []string{"--insecure", "--metrics-port=8080"}, wantErr: "flag provided but not defined"},
		"dropped flag":                   {args: []string{"--insecure", "--max-concurrent-calls=3"}, wantErr: "flag provided but not defined"},
		"stray argument":                 {args: []string{"--insecure", "serve"}, wantErr: "unexpected arguments: serve"},
		"debug":                          {args: []string{"--insecure", "--debug"}, want: func(o options) bool { return o.debug }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv("TLS_SERVER_CERTS_DIR", tc.env)
			o, err := parseFlags(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseFlags(%q) error = %v, want one containing %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFlags(%q): %v", tc.args, err)
			}
			if !tc.want(o) {
				t.Errorf("parseFlags(%q) = %+v", tc.args, o)
			}
		})
	}
}

// TestMetricsListener starts the binary with --metrics-address on a free loopback port: it
// serves Prometheus metrics there (with the gRPC server's), and RunFunction still works.
func TestMetricsListener(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the function binary")
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := lis.Addr().String()
	_ = lis.Close()
	addr := startBinary(t, t.TempDir(), "--insecure", "--metrics-address="+metricsAddr)
	if _, err := call(t, addr, insecure.NewCredentials(), devRequest(t)); err != nil {
		t.Fatalf("RunFunction: %v", err)
	}
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for {
		rsp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(rsp.Body)
			_ = rsp.Body.Close()
			body = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no metrics listener on %s: %v", metricsAddr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(body, `grpc_server_handled_total{grpc_code="OK",grpc_method="RunFunction"`) {
		t.Errorf("metrics do not count the RunFunction call:\n%.2000s", body)
	}
}

// TestServeV1AndV1beta1 serves in-process (function.Serve with the options of serve) and calls
// RunFunction through both API versions Crossplane speaks: the same answer.
func TestServeV1AndV1beta1(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close()
	go func() {
		_ = serve(&fn.Function{Log: logging.NewNopLogger()}, options{insecure: true, address: addr})
	}()
	req := devRequest(t)
	var v1rsp *fnv1.RunFunctionResponse
	deadline := time.Now().Add(10 * time.Second)
	for {
		v1rsp, err = call(t, addr, insecure.NewCredentials(), req)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("v1 RunFunction: %v", err)
	}
	if len(v1rsp.GetDesired().GetResources()) == 0 {
		t.Fatalf("v1: nothing composed: %v", v1rsp.GetResults())
	}

	raw, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	betaReq := &v1beta1.RunFunctionRequest{}
	if err := proto.Unmarshal(raw, betaReq); err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close() //nolint:errcheck // test client
	betaRsp, err := v1beta1.NewFunctionRunnerServiceClient(conn).RunFunction(t.Context(), betaReq)
	if err != nil {
		t.Fatalf("v1beta1 RunFunction: %v", err)
	}
	raw, err = proto.Marshal(betaRsp)
	if err != nil {
		t.Fatal(err)
	}
	got := &fnv1.RunFunctionResponse{}
	if err := proto.Unmarshal(raw, got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, v1rsp) {
		t.Errorf("v1beta1 answers differently from v1")
	}
}
