package clientsim

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// TestAuthRefusedNeverSendsUser checks S19/S20: whatever a server answers
// to AUTH other than 234, a TLS-required client fails in Dial, closes, and
// the server never sees USER or PASS.
func TestAuthRefusedNeverSendsUser(t *testing.T) {
	cases := []struct {
		name    string
		reply   map[string]int
		opts    []Option
		code    int
		wantErr error
	}{
		{"500", map[string]int{"TLS": 500}, nil, 500, ErrTLSRequired},
		{"502", map[string]int{"TLS": 502}, nil, 502, ErrTLSRequired},
		{"504", map[string]int{"TLS": 504}, nil, 504, ErrTLSRequired},
		{"534", map[string]int{"TLS": 534}, nil, 534, ErrTLSRequired},
		{"431", map[string]int{"TLS": 431}, nil, 431, ErrTLSRequired},
		{"200 VxWorks", map[string]int{"TLS": 200}, nil, 200, ErrUnexpectedReply},
		{"334 ADAT", map[string]int{"TLS": 334}, nil, 334, ErrUnexpectedReply},
		{"fallback both refused", map[string]int{"SSL": 500, "TLS": 504}, []Option{WithAuthFallback()}, 504, ErrTLSRequired},
		{"SSL refused", map[string]int{"SSL": 504}, []Option{WithAuthMechanism("SSL")}, 504, ErrTLSRequired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{authReply: tc.reply})
			c, err := dialFake(t, s, tc.opts...)
			if c != nil || err == nil {
				t.Fatal("Dial succeeded")
			}
			if PhaseOf(err) != PhaseTLS || ReplyCode(err) != tc.code || !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v (phase %q, code %d)", err, PhaseOf(err), ReplyCode(err))
			}
			s.Close() // wait until the server has seen everything
			if cmds := s.commands(); hasCommand(cmds, "USER") || hasCommand(cmds, "PASS") {
				t.Fatalf("credentials sent in clear: %q", cmds)
			}
		})
	}
}

// TestAuthMechanisms checks AUTH TLS, AUTH SSL and the curl-style fallback.
func TestAuthMechanisms(t *testing.T) {
	cases := []struct {
		name  string
		reply map[string]int
		opts  []Option
		want  []string
	}{
		{"TLS", nil, nil, []string{"AUTH TLS"}},
		{"SSL", nil, []Option{WithAuthMechanism("ssl")}, []string{"AUTH SSL"}},
		{"fallback SSL accepted", nil, []Option{WithAuthFallback()}, []string{"AUTH SSL"}},
		{"fallback to TLS", map[string]int{"SSL": 500}, []Option{WithAuthFallback()}, []string{"AUTH SSL", "AUTH TLS"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{authReply: tc.reply})
			loginFake(t, s, tc.opts...)
			var auths []string
			for _, c := range s.commands() {
				if strings.HasPrefix(c, "AUTH") {
					auths = append(auths, c)
				}
			}
			if strings.Join(auths, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("AUTH commands = %q, want %q", auths, tc.want)
			}
		})
	}
}

