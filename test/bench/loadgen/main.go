// Command loadgen load-tests the function binary over gRPC on loopback: it starts the binary on
// a free 127.0.0.1 port, measures its start-up time (exec to the first successful RunFunction),
// then sends a request at 1, 8 and 64 concurrent callers for a bounded time each and reports
// throughput, p50/p99 latency, the function process's CPU per call (utime+stime from
// /proc/<pid>/stat) and its peak RSS (VmHWM from /proc/<pid>/status, reset between rows).
// Each request also runs at 8 callers over mTLS (certificates made here). Linux only. The
// requests are test/bench's: prod's first reconcile and a later one with every composed
// resource observed. `make bench` runs it (docs/performance.md):
//
//	go run ./test/bench/loadgen -bin _output/bench/function-lambdastack -out _output/bench.txt
package main

import (
	"bufio"
	"context"
	"crypto/tls"
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
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/spec3/lambdastack/internal/testpki"
	"github.com/spec3/lambdastack/test/bench"
)

const method = "/apiextensions.fn.proto.v1.FunctionRunnerService/RunFunction"

type config struct {
	bin         string
	out         string
	goBench     string
	duration    time.Duration
	maxCalls    int
	concurrency []int
	variants    []string
	startups    int
	mtls        bool
	extraArgs   []string
}

