//go:build e2e

// Command provider-standin runs the e2e provider stand-in (see package providerstandin) as a
// process against $KUBECONFIG, for suites that do not run it in-process (make uptest against the
// local control plane). It is a test double: it never talks to AWS.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/spec3/lambdastack/test/e2e/providerstandin"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the control plane")
	workers := flag.Int("workers", 4, "concurrent reconciles")
	faults := flag.String("faults-file", "", "SIMULATION control file (make chaos): the provider failure to play, JSON {\"mode\": …, \"percent\": …}; absent or empty: none")
	flag.Parse()
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := providerstandin.New(ctx, cfg, log.Printf)
	if err != nil {
		log.Fatal(err)
	}
	s.Verbose = true
	if err := s.Run(ctx, *workers); err != nil {
		log.Fatal(err)
	}
	if *faults != "" {
		go s.WatchFaults(ctx, *faults, 500*time.Millisecond)
	}
	<-ctx.Done()
	for k, d := range s.Deletions() {
		log.Printf("deleted %s: AWS resource %s (managementPolicies %v)", k, d.Outcome, d.ManagementPolicies)
	}
}
