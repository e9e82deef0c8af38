// Command package-runtime is the EXTERNAL PACKAGE RUNTIME of the local e2e control plane: a
// stand-in for Crossplane's Deployment runtime, which cannot run here (no kubelet, no
// containers). Crossplane core runs with --package-runtime=External: its package manager
// installs packages (pulls them through ImageConfigs, resolves dependencies, installs CRDs,
// XRDs and Compositions, marks revisions RevisionHealthy) and leaves the runtime of Functions and
// Providers to an external controller. This is that controller, for this machine:
//
//   - every active revision with a runtime (Function or Provider): it fills the package's TLS
//     server Secret and records it in status.tlsServerSecretName, as the Deployment runtime does
//     before Crossplane establishes the revision's objects (Crossplane requires it);
//   - an active, RevisionHealthy FunctionRevision: it pulls the revision's package
//     (status.resolvedImage: the ImageConfig-rewritten reference) from the registry, takes the
//     runtime image's entrypoint (/function, the binary `make xpkg` built) out of it and runs
//     it as a local process with the image's arguments: the /tls/server mount becomes a
//     directory holding the Function's TLS server Secret (<function>-tls-server, filled with
//     the e2e PKI's function certificate, as Crossplane fills it from its own CA), the gRPC
//     address a loopback port, plus the args of the package-runtime container of its
//     DeploymentRuntimeConfig, chosen as the Deployment runtime chooses it (an ImageConfig
//     matching the resolved package with spec.runtime.configRef, else the Function's
//     spec.runtimeConfigRef). Then it sets what the Deployment runtime sets: status.endpoint,
//     status.tlsServerSecretName and RuntimeHealthy. An inactive revision's process is stopped.
//   - an active, RevisionHealthy ProviderRevision, without --provider-binary (make e2e):
//     RuntimeHealthy, saying that no provider controller runs (the provider stand-in,
//     test/e2e/providerstandin, plays it).
//   - with --provider-binary (make e2e-aws): the real provider. Every active ProviderRevision's
//     TLS server Secret gets the providers' webhook certificate (its tls.crt, leaf and CA, is the
//     CA bundle Crossplane's package manager writes into the conversion webhook of the package's
//     CRDs), and its Service (the name the package manager points those webhooks at, as the
//     Deployment runtime creates it) becomes an ExternalName for --provider-webhook-host, where
//     the provider serves its conversion webhook on :9443. One provider process serves every
//     revision: bin/lambdastack-provider registers the controllers of all the Configuration's
//     kinds, each started once its CRD exists (SafeStart), so one process stands in for the
//     per-service provider Deployments. It starts once a revision is RevisionHealthy, is started
//     again after --restart-backoff when it exits, and each revision is RuntimeHealthy while it
//     runs.
package main

import (
	"archive/tar"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

var (
	functionRevisions = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: "functionrevisions"}
	providerRevisions = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: "providerrevisions"}
	runtimeConfigs    = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1beta1", Resource: "deploymentruntimeconfigs"}
	imageConfigs      = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1beta1", Resource: "imageconfigs"}
	functions         = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: "functions"}
	secrets           = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	services          = schema.GroupVersionResource{Version: "v1", Resource: "services"}
)

// the container Crossplane's Deployment runtime runs the package in; its args come from the
// DeploymentRuntimeConfig's container of that name
const runtimeContainer = "package-runtime"

type options struct {
	namespace  string
	certsDir   string // ca.crt, tls.crt, tls.key: the functions' server certificate
	registryCA string
	work       string
	logFile    string
	pidFile    string // where the PID of the function started last is written ("": nowhere)
	firstPort  int
	// firstMetricsPort: the loopback port of the first revision's metrics listener (0: none)
	firstMetricsPort int
	interval         time.Duration
	// restartBackoff: how long an exited function stays down before it is started again (the
	// kubelet's restart back-off of a crashed container)
	restartBackoff time.Duration

	// the real provider (make e2e-aws); empty providerBinary: no provider runs
	providerBinary   string
	providerCertsDir string // ca.crt, tls.crt, tls.key: the providers' webhook certificate
	providerHost     string // the loopback address of its conversion webhook (port 9443)
	providerLog      string
	providerPIDFile  string
	providerArgs     []string
	providerEnv      []string // KEY=VALUE: what a DeploymentRuntimeConfig's env gives the provider
}

