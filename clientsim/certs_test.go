package clientsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"time"
)

// testCert is a self-signed server certificate made at run time: valid from
// an hour ago for a day, for localhost, 127.0.0.1 and ::1.
type testCert struct {
	tls  tls.Certificate
	leaf *x509.Certificate
	pool *x509.CertPool // holds only this certificate
	sum  [32]byte       // SHA-256 of the leaf's DER
}

var (
	certOnce   sync.Once
	sharedCert *testCert
	otherOnce  sync.Once
	otherCert  *testCert
)

// serverCert returns the process-wide test certificate.
func serverCert(t fataler) *testCert {
	certOnce.Do(func() { sharedCert = makeCert(t, "ftpsim test server") })
	return sharedCert
}

// foreignCert returns a second, unrelated self-signed certificate.
func foreignCert(t fataler) *testCert {
	otherOnce.Do(func() { otherCert = makeCert(t, "someone else") })
	return otherCert
}

func makeCert(t fataler, cn string) *testCert {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &testCert{
		tls:  tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		leaf: leaf,
		pool: pool,
		sum:  sha256.Sum256(der),
	}
}
