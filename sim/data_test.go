package sim

import (
	"crypto/tls"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// altLoopback is a second loopback address: Linux routes all of 127/8 to
// lo, so a dialer bound to it looks like another host to the server.
var altLoopback = netip.MustParseAddr("127.0.0.2")

func needAltLoopback(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(altLoopback, 0).String())
	if err != nil {
		t.Skipf("no %s on this host: %v", altLoopback, err)
	}
	ln.Close()
}

// TestForeignPassiveData: a passive data connection from an address other
// than the control peer is refused with 425 unless AllowForeignData.
func TestForeignPassiveData(t *testing.T) {
	t.Parallel()
	needAltLoopback(t)
	from := &net.TCPAddr{IP: altLoopback.AsSlice()}
	for _, tc := range []struct {
		name  string
		allow bool
		tls   bool
		code  int
	}{
		{"refused", false, false, 425},
		{"refused under TLS", false, true, 425},
		{"allowed", true, false, 226},
		{"allowed under TLS", true, true, 226},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, func(s *Server) { s.AllowForeignData = tc.allow })
			memFS(t, srv).WriteFile("/f", []byte("data"))
			c := dialCtl(t, srv)
			var cfg *tls.Config
			if tc.tls {
				cache := tls.NewLRUClientSessionCache(4)
				cfg = clientTLS(srv, 0, cache)
				c.secure(clientTLS(srv, 0, cache))
			} else {
				c.login()
			}
			res := c.transfer(xfer{cmd: "RETR /f", tls: cfg, local: from})
			if res.final.Code != tc.code {
				t.Fatalf("got %q then %q, want %d", res.prelim.String(), res.final.String(), tc.code)
			}
			d := c.session().Data()[0]
			if tc.allow {
				mustSame(t, "foreign RETR", res.data, []byte("data"))
				if d.Peer.Addr() != altLoopback {
					t.Fatalf("evidence peer %s, want %s", d.Peer, altLoopback)
				}
			} else if res.prelim.Code != 0 || len(d.Notes) == 0 || !transcriptHas(c.session(), "foreign address", ftp.EntryData) {
				// Refused before 150, so no TLS handshake either.
				t.Fatalf("prelim %q, evidence %+v\n%s", res.prelim.String(), d, c.session().Transcript())
			}
			mustSame(t, "RETR from the control peer", c.get("RETR /f", cfg), []byte("data"))
		})
	}
}

// activeTransfer runs a transfer in active mode: the client listens, sends
// PORT or EPRT, and the server dials.
func activeTransfer(t *testing.T, c *rawClient, verb, cmd string, upload []byte, cfg *tls.Config) (ftp.Reply, []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ap := addrOf(ln.Addr())
	arg := ftp.FormatEPRT(ap)
	if verb == "PORT" {
		arg, _ = ftp.FormatPORT(ap)
	}
	c.must(verb+" "+arg, 200)
	c.must(cmd, 150)
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(ioTimeout))
	dc, err := ln.Accept()
	if err != nil {
		t.Fatalf("accept active data connection: %v", err)
	}
	defer dc.Close()
	dc.SetDeadline(time.Now().Add(ioTimeout))
	conn := dc
	var tc *tls.Conn
	if cfg != nil {
		tc = tls.Client(dc, cfg) // RFC 4217: the FTP client is the TLS client
		if err := tc.Handshake(); err != nil {
			t.Fatalf("data handshake: %v", err)
		}
		conn = tc
	}
	var got []byte
	if upload != nil {
		conn.Write(upload)
		cleanFinish(tc, dc)
	} else {
		got, _ = io.ReadAll(conn)
	}
	return c.read(), got
}

