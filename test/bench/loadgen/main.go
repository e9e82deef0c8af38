// Command loadgen load-tests the function binary over gRPC on loopback: it starts the binary on
// a free 127.0.0.1 port and sends each request at 1 and 8 concurrent callers for a bounded time,
// then reports throughput, p50/p99 latency, the function process's CPU per call (utime+stime
// from /proc/<pid>/stat) and its peak RSS (VmHWM from /proc/<pid>/status, reset between rows).
// Linux only. The requests are test/bench's: prod's first reconcile and a later one with every
// composed resource observed. `make bench` runs it (docs/performance.md):
//
//	go run ./test/bench/loadgen -bin _output/bench/function-lambdastack -out _output/bench.txt
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/spec3/lambdastack/internal/procstat"
	"github.com/spec3/lambdastack/test/bench"
)

type config struct {
	bin         string
	out         string
	goBench     string
	duration    time.Duration
	maxCalls    int
	concurrency []int
	variants    []string
	env         []string
}

func main() {
	var c config
	var conc, variants string
	flag.StringVar(&c.bin, "bin", "bin/function-lambdastack", "The function binary to start.")
	flag.StringVar(&c.out, "out", "_output/bench.txt", "File the results table is written to (also printed).")
	flag.StringVar(&c.goBench, "gobench", "", "Output of `go test -bench` to summarise in the results file (optional).")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "How long each row runs.")
	flag.IntVar(&c.maxCalls, "max-calls", 100000, "Upper bound of calls per row.")
	flag.StringVar(&conc, "concurrency", "1,8", "Concurrent callers, comma separated.")
	flag.StringVar(&variants, "requests", "prod/first,prod/later", "Requests to send: <stage>/first or <stage>/later, comma separated.")
	flag.Func("env", "Environment variable for the function process, NAME=value (repeatable), e.g. -env GOGC=200.", func(v string) error {
		if !strings.Contains(v, "=") {
			return errors.New("want NAME=value")
		}
		c.env = append(c.env, v)
		return nil
	})
	flag.Parse()
	for _, s := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("bad -concurrency %q", conc))
		}
		c.concurrency = append(c.concurrency, n)
	}
	c.variants = strings.Split(variants, ",")
	if err := run(c); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}

type result struct {
	request    string
	reqBytes   int
	callers    int
	calls      int
	elapsed    time.Duration
	p50, p99   time.Duration
	cpuPerCall time.Duration
	clientCPU  time.Duration
	peakRSSKiB int64
	otherCPU   float64 // CPUs busy with other processes during the row
}

func run(c config) error {
	if runtime.GOOS != "linux" {
		return errors.New("loadgen reads /proc: Linux only")
	}
	root, err := bench.FindRoot()
	if err != nil {
		return err
	}
	bin, err := filepath.Abs(c.bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%w (make bench builds it)", err)
	}

	var report strings.Builder
	fmt.Fprintf(&report, "# LambdaStack function benchmarks\n\n")
	fmt.Fprintf(&report, "Date: %s  \nMachine: %d CPUs (%s), %s  \nLoad before the run: %s  \nBinary: %s %s\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), cpuModel(), runtime.Version(), procstat.LoadAvg(), strings.Join(c.env, " "), c.bin)

	cmd, addr, err := start(bin, c.env)
	if err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close() //nolint:errcheck // closing
	client := fnv1.NewFunctionRunnerServiceClient(conn)
	reqs := map[string]*fnv1.RunFunctionRequest{}
	for _, v := range c.variants {
		r, err := buildRequest(root, v, client)
		if err != nil {
			return fmt.Errorf("%s: %w", v, err)
		}
		reqs[v] = r
	}
	fmt.Fprintf(&report, "## gRPC load (loopback, insecure, one HTTP/2 connection, %s or %d calls per row)\n\n", c.duration, c.maxCalls)
	fmt.Fprintf(&report, "CPU/call is the function process's utime+stime over the calls it answered; peak RSS is its VmHWM during the row. ")
	fmt.Fprintf(&report, "The load generator runs on the same %d CPUs (its own CPU/call is shown); other CPU load is what other processes used meanwhile (CPUs busy on average, from /proc/stat).\n\n", runtime.NumCPU())
	report.WriteString("| request | req size | callers | calls | calls/s | p50 | p99 | CPU/call (function) | CPU/call (loadgen) | peak RSS | other CPU load |\n")
	report.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, v := range c.variants {
		for _, n := range c.concurrency {
			r, err := load(client, cmd.Process.Pid, reqs[v], n, c)
			if err != nil {
				return fmt.Errorf("%s at %d callers: %w", v, n, err)
			}
			r.request = v
			line := fmt.Sprintf("| %s | %.1f KB | %d | %d | %.0f | %s | %s | %s | %s | %.1f MiB | %.2f CPUs |",
				r.request, float64(r.reqBytes)/1000, r.callers, r.calls, float64(r.calls)/r.elapsed.Seconds(),
				ms(r.p50), ms(r.p99), ms(r.cpuPerCall), ms(r.clientCPU), float64(r.peakRSSKiB)/1024, r.otherCPU)
			fmt.Fprintln(os.Stderr, line)
			fmt.Fprintln(&report, line)
		}
	}
	fmt.Fprintf(&report, "\nFunction process after the runs: VmRSS %.1f MiB.  \nLoad after the run: %s\n", float64(procstat.StatusKiB(cmd.Process.Pid, "VmRSS"))/1024, procstat.LoadAvg())
	if c.goBench != "" {
		t, err := goBenchTable(c.goBench)
		if err != nil {
			return fmt.Errorf("%s: %w", c.goBench, err)
		}
		fmt.Fprintf(&report, "\n## In-process benchmarks (go test -bench ./test/bench)\n\n%s", t)
	}

	fmt.Print("\n" + report.String())
	if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(c.out, []byte(report.String()), 0o644)
}

// buildRequest is <stage>/first or <stage>/later; later plays the simulated provider against
// the running binary.
func buildRequest(root, variant string, client fnv1.FunctionRunnerServiceClient) (*fnv1.RunFunctionRequest, error) {
	name, kind, _ := strings.Cut(variant, "/")
	st, err := bench.StageByName(root, name)
	if err != nil {
		return nil, err
	}
	first, err := bench.FirstRequest(root, st)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "first":
		return first, nil
	case "later":
		return bench.LaterRequest(context.Background(), func(ctx context.Context, r *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
			return client.RunFunction(ctx, r)
		}, first)
	}
	return nil, fmt.Errorf("want <stage>/first or <stage>/later, got %q", variant)
}

