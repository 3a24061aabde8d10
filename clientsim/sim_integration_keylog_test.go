package clientsim_test

import (
	"bytes"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
)

// lockedBuffer is a bytes.Buffer safe for the concurrent handshakes
// that write key log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// keyLogRandoms returns the client randoms of the key log lines in log
// (one per TLS connection whose secrets were logged), each with the
// labels logged for it.
func keyLogRandoms(log string) map[string][]string {
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 {
			out[f[1]] = append(out[f[1]], f[0])
		}
	}
	return out
}

// keyLogSession logs in, stores and retrieves a file with the given TLS
// version, and returns the number of successful handshakes the client
// recorded whose secrets crypto/tls logs: all of them in TLS 1.3; in TLS
// 1.2 the full ones only, as a resumed TLS 1.2 connection reuses the
// master secret logged for the handshake it resumes (Wireshark decrypts
// it with that one, by the session ticket it saw).
func keyLogSession(t *testing.T, ver uint16, srv *sim.Server, opts ...clientsim.Option) int {
	t.Helper()
	c := loginSim(t, srv, append(opts, clientsim.WithTLSVersions(ver, ver))...)
	ctx := simCtx(t)
	if _, err := c.Store(ctx, "f.bin", bytes.NewReader(randomBytes(100<<10, 1))); err != nil {
		t.Fatalf("Store: %v\n%s", err, c.Transcript())
	}
	var got bytes.Buffer
	if _, err := c.Retrieve(ctx, "f.bin", &got); err != nil {
		t.Fatalf("Retrieve: %v\n%s", err, c.Transcript())
	}
	handshakes := 0
	for _, e := range c.Evidence() {
		if e.Err == nil && (ver == tls.VersionTLS13 || !e.Resumed) {
			handshakes++
		}
	}
	c.Quit(ctx)
	return handshakes
}

// TestKeyLog checks that the client (WithKeyLog) and the server
// (KeyLogWriter) log the secrets of the control connection and of every
// data connection, and log the same ones.
func TestKeyLog(t *testing.T) {
	for _, ver := range simVersions {
		t.Run(tls.VersionName(ver), func(t *testing.T) {
			var srvLog, cliLog lockedBuffer
			srv := startSim(t, func(s *sim.Server) { s.KeyLogWriter = &srvLog })
			handshakes := keyLogSession(t, ver, srv, clientsim.WithKeyLog(&cliLog))
			cli, server := keyLogRandoms(cliLog.String()), keyLogRandoms(srvLog.String())
			if min := map[uint16]int{tls.VersionTLS12: 1, tls.VersionTLS13: 3}[ver]; handshakes < min {
				t.Fatalf("%d logged handshakes; want %d or more (control, and 2 data connections in TLS 1.3)", handshakes, min)
			}
			if len(cli) != handshakes {
				t.Errorf("client logged secrets of %d connections, made %d handshakes:\n%s", len(cli), handshakes, cliLog.String())
			}
			want := "CLIENT_RANDOM"
			if ver == tls.VersionTLS13 {
				want = "CLIENT_TRAFFIC_SECRET_0"
			}
			for r, labels := range cli {
				if !strings.Contains(strings.Join(labels, " "), want) {
					t.Errorf("connection %s: labels %v lack %s", r, labels, want)
				}
				if len(server[r]) == 0 {
					t.Errorf("connection %s: the server logged nothing for it", r)
				}
			}
		})
	}
}

// TestKeyLogEnv checks that SSLKEYLOGFILE is honoured by both ends when
// no writer is given.
func TestKeyLogEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.log")
	t.Setenv("SSLKEYLOGFILE", path)
	srv := startSim(t, nil)
	handshakes := keyLogSession(t, tls.VersionTLS13, srv)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("SSLKEYLOGFILE was not written: %v", err)
	}
	for r, labels := range keyLogRandoms(string(data)) {
		// client and server each log the four TLS 1.3 traffic secrets
		if len(labels) != 8 {
			t.Errorf("connection %s: %d lines, want 4 from each end: %v", r, len(labels), labels)
		}
	}
	if n := len(keyLogRandoms(string(data))); n != handshakes {
		t.Errorf("file has secrets of %d connections, the client made %d handshakes", n, handshakes)
	}
}
