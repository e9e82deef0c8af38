package bench

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/proto"

	"github.com/spec3/lambdastack/fn"
)

// requests are the first- and later-reconcile requests of every example stage.
type requests struct {
	stage        Stage
	first, later *fnv1.RunFunctionRequest
}

func loadRequests(tb testing.TB) []requests {
	tb.Helper()
	root, err := FindRoot()
	if err != nil {
		tb.Fatal(err)
	}
	stages, err := Stages(root)
	if err != nil {
		tb.Fatal(err)
	}
	f := &fn.Function{Log: logging.NewNopLogger()}
	out := make([]requests, 0, len(stages))
	for _, st := range stages {
		first, err := FirstRequest(root, st)
		if err != nil {
			tb.Fatalf("%s: %v", st.Name, err)
		}
		later, err := LaterRequest(context.Background(), f.RunFunction, first)
		if err != nil {
			tb.Fatalf("%s: later reconcile: %v", st.Name, err)
		}
		out = append(out, requests{stage: st, first: first, later: later})
	}
	return out
}

// TestRequests checks the benchmark requests compose the full stack: a first reconcile of every
// stage succeeds, and a later one observes every composed resource and composes nothing new.
func TestRequests(t *testing.T) {
	f := &fn.Function{Log: logging.NewNopLogger()}
	for _, r := range loadRequests(t) {
		rsp, err := f.RunFunction(t.Context(), r.later)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckResponse(rsp); err != nil {
			t.Fatalf("%s: %v", r.stage.Name, err)
		}
		if got, want := len(rsp.GetDesired().GetResources()), len(r.later.GetObserved().GetResources()); got != want {
			t.Errorf("%s: later reconcile composes %d resources, observes %d", r.stage.Name, got, want)
		}
		for k, res := range rsp.GetDesired().GetResources() {
			if res.GetReady() != fnv1.Ready_READY_TRUE {
				t.Errorf("%s: %s is not ready in a later reconcile", r.stage.Name, k)
			}
		}
		t.Logf("%-8s first request %6d B, later request %6d B (%d observed), response %6d B",
			r.stage.Name, proto.Size(r.first), proto.Size(r.later), len(r.later.GetObserved().GetResources()), proto.Size(rsp))
	}
}

// BenchmarkRunFunction calls RunFunction in-process with each stage's first and later reconcile.
func BenchmarkRunFunction(b *testing.B) {
	f := &fn.Function{Log: logging.NewNopLogger()}
	for _, r := range loadRequests(b) {
		for _, v := range []struct {
			name string
			req  *fnv1.RunFunctionRequest
		}{{"first", r.first}, {"later", r.later}} {
			b.Run(r.stage.Name+"/"+v.name, func(b *testing.B) {
				ctx := context.Background()
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					rsp, err := f.RunFunction(ctx, v.req)
					if err != nil || len(rsp.GetDesired().GetResources()) == 0 {
						b.Fatalf("RunFunction: %v %v", err, rsp.GetResults())
					}
				}
				b.ReportMetric(float64(proto.Size(v.req)), "req-B") // after the loop: b.Loop resets metrics
			})
		}
	}
}

// reportCPU reports the process's CPU time (user+system, every thread: the garbage collector's
// work included) per operation as cpu-ns/op. On a shared machine it varies far less than ns/op,
// which counts the time other processes hold the CPUs.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
