// Command registry is the local e2e control plane's OCI registry (go-containerregistry's
// pkg/registry) on a loopback address over TLS. test/e2e/controlplane/packages.sh pushes the packages `make
// xpkg` builds and the provider packages to it; Crossplane pulls them through an ImageConfig that
// rewrites xpkg.upbound.io/spec3/ and xpkg.upbound.io/upbound/ to it, trusting the e2e CA
// (--ca-bundle-path). Manifests live in memory (gone when it stops), blobs in --blobs.
package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("address", "127.0.0.1:5000", "listen address (loopback)")
	cert := flag.String("tls-cert", "", "serving certificate (PEM)")
	key := flag.String("tls-key", "", "its private key (PEM)")
	blobs := flag.String("blobs", "", "directory for blobs (default: in memory)")
	verbose := flag.Bool("v", false, "log every request")
	flag.Parse()
	if err := run(*addr, *cert, *key, *blobs, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "registry:", err)
		os.Exit(1)
	}
}

func run(addr, cert, key, blobs string, verbose bool) error {
	if cert == "" || key == "" {
		return errors.New("--tls-cert and --tls-key are required")
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return err
	}
	logger := log.New(os.Stderr, "registry: ", log.LstdFlags)
	reqLog := log.New(io.Discard, "", 0)
	if verbose {
		reqLog = logger
	}
	opts := []registry.Option{registry.Logger(reqLog)}
	if blobs != "" {
		if err := os.MkdirAll(blobs, 0o700); err != nil {
			return err
		}
		opts = append(opts, registry.WithBlobHandler(registry.NewDiskBlobHandler(blobs)))
	}
	srv := &http.Server{
		Addr:              addr,
		Handler:           registry.New(opts...),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}},
		ReadHeaderTimeout: 10 * time.Second,
		// HTTP/1.1 only: a large blob upload over HTTP/2 hung now and then (client waiting in
		// http2ClientConn.roundTrip for the registry's answer)
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	logger.Printf("serving on https://%s", addr)
	return srv.ListenAndServeTLS("", "")
}
