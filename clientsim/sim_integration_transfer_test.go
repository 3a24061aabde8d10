package clientsim_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// abortWriter signals the first bytes of a download and then keeps
// accepting them, so that the server is still sending when ABOR arrives.
type abortWriter struct {
	first chan struct{}
	n     int64
}

func (w *abortWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		close(w.first)
	}
	w.n += int64(len(p))
	return len(p), nil
}

// lateClose is a data connection whose Close waits (at most 5 s) for
// release. Conn.Abort sends ABOR and then closes the data connection at
// once; a server that sees the connection go away before it reads ABOR
// ends the transfer by itself (426) and then has no transfer to abort
// (vsftpd and sim answer 225, RFC 959 4.1.3 case 1). Holding the close
// until the server has answered the transfer makes the test see case 2:
// 426 for the transfer, then 226 for ABOR.
type lateClose struct {
	net.Conn
	release <-chan struct{}
}

func (c *lateClose) Close() error {
	select {
	case <-c.release:
	case <-time.After(5 * time.Second):
	}
	return c.Conn.Close()
}

// lateCloseDialer dials the control connection plainly and every later
// (data) connection as a lateClose.
func lateCloseDialer(release <-chan struct{}) clientsim.DialFunc {
	var dials atomic.Int32
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil || dials.Add(1) == 1 {
			return conn, err
		}
		return &lateClose{Conn: conn, release: release}, nil
	}
}

// TestSimAbort aborts a download of a file far larger than the socket
// buffers: the server answers the transfer with 426 and ABOR with 226, the
// client reports ErrAborted in phase transfer, and the control connection
// carries on (a second, small transfer succeeds).
func TestSimAbort(t *testing.T) {
	checkLeaks(t)
	for _, v := range simVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			t.Parallel()
			answered := make(chan struct{})
			var once sync.Once
			gen := newGenFS(map[string]int64{"/huge.bin": 1 << 30, "/small.bin": 100 << 10})
			srv := startSim(t, func(s *sim.Server) {
				s.FS = gen
				s.OnTranscript = func(_ *sim.Session, e sim.TranscriptEntry) {
					if e.Kind == ftp.EntryReply && strings.HasPrefix(e.Text, "426 ") {
						once.Do(func() { close(answered) })
					}
				}
			})
			c := loginSim(t, srv, clientsim.WithTLSVersions(v, v), clientsim.WithDialer(lateCloseDialer(answered)))
			ctx := simCtx(t)
			w := &abortWriter{first: make(chan struct{})}
			done := make(chan error, 1)
			go func() {
				_, err := c.Retrieve(ctx, "huge.bin", w)
				done <- err
			}()
			<-w.first
			if err := c.Abort(ctx); err != nil {
				t.Fatalf("Abort: %v", err)
			}
			err := <-done
			if !errors.Is(err, clientsim.ErrAborted) || clientsim.PhaseOf(err) != clientsim.PhaseTransfer {
				t.Fatalf("Retrieve after Abort = %v, want ErrAborted in phase transfer", err)
			}
			if w.n >= 1<<30 {
				t.Fatalf("the whole file arrived (%d bytes): nothing was aborted", w.n)
			}
			sess := lastSession(t, srv)
			replies := sess.Transcript().Lines(ftp.EntryReply)
			tail := replies[len(replies)-2:]
			if !strings.HasPrefix(tail[0], "426 ") || !strings.HasPrefix(tail[1], "226 ") {
				t.Fatalf("server's last replies = %q, want 426 (transfer) then 226 (ABOR)", tail)
			}
			if d := sess.Data(); d[0].Reply != 426 || d[0].Bytes == 0 {
				t.Fatalf("server evidence of the aborted transfer: %+v", d[0])
			}
			must(t, "Noop after Abort", c.Noop(ctx))
			if n, err := c.Retrieve(ctx, "small.bin", &genVerifier{}); err != nil || n != 100<<10 {
				t.Fatalf("Retrieve after Abort = %d, %v", n, err)
			}
		})
	}
}

