package sim

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// The differential tests in suites/fidelity hold the personas to the real
// servers; these tests hold each setting behind them to its documentation,
// with no real server needed.

func TestPersonaAPI(t *testing.T) {
	t.Parallel()
	for _, p := range Personas() {
		got, ok := PersonaByName(strings.ToUpper(p.Name))
		if !ok || got.Name != p.Name {
			t.Errorf("PersonaByName(%q) = %v, %v", p.Name, got, ok)
		}
		if p.Version == "" || p.Setup == "" || len(p.Replies()) == 0 {
			t.Errorf("%s: incomplete persona", p)
		}
	}
	if _, ok := PersonaByName("wu-ftpd"); ok {
		t.Error("PersonaByName found a persona that does not exist")
	}

	// Apply writes copies: changing one server's replies leaves the
	// persona and other servers alone.
	a, b := NewUnstartedPersonaServer(Vsftpd()), NewUnstartedPersonaServer(Vsftpd())
	a.Replies[ReplyPBSZ].Lines[0] = "changed"
	if b.Replies[ReplyPBSZ].Lines[0] != "PBSZ set to 0." || Vsftpd().Replies()[ReplyPBSZ].Lines[0] != "PBSZ set to 0." {
		t.Error("Apply shares reply lines between servers")
	}

	// A later persona replaces every setting of an earlier one.
	s := NewUnstartedPersonaServer(PureFTPd())
	Vsftpd().Apply(s)
	if s.DropForeignData || s.AuthMechanisms != nil || s.ProtFallback || s.TLSRequiredUserOnly || !s.TLSRequiredCloses {
		t.Errorf("pure-ftpd settings survive applying vsftpd: %+v", s)
	}
}

// TestPersonaOverride: settings changed after the persona win.
func TestPersonaOverride(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) {
		Vsftpd().Apply(s)
		s.ControlTLS = TLSOptional
		s.Replies[ReplyLoggedIn] = ftp.Reply{Code: 230, Lines: []string{"Welcome, {user}."}}
	})
	c := dialCtl(t, srv)
	c.must("USER "+DefaultUser, 331)
	if rep := c.must("PASS "+DefaultPassword, 230); rep.Message() != "Welcome, ftpsim." {
		t.Fatalf("230 = %q", rep.Message())
	}
}

func TestAuthMechanismsAndProt(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) {
		s.AuthMechanisms = []string{"TLS"}
		s.ProtFallback = true
		s.Replies = map[ReplyKey]ftp.Reply{
			ReplyAuthUnknown: {Code: 500, Lines: []string{"no {arg} here"}},
			ReplyProtSE:      {Code: 200, Lines: []string{"{arg} means P"}},
			ReplyProtUnknown: {Code: 534, Lines: []string{"{arg} means C"}},
			ReplyProtNoPBSZ:  {},
		}
	})
	c := dialCtl(t, srv)
	if rep := c.must("AUTH ssl", 500); rep.Message() != "no SSL here" {
		t.Fatalf("AUTH SSL: %q", rep.Message())
	}
	c.authTLS(clientTLS(srv, 0, nil))
	c.login()
	c.must("PROT C", 200) // no PBSZ needed: ReplyProtNoPBSZ has code 0
	if rep := c.must("PROT s", 200); rep.Message() != "S means P" {
		t.Fatalf("PROT S: %q", rep.Message())
	}
	if sess := c.session(); sess.prot != 'P' {
		t.Fatalf("after PROT S the level is %c, want the P fallback", sess.prot)
	}
	c.must("PROT X", 534)
	if sess := c.session(); sess.prot != 'C' {
		t.Fatalf("after PROT X the level is %c, want the C fallback", sess.prot)
	}
}

func TestAuthSSLKeepsProtC(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{false, true} {
		srv := startSim(t, func(s *Server) { s.AuthSSLKeepsProtC = keep })
		c := dialCtl(t, srv)
		c.must("AUTH SSL", 234)
		c.startTLS(clientTLS(srv, 0, nil))
		c.login()
		want := byte('P')
		if keep {
			want = 'C'
		}
		if got := c.session().prot; got != want {
			t.Errorf("AuthSSLKeepsProtC=%t: level %c after AUTH SSL, want %c", keep, got, want)
		}
	}
}