// providerWebhookPort is the port Crossplane's package manager writes into every provider
// CRD's conversion webhook (a constant of Crossplane's, the Service's port).
const providerWebhookPort = 9443

type process struct {
	cmd      *exec.Cmd
	port     int
	exited   chan struct{}
	exitErr  error
	exitedAt time.Time
}

type runtime struct {
	o        options
	dyn      dynamic.Interface
	tr       http.RoundTripper
	procs    map[string]*process // by FunctionRevision name
	ports    map[string]int      // ports handed out, by FunctionRevision name
	next     int
	provider *process // the real provider, shared by every ProviderRevision
}

func main() {
	var o options
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the control plane")
	flag.StringVar(&o.namespace, "namespace", "crossplane-system", "Crossplane's namespace (TLS secrets)")
	flag.StringVar(&o.certsDir, "function-certs-dir", "", "the functions' gRPC server certificate (ca.crt, tls.crt, tls.key)")
	flag.StringVar(&o.registryCA, "registry-ca", "", "CA bundle the registry's certificate verifies against")
	flag.StringVar(&o.work, "work", "", "directory for the functions' binaries and certificates")
	flag.StringVar(&o.logFile, "function-log", "", "file the functions' output is appended to")
	flag.StringVar(&o.pidFile, "function-pid-file", "", "file the PID of the function started last is written to (for make scale and make chaos)")
	flag.IntVar(&o.firstPort, "first-port", 27444, "first loopback port handed to a function (then +1 per revision)")
	flag.DurationVar(&o.interval, "interval", 500*time.Millisecond, "how often revisions are checked")
	flag.IntVar(&o.firstMetricsPort, "first-metrics-port", 0, "loopback port of the first revision's metrics listener, the image's --metrics-address rewritten (then +1 per revision); 0 drops it")
	flag.DurationVar(&o.restartBackoff, "restart-backoff", 0, "how long an exited function stays down before it is restarted (as the kubelet backs off)")
	flag.StringVar(&o.providerBinary, "provider-binary", "", "the real provider to run for the ProviderRevisions (bin/lambdastack-provider); empty: none runs")
	flag.StringVar(&o.providerCertsDir, "provider-certs-dir", "", "the providers' webhook server certificate (ca.crt, tls.crt, tls.key)")
	flag.StringVar(&o.providerHost, "provider-webhook-host", "", "the loopback address the provider's conversion webhook listens on (port 9443)")
	flag.StringVar(&o.providerLog, "provider-log", "", "file the provider's output is appended to")
	flag.StringVar(&o.providerPIDFile, "provider-pid-file", "", "file the provider's PID is written to")
	providerArgs := flag.String("provider-args", "", "more arguments for the provider, space-separated (its listeners, --poll, --debug)")
	flag.Func("provider-env", "KEY=VALUE in the provider's environment (repeatable), as a DeploymentRuntimeConfig's env sets it", func(v string) error {
		if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
			return fmt.Errorf("%q: want KEY=VALUE", v)
		}
		o.providerEnv = append(o.providerEnv, v)
		return nil
	})
	flag.Parse()
	o.providerArgs = strings.Fields(*providerArgs)
	if o.providerBinary != "" && (o.providerCertsDir == "" || o.providerHost == "" || o.providerLog == "") {
		log.Fatal("--provider-binary needs --provider-certs-dir, --provider-webhook-host and --provider-log")
	}
	log.SetPrefix("package-runtime: ")
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		log.Fatal(err)
	}
	pem, err := os.ReadFile(o.registryCA)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		log.Fatalf("%s holds no certificate", o.registryCA)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	r := &runtime{o: o, dyn: dyn, tr: tr, procs: map[string]*process{}, ports: map[string]int{}, next: o.firstPort}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.providerBinary != "" {
		log.Printf("serving FunctionRevisions and ProviderRevisions; providers run %s", o.providerBinary)
	} else {
		log.Printf("serving FunctionRevisions and ProviderRevisions (no provider runs)")
	}
	t := time.NewTicker(o.interval)
	defer t.Stop()
	for {
		if err := r.sync(ctx); err != nil && ctx.Err() == nil {
			log.Print(err)
		}
		select {
		case <-ctx.Done():
			r.stopAll()
			return
		case <-t.C:
		}
	}
}

