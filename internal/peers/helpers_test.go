package peers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/pki"
)

// testPKI is a server certificate from the project's certificate factory
// (localhost, 127.0.0.1, ::1) and the CA that clients trust.
type testPKI struct {
	CertFile, KeyFile, CAFile string
}

var (
	pkiOnce sync.Once
	pkiDir  string
	shared  testPKI
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

// certs returns one certificate shared by the package's tests.
func certs(t testing.TB) testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		pkiDir, pkiErr = os.MkdirTemp("", "peers-pki-")
		if pkiErr == nil {
			shared, pkiErr = writeCertificates(pkiDir)
		}
	})
	if pkiErr != nil {
		t.Fatalf("test certificate: %v", pkiErr)
	}
	return shared
}

// writeCertificates writes server.crt, server.key and ca.crt into dir.
func writeCertificates(dir string) (testPKI, error) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		return testPKI{}, err
	}
	if err := set.Get(pki.Good).WriteFiles(dir, "server"); err != nil {
		return testPKI{}, err
	}
	p := testPKI{CertFile: filepath.Join(dir, "server.crt"), KeyFile: filepath.Join(dir, "server.key"), CAFile: filepath.Join(dir, "ca.crt")}
	return p, set.CA.WriteCertFile(p.CAFile)
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