func main() {
	var c config
	var conc, variants, extra string
	flag.StringVar(&c.bin, "bin", "bin/function-lambdastack", "The function binary to start.")
	flag.StringVar(&c.out, "out", "_output/bench.txt", "File the results table is written to (also printed).")
	flag.StringVar(&c.goBench, "gobench", "", "Output of `go test -bench` to summarise in the results file (optional).")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "How long each concurrency level runs.")
	flag.IntVar(&c.maxCalls, "max-calls", 100000, "Upper bound of calls per concurrency level.")
	flag.StringVar(&conc, "concurrency", "1,8,64", "Concurrent callers, comma separated.")
	flag.StringVar(&variants, "requests", "prod/first,prod/later", "Requests to send: <stage>/first or <stage>/later, comma separated.")
	flag.IntVar(&c.startups, "startups", 5, "How many times to measure start-up.")
	flag.BoolVar(&c.mtls, "mtls", true, "Also run each request at 8 callers over mTLS.")
	flag.Func("env", "Environment variable for the function processes, NAME=value (repeatable), e.g. -env GOGC=50.", func(v string) error {
		if !strings.Contains(v, "=") {
			return errors.New("want NAME=value")
		}
		functionEnv = append(functionEnv, v)
		return nil
	})
	flag.StringVar(&logsFile, "logs", "", "Append the output of the load-tested function processes to this file.")
	flag.StringVar(&extra, "args", "", "Extra flags for the function binary, space separated (e.g. --memory-limit=32MiB).")
	flag.Parse()
	for _, s := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("bad -concurrency %q", conc))
		}
		c.concurrency = append(c.concurrency, n)
	}
	c.variants = strings.Split(variants, ",")
	c.extraArgs = strings.Fields(extra)
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
	transport  string
	callers    int
	calls      int
	errors     int
	elapsed    time.Duration
	p50, p99   time.Duration
	cpuPerCall time.Duration
	clientCPU  time.Duration
	peakRSSKiB int64
	otherCPU   float64 // CPUs busy with other processes during the row
	steal      float64 // CPUs stolen by the hypervisor during the row
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
	fmt.Fprintf(&report, "Date: %s  \nMachine: %d CPUs (%s), %s  \nLoad before the run: %s  \nBinary: %s %s %s\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), cpuModel(), runtime.Version(), loadavg(), strings.Join(functionEnv, " "), c.bin, strings.Join(c.extraArgs, " "))

	// Start-up: exec to the first successful RunFunction, with the first prod request.
	st, _ := bench.StageByName("prod")
	firstProd, err := bench.FirstRequest(root, st)
	if err != nil {
		return err
	}
	var startups []time.Duration
	var listens []time.Duration
	for range c.startups {
		listen, serve, err := measureStartup(bin, c.extraArgs, firstProd)
		if err != nil {
			return fmt.Errorf("start-up: %w", err)
		}
		listens = append(listens, listen)
		startups = append(startups, serve)
	}
	slices.Sort(startups)
	slices.Sort(listens)
	fmt.Fprintf(&report, "## Start-up (exec to first successful RunFunction, insecure, %d runs)\n\n", c.startups)
	fmt.Fprintf(&report, "| | min | median | max |\n|---|---|---|---|\n")
	fmt.Fprintf(&report, "| port accepts connections | %s | %s | %s |\n", ms(listens[0]), ms(listens[len(listens)/2]), ms(listens[len(listens)-1]))
	fmt.Fprintf(&report, "| first RunFunction answered | %s | %s | %s |\n\n", ms(startups[0]), ms(startups[len(startups)/2]), ms(startups[len(startups)-1]))

	// Load.
	p, err := start(bin, append([]string{"--insecure"}, c.extraArgs...))
	if err != nil {
		return err
	}
	defer p.stop()
	conn, err := grpc.NewClient(p.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close() //nolint:errcheck // closing
	reqs := map[string]*fnv1.RunFunctionRequest{}
	for _, v := range c.variants {
		r, err := buildRequest(root, v, conn)
		if err != nil {
			return fmt.Errorf("%s: %w", v, err)
		}
		reqs[v] = r
	}
	var results []result
	for _, v := range c.variants {
		for _, n := range c.concurrency {
			r, err := load(conn, p.pid, reqs[v], n, c)
			if err != nil {
				return fmt.Errorf("%s at %d callers: %w", v, n, err)
			}
			r.request, r.transport = v, "insecure"
			results = append(results, r)
			fmt.Fprintln(os.Stderr, row(r))
		}
	}
	finalRSS, anon, file := procStatus(p.pid, "VmRSS"), procStatus(p.pid, "RssAnon"), procStatus(p.pid, "RssFile")

	if c.mtls {
		mrs, err := loadMTLS(bin, c, reqs)
		if err != nil {
			return fmt.Errorf("mTLS: %w", err)
		}
		for _, r := range mrs {
			fmt.Fprintln(os.Stderr, row(r))
		}
		results = append(results, mrs...)
	}

	fmt.Fprintf(&report, "## gRPC load (loopback, one HTTP/2 connection, %s or %d calls per row)\n\n", c.duration, c.maxCalls)
	fmt.Fprintf(&report, "CPU/call is the function process's utime+stime over the calls it answered; peak RSS is its VmHWM during the row. ")
	fmt.Fprintf(&report, "The load generator runs on the same %d CPUs (its own CPU/call is shown); other CPU load is what other processes used meanwhile (CPUs busy on average, from /proc/stat), steal what the hypervisor took.\n\n", runtime.NumCPU())
	fmt.Fprintln(&report, header())
	for _, r := range results {
		fmt.Fprintln(&report, row(r))
	}
	fmt.Fprintf(&report, "\nFunction process after the insecure runs: VmRSS %s (RssAnon %s: heap, stacks, buffers; RssFile %s: pages of the binary).\n", kib(finalRSS), kib(anon), kib(file))
	fmt.Fprintf(&report, "Load after the run: %s\n", loadavg())

	if c.goBench != "" {
		if t, err := goBenchTable(c.goBench); err == nil {
			fmt.Fprintf(&report, "\n## In-process benchmarks (go test -bench ./test/bench)\n\n%s", t)
		} else {
			fmt.Fprintf(os.Stderr, "loadgen: cannot read %s: %v\n", c.goBench, err)
		}
	}

	fmt.Print("\n" + report.String())
	if c.out != "" {
		if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(c.out, []byte(report.String()), 0o644)
	}
	return nil
}

// buildRequest is <stage>/first or <stage>/later; later plays the simulated provider against
// the running binary.
func buildRequest(root, variant string, conn *grpc.ClientConn) (*fnv1.RunFunctionRequest, error) {
	name, kind, _ := strings.Cut(variant, "/")
	st, err := bench.StageByName(name)
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
		client := fnv1.NewFunctionRunnerServiceClient(conn)
		return bench.LaterRequest(context.Background(), func(ctx context.Context, r *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
			return client.RunFunction(ctx, r)
		}, first)
	}
	return nil, fmt.Errorf("want <stage>/first or <stage>/later, got %q", variant)
}

