// Command pki writes the certificates of the local e2e control plane (test/e2e/controlplane/up.sh)
// into a directory, once (a file "complete-v2" marks a finished run of this layout; it is reused
// while present), all signed by one throwaway CA made with internal/testpki:
//
//	ca.crt, ca.key                  the CA (trusted by every party below)
//	apiserver.crt/.key              kube-apiserver's serving certificate (localhost, 127.0.0.1, kubernetes.default…)
//	admin.crt/.key                  client, O=system:masters (kubectl, controller manager, Crossplane, tests)
//	registry.crt/.key               the local OCI registry's serving certificate (127.0.0.1, localhost)
//	webhook-dir/                    Crossplane's webhook server (tls.crt, tls.key, ca.crt; 127.0.0.1, localhost)
//	xp-client-dir/                  Crossplane's gRPC client certificate for calling functions
//	fn-server-dir/                  the functions' gRPC server certificate (127.0.0.1, localhost)
//	provider-server-dir/            the providers' webhook server certificate (*.crossplane-system.svc:
//	                                the name the API server verifies for every provider Service)
//	sa.key, sa.pub                  the service-account token signing key pair
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spec3/lambdastack/internal/testpki"
)

// marker marks a finished run; its name changes with the layout, so an older PKI is made anew.
const marker = "complete-v2"

func main() {
	dir := flag.String("dir", "", "output directory")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "pki: --dir is required")
		os.Exit(2)
	}
	if err := write(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "pki:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ca, err := testpki.NewCA("lambdastack-e2e-ca", 10*365*24*time.Hour)
	if err != nil {
		return err
	}
	if err := testpki.WriteCA(filepath.Join(dir, "ca"), ca); err != nil {
		return err
	}
	loopback := []string{"localhost", "127.0.0.1"}
	pairs := []struct {
		file  string // <file>.crt/.key, or a certificates directory when it ends in -dir
		cn    string
		orgs  []string
		usage testpki.Usage
		hosts []string
	}{
		{"apiserver", "kube-apiserver", nil, testpki.Server,
			append([]string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "10.0.0.1"}, loopback...)},
		{"admin", "admin", []string{"system:masters"}, testpki.Client, nil},
		{"registry", "lambdastack-e2e-registry", nil, testpki.Server, loopback},
		{"webhook-dir", "crossplane-webhook", nil, testpki.Server, loopback},
		{"xp-client-dir", "crossplane", nil, testpki.Client, nil},
		{"fn-server-dir", "function", nil, testpki.Server, loopback},
		{"provider-server-dir", "provider-webhooks", nil, testpki.Server, append([]string{"*.crossplane-system.svc"}, loopback...)},
	}
	for _, p := range pairs {
		pair, err := ca.Issue(p.cn, p.orgs, p.usage, p.hosts...)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, p.file)
		if strings.HasSuffix(p.file, "-dir") {
			err = testpki.WriteCertsDir(path, ca, pair)
		} else {
			err = testpki.WritePair(path, pair)
		}
		if err != nil {
			return err
		}
	}
	if err := serviceAccountKeys(dir); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, marker), nil, 0o600)
}

// serviceAccountKeys writes the key pair kube-apiserver signs service-account tokens with.
func serviceAccountKeys(dir string) error {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	priv, err := testpki.KeyPEM(k)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.key"), priv, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
}