func (r *runtime) sync(ctx context.Context) error {
	var errs []error
	fns, err := r.dyn.Resource(functionRevisions).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range fns.Items {
		rev := &fns.Items[i]
		seen[rev.GetName()] = true
		if err := r.function(ctx, rev); err != nil {
			errs = append(errs, fmt.Errorf("FunctionRevision %s: %w", rev.GetName(), err))
		}
	}
	for n := range r.procs {
		if !seen[n] {
			r.stop(n)
		}
	}
	prs, err := r.dyn.Resource(providerRevisions).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range prs.Items {
		rev := &prs.Items[i]
		if !active(rev) {
			continue
		}
		if err := r.providerRevision(ctx, rev); err != nil {
			errs = append(errs, fmt.Errorf("ProviderRevision %s: %w", rev.GetName(), err))
		}
	}
	return errors.Join(errs...)
}

// providerRevision does for an active ProviderRevision what the Deployment runtime does: the TLS
// server Secret, and (with the real provider) the Service its webhooks are called at and the
// provider process; then RuntimeHealthy.
func (r *runtime) providerRevision(ctx context.Context, rev *unstructured.Unstructured) error {
	certs := r.o.certsDir
	if r.o.providerBinary != "" {
		certs = r.o.providerCertsDir
	}
	if done, err := r.ensureTLS(ctx, providerRevisions, rev, certs); err != nil || !done {
		return err
	}
	msg := "e2e external runtime: no provider controller runs; the provider stand-in plays it"
	if r.o.providerBinary != "" {
		if err := r.ensureService(ctx, rev); err != nil {
			return err
		}
		if !conditionTrue(rev, "RevisionHealthy") {
			return nil
		}
		p, err := r.runProvider()
		if err != nil {
			return err
		}
		if p == nil { // exited: backing off
			if conditionTrue(rev, "RuntimeHealthy") {
				setCondition(rev, "RuntimeHealthy", "False", "UnhealthyPackageRevision", "e2e external runtime: the provider process exited; restarting")
				_, err := r.dyn.Resource(providerRevisions).UpdateStatus(ctx, rev, metav1.UpdateOptions{})
				return ignoreConflict(err)
			}
			return nil
		}
		msg = fmt.Sprintf("e2e external runtime: provider-aws's controllers run in local process %d (%s, one process for every provider revision); conversion webhook on %s:%d",
			p.cmd.Process.Pid, filepath.Base(r.o.providerBinary), r.o.providerHost, providerWebhookPort)
	}
	if !conditionTrue(rev, "RevisionHealthy") {
		return nil
	}
	if st, m := condition(rev, "RuntimeHealthy"); st == "True" && m == msg {
		return nil
	}
	setCondition(rev, "RuntimeHealthy", "True", "HealthyPackageRevision", msg)
	if _, err := r.dyn.Resource(providerRevisions).UpdateStatus(ctx, rev, metav1.UpdateOptions{}); err != nil {
		return ignoreConflict(err)
	}
	log.Printf("ProviderRevision %s: RuntimeHealthy: %s", rev.GetName(), msg)
	return nil
}

func ignoreConflict(err error) error {
	if kerrors.IsConflict(err) {
		return nil // next round
	}
	return err
}