// TestActiveMode: PORT and EPRT transfers, cleartext and protected.
func TestActiveMode(t *testing.T) {
	t.Parallel()
	for _, verb := range []string{"PORT", "EPRT"} {
		for _, prot := range []string{"clear", "TLS"} {
			t.Run(verb+"/"+prot, func(t *testing.T) {
				t.Parallel()
				srv := startSim(t, nil)
				m := memFS(t, srv)
				m.WriteFile("/f", []byte("active"))
				c := dialCtl(t, srv)
				var cfg *tls.Config
				if prot == "TLS" {
					cache := tls.NewLRUClientSessionCache(4)
					cfg = clientTLS(srv, 0, cache)
					c.secure(clientTLS(srv, 0, cache))
				} else {
					c.login()
				}
				rep, got := activeTransfer(t, c, verb, "RETR /f", nil, cfg)
				if rep.Code != 226 || string(got) != "active" {
					t.Fatalf("RETR: %q, %q", rep.String(), got)
				}
				rep, _ = activeTransfer(t, c, verb, "STOR /g", []byte("up"), cfg)
				if b, _ := m.ReadFile("/g"); rep.Code != 226 || string(b) != "up" {
					t.Fatalf("STOR: %q, %q", rep.String(), b)
				}
				for _, d := range c.session().Data() {
					if d.Passive || d.Peer.Addr() != netip.MustParseAddr("127.0.0.1") {
						t.Fatalf("evidence %+v", d)
					}
				}
				// PASV after PORT switches back to passive.
				mustSame(t, "passive after active", c.get("RETR /f", cfg), []byte("active"))
			})
		}
	}
}

// TestActiveDialFails: nobody listens on the PORT address: 425.
func TestActiveDialFails(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	memFS(t, srv).WriteFile("/f", []byte("x"))
	c := dialCtl(t, srv)
	c.login()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ap := addrOf(ln.Addr())
	ln.Close()
	arg, _ := ftp.FormatPORT(ap)
	c.must("PORT "+arg, 200)
	c.must("RETR /f", 425)
	c.must("NOOP", 200)
}

// TestBounce: PORT/EPRT to a foreign address or a privileged port is
// refused with 500; AllowBounce accepts it and the server dials there.
func TestBounce(t *testing.T) {
	t.Parallel()
	needAltLoopback(t)
	for _, allow := range []bool{false, true} {
		name := "refused"
		if allow {
			name = "allowed"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, func(s *Server) { s.AllowBounce = allow })
			memFS(t, srv).WriteFile("/f", []byte("fxp"))
			c := dialCtl(t, srv)
			c.login()
			ln, err := net.Listen("tcp", netip.AddrPortFrom(altLoopback, 0).String())
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			ap := addrOf(ln.Addr())
			port, _ := ftp.FormatPORT(ap)
			code := 500
			if allow {
				code = 200
			}
			c.must("PORT "+port, code)
			c.must("EPRT "+ftp.FormatEPRT(ap), code)
			c.must("PORT 127,0,0,1,0,80", code)
			c.must("EPRT |1|127.0.0.1|1023|", code)
			if !allow {
				c.must("RETR /f", 425) // nothing was set up
				return
			}
			c.must("EPRT "+ftp.FormatEPRT(ap), 200)
			c.must("RETR /f", 150)
			dc, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(dc)
			dc.Close()
			c.expect(226)
			mustSame(t, "bounced RETR", got, []byte("fxp"))
		})
	}
}

// freePorts finds n consecutive free TCP ports on 127.0.0.1.
func freePorts(t *testing.T, n int) PortRange {
	t.Helper()
	for try := 0; try < 50; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		low := addrOf(ln.Addr()).Port()
		ln.Close()
		if int(low)+n > 65535 {
			continue
		}
		ok := true
		for p := int(low); p < int(low)+n && ok; p++ {
			l, err := net.Listen("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p)).String())
			ok = err == nil
			if ok {
				l.Close()
			}
		}
		if ok {
			return PortRange{Low: low, High: low + uint16(n) - 1}
		}
	}
	t.Skip("no run of free ports")
	return PortRange{}
}

