package clientsim_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// certClock is the fixed clock of the certificate tests, for the set, the
// server and the client alike, so that Expired and NotYetValid do not
// depend on the real time.
var certClock = func() time.Time { return time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC) }

// x509Check is a named predicate on a handshake error: the x509 error type
// (and, for CertificateInvalidError, the reason and detail) it must wrap.
type x509Check struct {
	name string
	ok   func(error) bool
}

var (
	wantUnknownAuthority = x509Check{"x509.UnknownAuthorityError", func(err error) bool {
		var e x509.UnknownAuthorityError
		return errors.As(err, &e)
	}}
	wantHostname = x509Check{"x509.HostnameError", func(err error) bool {
		var e x509.HostnameError
		return errors.As(err, &e)
	}}
	wantExpired     = wantInvalid(x509.Expired, "Expired", " is after ")
	wantNotYetValid = wantInvalid(x509.Expired, "Expired", " is before ")
	wantUsage       = wantInvalid(x509.IncompatibleUsage, "IncompatibleUsage", "")
)

func wantInvalid(r x509.InvalidReason, name, detail string) x509Check {
	return x509Check{"x509.CertificateInvalidError{Reason: " + name + "}", func(err error) bool {
		var e x509.CertificateInvalidError
		return errors.As(err, &e) && e.Reason == r && strings.Contains(e.Detail, detail)
	}}
}

// certCases says, for every Kind of the standard set served as the
// server certificate, what a clientsim Dial that trusts the set's CA
// reports. A nil check means the handshake succeeds.
var certCases = map[pki.Kind]struct {
	check   *x509Check
	failure pki.Failure // what pki.ClassifyVerifyError must say
}{
	pki.Good:      {nil, pki.FailNone},
	pki.GoodChain: {nil, pki.FailNone},
	// Client is a client certificate; its Kind.Failure describes a
	// server checking it. Served as a server certificate it has no SANs,
	// so the name check fails before the key usage is looked at.
	pki.Client:              {&wantHostname, pki.FailHostname},
	pki.SelfSigned:          {&wantUnknownAuthority, pki.FailUnknownAuthority},
	pki.Expired:             {&wantExpired, pki.FailExpired},
	pki.NotYetValid:         {&wantNotYetValid, pki.FailNotYetValid},
	pki.WrongHost:           {&wantHostname, pki.FailHostname},
	pki.IPMissing:           {&wantHostname, pki.FailIPSANMissing},
	pki.UnknownCA:           {&wantUnknownAuthority, pki.FailUnknownAuthority},
	pki.MissingIntermediate: {&wantUnknownAuthority, pki.FailUnknownAuthority},
	pki.WrongEKU:            {&wantUsage, pki.FailIncompatibleUsage},
	// WeakKey (RSA-1024) is accepted by Go: 1024 bits is crypto/tls's
	// minimum, not below it. OpenSSL at security level 2 (Debian's
	// default) rejects it; a Go client cannot show that case.
	pki.WeakKey: {nil, pki.FailNone},
}