// ensureService makes the Service the package manager points the revision's webhooks at (named
// after the package, in Crossplane's namespace, owned by the revision as the Deployment runtime
// makes it) an ExternalName for the provider's loopback webhook address: the API server calls
// https://<host>:9443 and verifies the certificate as <package>.<namespace>.svc.
func (r *runtime) ensureService(ctx context.Context, rev *unstructured.Unstructured) error {
	name := rev.GetLabels()["pkg.crossplane.io/package"]
	if name == "" {
		return errors.New("no pkg.crossplane.io/package label")
	}
	c := r.dyn.Resource(services).Namespace(r.o.namespace)
	cur, err := c.Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		if ext, _, _ := unstructured.NestedString(cur.Object, "spec", "externalName"); ext == r.o.providerHost {
			return nil
		}
		return fmt.Errorf("Service %s/%s exists and is not an ExternalName for %s", r.o.namespace, name, r.o.providerHost)
	}
	if !kerrors.IsNotFound(err) {
		return err
	}
	svc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": name, "namespace": r.o.namespace},
		"spec": map[string]any{
			"type": "ExternalName", "externalName": r.o.providerHost,
			"ports": []any{map[string]any{"name": "webhook", "port": int64(providerWebhookPort), "protocol": "TCP"}},
		},
	}}
	svc.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: rev.GetAPIVersion(), Kind: rev.GetKind(), Name: rev.GetName(),
		UID: rev.GetUID(), Controller: ptrTo(true), BlockOwnerDeletion: ptrTo(true)}})
	if _, err := c.Create(ctx, svc, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
		return err
	}
	log.Printf("ProviderRevision %s: Service %s/%s -> %s:%d (ExternalName)", rev.GetName(), r.o.namespace, name, r.o.providerHost, providerWebhookPort)
	return nil
}

func ptrTo[T any](v T) *T { return &v }

// runProvider returns the running provider process, starting it when none runs; nil while an
// exited one backs off.
func (r *runtime) runProvider() (*process, error) {
	if p := r.provider; p != nil {
		select {
		case <-p.exited:
			if time.Since(p.exitedAt) < r.o.restartBackoff {
				return nil, nil
			}
			log.Printf("provider exited (%v) %s ago: restarting", p.exitErr, time.Since(p.exitedAt).Round(time.Millisecond))
			r.provider = nil
		default:
			return p, nil
		}
	}
	args := append([]string{
		"--certs-dir=" + r.o.providerCertsDir,
		"--webhook-host=" + r.o.providerHost,
		fmt.Sprintf("--webhook-port=%d", providerWebhookPort),
	}, r.o.providerArgs...)
	logf, err := os.OpenFile(r.o.providerLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close() //nolint:errcheck // the child holds its own descriptor
	cmd := exec.Command(r.o.providerBinary, args...)
	// what a provider pod has: its kubeconfig (here the admin's), no AWS settings from this host
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "KUBECONFIG=" + os.Getenv("KUBECONFIG"), "AWS_EC2_METADATA_DISABLED=true"}
	cmd.Env = append(cmd.Env, r.o.providerEnv...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, port: providerWebhookPort, exited: make(chan struct{})}
	go func() { p.exitErr = cmd.Wait(); p.exitedAt = time.Now(); close(p.exited) }()
	r.provider = p
	log.Printf("provider: started %s (pid %d): %s", r.o.providerBinary, cmd.Process.Pid, strings.Join(args, " "))
	if r.o.providerPIDFile != "" {
		if err := os.WriteFile(r.o.providerPIDFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600); err != nil {
			log.Printf("cannot record the provider's PID: %v", err)
		}
	}
	return p, nil
}

func active(rev *unstructured.Unstructured) bool {
	s, _, _ := unstructured.NestedString(rev.Object, "spec", "desiredState")
	return s == "Active"
}

