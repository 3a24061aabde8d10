package clientsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain fails the run if, after all tests, a goroutine is still inside
// the package's non-test code (a leak of the client) or the fake server.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := waitNoLeaks(3 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "leaked goroutines:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// waitNoLeaks waits until no goroutine runs clientsim code other than the
// caller's, and returns the offending stacks if that does not happen.
func waitNoLeaks(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		leaked := clientGoroutines()
		if leaked == "" || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func clientGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "clientsim.waitNoLeaks") || strings.Contains(g, "clientsim.clientGoroutines") {
			continue
		}
		if strings.Contains(g, "ftpsim/clientsim.") && !strings.Contains(g, "testing.tRunner") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

// fataler is the part of testing.TB the fixtures use, so that examples
// (which have no *testing.T) can use them too.
type fataler interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// exampleT is a fataler for examples: it panics on Fatal and runs the
// cleanups when done is called.
type exampleT struct{ cleanups []func() }

func (e *exampleT) Helper()                      {}
func (e *exampleT) Fatal(args ...any)            { panic(fmt.Sprint(args...)) }
func (e *exampleT) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }
func (e *exampleT) Cleanup(f func())             { e.cleanups = append(e.cleanups, f) }

func (e *exampleT) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

// testTimeouts keeps failing steps short.
var testTimeouts = Timeouts{Connect: 3 * time.Second, Reply: 3 * time.Second, Data: 3 * time.Second,
	TLSHandshake: 3 * time.Second, CloseNotify: time.Second}

func testCtx(t fataler) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dialFake dials s with the test certificate trusted and short timeouts;
// opts come after the defaults and may override them.
func dialFake(t fataler, s *fakeServer, opts ...Option) (*Conn, error) {
	base := []Option{WithRootCAs(s.cert.pool), WithTimeouts(testTimeouts)}
	c, err := Dial(testCtx(t), s.addr, append(base, opts...)...)
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// loginFake dials and logs in, failing the test on error.
func loginFake(t fataler, s *fakeServer, opts ...Option) *Conn {
	t.Helper()
	c, err := dialFake(t, s, opts...)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if err := c.Login(testCtx(t), "ftpsim", "ftpsim"); err != nil {
		t.Fatalf("Login: %v\n%s", err, c.Transcript())
	}
	return c
}

// recDialer records every address the client dials and refuses (without
// dialing) anything that is not a loopback address of this host.
type recDialer struct {
	mu    sync.Mutex
	addrs []string
}

var errRefusedByTest = errors.New("refused by the test dialer")

func (d *recDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host != "127.0.0.1" && host != "::1" {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errRefusedByTest}
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func (d *recDialer) dialed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// hasCommand reports whether a received command line starts with prefix.
func hasCommand(cmds []string, prefix string) bool {
	for _, c := range cmds {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}
