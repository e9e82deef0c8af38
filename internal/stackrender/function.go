package stackrender

import (
	"fmt"
	"net"

	"google.golang.org/grpc"

	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/spec3/lambdastack/fn"
)

// serveFunction serves the LambdaStack function built into this binary on a free loopback port
// (plain gRPC, as crossplane render talks to a function in development). stop ends it.
func serveFunction() (addr string, stop func(), err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("cannot serve the function on a loopback port: %w", err)
	}
	srv := grpc.NewServer()
	fnv1.RegisterFunctionRunnerServiceServer(srv, &fn.Function{Log: logging.NewNopLogger()})
	go func() { _ = srv.Serve(lis) }()
	return lis.Addr().String(), srv.Stop, nil
}