// TestHandshakeFailures checks that certificate and protocol failures come
// back as the crypto/tls and crypto/x509 error types, phase tls, and that
// no credentials were sent.
func TestHandshakeFailures(t *testing.T) {
	future := func() time.Time { return time.Now().Add(72 * time.Hour) }
	cases := []struct {
		name  string
		srv   fakeOpts
		opts  []Option
		check func(error) bool
	}{
		{"unknown authority", fakeOpts{}, []Option{WithRootCAs(foreignCert(t).pool)}, func(err error) bool {
			var ua x509.UnknownAuthorityError
			var cv *tls.CertificateVerificationError
			return errors.As(err, &ua) && errors.As(err, &cv)
		}},
		{"wrong host", fakeOpts{}, []Option{WithServerName("ftp.example.com")}, func(err error) bool {
			var he x509.HostnameError
			return errors.As(err, &he)
		}},
		{"expired by clock", fakeOpts{}, []Option{WithClock(future)}, func(err error) bool {
			var ci x509.CertificateInvalidError
			return errors.As(err, &ci) && ci.Reason == x509.Expired
		}},
		{"pin mismatch", fakeOpts{}, []Option{WithPinnedCertificate(foreignCert(t).sum)}, func(err error) bool {
			return errors.Is(err, ErrPinMismatch)
		}},
		{"plain text after 234", fakeOpts{plainAfter234: true}, nil, func(err error) bool {
			var rh tls.RecordHeaderError
			return errors.As(err, &rh) && rh.Conn != nil
		}},
		{"clear text injected after 234", fakeOpts{injectAfter234: true}, nil, func(err error) bool {
			return errors.Is(err, ErrUnexpectedReply)
		}},
		{"implicit client, explicit server", fakeOpts{}, []Option{WithImplicitTLS()}, func(err error) bool {
			var rh tls.RecordHeaderError
			return errors.As(err, &rh)
		}},
		{"version mismatch", fakeOpts{version: tls.VersionTLS12}, []Option{WithTLSVersions(tls.VersionTLS13, 0)}, func(err error) bool {
			return isTLSFailure(err)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, tc.srv)
			_, err := dialFake(t, s, tc.opts...)
			if err == nil || PhaseOf(err) != PhaseTLS || !tc.check(err) {
				t.Fatalf("err = %v (%T, phase %q)", err, errors.Unwrap(err), PhaseOf(err))
			}
			s.Close()
			if hasCommand(s.commands(), "USER") {
				t.Fatalf("USER sent after failed handshake: %q", s.commands())
			}
		})
	}
}

// TestVerificationOptions checks the ways to accept the test certificate.
func TestVerificationOptions(t *testing.T) {
	cert := serverCert(t)
	cases := []struct {
		name string
		opts []Option
	}{
		{"root CAs", []Option{WithRootCAs(cert.pool)}},
		{"server name localhost", []Option{WithServerName("localhost")}},
		{"pinned, no roots", []Option{WithRootCAs(x509.NewCertPool()), WithPinnedCertificate(cert.sum)}},
		{"insecure", []Option{WithRootCAs(x509.NewCertPool()), WithInsecureSkipVerify()}},
		{"base config", []Option{WithTLSConfig(&tls.Config{RootCAs: cert.pool, ServerName: "localhost"})}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{requireReuse: true})
			s.setFile("f", []byte("x"))
			c := loginFake(t, s, tc.opts...)
			if _, err := c.Retrieve(testCtx(t), "f", &strings.Builder{}); err != nil {
				t.Fatalf("Retrieve: %v\n%s", err, c.Transcript())
			}
			ev := c.Evidence()
			if len(ev) != 2 || ev[0].Channel != "control" || ev[1].Channel != "data" || !ev[1].Resumed {
				t.Fatalf("evidence = %+v", ev)
			}
			if len(ev[0].PeerCertificates) == 0 || !ev[0].PeerCertificates[0].Equal(cert.leaf) {
				t.Fatal("control evidence lacks the server certificate")
			}
			st, ok := c.ControlTLS()
			if !ok || st.Version == 0 {
				t.Fatalf("ControlTLS = %v, %v", st.Version, ok)
			}
		})
	}
}

// TestExplicitClientImplicitServer checks S22 the other way round: the
// client waits for a greeting that never comes, bounded by Reply.
func TestExplicitClientImplicitServer(t *testing.T) {
	s := newFakeServer(t, fakeOpts{implicit: true})
	start := time.Now()
	_, err := dialFake(t, s, WithTimeouts(Timeouts{Reply: 200 * time.Millisecond}))
	if PhaseOf(err) != PhaseConnect || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

// TestPlainAndProtOptions checks which protection commands go out.
func TestPlainAndProtOptions(t *testing.T) {
	cases := []struct {
		name     string
		srv      fakeOpts
		opts     []Option
		want     []string
		dontWant []string
	}{
		{"plain", fakeOpts{}, []Option{WithPlain()}, []string{"USER", "TYPE I"}, []string{"AUTH", "PBSZ", "PROT"}},
		{"explicit", fakeOpts{}, nil, []string{"AUTH TLS", "PBSZ 0", "PROT P"}, nil},
		{"PROT C", fakeOpts{}, []Option{WithProt('C')}, []string{"PROT C"}, []string{"PROT P"}},
		{"implicit", fakeOpts{implicit: true}, []Option{WithImplicitTLS()}, []string{"PBSZ 0", "PROT P"}, []string{"AUTH"}},
		{"implicit without PROT", fakeOpts{implicit: true}, []Option{WithImplicitTLS(), WithoutPROT()}, []string{"USER"}, []string{"AUTH", "PBSZ", "PROT"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, tc.srv)
			loginFake(t, s, tc.opts...)
			cmds := s.commands()
			for _, w := range tc.want {
				if !hasCommand(cmds, w) {
					t.Errorf("missing %q in %q", w, cmds)
				}
			}
			for _, w := range tc.dontWant {
				if hasCommand(cmds, w) {
					t.Errorf("unexpected %q in %q", w, cmds)
				}
			}
		})
	}
}

