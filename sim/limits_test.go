package sim

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestMaxConnections: the connection over the limit gets 421 and is
// closed; a slot frees up when a session ends.
func TestMaxConnections(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.MaxConnections = 2 })
	a := dialCtl(t, srv)
	b := dialCtl(t, srv)
	extra := dialRaw(t, srv, srv.Addr)
	rep := extra.expect(421)
	if !strings.Contains(rep.Message(), "Too many") {
		t.Fatalf("421 text: %q", rep.Message())
	}
	extra.expectClosed()
	a.must("NOOP", 200)
	b.must("NOOP", 200)

	a.must("QUIT", 221)
	a.expectClosed()
	waitDone(t, a.session())
	c := dialCtl(t, srv) // the slot is free again
	c.must("NOOP", 200)
}

// TestMaxConnectionsPerIP counts per client address.
func TestMaxConnectionsPerIP(t *testing.T) {
	t.Parallel()
	needAltLoopback(t)
	srv := startSim(t, func(s *Server) { s.MaxConnectionsPerIP = 1 })
	dialCtl(t, srv)
	extra := dialRaw(t, srv, srv.Addr)
	extra.expect(421)
	other := dialRawFrom(t, srv, srv.Addr, &net.TCPAddr{IP: altLoopback.AsSlice()})
	other.expect(220)
}

// TestAddressFilters: AllowIPs and DenyIPs refuse with 421.
func TestAddressFilters(t *testing.T) {
	t.Parallel()
	needAltLoopback(t)
	p := netip.MustParsePrefix
	from2 := &net.TCPAddr{IP: altLoopback.AsSlice()}
	for _, tc := range []struct {
		name        string
		allow, deny []netip.Prefix
		ok1, ok2    bool // 127.0.0.1 and 127.0.0.2 admitted
	}{
		{"no filters", nil, nil, true, true},
		{"allow other net", []netip.Prefix{p("10.0.0.0/8")}, nil, false, false},
		{"allow one", []netip.Prefix{p("127.0.0.1/32")}, nil, true, false},
		{"deny loopback", nil, []netip.Prefix{p("127.0.0.0/8")}, false, false},
		{"deny one", nil, []netip.Prefix{p("127.0.0.2/32")}, true, false},
		{"deny wins over allow", []netip.Prefix{p("127.0.0.0/8")}, []netip.Prefix{p("127.0.0.1/32")}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, func(s *Server) { s.AllowIPs, s.DenyIPs = tc.allow, tc.deny })
			for _, d := range []struct {
				local net.Addr
				ok    bool
			}{{nil, tc.ok1}, {from2, tc.ok2}} {
				c := dialRawFrom(t, srv, srv.Addr, d.local)
				if d.ok {
					c.expect(220)
					c.must("NOOP", 200)
					continue
				}
				rep := c.expect(421)
				if !strings.Contains(rep.Message(), "address") {
					t.Fatalf("421 text: %q", rep.Message())
				}
				c.expectClosed()
				sess := c.session()
				waitDone(t, sess)
				if !transcriptHas(sess, "refused") {
					t.Fatalf("transcript:\n%s", sess.Transcript())
				}
			}
		})
	}
}

// TestIdleTimeout: an idle control connection gets 421 and is closed; a
// long transfer does not count as idle.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	const idle = 200 * time.Millisecond
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		srv := startSim(t, func(s *Server) { s.IdleTimeout = idle })
		c := dialCtl(t, srv)
		c.login()
		start := time.Now()
		c.expect(421)
		c.expectClosed()
		if d := time.Since(start); d < idle*3/4 || d > idle+2*time.Second {
			t.Fatalf("421 after %s, want about %s", d, idle)
		}
	})
	t.Run("activity resets it", func(t *testing.T) {
		t.Parallel()
		srv := startSim(t, func(s *Server) { s.IdleTimeout = idle })
		c := dialCtl(t, srv)
		for i := 0; i < 8; i++ { // twice the idle time in all
			time.Sleep(idle / 4)
			c.must("NOOP", 200)
		}
	})
	t.Run("during a transfer", func(t *testing.T) {
		t.Parallel()
		srv := startSim(t, func(s *Server) { s.IdleTimeout = idle })
		memFS(t, srv).WriteFile("/f", []byte("x"))
		c := dialCtl(t, srv)
		c.login()
		dc := c.epsvConn()
		c.must("STOR /slow", 150)
		for i := 0; i < 4; i++ { // 3 idle periods of silence on control
			time.Sleep(idle * 3 / 4)
			dc.Write([]byte("chunk"))
		}
		dc.(*net.TCPConn).CloseWrite()
		c.expect(226)
		c.must("NOOP", 200)
	})
	t.Run("command split across a transfer", func(t *testing.T) {
		t.Parallel()
		srv := startSim(t, func(s *Server) { s.IdleTimeout = idle })
		c := dialCtl(t, srv)
		c.login()
		dc := c.epsvConn()
		c.must("STOR /slow", 150)
		c.write("NO") // the rest comes after more than an idle period
		time.Sleep(idle * 3 / 2)
		c.write("OP\r\n")
		c.expect(200)
		dc.(*net.TCPConn).CloseWrite()
		c.expect(226)
		// Idle time counts from the end of the transfer.
		start := time.Now()
		c.expect(421)
		if d := time.Since(start); d < idle*3/4 {
			t.Fatalf("421 %s after the transfer, want about %s", d, idle)
		}
	})
}

// TestAnonymous: anonymous and ftp log in with any password, read-only.
func TestAnonymous(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.Anonymous = true })
	m := memFS(t, srv)
	m.WriteFile("/pub/readme", []byte("hi"))
	c := dialCtl(t, srv)
	c.loginAs("anonymous", "guest@")
	if c.session().User() != "anonymous" {
		t.Fatalf("User() = %q", c.session().User())
	}
	mustSame(t, "RETR", c.get("RETR /pub/readme", nil), []byte("hi"))
	if got := string(c.get("NLST /pub", nil)); got != "readme\r\n" {
		t.Fatalf("NLST: %q", got)
	}
	c.must("EPSV", 229)
	c.must("STOR /pub/x", 550)
	c.must("MKD /x", 550)
	c.must("DELE /pub/readme", 550)
	// The default account is still read-write.
	d := dialCtl(t, srv)
	d.login()
	d.put("STOR /pub/x", []byte("rw"), nil)
}
