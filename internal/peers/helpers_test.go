package peers

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testPKI is a self-signed server certificate: CN=localhost, SANs
// localhost, 127.0.0.1 and ::1. The certificate is its own CA.
type testPKI struct {
	CertFile, KeyFile string
}

var (
	pkiOnce sync.Once
	pkiDir  string
	pki     testPKI
	pkiErr  error
)

// TestMain removes the shared certificate directory.
func TestMain(m *testing.M) {
	code := m.Run()
	if pkiDir != "" {
		os.RemoveAll(pkiDir)
	}
	os.Exit(code)
}

// certs returns one RSA-2048 certificate shared by the package's tests
// (RSA because vsftpd and pure-ftpd are configured with RSA files).
func certs(t testing.TB) testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		pkiDir, pkiErr = os.MkdirTemp("", "peers-pki-")
		if pkiErr == nil {
			pki, pkiErr = writeSelfSigned(pkiDir, time.Now())
		}
	})
	if pkiErr != nil {
		t.Fatalf("test certificate: %v", pkiErr)
	}
	return pki
}

// writeSelfSigned writes server.crt and server.key (PKCS#8) into dir, valid
// from an hour before now for a day.
func writeSelfSigned(dir string, now time.Time) (testPKI, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return testPKI{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"ftpsim peers test"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return testPKI{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return testPKI{}, err
	}
	p := testPKI{CertFile: filepath.Join(dir, "server.crt"), KeyFile: filepath.Join(dir, "server.key")}
	if err := os.WriteFile(p.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return testPKI{}, err
	}
	if err := os.WriteFile(p.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return testPKI{}, err
	}
	return p, nil
}

// skipIfMissing skips the test when err is a *NotInstalledError.
func skipIfMissing(t testing.TB, err error) {
	t.Helper()
	var nie *NotInstalledError
	if errors.As(err, &nie) {
		t.Skip(nie.Error())
	}
}

// startServer starts a server, skips when it is not installed, and closes it
// (checking that no process is left) when the test ends.
func startServer(t *testing.T, start func(context.Context) (*Server, error)) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := start(ctx)
	skipIfMissing(t, err)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		before := s.proc.members()
		if err := s.Close(); err != nil {
			t.Errorf("close %s: %v", s.Name, err)
		}
		if left := running(before); len(left) > 0 {
			t.Errorf("close %s: processes left: %v", s.Name, left)
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", s.Name, s.Logs())
		}
	})
	return s
}

// running returns the pids of those processes that still run.
func running(procs []procStat) []int {
	var left []int
	for _, st := range procs {
		if stillRunning(st) {
			left = append(left, st.pid)
		}
	}
	return left
}

// randomFile writes n random bytes to dir/name and returns its path and
// SHA-256.
func randomFile(t testing.TB, dir, name string, n int) (string, [32]byte) {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, sha256.Sum256(b)
}

// fileSum returns the SHA-256 of a file.
func fileSum(t testing.TB, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return sha256.Sum256(b)
}
