// Package testpki is the one test PKI of the project: a throwaway CA and the certificates it
// signs, for tests that need TLS (the function's mTLS test, the gRPC load test) and for the
// local e2e control plane (test/e2e/controlplane/cmd/pki writes its certificates: API server, clients,
// function, registry). ECDSA P-256 keys, PEM files in the layouts Kubernetes and
// function-sdk-go read. Never used for anything but tests.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Usage says what a leaf certificate is for.
type Usage int

const (
	// Server certificates authenticate a TLS server.
	Server Usage = 1 << iota
	// Client certificates authenticate a TLS client.
	Client
)

// CA signs leaf certificates.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// Pair is a certificate and its private key.
type Pair struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// NewCA makes a self-signed CA valid for the given time (from a minute ago).
func NewCA(cn string, validFor time.Duration) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(validFor),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	cert, err := sign(tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

// Issue signs a leaf certificate valid as long as the CA. orgs become the subject's
// organizations (Kubernetes reads them as groups); hosts become DNS or IP SANs.
func (ca *CA) Issue(cn string, orgs []string, usage Usage, hosts ...string) (Pair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     ca.Cert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if usage&Server != 0 {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	if usage&Client != 0 {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	cert, err := sign(tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return Pair{}, err
	}
	return Pair{Cert: cert, Key: key}, nil
}

// Pool is a certificate pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// TLS is the pair as a tls.Certificate.
func (p Pair) TLS() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{p.Cert.Raw}, PrivateKey: p.Key, Leaf: p.Cert}
}

// CertPEM is the certificate in PEM.
func (p Pair) CertPEM() []byte { return CertPEM(p.Cert) }

// KeyPEM is the private key in PEM (PKCS #8).
func (p Pair) KeyPEM() ([]byte, error) { return KeyPEM(p.Key) }

// CertPEM encodes a certificate in PEM.
func CertPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// KeyPEM encodes a private key in PEM (PKCS #8).
func KeyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// WritePair writes <base>.crt and <base>.key.
func WritePair(base string, p Pair) error {
	k, err := p.KeyPEM()
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".crt", p.CertPEM(), 0o600); err != nil {
		return err
	}
	return os.WriteFile(base+".key", k, 0o600)
}

// WriteCertsDir writes the layout function-sdk-go and Crossplane read from a certificates
// directory: ca.crt, tls.crt, tls.key.
func WriteCertsDir(dir string, ca *CA, p Pair) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), CertPEM(ca.Cert), 0o600); err != nil {
		return err
	}
	return WritePair(filepath.Join(dir, "tls"), p)
}

// WriteCA writes <base>.crt and <base>.key of the CA.
func WriteCA(base string, ca *CA) error {
	return WritePair(base, Pair(*ca))
}

// LoadCA reads a CA written by WriteCA.
func LoadCA(base string) (*CA, error) {
	p, err := tls.LoadX509KeyPair(base+".crt", base+".key")
	if err != nil {
		return nil, err
	}
	key, ok := p.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s.key: not an ECDSA key", base)
	}
	cert, err := x509.ParseCertificate(p.Certificate[0])
	if err != nil {
		return nil, err
	}
	if !cert.IsCA {
		return nil, errors.New(base + ".crt is not a CA certificate")
	}
	return &CA{Cert: cert, Key: key}, nil
}

func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, key *ecdsa.PrivateKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}