// rawCodec sends pre-marshalled request bytes and keeps response bytes, so the load generator
// spends its CPU on calls, not on protobuf (responses are checked: see load).
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	p := v.(*[]byte)
	*p = append((*p)[:0], data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

func load(conn *grpc.ClientConn, pid int, req *fnv1.RunFunctionRequest, callers int, c config) (result, error) {
	raw, err := proto.Marshal(req)
	if err != nil {
		return result{}, err
	}
	ctx := context.Background()
	// Warm up, and learn the response size (the function is deterministic: every answer to the
	// same request has the same size).
	var want int
	for i := range 200 {
		var rsp []byte
		if err := conn.Invoke(ctx, method, &raw, &rsp, grpc.ForceCodec(rawCodec{})); err != nil {
			return result{}, err
		}
		if i == 0 {
			if err := check(rsp); err != nil {
				return result{}, err
			}
			want = len(rsp)
		}
	}
	resetPeakRSS(pid)
	r := result{reqBytes: len(raw), callers: callers}
	busy0, steal0 := machineCPU()
	cpu0, self0 := procCPU(pid), procCPU(os.Getpid())
	var (
		count   atomic.Int64
		errs    atomic.Int64
		firstEr atomic.Value
		wg      sync.WaitGroup
		lats    = make([][]time.Duration, callers)
	)
	t0 := time.Now()
	deadline := t0.Add(c.duration)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rsp []byte
			l := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) {
				n := count.Add(1)
				if n > int64(c.maxCalls) {
					break
				}
				s := time.Now()
				err := conn.Invoke(ctx, method, &raw, &rsp, grpc.ForceCodec(rawCodec{}))
				l = append(l, time.Since(s))
				if err == nil && len(rsp) != want {
					err = fmt.Errorf("response of %d bytes, want %d", len(rsp), want)
				}
				if err == nil && n%512 == 0 {
					err = check(rsp)
				}
				if err != nil {
					errs.Add(1)
					firstEr.CompareAndSwap(nil, err)
				}
			}
			lats[i] = l
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(t0)
	cpu1, self1 := procCPU(pid), procCPU(os.Getpid())
	busy1, steal1 := machineCPU()
	r.otherCPU = max(0, float64((busy1-busy0)-(cpu1-cpu0)-(self1-self0))/float64(r.elapsed))
	r.steal = float64(steal1-steal0) / float64(r.elapsed)
	all := slices.Concat(lats...)
	slices.Sort(all)
	r.calls, r.errors = len(all), int(errs.Load())
	if r.calls == 0 {
		return r, errors.New("no calls completed")
	}
	if r.errors > 0 {
		return r, fmt.Errorf("%d of %d calls failed, first: %v", r.errors, r.calls, firstEr.Load())
	}
	r.p50, r.p99 = all[len(all)/2], all[len(all)*99/100]
	r.cpuPerCall = (cpu1 - cpu0) / time.Duration(r.calls)
	r.clientCPU = (self1 - self0) / time.Duration(r.calls)
	r.peakRSSKiB = procStatus(pid, "VmHWM")
	return r, nil
}

func check(raw []byte) error {
	rsp := &fnv1.RunFunctionResponse{}
	if err := proto.Unmarshal(raw, rsp); err != nil {
		return err
	}
	return bench.CheckResponse(rsp)
}

func header() string {
	return "| request | req size | transport | callers | calls | calls/s | p50 | p99 | CPU/call (function) | CPU/call (loadgen) | peak RSS | other CPU load |\n" +
		"|---|---|---|---|---|---|---|---|---|---|---|---|"
}

func row(r result) string {
	return fmt.Sprintf("| %s | %.1f KB | %s | %d | %d | %.0f | %s | %s | %s | %s | %s | %.2f CPUs (steal %.2f) |",
		r.request, float64(r.reqBytes)/1000, r.transport, r.callers, r.calls, float64(r.calls)/r.elapsed.Seconds(),
		ms(r.p50), ms(r.p99), ms(r.cpuPerCall), ms(r.clientCPU), kib(r.peakRSSKiB), r.otherCPU, r.steal)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func kib(k int64) string { return fmt.Sprintf("%.1f MiB", float64(k)/1024) }

// process is a started function binary.
type process struct {
	cmd  *exec.Cmd
	pid  int
	addr string
	logs *syncBuffer
}

// functionEnv is added to the environment of the function processes (-env).
var functionEnv []string

// logsFile, when set (-logs), receives the output of the load-tested function processes.
var logsFile string

func (p *process) stop() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	if logsFile != "" {
		if f, err := os.OpenFile(logsFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "=== %s\n%s\n", strings.Join(p.cmd.Args, " "), p.logs.String())
			_ = f.Close()
		}
	}
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr() (string, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := lis.Addr().String()
	return addr, lis.Close()
}