// load sends req from callers goroutines until the row's time or call budget is used up.
func load(client fnv1.FunctionRunnerServiceClient, pid int, req *fnv1.RunFunctionRequest, callers int, c config) (result, error) {
	ctx := context.Background()
	for range 200 { // warm up
		if _, err := client.RunFunction(ctx, req); err != nil {
			return result{}, err
		}
	}
	procstat.ResetPeak(pid)
	r := result{reqBytes: proto.Size(req), callers: callers}
	busy0, cpu0, self0 := machineCPU(), procstat.CPU(pid), procstat.CPU(os.Getpid())
	var (
		count    atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
		lats     = make([][]time.Duration, callers)
	)
	t0 := time.Now()
	deadline := t0.Add(c.duration)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && count.Add(1) <= int64(c.maxCalls) {
				s := time.Now()
				rsp, err := client.RunFunction(ctx, req)
				lats[i] = append(lats[i], time.Since(s))
				if err == nil {
					err = bench.CheckResponse(rsp)
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(t0)
	busy1, cpu1, self1 := machineCPU(), procstat.CPU(pid), procstat.CPU(os.Getpid())
	if err, _ := firstErr.Load().(error); err != nil {
		return r, err
	}
	all := slices.Concat(lats...)
	slices.Sort(all)
	if r.calls = len(all); r.calls == 0 {
		return r, errors.New("no calls completed")
	}
	r.otherCPU = max(0, float64((busy1-busy0)-(cpu1-cpu0)-(self1-self0))/float64(r.elapsed))
	r.p50, r.p99 = all[len(all)/2], all[len(all)*99/100]
	r.cpuPerCall = (cpu1 - cpu0) / time.Duration(r.calls)
	r.clientCPU = (self1 - self0) / time.Duration(r.calls)
	r.peakRSSKiB = procstat.StatusKiB(pid, "VmHWM")
	return r, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

// start runs the binary (--insecure) on a free loopback port and waits until it listens.
func start(bin string, env []string) (*exec.Cmd, string, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := lis.Addr().String()
	_ = lis.Close()
	cmd := exec.Command(bin, "--insecure", "--address="+addr)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return cmd, addr, nil
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, "", fmt.Errorf("%s does not listen on %s", bin, addr)
}

// machineCPU is the CPU time every CPU spent busy (user, nice, system, irq, softirq), from
// /proc/stat.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq ...
	if len(f) < 8 {
		return 0
	}
	var busy time.Duration
	for _, i := range []int{1, 2, 3, 6, 7} {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		busy += time.Duration(n) * 10 * time.Millisecond
	}
	return busy
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "?"
}

// goBenchTable turns `go test -bench -benchmem` output into a table.
func goBenchTable(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	var t strings.Builder
	t.WriteString("| benchmark | request size | time/op | CPU/op | B/op | allocs/op |\n|---|---|---|---|---|---|\n")
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		vals := map[string]string{}
		for i := 2; i+1 < len(f); i += 2 {
			vals[f[i+1]] = f[i]
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		us := func(unit string) string {
			v, err := strconv.ParseFloat(vals[unit], 64)
			if err != nil {
				return ""
			}
			return fmt.Sprintf("%.1f µs", v/1000)
		}
		size := ""
		if reqB, err := strconv.ParseFloat(vals["req-B"], 64); err == nil {
			size = fmt.Sprintf("%.1f KB", reqB/1000)
		}
		fmt.Fprintf(&t, "| %s | %s | %s | %s | %s | %s |\n", name, size, us("ns/op"), us("cpu-ns/op"), vals["B/op"], vals["allocs/op"])
		n++
	}
	if n == 0 {
		return "", errors.New("no benchmark lines")
	}
	t.WriteString("\nCPU/op is the benchmark process's CPU time (the garbage collector's included) per operation.\n")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "# load") {
			t.WriteString(strings.TrimPrefix(l, "# ") + "  \n")
		}
	}
	return t.String(), nil
}
