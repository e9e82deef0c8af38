// Package motoserver starts moto's AWS stand-in (moto_server) for tests.
// It is test support only: moto is a local imitation of AWS, so what passes
// against it shows the client speaks S3 correctly, not that AWS accepts it.
//
// StartExtended runs it with LambdaStack's extension of moto (the Python package
// motoext in this directory: API calls and the CloudWatch protocol moto lacks and
// provider-aws uses; docs/e2e.md).
package motoserver

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// extension is the source of the Python package motoext.
//
//go:embed motoext/*.py
var extension embed.FS

// Python is the interpreter that runs `python3 -m moto.server`.
var Python = "python3"

var (
	checkOnce sync.Once
	checkErr  error
)

// Available reports why moto cannot run here, or nil when it can.
func Available() error {
	checkOnce.Do(func() {
		out, err := exec.Command(Python, "-c", "import moto.server").CombinedOutput()
		if err != nil {
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			checkErr = fmt.Errorf("moto server not installed for %s (pip install 'moto[server]'): %w: %s", Python, err, lines[len(lines)-1])
		}
	})
	return checkErr
}

// Start runs moto_server on a free 127.0.0.1 port with the extra environment
// variables env (e.g. "INITIAL_NO_AUTH_ACTION_COUNT=0" to enforce
// credentials), waits until it accepts connections and returns its URL. The
// server is stopped when the test ends. The test is skipped when moto is not
// installed.
func Start(t testing.TB, env ...string) string {
	t.Helper()
	return start(t, []string{"-m", "moto.server"}, env)
}

// StartExtended is Start with LambdaStack's extension of moto registered
// (python3 -m motoext, from a copy of the package in a temporary directory).
func StartExtended(t testing.TB, env ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteExtension(dir); err != nil {
		t.Fatalf("writing the moto extension: %v", err)
	}
	return start(t, []string{"-m", "motoext"}, append(env, "PYTHONPATH="+dir))
}

// WriteExtension writes the Python package motoext into dir (dir/motoext/...).
func WriteExtension(dir string) error {
	return fs.WalkDir(extension, "motoext", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dir, p), 0o755)
		}
		b, err := extension.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
}

func start(t testing.TB, module []string, env []string) string {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("skipping: %v", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("finding a free port for moto: %v", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var log bytes.Buffer
	cmd := exec.Command(Python, append(module, "-H", "127.0.0.1", "-p", strconv.Itoa(port))...)
	cmd.Env = append(serverEnv(), env...)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting moto: %v", err)
	}
	exited := make(chan struct{}) // closed when the process has been reaped
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { stop(cmd, exited) })
	// moto imports every service at start: ~3 s on the quiet machine, over 30 s at load 20; the bound
	// catches a hang, not a loaded machine
	if err := waitListening(addr, exited, 2*time.Minute); err != nil {
		t.Fatalf("moto did not start on %s: %v\n%s", addr, err, log.String())
	}
	return "http://" + addr
}

// serverEnv is this process's environment without AWS_* variables: a test
// may have pointed those at test values (e.g. a missing AWS_CONFIG_FILE),
// which are for the client, not for the server.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitListening polls addr until it accepts a connection, the server exits
// or the timeout passes.
func waitListening(addr string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("server exited early")
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not listening after %s", timeout)
}

// stop kills the server (only the process this package started) and reaps it.
func stop(cmd *exec.Cmd, exited <-chan struct{}) {
	_ = cmd.Process.Kill()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
	}
}

// UseTestCredentials points the AWS SDK of this test process at fixed test
// credentials and region us-east-1, and away from everything else: no
// profile, no shared config files, no instance metadata lookups.
func UseTestCredentials(t testing.TB) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIATESTTESTTESTTEST",
		"AWS_SECRET_ACCESS_KEY":       "test-secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_REGION":                  "us-east-1",
		"AWS_DEFAULT_REGION":          "",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_CONFIG_FILE":             "/nonexistent/aws-config",
		"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
	} {
		t.Setenv(k, v)
	}
}
