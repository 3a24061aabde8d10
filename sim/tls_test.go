package sim

import (
	"crypto/tls"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// TestTLSModes runs a protected session over every way of starting TLS on
// the control connection, with TLS 1.2 and TLS 1.3.
func TestTLSModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"AUTH TLS", "AUTH TLS-C", "AUTH SSL", "AUTH TLS-P", "implicit", "implicit only"} {
		for _, v := range tlsVersions {
			t.Run(mode+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				implicit := strings.HasPrefix(mode, "implicit")
				srv := startSim(t, func(s *Server) {
					s.Implicit = implicit
					s.DisableExplicit = mode == "implicit only"
				})
				if implicit != (srv.ImplicitAddr != "") || (mode == "implicit only") != (srv.Addr == "") {
					t.Fatalf("Addr %q, ImplicitAddr %q", srv.Addr, srv.ImplicitAddr)
				}
				m := memFS(t, srv)
				m.WriteFile("/f", []byte("secret"))
				cache := tls.NewLRUClientSessionCache(4)
				cfg := clientTLS(srv, v.v, cache)
				var c *rawClient
				if implicit {
					c = dialImplicit(t, srv, cfg)
					c.login()
					// MS-FTPS: implicit FTPS protects data without PBSZ/PROT.
				} else {
					c = dialCtl(t, srv)
					c.must(mode, 234)
					c.startTLS(cfg)
					c.login()
					c.must("PBSZ 0", 200)
					c.must("PROT P", 200)
				}
				mustSame(t, "RETR", c.get("RETR /f", clientTLS(srv, v.v, cache)), []byte("secret"))
				c.put("STOR /g", []byte("up"), clientTLS(srv, v.v, cache))
				got, _ := m.ReadFile("/g")
				mustSame(t, "STOR", got, []byte("up"))
				if rep := c.must("STAT", 211); !strings.Contains(rep.Message(), "Data protection: P") {
					t.Fatalf("STAT: %q", rep.Message())
				}

				sess := c.session()
				if sess.Implicit != implicit {
					t.Fatalf("Implicit = %v", sess.Implicit)
				}
				ct := sess.ControlTLS()
				if ct.Version != v.v || ct.Resumed || ct.ServerName != "localhost" {
					t.Fatalf("control TLS evidence %+v", ct)
				}
				for _, d := range sess.Data() {
					if !d.Protected || d.TLS.Version != v.v || !d.TLS.Resumed || d.TicketFrom != sess.ID || d.Reply != 226 {
						t.Fatalf("data evidence %+v", d)
					}
				}
				c.must("QUIT", 221)
				c.expectClosed()
			})
		}
	}
}

// TestImplicitPlaintextClient: an explicit-style client on the implicit
// port never gets a greeting; the server gives up and closes.
func TestImplicitPlaintextClient(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.Implicit = true })
	c := dialRaw(t, srv, srv.ImplicitAddr)
	c.send("USER ftpsim")
	c.expectClosed()
	sess := c.session()
	waitDone(t, sess)
	if transcriptHas(sess, "USER", ftp.EntryCommand) {
		t.Fatalf("plaintext ran as a command:\n%s", sess.Transcript())
	}
}

// TestControlTLSRequired: USER before AUTH is refused and a client that
// stops there never sends its password; one that does is not logged in.
func TestControlTLSRequired(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.ControlTLS = TLSRequired })

	c := dialCtl(t, srv)
	c.must("USER ftpsim", 530)
	c.must("QUIT", 221)
	sess := c.session()
	waitDone(t, sess)
	if transcriptHas(sess, "PASS", ftp.EntryCommand) {
		t.Fatalf("transcript has PASS:\n%s", sess.Transcript())
	}

	// A stubborn client: PASS is refused too, and the password is redacted.
	c = dialCtl(t, srv)
	c.must("USER ftpsim", 530)
	c.must("PASS ftpsim", 530)
	c.must("PWD", 530)
	sess = c.session()
	if sess.User() != "" || strings.Contains(sess.Transcript().String(), "PASS ftpsim") {
		t.Fatalf("user %q, transcript:\n%s", sess.User(), sess.Transcript())
	}

	// After AUTH TLS all is well.
	c.authTLS(clientTLS(srv, 0, nil))
	c.login()
	c.must("PWD", 257)
	if c.session().User() != DefaultUser {
		t.Fatalf("User() = %q", c.session().User())
	}
}

