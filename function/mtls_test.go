package main

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/fn"
	"github.com/spec3/lambdastack/internal/testpki"
)

// TestServesOverMTLS builds the function binary, starts it the way its package runs it
// (--tls-server-certs-dir with tls.crt, tls.key and ca.crt, the file names function-sdk-go's
// MTLSCertificates reads) with certificates made here, and calls RunFunction for the dev
// example with a client certificate the CA signed. Clients without a certificate, with one from
// another CA, or without TLS at all are refused.
func TestServesOverMTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the function binary")
	}
	dir := t.TempDir()
	ca := newCA(t, "lambdastack-test-ca")
	server := issue(t, ca, "function-lambdastack", testpki.Server, "localhost", "127.0.0.1")
	client := issue(t, ca, "crossplane", testpki.Client)
	certs := filepath.Join(dir, "certs")
	if err := testpki.WriteCertsDir(certs, ca, server); err != nil {
		t.Fatal(err)
	}

	addr := startBinary(t, dir, "--tls-server-certs-dir="+certs)

	roots := ca.Pool()
	clientPair := client.TLS()

	t.Run("client certificate signed by the CA", func(t *testing.T) {
		rsp, err := call(t, addr, credentials.NewTLS(&tls.Config{
			MinVersion: tls.VersionTLS12, RootCAs: roots, ServerName: "localhost",
			Certificates: []tls.Certificate{clientPair},
		}), devRequest(t))
		if err != nil {
			t.Fatalf("RunFunction over mTLS: %v", err)
		}
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				t.Fatalf("Fatal result: %s", r.GetMessage())
			}
		}
		for _, key := range []string{fn.KeyRole, fn.KeyFunction, fn.KeyLogGroup} {
			if _, ok := rsp.GetDesired().GetResources()[key]; !ok {
				t.Errorf("desired %q missing; have %d resources", key, len(rsp.GetDesired().GetResources()))
			}
		}
		st := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
		if st["functionName"] != "team-mcp-dev_dev_mcp-server" { // <owner>_<stage>_<app> (docs/tenancy.md)
			t.Errorf("status.functionName = %v", st["functionName"])
		}
	})

	t.Run("the server is verified as 127.0.0.1 too", func(t *testing.T) {
		_, err := call(t, addr, credentials.NewTLS(&tls.Config{
			MinVersion: tls.VersionTLS12, RootCAs: roots, ServerName: "127.0.0.1",
			Certificates: []tls.Certificate{clientPair},
		}), devRequest(t))
		if err != nil {
			t.Fatalf("RunFunction over mTLS: %v", err)
		}
	})

	refused := map[string]credentials.TransportCredentials{
		"no client certificate": credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots, ServerName: "localhost"}),
		"client certificate of another CA": func() credentials.TransportCredentials {
			c := issue(t, newCA(t, "someone-else"), "crossplane", testpki.Client)
			return credentials.NewTLS(&tls.Config{
				MinVersion: tls.VersionTLS12, RootCAs: roots, ServerName: "localhost",
				Certificates: []tls.Certificate{c.TLS()},
			})
		}(),
		"plaintext": insecure.NewCredentials(),
	}
	for name, creds := range refused {
		t.Run("refused: "+name, func(t *testing.T) {
			rsp, err := call(t, addr, creds, devRequest(t))
			if err == nil {
				t.Fatalf("served a response without a valid client certificate: %v", rsp.GetMeta())
			}
			if status.Code(err) != codes.Unavailable {
				t.Errorf("want the connection refused (Unavailable), got %v", err)
			}
			t.Logf("refused: %v", err)
		})
	}
}

// startBinary builds ./function into dir and serves it on a free loopback port.
func startBinary(t *testing.T, dir string, args ...string) string {
	t.Helper()
	bin := filepath.Join(dir, "function-lambdastack")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("go build ./function: %v", err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close()
	var logs strings.Builder
	cmd := exec.Command(bin, append([]string{"--address=" + addr}, args...)...)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("function output:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("function did not listen on %s: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func call(t *testing.T, addr string, creds credentials.TransportCredentials, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close() //nolint:errcheck // test client
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return fnv1.NewFunctionRunnerServiceClient(conn).RunFunction(ctx, req)
}

// devRequest is examples/dev.yaml as Crossplane sends it once the stage-config requirement is
// answered (the dev stage has no EnvironmentConfig: the answer is empty).
func devRequest(t *testing.T) *fnv1.RunFunctionRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "examples", "dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	xr := map[string]any{}
	if err := yaml.Unmarshal(raw, &xr); err != nil {
		t.Fatal(err)
	}
	s, err := structpb.NewStruct(xr)
	if err != nil {
		t.Fatal(err)
	}
	return &fnv1.RunFunctionRequest{
		Meta:              &fnv1.RequestMeta{Tag: "mtls"},
		Observed:          &fnv1.State{Composite: &fnv1.Resource{Resource: s}},
		RequiredResources: map[string]*fnv1.Resources{fn.RequirementStageConfig: {}},
	}
}

// newCA and issue: the project's test PKI (internal/testpki), valid for an hour.
func newCA(t *testing.T, cn string) *testpki.CA {
	t.Helper()
	ca, err := testpki.NewCA(cn, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func issue(t *testing.T, ca *testpki.CA, cn string, usage testpki.Usage, hosts ...string) testpki.Pair {
	t.Helper()
	p, err := ca.Issue(cn, nil, usage, hosts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