// TestSimZeroByte covers S09 with a server that checks: an empty upload
// still completes a TLS handshake and a close_notify on the data
// connection, and the file exists with size 0; an empty download ends
// cleanly with the server's close_notify.
func TestSimZeroByte(t *testing.T) {
	checkLeaks(t)
	for _, v := range simVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, func(s *sim.Server) { s.DataTLS = sim.TLSRequired })
			mem := srv.FS.(*sim.MemFS)
			mem.WriteFile("/empty-src", nil)
			c := loginSim(t, srv, clientsim.WithTLSVersions(v, v))
			ctx := simCtx(t)
			if n, err := c.Store(ctx, "empty", strings.NewReader("")); err != nil || n != 0 {
				t.Fatalf("Store of 0 bytes = %d, %v", n, err)
			}
			if got, err := mem.ReadFile("/empty"); err != nil || len(got) != 0 {
				t.Fatalf("server file = %d bytes, %v; want an existing empty file", len(got), err)
			}
			if n, err := c.Size(ctx, "empty"); err != nil || n != 0 {
				t.Fatalf("Size = %d, %v", n, err)
			}
			var buf bytes.Buffer
			if n, err := c.Retrieve(ctx, "empty-src", &buf); err != nil || n != 0 {
				t.Fatalf("Retrieve of 0 bytes = %d, %v", n, err)
			}
			d := lastSession(t, srv).Data()
			if len(d) != 2 {
				t.Fatalf("server data evidence = %+v", d)
			}
			up, down := d[0], d[1]
			if !up.Protected || up.TLS.Version != v || up.Bytes != 0 || !up.CloseNotify || up.Reply != 226 {
				t.Errorf("empty upload on the server: %+v", up)
			}
			if !down.Protected || down.TLS.Version != v || down.Bytes != 0 || down.Reply != 226 {
				t.Errorf("empty download on the server: %+v", down)
			}
			if ev := c.Evidence(); len(ev) != 3 || ev[1].Version != v || ev[2].Version != v {
				t.Errorf("client evidence = %+v, want a data handshake for each transfer", ev)
			}
		})
	}
}

// TestSimNoLeaks closes both ends after a session that used every kind of
// connection (transfers, an abort, an active-mode listener) and then checks
// that not one goroutine of either side is left.
func TestSimNoLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	gen := newGenFS(map[string]int64{"/huge.bin": 1 << 30, "/f": 1 << 20})
	srv := sim.NewUnstartedServer()
	srv.FS = gen
	srv.Start()
	ctx := simCtx(t)
	for _, opts := range [][]clientsim.Option{nil, {clientsim.WithActive(clientsim.EPRT)}} {
		c, err := clientsim.Dial(ctx, srv.Addr, append(opts, clientsim.WithRootCAs(srv.RootCAs()), clientsim.WithTimeouts(simTimeouts))...)
		if err != nil {
			t.Fatalf("Dial: %v", err)
		}
		must(t, "Login", c.Login(ctx, sim.DefaultUser, sim.DefaultPassword))
		if _, err := c.Retrieve(ctx, "f", io.Discard); err != nil {
			t.Fatalf("Retrieve: %v", err)
		}
		if _, err := c.Store(ctx, "up", strings.NewReader("x")); err != nil {
			t.Fatalf("Store: %v", err)
		}
		w := &abortWriter{first: make(chan struct{})}
		done := make(chan error, 1)
		go func() { _, err := c.Retrieve(ctx, "huge.bin", w); done <- err }()
		<-w.first
		c.Close() // mid-transfer: Close must interrupt and wait for it
		if err := <-done; err == nil {
			t.Fatal("Retrieve interrupted by Close succeeded")
		}
	}
	srv.Close()
	goleak.VerifyNone(t, ignore)
}
