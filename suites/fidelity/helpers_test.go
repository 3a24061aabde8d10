package fidelity

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// certs is one RSA server certificate for localhost and 127.0.0.1, shared
// by the real servers (as files) and the sim personas (in memory), so both
// sides present the same certificate.
type certs struct {
	CertFile, KeyFile string
	CAFile            string // the CA, for real clients
	TLS               tls.Certificate
	Pool              *x509.CertPool
}

var (
	certsOnce sync.Once
	certsDir  string
	shared    certs
	certsErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if certsDir != "" {
		os.RemoveAll(certsDir)
	}
	os.Exit(code)
}

func sharedCerts(t testing.TB) certs {
	t.Helper()
	certsOnce.Do(func() {
		certsDir, certsErr = os.MkdirTemp("", "fidelity-pki-")
		if certsErr != nil {
			return
		}
		ca, err := pki.NewAuthority(pki.CAOptions{KeyType: pki.RSA2048})
		if err != nil {
			certsErr = err
			return
		}
		leaf, err := ca.Server(pki.LeafOptions{KeyType: pki.RSA2048, DNSNames: []string{"localhost"},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}})
		if err != nil {
			certsErr = err
			return
		}
		if certsErr = leaf.WriteFiles(certsDir, "server"); certsErr != nil {
			return
		}
		if certsErr = ca.WriteCertFile(filepath.Join(certsDir, "ca.crt")); certsErr != nil {
			return
		}
		shared = certs{
			CertFile: filepath.Join(certsDir, "server.crt"),
			KeyFile:  filepath.Join(certsDir, "server.key"),
			CAFile:   filepath.Join(certsDir, "ca.crt"),
			TLS:      leaf.TLSCertificate(),
			Pool:     ca.Pool(),
		}
	})
	if certsErr != nil {
		t.Fatalf("certificates: %v", certsErr)
	}
	return shared
}

// startReal starts a real server and stops it when the test ends. It skips
// the test, with the NotInstalledError message, when the program is missing.
func startReal(t *testing.T, start func(peers.Config) func(context.Context) (*peers.Server, error)) *peers.Server {
	t.Helper()
	c := sharedCerts(t)
	cfg := peers.Config{Dir: t.TempDir(), CertFile: c.CertFile, KeyFile: c.KeyFile}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := start(cfg)(ctx)
	var nie *peers.NotInstalledError
	if errors.As(err, &nie) {
		t.Skip(nie.Error())
	}
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close %s: %v", s.Name, err)
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", s.Name, s.Logs())
		}
	})
	return s
}
