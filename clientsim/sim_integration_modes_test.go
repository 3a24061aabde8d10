package clientsim_test

import (
	"bytes"
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// roundTrip uploads and downloads one file and checks the bytes on the
// client and in the server's storage.
func roundTrip(t *testing.T, c *clientsim.Conn, srv *sim.Server) {
	t.Helper()
	ctx := simCtx(t)
	payload := randomBytes(300<<10, 7)
	if n, err := c.Store(ctx, "f.bin", bytes.NewReader(payload)); err != nil || n != int64(len(payload)) {
		t.Fatalf("Store = %d, %v\n%s", n, err, c.Transcript())
	}
	if got, err := srv.FS.(*sim.MemFS).ReadFile("/f.bin"); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("server copy: %d bytes, %v", len(got), err)
	}
	var back bytes.Buffer
	if n, err := c.Retrieve(ctx, "f.bin", &back); err != nil || !bytes.Equal(back.Bytes(), payload) {
		t.Fatalf("Retrieve = %d, %v\n%s", n, err, c.Transcript())
	}
	if names, err := c.NameList(ctx, ""); err != nil || !slices.Equal(names, []string{"f.bin"}) {
		t.Fatalf("NameList = %q, %v", names, err)
	}
}

// checkData checks the server's evidence of every data connection of its
// newest session: passive or active, and protected with version ver (0:
// clear).
func checkData(t *testing.T, srv *sim.Server, passive bool, ver uint16) {
	t.Helper()
	data := lastSession(t, srv).Data()
	if len(data) != 3 {
		t.Fatalf("server saw %d data connections, want 3", len(data))
	}
	for _, d := range data {
		if d.Passive != passive || d.Protected != (ver != 0) || d.TLS.Version != ver || d.Reply != 226 {
			t.Errorf("data connection %d (%s): %+v; want passive=%t, TLS version %x", d.N, d.Command, d, passive, ver)
		}
	}
}

// serverSaw reports whether the server's newest session received a
// command starting with prefix.
func serverSaw(t *testing.T, srv *sim.Server, prefix string) bool {
	t.Helper()
	return slices.ContainsFunc(lastSession(t, srv).Transcript().Lines(ftp.EntryCommand),
		func(l string) bool { return strings.HasPrefix(l, prefix) })
}

// TestSimModes runs a round trip in every connection mode clientsim
// offers, in TLS 1.2 and 1.3: explicit FTPS with EPSV (the default),
// PASV only, active PORT and EPRT, CCC after login, and implicit FTPS on
// the server's implicit listener; and plain FTP once.
func TestSimModes(t *testing.T) {
	checkLeaks(t)
	type mode struct {
		name      string
		configure func(*sim.Server)
		opts      []clientsim.Option
		implicit  bool
		passive   bool
		sent      string // a command the server must have seen
	}
	modes := []mode{
		{name: "explicit EPSV", passive: true, sent: "EPSV"},
		{name: "PASV only", opts: []clientsim.Option{clientsim.WithPassive(clientsim.PASVOnly)}, passive: true, sent: "PASV"},
		{name: "active PORT", opts: []clientsim.Option{clientsim.WithActive(clientsim.PORT)}, sent: "PORT 127,0,0,1,"},
		{name: "active EPRT", opts: []clientsim.Option{clientsim.WithActive(clientsim.EPRT)}, sent: "EPRT |1|127.0.0.1|"},
		{name: "CCC", opts: []clientsim.Option{clientsim.WithCCC()}, passive: true, sent: "CCC"},
		{name: "implicit", configure: func(s *sim.Server) { s.Implicit = true },
			opts: []clientsim.Option{clientsim.WithImplicitTLS()}, implicit: true, passive: true, sent: "PROT P"},
	}
	for _, v := range simVersions {
		for _, m := range modes {
			t.Run(tls.VersionName(v)+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				srv := startSim(t, m.configure)
				addr := srv.Addr
				if m.implicit {
					addr = srv.ImplicitAddr
				}
				c, err := dialSimAt(t, addr, srv, slices.Concat(m.opts, []clientsim.Option{clientsim.WithTLSVersions(v, v)})...)
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				must(t, "Login", c.Login(simCtx(t), sim.DefaultUser, sim.DefaultPassword))
				sess := lastSession(t, srv)
				if sess.Implicit != m.implicit || sess.ControlTLS().Version != v {
					t.Fatalf("server session implicit=%t control %s", sess.Implicit, sess.ControlTLS())
				}
				roundTrip(t, c, srv)
				checkData(t, srv, m.passive, v)
				if !serverSaw(t, srv, m.sent) {
					t.Errorf("server never saw %q:\n%s", m.sent, sess.Transcript())
				}
				if m.passive && !serverSaw(t, srv, "EPSV") && !serverSaw(t, srv, "PASV") {
					t.Error("passive mode without EPSV or PASV")
				}
				if m.name == "PASV only" && serverSaw(t, srv, "EPSV") {
					t.Error("PASVOnly sent EPSV")
				}
				if m.name == "CCC" {
					checkCCC(t, c, srv, v)
				}
			})
		}
	}
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		srv := startSim(t, nil)
		c := loginSim(t, srv, clientsim.WithPlain())
		if _, ok := c.ControlTLS(); ok {
			t.Fatal("plain connection reports a TLS handshake")
		}
		roundTrip(t, c, srv)
		checkData(t, srv, true, 0)
		if serverSaw(t, srv, "AUTH") || serverSaw(t, srv, "PBSZ") || serverSaw(t, srv, "PROT") {
			t.Errorf("plain FTP sent security commands:\n%s", c.Transcript())
		}
		if ev := lastSession(t, srv).ControlTLS(); ev.Version != 0 {
			t.Fatalf("server control TLS = %s", ev)
		}
	})
}

// checkCCC: after CCC the control connection is clear on both ends (the
// server says so in its transcript and keeps answering), data connections
// stay protected, and the client still reports the TLS session it had.
func checkCCC(t *testing.T, c *clientsim.Conn, srv *sim.Server, v uint16) {
	t.Helper()
	sess := lastSession(t, srv)
	if !slices.ContainsFunc(sess.Transcript().Lines(ftp.EntryTLS),
		func(l string) bool { return strings.Contains(l, "CCC: close_notify exchanged") }) {
		t.Fatalf("server did not clear the control connection:\n%s", sess.Transcript())
	}
	if cs, ok := c.ControlTLS(); !ok || cs.Version != v {
		t.Fatalf("client ControlTLS after CCC = %x, %v", cs.Version, ok)
	}
	must(t, "Noop after CCC", c.Noop(simCtx(t)))
	must(t, "Quit after CCC", c.Quit(simCtx(t)))
}