// TestSimBadCertificates serves every certificate of the standard set as
// sim's certificate and dials it with the CA trusted and the Kind's
// server name, on one fixed clock. Each bad certificate fails Dial in
// phase tls with its own x509 error type, inside a
// *tls.CertificateVerificationError, and pki.ClassifyVerifyError names
// the Kind's failure; the good ones, and WeakKey, log in.
func TestSimBadCertificates(t *testing.T) {
	checkLeaks(t)
	set, err := pki.NewSet(pki.SetOptions{Now: certClock})
	if err != nil {
		t.Fatal(err)
	}
	if len(certCases) != len(set.Kinds()) {
		t.Fatalf("certCases covers %d kinds, the set has %d", len(certCases), len(set.Kinds()))
	}
	for _, v := range simVersions {
		for _, kind := range set.Kinds() {
			t.Run(tls.VersionName(v)+"/"+kind.String(), func(t *testing.T) {
				t.Parallel()
				want := certCases[kind]
				if kind != pki.Client && want.failure != kind.Failure() {
					t.Fatalf("table says %v, pki says %v for %v", want.failure, kind.Failure(), kind)
				}
				cert := set.Get(kind).TLSCertificate()
				srv := startSim(t, func(s *sim.Server) { s.PKI, s.Certificate, s.Now = set, &cert, certClock })
				name := kind.ServerName()
				if kind == pki.Client {
					name = "localhost"
				}
				c, err := dialSim(t, srv, clientsim.WithRootCAs(set.CA.Pool()), clientsim.WithServerName(name),
					clientsim.WithClock(certClock), clientsim.WithTLSVersions(v, v))
				if want.check == nil {
					if err != nil {
						t.Fatalf("Dial: %v", err)
					}
					must(t, "Login", c.Login(simCtx(t), sim.DefaultUser, sim.DefaultPassword))
					return
				}
				checkCertError(t, err, *want.check, want.failure)
				if c != nil {
					t.Fatal("Dial returned a Conn with its error")
				}
				if ev := lastSession(t, srv).ControlTLS(); ev.Version != 0 {
					t.Errorf("server recorded a control handshake: %s", ev)
				}
			})
		}
	}
}

func checkCertError(t *testing.T, err error, check x509Check, failure pki.Failure) {
	t.Helper()
	if err == nil {
		t.Fatal("Dial succeeded")
	}
	if got := clientsim.PhaseOf(err); got != clientsim.PhaseTLS {
		t.Errorf("phase = %q, want tls (%v)", got, err)
	}
	var cve *tls.CertificateVerificationError
	if !errors.As(err, &cve) || len(cve.UnverifiedCertificates) == 0 {
		t.Errorf("%v does not wrap a *tls.CertificateVerificationError with the certificates", err)
	}
	if !check.ok(err) {
		t.Errorf("%v: want %s", err, check.name)
	}
	if got := pki.ClassifyVerifyError(err); got != failure {
		t.Errorf("ClassifyVerifyError = %v, want %v (%v)", got, failure, err)
	}
}

// TestSimDataCertificate: a data connection served with another
// certificate (S25; sim then acts as a separate TLS endpoint whose
// tickets the control session cannot resume) fails the transfer in phase
// data-tls with the certificate error of the data handshake and 522 from
// the server; the control connection stays usable.
func TestSimDataCertificate(t *testing.T) {
	checkLeaks(t)
	set, err := pki.NewSet(pki.SetOptions{Now: certClock})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range simVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			t.Parallel()
			data := set.Get(pki.UnknownCA).TLSCertificate()
			srv := startSim(t, func(s *sim.Server) { s.PKI, s.DataCertificate, s.Now = set, &data, certClock })
			srv.FS.(*sim.MemFS).WriteFile("/f", []byte("payload"))
			c := loginSim(t, srv, clientsim.WithClock(certClock), clientsim.WithTLSVersions(v, v))
			ctx := simCtx(t)
			_, err := c.Retrieve(ctx, "f", &strings.Builder{})
			if clientsim.PhaseOf(err) != clientsim.PhaseDataTLS || clientsim.ReplyCode(err) != 522 {
				t.Fatalf("Retrieve = %v; want phase data-tls and 522", err)
			}
			var cve *tls.CertificateVerificationError
			if !errors.As(err, &cve) || pki.ClassifyVerifyError(err) != pki.FailUnknownAuthority {
				t.Fatalf("Retrieve = %v; want the data certificate's unknown-authority error", err)
			}
			ev := c.Evidence()
			if len(ev) != 2 || ev[0].Err != nil || ev[1].Channel != "data" || ev[1].Err == nil || ev[1].Resumed {
				t.Fatalf("client evidence = %+v", ev)
			}
			if d := lastSession(t, srv).Data(); len(d) != 1 || d[0].Reply != 522 || d[0].TLS.Version != 0 {
				t.Fatalf("server evidence = %+v", d)
			}
			must(t, "Noop after the data failure", c.Noop(ctx))
		})
	}
}