func TestPreTLSCommands(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) {
		s.ControlTLS = TLSRequired
		s.PreTLSCommands = []string{"AUTH", "FEAT", "QUIT"}
	})
	c := dialCtl(t, srv)
	for _, cmd := range []string{"NOOP", "PBSZ 0", "XYZZY", "USER " + DefaultUser} {
		c.must(cmd, 530) // ReplyTLSRequired
	}
	c.must("FEAT", 211)
	c.authTLS(clientTLS(srv, 0, nil))
	c.must("NOOP", 200)
	c.login()
}

func TestTLSRequiredUserOnlyAndCloses(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.ControlTLS, s.TLSRequiredUserOnly = TLSRequired, true })
	c := dialCtl(t, srv)
	c.must("USER "+DefaultUser, 530)
	c.must("PASS "+DefaultPassword, 503) // ReplyNeedUser: USER was refused
	c.must("NOOP", 200)

	srv = startSim(t, func(s *Server) { s.ControlTLS, s.TLSRequiredCloses = TLSRequired, true })
	c = dialCtl(t, srv)
	c.must("USER "+DefaultUser, 530)
	c.expectClosed()
}

func TestPreLoginCommands(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) {
		s.PreLoginCommands = []string{"USER", "PASS", "AUTH", "QUIT"}
		s.DisableCCC = true
		s.Replies = map[ReplyKey]ftp.Reply{ReplyUnknownCommand: {Code: 500, Lines: []string{"{verb}?"}}}
	})
	c := dialCtl(t, srv)
	c.must("NOOP", 530)
	c.must("CCC", 530)
	c.must("XYZZY", 530)
	c.login()
	if rep := c.must("CCC", 500); rep.Message() != "CCC?" {
		t.Fatalf("CCC after login: %q", rep.Message())
	}
	if rep := c.must("XYZZY", 500); rep.Message() != "XYZZY?" {
		t.Fatalf("XYZZY after login: %q", rep.Message())
	}
}

func TestDataTLSAtSetup(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.DataTLS, s.DataTLSAtSetup = TLSRequired, true })
	c := dialCtl(t, srv)
	c.authTLS(clientTLS(srv, 0, nil))
	c.login()
	c.must("PBSZ 0", 200)
	for _, cmd := range []string{"PASV", "EPSV", "PORT 127,0,0,1,200,10", "EPRT |1|127.0.0.1|51210|"} {
		c.must(cmd, 521) // ReplyDataNeedsTLS
	}
	c.must("PROT P", 200)
	c.must("EPSV", 229)
}

func TestCCCOnlyIfTLSOptional(t *testing.T) {
	t.Parallel()
	for _, policy := range []TLSPolicy{TLSRequired, TLSOptional} {
		srv := startSim(t, func(s *Server) {
			s.ControlTLS, s.CCCOnlyIfTLSOptional = policy, true
			s.Replies = map[ReplyKey]ftp.Reply{ReplyCCCDenied: {Code: 534, Lines: []string{"no"}}}
		})
		c := dialCtl(t, srv)
		c.secure(clientTLS(srv, 0, nil))
		want := 534
		if policy == TLSOptional {
			want = 200
		}
		if rep := c.cmd("CCC"); rep.Code != want {
			t.Errorf("ControlTLS %s: CCC got %q, want %d", policy, rep.String(), want)
		}
	}
}

func TestReplyPlaceholders(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) {
		s.Replies = map[ReplyKey]ftp.Reply{
			ReplyBounce:                       {Code: 500, Lines: []string{"{verb} to {ip} ({addr}) refused, only to {peer}"}},
			ReplyPassive:                      {Code: 227, Lines: []string{"PASV ({hostport})"}},
			ReplyExtendedPassive:              {Code: 229, Lines: []string{"EPSV (|||{port}|)."}},
			ReplyPBSZAdjusted:                 {Code: 200, Lines: []string{"PBSZ={arg} is 0"}},
			ReplyAuthOK:                       {Code: 234, Lines: []string{"AUTH {arg} ok"}},
			ReplyOpeningData.For("LIST"):      {Code: 150, Lines: []string{"listing {arg}"}},
			ReplyTransferComplete.For("LIST"): {Code: 226, Lines: []string{"{count} entries"}},
		}
	})
	memFS(t, srv).WriteFile("/a", []byte("x"))
	memFS(t, srv).WriteFile("/b", []byte("y"))
	c := dialCtl(t, srv)
	if rep := c.must("AUTH tls-c", 234); rep.Message() != "AUTH TLS-C ok" {
		t.Fatalf("AUTH: %q", rep.Message())
	}
	c.startTLS(clientTLS(srv, 0, nil))
	c.login()
	if rep := c.must("PBSZ 42", 200); rep.Message() != "PBSZ=42 is 0" {
		t.Fatalf("PBSZ: %q", rep.Message())
	}
	c.must("PROT P", 200)
	if rep := c.must("PORT 127,0,0,2,200,10", 500); rep.Message() != "PORT to 127.0.0.2 (127.0.0.2:51210) refused, only to 127.0.0.1" {
		t.Fatalf("bounce: %q", rep.Message())
	}
	if rep := c.must("PASV", 227); !strings.HasPrefix(rep.Message(), "PASV (127,0,0,1,") {
		t.Fatalf("PASV: %q", rep.Message())
	}
	c.must("ABOR", 225)
	if rep := c.must("EPSV", 229); !strings.HasSuffix(rep.Message(), "|).") {
		t.Fatalf("EPSV: %q", rep.Message())
	}
	c.must("ABOR", 225)
	res := c.transfer(xfer{cmd: "LIST /", tls: clientTLS(srv, 0, nil)})
	if res.prelim.Message() != "listing /" || res.final.Message() != "2 entries" {
		t.Fatalf("LIST: %q then %q", res.prelim.String(), res.final.String())
	}
}

