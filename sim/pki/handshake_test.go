package pki

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
)

// errCheck is a named predicate on a handshake error: whether it wraps the
// x509 error type (and, for CertificateInvalidError, the reason) named.
type errCheck struct {
	name string
	ok   func(error) bool
}

var (
	noError   = errCheck{"nil", func(err error) bool { return err == nil }}
	unknownCA = errCheck{"x509.UnknownAuthorityError", func(err error) bool {
		var e x509.UnknownAuthorityError
		return errors.As(err, &e)
	}}
	hostname = errCheck{"x509.HostnameError", func(err error) bool {
		var e x509.HostnameError
		return errors.As(err, &e)
	}}
	expired           = invalid(x509.Expired, "Expired")
	incompatibleUsage = invalid(x509.IncompatibleUsage, "IncompatibleUsage")
)

func invalid(r x509.InvalidReason, name string) errCheck {
	return errCheck{"x509.CertificateInvalidError{Reason: x509." + name + "}", func(err error) bool {
		var e x509.CertificateInvalidError
		return errors.As(err, &e) && e.Reason == r
	}}
}

// TestHandshake serves each server kind to a Go client that trusts the
// set's CA, on the set's clock, and checks the exact error type.
func TestHandshake(t *testing.T) {
	tests := []struct {
		kind       Kind
		serverName string
		want       errCheck
		detail     string // substring of x509.CertificateInvalidError.Detail
	}{
		{Good, "localhost", noError, ""},
		{Good, "127.0.0.1", noError, ""},
		{Good, "::1", noError, ""},
		{GoodChain, "localhost", noError, ""},
		{SelfSigned, "localhost", unknownCA, ""},
		{Expired, "localhost", expired, "is after"},
		{NotYetValid, "localhost", expired, "is before"},
		{WrongHost, "localhost", hostname, ""},
		{IPMissing, "127.0.0.1", hostname, ""},
		{IPMissing, "localhost", noError, ""},
		{UnknownCA, "localhost", unknownCA, ""},
		{MissingIntermediate, "localhost", unknownCA, ""},
		{WrongEKU, "localhost", incompatibleUsage, ""},
		{WeakKey, "localhost", noError, ""},
	}
	set := sharedSet(t)
	for _, ver := range tlsVersions {
		for _, tt := range tests {
			t.Run(ver.name+"/"+tt.kind.String()+"/"+tt.serverName, func(t *testing.T) {
				t.Parallel()
				client := &tls.Config{
					RootCAs: set.CA.Pool(), ServerName: tt.serverName, Time: testNow,
					MinVersion: ver.v, MaxVersion: ver.v,
				}
				server := &tls.Config{
					Certificates: []tls.Certificate{set.Get(tt.kind).TLSCertificate()},
					MinVersion:   ver.v, MaxVersion: ver.v,
				}
				err, _ := handshake(t, client, server)
				checkClientErr(t, tt.kind, tt.serverName, err, tt.want, tt.detail)
			})
		}
	}
}

func checkClientErr(t *testing.T, k Kind, serverName string, err error, want errCheck, detail string) {
	t.Helper()
	if !want.ok(err) {
		t.Fatalf("client error = %v (%T), want %s", err, err, want.name)
	}
	if err == nil {
		return
	}
	var cve *tls.CertificateVerificationError
	if !errors.As(err, &cve) {
		t.Errorf("client error %T does not wrap *tls.CertificateVerificationError", err)
	}
	var inv x509.CertificateInvalidError
	if detail != "" && (!errors.As(err, &inv) || !strings.Contains(inv.Detail, detail)) {
		t.Errorf("Detail = %q, want it to contain %q", inv.Detail, detail)
	}
	if serverName != k.ServerName() {
		return
	}
	if got := ClassifyVerifyError(err); got != k.Failure() {
		t.Errorf("ClassifyVerifyError = %v, want %v", got, k.Failure())
	}
	if !strings.Contains(err.Error(), kindInfos[k].goErr) {
		t.Errorf("error text %q lacks the documented %q", err, kindInfos[k].goErr)
	}
}

// TestHandshakeClientCert presents Client to a Go server that requires and
// verifies client certificates against the set's CA.
func TestHandshakeClientCert(t *testing.T) {
	set := sharedSet(t)
	for _, ver := range tlsVersions {
		t.Run(ver.name, func(t *testing.T) {
			t.Parallel()
			client := &tls.Config{
				RootCAs: set.CA.Pool(), ServerName: "localhost", Time: testNow,
				Certificates: []tls.Certificate{set.Get(Client).TLSCertificate()},
				MinVersion:   ver.v, MaxVersion: ver.v,
			}
			server := &tls.Config{
				Certificates: []tls.Certificate{set.Get(Good).TLSCertificate()},
				ClientAuth:   tls.RequireAndVerifyClientCert,
				ClientCAs:    set.CA.Pool(), Time: testNow,
				MinVersion: ver.v, MaxVersion: ver.v,
			}
			clientErr, serverErr := handshake(t, client, server)
			if clientErr != nil || serverErr != nil {
				t.Fatalf("handshake: client %v, server %v", clientErr, serverErr)
			}
		})
	}
}

// TestHandshakeServerCertAsClientCert checks the converse of WrongEKU: a
// server certificate offered as a client certificate is refused by a Go
// server with IncompatibleUsage.
func TestHandshakeServerCertAsClientCert(t *testing.T) {
	set := sharedSet(t)
	client := &tls.Config{
		RootCAs: set.CA.Pool(), ServerName: "localhost", Time: testNow,
		Certificates: []tls.Certificate{set.Get(Good).TLSCertificate()},
	}
	server := &tls.Config{
		Certificates: []tls.Certificate{set.Get(Good).TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    set.CA.Pool(), Time: testNow,
	}
	_, serverErr := handshake(t, client, server)
	if !incompatibleUsage.ok(serverErr) {
		t.Fatalf("server error = %v, want %s", serverErr, incompatibleUsage.name)
	}
}

// TestWeakKeyIsRSA1024 pins down what WeakKey is, since a Go client cannot
// tell it from Good.
func TestWeakKeyIsRSA1024(t *testing.T) {
	pub, ok := sharedSet(t).Get(WeakKey).Leaf.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() != 1024 {
		t.Fatalf("WeakKey public key = %T, want a 1024-bit *rsa.PublicKey", sharedSet(t).Get(WeakKey).Leaf.PublicKey)
	}
}