// function runs an active, healthy revision's function and stops an inactive one's.
func (r *runtime) function(ctx context.Context, rev *unstructured.Unstructured) error {
	n := rev.GetName()
	if active(rev) {
		if done, err := r.ensureTLS(ctx, functionRevisions, rev, r.o.certsDir); err != nil || !done {
			return err
		}
	}
	if !active(rev) || !conditionTrue(rev, "RevisionHealthy") {
		if r.procs[n] != nil {
			log.Printf("FunctionRevision %s is no longer active: stopping its function", n)
			r.stop(n)
		}
		return nil
	}
	p := r.procs[n]
	if p != nil {
		select {
		case <-p.exited:
			if wait := r.o.restartBackoff - time.Since(p.exitedAt); wait > 0 {
				return nil // backing off, as the kubelet does before restarting a crashed container
			}
			log.Printf("FunctionRevision %s: function exited (%v) %s ago: restarting", n, p.exitErr, time.Since(p.exitedAt).Round(time.Millisecond))
			delete(r.procs, n)
			p = nil
		default:
		}
	}
	if p == nil {
		var err error
		if p, err = r.start(ctx, rev); err != nil {
			setCondition(rev, "RuntimeHealthy", "False", "UnhealthyPackageRevision", err.Error())
			_, uerr := r.dyn.Resource(functionRevisions).UpdateStatus(ctx, rev, metav1.UpdateOptions{})
			return errors.Join(err, uerr)
		}
		r.procs[n] = p
	}
	endpoint := fmt.Sprintf("dns:///localhost:%d", p.port)
	cur, _, _ := unstructured.NestedString(rev.Object, "status", "endpoint")
	if cur == endpoint && conditionTrue(rev, "RuntimeHealthy") {
		return nil
	}
	_ = unstructured.SetNestedField(rev.Object, endpoint, "status", "endpoint")
	setCondition(rev, "RuntimeHealthy", "True", "HealthyPackageRevision",
		fmt.Sprintf("e2e external runtime: local process %d serving on 127.0.0.1:%d", p.cmd.Process.Pid, p.port))
	if _, err := r.dyn.Resource(functionRevisions).UpdateStatus(ctx, rev, metav1.UpdateOptions{}); err != nil {
		if kerrors.IsConflict(err) {
			return nil // next round
		}
		return err
	}
	log.Printf("FunctionRevision %s: RuntimeHealthy, endpoint %s", n, endpoint)
	return nil
}