func TestDropForeignData(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.DropForeignData = true })
	c := dialCtl(t, srv)
	c.authTLS(clientTLS(srv, 0, nil))
	c.login()
	ap := c.epsv()
	foreign := dialData(t, ap, "127.0.0.2")
	c.send("LIST")
	c.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if rep, err := c.readErr(); err == nil {
		t.Fatalf("got %q, want silence after a foreign data connection", rep.String())
	}
	c.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	c.r.Reset(c.conn)
	if n, _ := foreign.Read(make([]byte, 1)); n != 0 {
		t.Fatal("foreign data connection got data")
	}
	own := dialData(t, ap, "")
	c.expect(150)
	own.Close()
	c.expect(226)
}

func TestEagerAccept(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) {
		s.EagerAccept = true
		s.Replies = map[ReplyKey]ftp.Reply{
			ReplyDataAlreadyOpen: {Code: 125, Lines: []string{"already open"}},
			ReplyForeignData:     {Code: 425, Lines: []string{"foreign {addr}"}},
		}
	})
	c := dialCtl(t, srv)
	c.authTLS(clientTLS(srv, 0, nil))
	c.login()

	// A foreign connection is refused as it arrives, before any command.
	ap := c.epsv()
	foreign := dialData(t, ap, "127.0.0.2")
	if rep := c.expect(425); !strings.HasPrefix(rep.Message(), "foreign 127.0.0.2:") {
		t.Fatalf("foreign: %q", rep.Message())
	}
	foreign.Close()
	// The listener still waits: LIST gets 150 at once, then the data.
	c.must("LIST", 150)
	own := dialData(t, ap, "")
	own.Close()
	c.expect(226)

	// A connection made before the command: 125.
	ap = c.epsv()
	own = dialData(t, ap, "")
	deadline := time.Now().Add(ioTimeout)
	for !c.session().pasvReady() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	c.must("LIST", 125)
	own.Close()
	c.expect(226)

	// ABOR closes an eager listener that holds nothing.
	c.epsv()
	c.must("ABOR", 225)
}

// pasvReady reports whether an eager passive listener holds a connection.
func (sess *Session) pasvReady() bool {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	el, ok := sess.pasv.(*eagerListener)
	return ok && el.ready()
}

func TestFileZillaServerPersona(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { FileZillaServer().Apply(s) })
	c := dialCtl(t, srv)
	c.must("USER "+DefaultUser, 503)
	c.must("PROT P", 502)
	c.must("AUTH TLS-C", 504)
	c.must("AUTH ssl", 234)
	c.startTLS(clientTLS(srv, 0, nil))
	c.must("AUTH TLS", 534)
	c.login()
	c.must("PROT C", 534)
	c.must("PROT S", 536)
	c.must("PROT P", 200)
	res := c.transfer(xfer{cmd: "LIST", tls: clientTLS(srv, 0, nil)})
	if res.prelim.Code != 150 || res.final.String() != "425 Unable to build data connection: TLS session of data connection not resumed." {
		t.Fatalf("LIST without resumption: %q then %q", res.prelim.String(), res.final.String())
	}
	c.must("CCC", 500)
}

// dialData connects to a data address from local ("" = any), bounded.
func dialData(t *testing.T, ap netip.AddrPort, local string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: ioTimeout}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	c, err := d.Dial("tcp", ap.String())
	if err != nil {
		t.Fatalf("dial data %s: %v", ap, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(ioTimeout))
	return c
}