// TestDataTLSRequired: a transfer under PROT C is refused with 521.
func TestDataTLSRequired(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.DataTLS = TLSRequired; s.Implicit = true })
	memFS(t, srv).WriteFile("/f", []byte("x"))
	cache := tls.NewLRUClientSessionCache(4)
	cfg := clientTLS(srv, 0, cache)

	c := dialCtl(t, srv)
	c.login()
	c.must("LIST", 521) // policy comes before "no data connection"
	for _, cmd := range []string{"LIST", "NLST", "MLSD", "RETR /f", "STOR /g"} {
		res := c.transfer(xfer{cmd: cmd})
		if res.final.Code != 521 || res.prelim.Code != 0 {
			t.Fatalf("%s under PROT C without TLS: %q then %q, want 521", cmd, res.prelim.String(), res.final.String())
		}
	}
	c.authTLS(cfg)
	c.login()
	c.must("PBSZ 0", 200)
	c.must("PROT C", 200) // accepted: the refusal comes at transfer time
	if res := c.transfer(xfer{cmd: "LIST"}); res.final.Code != 521 {
		t.Fatalf("LIST under PROT C: %q, want 521", res.final.String())
	}
	if _, err := memFS(t, srv).ReadFile("/g"); err == nil {
		t.Fatal("refused STOR stored a file")
	}
	c.must("PROT P", 200)
	c.get("LIST", cfg)

	// Implicit sessions start with PROT P.
	ic := dialImplicit(t, srv, cfg)
	ic.login()
	mustSame(t, "implicit RETR", ic.get("RETR /f", cfg), []byte("x"))
}

// TestDataTLSHandshakeFails: a client that speaks cleartext on a
// protected data connection gets 522.
func TestDataTLSHandshakeFails(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	cfg := clientTLS(srv, 0, nil)
	c := dialCtl(t, srv)
	c.secure(cfg)
	dc := c.epsvConn()
	c.must("STOR /f", 150)
	dc.Write([]byte("this is not TLS\r\n"))
	c.expect(522)
	if _, err := memFS(t, srv).ReadFile("/f"); err == nil {
		t.Fatal("stored a file")
	}
	c.must("NOOP", 200)
}

// TestCCC: CCC after login answers 200 under TLS, exchanges close_notify,
// and the control connection goes on in cleartext on the same TCP
// connection.
func TestCCC(t *testing.T) {
	t.Parallel()
	for _, v := range tlsVersions {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, nil)
			memFS(t, srv).WriteFile("/f", []byte("x"))
			cache := tls.NewLRUClientSessionCache(4)
			c := dialCtl(t, srv)
			c.secure(clientTLS(srv, v.v, cache))
			c.must("CWD /", 250)
			c.must("CCC", 200)
			if err := c.tls.CloseWrite(); err != nil {
				t.Fatalf("close_notify: %v", err)
			}
			if rest, err := io.ReadAll(c.r); err != nil || len(rest) > 0 {
				t.Fatalf("after CCC: %q, %v; want the server's close_notify", rest, err)
			}
			// tls.Conn.CloseWrite leaves a write deadline of "now" on the
			// TCP connection.
			c.raw.SetDeadline(time.Now().Add(ioTimeout))
			c.conn, c.r = c.raw, newBufReader(c.raw)
			c.must("PWD", 257)
			c.must("NOOP", 200)
			// Data protection is unchanged by CCC.
			mustSame(t, "RETR after CCC", c.get("RETR /f", clientTLS(srv, v.v, cache)), []byte("x"))
			c.must("CCC", 533) // cleartext now
			sess := c.session()
			if !transcriptHas(sess, "close_notify exchanged", ftp.EntryTLS) {
				t.Fatalf("transcript:\n%s", sess.Transcript())
			}
		})
	}
}

// TestCCCWithoutCloseNotify: a client that answers CCC with cleartext
// instead of close_notify loses the connection.
func TestCCCWithoutCloseNotify(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	c := dialCtl(t, srv)
	c.authTLS(clientTLS(srv, 0, nil))
	c.login()
	c.must("CCC", 200)
	c.raw.Write([]byte("PWD\r\n"))
	buf := make([]byte, 512)
	for {
		if _, err := c.raw.Read(buf); err != nil {
			break // the server's close_notify, then EOF
		}
	}
	sess := c.session()
	waitDone(t, sess)
	if transcriptHas(sess, "PWD", ftp.EntryCommand) {
		t.Fatalf("PWD ran:\n%s", sess.Transcript())
	}
}

// TestPipelinedAfterAuth: cleartext sent right behind AUTH TLS (the
// STARTTLS command-injection attack) is never run as a command.
func TestPipelinedAfterAuth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, payload string }{
		{"USER", "AUTH TLS\r\nUSER evil\r\n"},
		{"USER PASS DELE", "AUTH TLS\r\nUSER ftpsim\r\nPASS ftpsim\r\nDELE /f\r\n"},
		{"lowercase", "auth tls\r\nuser evil\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, nil)
			memFS(t, srv).WriteFile("/f", []byte("x"))
			c := dialCtl(t, srv)
			c.write(tc.payload)
			c.expect(234)
			// Whatever the client does now, the handshake sees "USER ..."
			// first and fails.
			tc := tls.Client(c.raw, clientTLS(srv, 0, nil))
			if err := tc.Handshake(); err == nil {
				t.Fatal("handshake succeeded after injected cleartext")
			}
			sess := c.session()
			waitDone(t, sess)
			for _, l := range sess.Transcript().Lines(ftp.EntryCommand) {
				if !strings.EqualFold(l, "AUTH TLS") {
					t.Fatalf("injected command in transcript: %q\n%s", l, sess.Transcript())
				}
			}
			if !transcriptHas(sess, "never as commands") {
				t.Fatalf("transcript:\n%s", sess.Transcript())
			}
			if _, err := memFS(t, srv).ReadFile("/f"); err != nil {
				t.Fatal("injected DELE ran")
			}
		})
	}
}