// TestInvalidOptions checks that bad option values fail Dial before any
// connection is made.
func TestInvalidOptions(t *testing.T) {
	for name, opt := range map[string]Option{
		"prot":     WithProt('S'),
		"versions": WithTLSVersions(tls.VersionTLS13, tls.VersionTLS12),
		"mech":     WithAuthMechanism(""),
		"shared":   WithSessionReuse(ReuseShared(nil)),
		"passive":  WithPassive(PassiveMode(7)),
		"active":   WithActive(ActiveMode(0)),
		"policy":   WithPASVAddress(PASVAddressPolicy(9)),
	} {
		d := &recDialer{}
		_, err := Dial(testCtx(t), "127.0.0.1:1", opt, WithDialer(d.dial))
		if PhaseOf(err) != PhaseConnect || !strings.Contains(err.Error(), "invalid option") {
			t.Errorf("%s: err = %v", name, err)
		}
		if len(d.dialed()) != 0 {
			t.Errorf("%s: dialed %q", name, d.dialed())
		}
	}
}

// TestCCC clears the control connection after login and keeps working,
// with data still protected.
func TestCCC(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{version: v})
			s.setFile("f", []byte("after ccc"))
			c := loginFake(t, s, WithCCC())
			var b strings.Builder
			if _, err := c.Retrieve(testCtx(t), "f", &b); err != nil || b.String() != "after ccc" {
				t.Fatalf("Retrieve = %q, %v\n%s", b.String(), err, c.Transcript())
			}
			if ev := c.Evidence(); len(ev) != 2 || ev[1].Err != nil {
				t.Fatalf("data not protected after CCC: %+v", ev)
			}
			if err := c.Quit(testCtx(t)); err != nil {
				t.Fatalf("Quit: %v", err)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		s := newFakeServer(t, fakeOpts{cccReply: 534})
		c, err := dialFake(t, s, WithCCC())
		if err != nil {
			t.Fatal(err)
		}
		err = c.Login(testCtx(t), "ftpsim", "ftpsim")
		if PhaseOf(err) != PhaseTLS || ReplyCode(err) != 534 {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestClientCertificate checks that the certificate goes out on control
// and data connections of a server that requires one, and how a missing
// one fails: in the handshake with TLS 1.2, on the first read (USER's
// reply) with TLS 1.3, where the client's handshake ends first.
func TestClientCertificate(t *testing.T) {
	for _, v := range tlsVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{version: v, requestClientCert: true, requireReuse: true})
			s.setFile("f", []byte("x"))
			c := loginFake(t, s, WithClientCertificate(foreignCert(t).tls))
			if _, err := c.Retrieve(testCtx(t), "f", &strings.Builder{}); err != nil {
				t.Fatalf("Retrieve: %v", err)
			}
			s.mu.Lock()
			peers := append([]string(nil), s.peers...)
			s.mu.Unlock()
			if len(peers) != 1 || peers[0] != "someone else" {
				t.Fatalf("server saw client certificates %q", peers)
			}
			c, err := dialFake(t, s)
			if err == nil {
				err = c.Login(testCtx(t), "ftpsim", "ftpsim")
			}
			if PhaseOf(err) != PhaseTLS || !isTLSFailure(err) {
				t.Fatalf("without certificate: %v", err)
			}
		})
	}
}