// TestPassivePorts: passive listeners stay inside PassivePorts; a full
// range answers 425.
func TestPassivePorts(t *testing.T) {
	t.Parallel()
	r := freePorts(t, 4)
	srv := startSim(t, func(s *Server) { s.PassivePorts = r })
	memFS(t, srv).WriteFile("/f", []byte("x"))
	c := dialCtl(t, srv)
	c.login()
	seen := map[uint16]bool{}
	for i := 0; i < 12; i++ {
		var ap netip.AddrPort
		if i%2 == 0 {
			ap = c.epsv()
		} else {
			ap = c.pasv()
		}
		if ap.Port() < r.Low || ap.Port() > r.High {
			t.Fatalf("passive port %d outside %s", ap.Port(), r)
		}
		seen[ap.Port()] = true
		// The listener is really there, on that port.
		res := c.transfer(xfer{cmd: "RETR /f", dial: ap})
		if res.final.Code != 226 {
			t.Fatalf("RETR via %s: %q", ap, res.final.String())
		}
	}
	t.Logf("ports used: %v", seen)

	// Occupy the whole range: PASV and EPSV fail with 425.
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for p := int(r.Low); p <= int(r.High); p++ {
		l, err := net.Listen("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p)).String())
		if err != nil {
			t.Skipf("port %d taken by someone else: %v", p, err)
		}
		held = append(held, l)
	}
	c.must("PASV", 425)
	c.must("EPSV", 425)
	c.must("NOOP", 200)
}

// TestPassiveAddr: PASV advertises PassiveAddr (a NAT's public address);
// EPSV carries no address. The advertised address is virtual: never dial it.
func TestPassiveAddr(t *testing.T) {
	t.Parallel()
	public := netip.MustParseAddr("203.0.113.7")
	srv := startSim(t, func(s *Server) { s.PassiveAddr = public })
	memFS(t, srv).WriteFile("/f", []byte("nat"))
	c := dialCtl(t, srv)
	c.login()
	ap := c.pasv()
	if ap.Addr() != public {
		t.Fatalf("227 advertises %s, want %s", ap.Addr(), public)
	}
	// The listener is on the real address with the advertised port.
	real := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ap.Port())
	res := c.transfer(xfer{cmd: "RETR /f", dial: real})
	if res.final.Code != 226 || string(res.data) != "nat" {
		t.Fatalf("RETR via the real address: %q %q", res.final.String(), res.data)
	}
	rep := c.must("EPSV", 229)
	if strings.Contains(rep.Message(), "203") {
		t.Fatalf("229 leaks an address: %q", rep.Message())
	}
}

// TestDataTimeout: PASV, then a transfer command with no data connection,
// answers 425 within DataTimeout (plus slack).
func TestDataTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	for _, tc := range []struct {
		name, setup, cmd string
	}{
		{"PASV RETR", "PASV", "RETR /f"},
		{"EPSV LIST", "EPSV", "LIST"},
		{"EPSV STOR", "EPSV", "STOR /g"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, func(s *Server) { s.DataTimeout = timeout })
			memFS(t, srv).WriteFile("/f", []byte("x"))
			c := dialCtl(t, srv)
			c.login()
			c.send(tc.setup)
			c.read()
			start := time.Now()
			c.must(tc.cmd, 425)
			if d := time.Since(start); d < timeout*3/4 || d > timeout+2*time.Second {
				t.Fatalf("425 after %s, want about %s", d, timeout)
			}
			c.must("NOOP", 200)
			if _, err := memFS(t, srv).ReadFile("/g"); err == nil {
				t.Fatal("timed-out STOR stored a file")
			}
		})
	}
}

// TestDataStall: a client that opens the data connection and then sends
// nothing is cut off after DataTimeout with 426.
func TestDataStall(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.DataTimeout = 200 * time.Millisecond })
	c := dialCtl(t, srv)
	c.login()
	dc := c.epsvConn()
	c.must("STOR /g", 150)
	dc.Write([]byte("partial"))
	c.expect(426)
	if _, err := memFS(t, srv).ReadFile("/g"); err == nil {
		t.Fatal("stalled STOR stored a file")
	}
}

// TestPassiveSingleUse: a passive listener serves one transfer only, and a
// new PASV/EPSV closes the previous one.
func TestPassiveSingleUse(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	memFS(t, srv).WriteFile("/f", []byte("x"))
	c := dialCtl(t, srv)
	c.login()
	ap := c.epsv()
	if res := c.transfer(xfer{cmd: "RETR /f", dial: ap}); res.final.Code != 226 {
		t.Fatal(res.final.String())
	}
	c.must("RETR /f", 425)
	for _, old := range []netip.AddrPort{ap, c.epsv()} {
		c.pasv()
		if conn, err := net.DialTimeout("tcp", old.String(), time.Second); err == nil {
			conn.Close()
			t.Fatalf("old passive listener %s still accepts", old)
		}
	}
}
