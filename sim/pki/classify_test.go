package pki

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"testing"
)

// TestClassifyVerifyErrorKinds verifies every kind's leaf the way a Go peer
// does and classifies the result. The wanted values are spelled out here
// rather than taken from Kind.Failure, which is checked against them.
func TestClassifyVerifyErrorKinds(t *testing.T) {
	tests := []struct {
		kind Kind
		want Failure
	}{
		{Good, FailNone},
		{GoodChain, FailNone},
		{Client, FailNone},
		{SelfSigned, FailUnknownAuthority},
		{Expired, FailExpired},
		{NotYetValid, FailNotYetValid},
		{WrongHost, FailHostname},
		{IPMissing, FailIPSANMissing},
		{UnknownCA, FailUnknownAuthority},
		{MissingIntermediate, FailUnknownAuthority},
		{WrongEKU, FailIncompatibleUsage},
		{WeakKey, FailNone},
	}
	if len(tests) != int(numKinds) {
		t.Fatalf("table has %d kinds, package has %d", len(tests), numKinds)
	}
	set := sharedSet(t)
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			err := verifyAsPeer(set, tt.kind)
			// Wrap the way crypto/tls and a client package would.
			if err != nil {
				err = fmt.Errorf("auth tls: %w", &tls.CertificateVerificationError{Err: err})
			}
			if got := ClassifyVerifyError(err); got != tt.want {
				t.Errorf("ClassifyVerifyError(%v) = %v, want %v", err, got, tt.want)
			}
			if got := tt.kind.Failure(); got != tt.want {
				t.Errorf("%v.Failure() = %v, want %v", tt.kind, got, tt.want)
			}
		})
	}
}

// verifyAsPeer verifies k's chain as crypto/tls would: a client checking a
// server certificate for k.ServerName(), or a server checking Client.
func verifyAsPeer(set *Set, k Kind) error {
	c := set.Get(k)
	opts := x509.VerifyOptions{
		Roots:         set.CA.Pool(),
		Intermediates: x509.NewCertPool(),
		DNSName:       k.ServerName(),
		CurrentTime:   testTime,
	}
	for _, ic := range c.Chain[1:] {
		opts.Intermediates.AddCert(ic)
	}
	if k == Client {
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	_, err := c.Leaf.Verify(opts)
	return err
}

func TestClassifyVerifyErrorSynthetic(t *testing.T) {
	withIP := &x509.Certificate{IPAddresses: []net.IP{net.IPv6loopback}}
	noIP := &x509.Certificate{DNSNames: []string{"localhost"}}
	tests := []struct {
		name string
		err  error
		want Failure
	}{
		{"nil", nil, FailNone},
		{"plain", errors.New("connection reset"), FailOther},
		{"remote alert", errors.New("remote error: tls: bad certificate"), FailOther},
		{"unknown authority wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", x509.UnknownAuthorityError{})), FailUnknownAuthority},
		{"expired without detail", x509.CertificateInvalidError{Reason: x509.Expired}, FailExpired},
		{"not yet valid", x509.CertificateInvalidError{Reason: x509.Expired, Detail: "current time 2026-06-01T00:00:00Z is before 2026-06-02T00:00:00Z"}, FailNotYetValid},
		{"not authorized to sign", x509.CertificateInvalidError{Reason: x509.NotAuthorizedToSign}, FailOther},
		{"incompatible usage", x509.CertificateInvalidError{Reason: x509.IncompatibleUsage}, FailIncompatibleUsage},
		{"IP not among IP SANs", x509.HostnameError{Certificate: withIP, Host: "127.0.0.1"}, FailHostname},
		{"IP with no IP SANs", x509.HostnameError{Certificate: noIP, Host: "10.0.0.1"}, FailIPSANMissing},
		{"name mismatch", x509.HostnameError{Certificate: noIP, Host: "example.com"}, FailHostname},
		{"hostname error without cert", x509.HostnameError{Host: "127.0.0.1"}, FailHostname},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassifyVerifyError(tt.err); got != tt.want {
				t.Errorf("ClassifyVerifyError(%#v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestFailureString(t *testing.T) {
	seen := map[string]bool{}
	for f := FailNone; f <= FailOther; f++ {
		s := f.String()
		if s == "" || seen[s] {
			t.Errorf("Failure(%d).String() = %q: empty or duplicate", int(f), s)
		}
		seen[s] = true
	}
	if got := Failure(99).String(); got != "Failure(99)" {
		t.Errorf("Failure(99).String() = %q", got)
	}
}