// start runs the binary on a free loopback port and waits until a RunFunction succeeds.
func start(bin string, args []string) (*process, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logs := &syncBuffer{}
	cmd := exec.Command(bin, append([]string{"--address=" + addr}, args...)...)
	cmd.Env = append(os.Environ(), functionEnv...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, pid: cmd.Process.Pid, addr: addr, logs: logs}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return p, nil
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s does not listen on %s: %w\n%s", bin, addr, err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// measureStartup execs the binary and returns the time until its port accepted a connection
// and until the first RunFunction succeeded (polling every 0.5 ms).
func measureStartup(bin string, args []string, req *fnv1.RunFunctionRequest) (listen, serve time.Duration, err error) {
	addr, err := freeAddr()
	if err != nil {
		return 0, 0, err
	}
	logs := &syncBuffer{}
	cmd := exec.Command(bin, append([]string{"--address=" + addr, "--insecure"}, args...)...)
	cmd.Env = append(os.Environ(), functionEnv...)
	cmd.Stdout, cmd.Stderr = logs, logs
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Since(t0) > 20*time.Second {
			return 0, 0, fmt.Errorf("no listener: %w\n%s", err, logs.String())
		}
		time.Sleep(500 * time.Microsecond)
	}
	listen = time.Since(t0)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.Config{BaseDelay: time.Millisecond, Multiplier: 1, MaxDelay: time.Millisecond}, MinConnectTimeout: time.Second}))
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close() //nolint:errcheck // closing
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rsp, err := fnv1.NewFunctionRunnerServiceClient(conn).RunFunction(ctx, req, grpc.WaitForReady(true))
	if err != nil {
		return 0, 0, fmt.Errorf("%w\n%s", err, logs.String())
	}
	serve = time.Since(t0)
	if len(rsp.GetDesired().GetResources()) == 0 {
		return 0, 0, fmt.Errorf("first response composes nothing: %v", rsp.GetResults())
	}
	return listen, serve, nil
}

// loadMTLS starts a second process serving mTLS with certificates made here and runs each
// request at 8 callers (or the first level asked for when 8 is not).
func loadMTLS(bin string, c config, reqs map[string]*fnv1.RunFunctionRequest) ([]result, error) {
	dir, err := os.MkdirTemp("", "loadgen-mtls-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir) //nolint:errcheck // temp dir
	creds, err := writeCerts(dir)
	if err != nil {
		return nil, err
	}
	p, err := start(bin, append([]string{"--tls-server-certs-dir=" + dir}, c.extraArgs...))
	if err != nil {
		return nil, err
	}
	defer p.stop()
	conn, err := grpc.NewClient(p.addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, err
	}
	defer conn.Close() //nolint:errcheck // closing
	n := 8
	if !slices.Contains(c.concurrency, 8) {
		n = c.concurrency[0]
	}
	var out []result
	for _, v := range c.variants {
		r, err := load(conn, p.pid, reqs[v], n, c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v, err)
		}
		r.request, r.transport = v, "mTLS"
		out = append(out, r)
	}
	return out, nil
}

// writeCerts writes a CA, a server certificate for 127.0.0.1 (tls.crt, tls.key, ca.crt: the
// files function-sdk-go reads) into dir and returns client credentials the CA signed.
func writeCerts(dir string) (credentials.TransportCredentials, error) {
	ca, err := testpki.NewCA("loadgen-ca", time.Hour)
	if err != nil {
		return nil, err
	}
	srv, err := ca.Issue("function-lambdastack", nil, testpki.Server, "127.0.0.1")
	if err != nil {
		return nil, err
	}
	cli, err := ca.Issue("crossplane", nil, testpki.Client)
	if err != nil {
		return nil, err
	}
	if err := testpki.WriteCertsDir(dir, ca, srv); err != nil {
		return nil, err
	}
	return credentials.NewTLS(&tls.Config{
		MinVersion: tls.VersionTLS12, RootCAs: ca.Pool(), ServerName: "127.0.0.1",
		Certificates: []tls.Certificate{cli.TLS()},
	}), nil
}

// procCPU is utime+stime of a process (clock ticks of 1/100 s, the Linux USER_HZ).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may contain spaces) start after the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// machineCPU is the CPU time every CPU spent busy (user, nice, system, irq, softirq) and the
// time the hypervisor stole, from /proc/stat.
func machineCPU() (busy, steal time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 {
		return 0, 0
	}
	tick := func(i int) time.Duration {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		return time.Duration(n) * 10 * time.Millisecond
	}
	return tick(1) + tick(2) + tick(3) + tick(6) + tick(7), tick(8)
}

// procStatus reads a kB field of /proc/<pid>/status.
func procStatus(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close() //nolint:errcheck // read only
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// resetPeakRSS resets VmHWM to the current RSS (clear_refs 5); without permission the peak
// stays the process's lifetime peak.
func resetPeakRSS(pid int) {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
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
		} else if mbs, err := strconv.ParseFloat(vals["MB/s"], 64); err == nil {
			size = fmt.Sprintf("%.0f MB/s", mbs)
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
