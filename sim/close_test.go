package sim

import (
	"crypto/tls"
	"net"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// The tests in this file count goroutines, so they must not run in
// parallel with anything: none of them calls t.Parallel, and Go runs every
// sequential test before it releases the parallel ones.

// checkNoLeak records the goroutine count now and, at the end of the test,
// fails if it has not come back down.
func checkNoLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		if n, stacks := settleGoroutines(before, 5*time.Second); stacks != "" {
			t.Errorf("%d goroutines left, %d before the test:\n%s", n, before, stacks)
		}
	})
}

// TestCloseNoLeak: Close returns promptly while sessions are in every
// blocking state, and leaves no goroutine behind.
func TestCloseNoLeak(t *testing.T) {
	checkNoLeak(t)
	srv := NewUnstartedServer()
	srv.PKI = sharedPKI(t)
	srv.Implicit = true
	srv.FS = endlessFS()
	srv.Start()
	defer srv.Close()
	srv.FS.(*hookFS).WriteFile("/f", []byte("x"))
	cache := tls.NewLRUClientSessionCache(8)
	cfg := clientTLS(srv, 0, cache)

	// Idle, before and after login.
	dialCtl(t, srv)
	dialCtl(t, srv).login()
	// Connected, greeting never read.
	dialRaw(t, srv, srv.Addr)
	// Implicit connection that never starts TLS.
	dialRaw(t, srv, srv.ImplicitAddr)
	// AUTH TLS answered, handshake never started.
	dialCtl(t, srv).must("AUTH TLS", 234)
	// Mid-download: the client stops reading.
	{
		c := dialCtl(t, srv)
		c.login()
		c.epsvConn() // connected, never read
		c.must("RETR /endless", 150)
		waitFor(t, "bytes", func() bool { n, _ := c.session().transferBytes(); return n > 1<<20 })
	}
	// Mid-upload: the client stops writing.
	{
		c := dialCtl(t, srv)
		c.login()
		dc := c.epsvConn()
		c.must("STOR /up", 150)
		dc.Write([]byte("some"))
	}
	// Stuck in the passive accept: RETR, no data connection (DataTimeout
	// is the default 30 s, far longer than the test).
	{
		c := dialCtl(t, srv)
		c.login()
		c.must("PASV", 227)
		c.send("RETR /f")
		waitFor(t, "transfer", func() bool { _, ok := c.session().transferBytes(); return ok })
	}
	// Stuck in the data TLS handshake: connected, never says hello.
	{
		c := dialCtl(t, srv)
		c.secure(cfg)
		c.epsvConn() // connected, never handshaken
		c.must("RETR /f", 150)
	}
	// Active mode, the server dialing a listener that never accepts.
	{
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		c := dialCtl(t, srv)
		c.login()
		c.must("EPRT |1|127.0.0.1|"+strconv.Itoa(int(addrOf(ln.Addr()).Port()))+"|", 200)
		c.must("RETR /endless", 150)
	}
	// Implicit session logged in, with a passive listener open.
	{
		c := dialImplicit(t, srv, cfg)
		c.login()
		c.must("EPSV", 229)
	}

	sessions := srv.Sessions()
	d := within(t, 3*time.Second, "Close", srv.Close)
	t.Logf("Close took %s with %d sessions", d, len(sessions))
	for _, s := range sessions {
		select {
		case <-s.Done():
		default:
			t.Errorf("session %s not done after Close", s.ID)
		}
	}
	// New connections are refused.
	if c, err := net.DialTimeout("tcp", srv.Addr, time.Second); err == nil {
		c.Close()
		t.Error("listener still accepts after Close")
	}
}

// TestCloseIdleServer: a server that never had a client leaks nothing, and
// Close may be called twice.
func TestCloseIdleServer(t *testing.T) {
	checkNoLeak(t)
	srv := NewUnstartedServer()
	srv.PKI = sharedPKI(t)
	srv.Implicit = true
	srv.Start()
	srv.Close()
	srv.Close()
}

// TestCloseAfterSessions: sessions that ended on their own (QUIT, idle
// timeout, refusal) leave nothing behind either.
func TestCloseAfterSessions(t *testing.T) {
	checkNoLeak(t)
	srv := NewUnstartedServer()
	srv.PKI = sharedPKI(t)
	srv.IdleTimeout = 300 * time.Millisecond
	srv.MaxConnections = 2
	srv.Start()
	defer srv.Close()
	memFS(t, srv).WriteFile("/f", []byte("x"))
	a := dialCtl(t, srv)
	a.login()
	a.get("RETR /f", nil)
	a.must("QUIT", 221)
	b := dialCtl(t, srv)
	b.expect(421) // idle
	waitDone(t, a.session())
	waitDone(t, b.session())
	c := dialCtl(t, srv)
	d := dialCtl(t, srv)
	dialRaw(t, srv, srv.Addr).expect(421) // over the limit
	c.must("QUIT", 221)
	d.must("QUIT", 221)
	for _, s := range srv.Sessions() {
		waitDone(t, s)
	}
	srv.Close()
}

// TestCloseClientConnections drops every client but keeps serving.
func TestCloseClientConnections(t *testing.T) {
	checkNoLeak(t)
	srv := NewUnstartedServer()
	srv.PKI = sharedPKI(t)
	srv.FS = endlessFS()
	srv.Start()
	defer srv.Close()
	a := dialCtl(t, srv)
	a.login()
	ap := a.epsv()
	dc, err := net.Dial("tcp", ap.String())
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	a.must("RETR /endless", 150)
	b := dialCtl(t, srv)
	within(t, 3*time.Second, "CloseClientConnections", srv.CloseClientConnections)
	waitDone(t, a.session())
	waitDone(t, b.session())
	c := dialCtl(t, srv)
	c.must("NOOP", 200)
	srv.Close()
}