// start pulls the revision's package, writes its runtime's TLS server Secret and runs its
// entrypoint as a local process.
func (r *runtime) start(ctx context.Context, rev *unstructured.Unstructured) (*process, error) {
	n := rev.GetName()
	src, _, _ := unstructured.NestedString(rev.Object, "status", "resolvedImage")
	if src == "" {
		src, _, _ = unstructured.NestedString(rev.Object, "spec", "image")
	}
	ref, err := name.ParseReference(src, name.StrictValidation)
	if err != nil {
		return nil, err
	}
	img, err := remote.Image(ref, remote.WithContext(ctx), remote.WithTransport(r.tr),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: goruntime.GOARCH}))
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", src, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	if len(cf.Config.Entrypoint) != 1 {
		return nil, fmt.Errorf("%s: entrypoint %q, want one executable", src, cf.Config.Entrypoint)
	}
	dir := filepath.Join(r.o.work, n)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, path.Base(cf.Config.Entrypoint[0]))
	if err := extract(img, cf.Config.Entrypoint[0], bin); err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}

	// The TLS server Secret the revision names, filled with the e2e PKI's function certificate,
	// mounted (here: written) where the image expects /tls/server.
	certs := filepath.Join(dir, "tls-server")
	if err := r.mountTLS(ctx, tlsSecretName(rev), certs); err != nil {
		return nil, err
	}

	port, ok := r.ports[n]
	if !ok {
		port = r.next
		r.next++
		r.ports[n] = port
	}
	args := []string{}
	for _, a := range cf.Config.Cmd {
		switch {
		case strings.Contains(a, "=/tls/server"):
			a = strings.Replace(a, "=/tls/server", "="+certs, 1)
		case strings.HasPrefix(a, "--metrics-address="):
			if r.o.firstMetricsPort == 0 {
				continue // the image's :8080 would collide with everything else on this machine
			}
			// the container's metrics port, on a loopback port of this revision's own
			a = fmt.Sprintf("--metrics-address=127.0.0.1:%d", r.o.firstMetricsPort+port-r.o.firstPort)
		}
		args = append(args, a)
	}
	args = append(args, fmt.Sprintf("--address=127.0.0.1:%d", port))
	extra, err := r.runtimeArgs(ctx, rev, src)
	if err != nil {
		return nil, err
	}
	args = append(args, extra...)

	logf, err := os.OpenFile(r.o.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close() //nolint:errcheck // the child holds its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, port: port, exited: make(chan struct{})}
	go func() { p.exitErr = cmd.Wait(); p.exitedAt = time.Now(); close(p.exited) }()
	log.Printf("FunctionRevision %s: started %s (pid %d) from %s: %s", n, cf.Config.Entrypoint[0], cmd.Process.Pid, src, strings.Join(args, " "))
	if r.o.pidFile != "" {
		if err := os.WriteFile(r.o.pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600); err != nil {
			log.Printf("cannot record the function's PID: %v", err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			_ = c.Close()
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("function exited: %v (log: %s)", p.exitErr, r.o.logFile)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("function does not listen on 127.0.0.1:%d", port)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// extract writes the file at path of the image's filesystem to dst, executable.
func extract(img v1.Image, file, dst string) error {
	rc := mutate.Extract(img)
	defer rc.Close() //nolint:errcheck // read-only
	want := strings.TrimPrefix(path.Clean(file), "/")
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("no %s in the image", file)
		}
		if err != nil {
			return err
		}
		if strings.TrimPrefix(path.Clean(h.Name), "/") != want || h.Typeflag != tar.TypeReg {
			continue
		}
		f, err := os.OpenFile(dst+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, tr); err != nil {
			_ = f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		return os.Rename(dst+".tmp", dst)
	}
}

// ensureTLS does what the Deployment runtime does before Crossplane establishes a revision's
// objects (Crossplane's establisher requires it of every revision with a runtime): it fills the
// package's TLS server Secret (<package>-tls-server) with the e2e PKI's function certificate
// (Crossplane's runtime fills it from its own CA) and records its name in
// status.tlsServerSecretName. done is false when the status was updated (next round goes on).
func (r *runtime) ensureTLS(ctx context.Context, gvr schema.GroupVersionResource, rev *unstructured.Unstructured, certsDir string) (bool, error) {
	name := tlsSecretName(rev)
	if name == "" {
		return false, errors.New("no pkg.crossplane.io/package label")
	}
	if cur, _, _ := unstructured.NestedString(rev.Object, "status", "tlsServerSecretName"); cur == name {
		return true, nil
	}
	data := map[string]any{}
	for _, k := range []string{"ca.crt", "tls.crt", "tls.key"} {
		b, err := os.ReadFile(filepath.Join(certsDir, k))
		if err != nil {
			return false, err
		}
		data[k] = string(b)
	}
	// tls.crt with its CA: Crossplane's package manager uses it as the CA bundle of the
	// package's webhooks
	data["tls.crt"] = data["tls.crt"].(string) + data["ca.crt"].(string)
	s := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
		"metadata":   map[string]any{"name": name, "namespace": r.o.namespace},
		"stringData": data,
	}}
	c := r.dyn.Resource(secrets).Namespace(r.o.namespace)
	if _, err := c.Create(ctx, s, metav1.CreateOptions{}); err != nil && !kerrors.IsAlreadyExists(err) {
		return false, err
	}
	_ = unstructured.SetNestedField(rev.Object, name, "status", "tlsServerSecretName")
	if _, err := r.dyn.Resource(gvr).UpdateStatus(ctx, rev, metav1.UpdateOptions{}); err != nil {
		if kerrors.IsConflict(err) {
			return false, nil
		}
		return false, err
	}
	log.Printf("%s %s: TLS server Secret %s/%s", gvr.Resource, rev.GetName(), r.o.namespace, name)
	return false, nil
}

// mountTLS writes the keys of the TLS server Secret into dir, as a pod's volume mount would.
func (r *runtime) mountTLS(ctx context.Context, name, dir string) error {
	sec, err := r.dyn.Resource(secrets).Namespace(r.o.namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	data, _, _ := unstructured.NestedStringMap(sec.Object, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for k, v := range data {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return fmt.Errorf("secret %s key %s: %w", name, k, err)
		}
		if err := os.WriteFile(filepath.Join(dir, k), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// tlsSecretName is the Function's TLS server Secret (Crossplane: <package>-tls-server).
func tlsSecretName(rev *unstructured.Unstructured) string {
	if n, _, _ := unstructured.NestedString(rev.Object, "spec", "tlsServerSecretName"); n != "" {
		return n
	}
	if p := rev.GetLabels()["pkg.crossplane.io/package"]; p != "" {
		return p + "-tls-server"
	}
	return ""
}

// runtimeArgs are the args of the package-runtime container of the revision's
// DeploymentRuntimeConfig (what the Deployment runtime gives the container): the one an
// ImageConfig matching the resolved package names (longest prefix), else the Function's.
func (r *runtime) runtimeArgs(ctx context.Context, rev *unstructured.Unstructured, resolved string) ([]string, error) {
	n, longest := "", -1
	ics, err := r.dyn.Resource(imageConfigs).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, ic := range ics.Items {
		ref, _, _ := unstructured.NestedString(ic.Object, "spec", "runtime", "configRef", "name")
		if ref == "" {
			continue
		}
		ms, _, _ := unstructured.NestedSlice(ic.Object, "spec", "matchImages")
		for _, m := range ms {
			prefix, _ := m.(map[string]any)["prefix"].(string)
			if strings.HasPrefix(resolved, prefix) && len(prefix) > longest {
				n, longest = ref, len(prefix)
			}
		}
	}
	if n == "" {
		fn, err := r.dyn.Resource(functions).Get(ctx, rev.GetLabels()["pkg.crossplane.io/package"], metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		n, _, _ = unstructured.NestedString(fn.Object, "spec", "runtimeConfigRef", "name")
	}
	if n == "" {
		return nil, nil
	}
	drc, err := r.dyn.Resource(runtimeConfigs).Get(ctx, n, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("runtime config %s: %w", n, err)
	}
	cs, _, _ := unstructured.NestedSlice(drc.Object, "spec", "deploymentTemplate", "spec", "template", "spec", "containers")
	for _, c := range cs {
		cm, _ := c.(map[string]any)
		if cm["name"] != runtimeContainer {
			continue
		}
		args, _, _ := unstructured.NestedStringSlice(cm, "args")
		return args, nil
	}
	return nil, nil
}

func (r *runtime) stop(n string) {
	p := r.procs[n]
	delete(r.procs, n)
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	log.Printf("FunctionRevision %s: function stopped", n)
}

func (r *runtime) stopAll() {
	for n := range r.procs {
		r.stop(n)
	}
	if p := r.provider; p != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		log.Printf("provider stopped")
	}
}

func conditionTrue(u *unstructured.Unstructured, t string) bool {
	st, _ := condition(u, t)
	return st == "True"
}

// condition returns the status and message of condition t of u.
func condition(u *unstructured.Unstructured, t string) (string, string) {
	cs, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range cs {
		m, _ := c.(map[string]any)
		if m["type"] == t {
			st, _ := m["status"].(string)
			msg, _ := m["message"].(string)
			return st, msg
		}
	}
	return "", ""
}

func setCondition(u *unstructured.Unstructured, t, status, reason, msg string) {
	cs, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	c := map[string]any{
		"type": t, "status": status, "reason": reason, "message": msg,
		"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
	}
	for i, x := range cs {
		m, _ := x.(map[string]any)
		if m["type"] != t {
			continue
		}
		if m["status"] == status {
			c["lastTransitionTime"] = m["lastTransitionTime"]
		}
		cs[i] = c
		_ = unstructured.SetNestedSlice(u.Object, cs, "status", "conditions")
		return
	}
	_ = unstructured.SetNestedSlice(u.Object, append(cs, c), "status", "conditions")
}
