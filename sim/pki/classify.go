package pki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Failure names the bad-certificate case a certificate verification error
// corresponds to. The zero value is [FailNone].
type Failure int

const (
	// FailNone means there was no error.
	FailNone Failure = iota
	// FailUnknownAuthority: no chain to a trusted root (self-signed,
	// unknown CA, missing intermediate). x509.UnknownAuthorityError.
	FailUnknownAuthority
	// FailExpired: the clock is after a certificate's NotAfter.
	// x509.CertificateInvalidError with Reason x509.Expired.
	FailExpired
	// FailNotYetValid: the clock is before a certificate's NotBefore.
	// Go reports it with Reason x509.Expired too; the Detail tells them
	// apart.
	FailNotYetValid
	// FailHostname: the certificate is not valid for the name dialed.
	// x509.HostnameError.
	FailHostname
	// FailIPSANMissing: an IP address was dialed and the certificate has
	// no IP SANs at all. x509.HostnameError.
	FailIPSANMissing
	// FailIncompatibleUsage: the extended key usage does not allow the
	// certificate's role, e.g. a ClientAuth-only certificate served by a
	// server. x509.CertificateInvalidError with Reason
	// x509.IncompatibleUsage.
	FailIncompatibleUsage
	// FailOther is any other non-nil error.
	FailOther
)

var failureNames = [...]string{
	FailNone:              "none",
	FailUnknownAuthority:  "unknown authority",
	FailExpired:           "expired",
	FailNotYetValid:       "not yet valid",
	FailHostname:          "hostname mismatch",
	FailIPSANMissing:      "IP SAN missing",
	FailIncompatibleUsage: "incompatible usage",
	FailOther:             "other",
}

// The keys of the failures: short, lowercase, hyphenated, stable names for
// machine-readable output (scenario outcome classes, JSON, YAML).
const (
	KeyUnknownAuthority  = "unknown-authority"
	KeyExpired           = "expired"
	KeyNotYetValid       = "not-yet-valid"
	KeyHostname          = "hostname"
	KeyIPSANMissing      = "ip-san-missing"
	KeyIncompatibleUsage = "incompatible-usage"
)

var failureKeys = [...]string{
	FailUnknownAuthority:  KeyUnknownAuthority,
	FailExpired:           KeyExpired,
	FailNotYetValid:       KeyNotYetValid,
	FailHostname:          KeyHostname,
	FailIPSANMissing:      KeyIPSANMissing,
	FailIncompatibleUsage: KeyIncompatibleUsage,
}

// Key returns the failure's key, such as "unknown-authority"; "" for
// FailNone, FailOther and unknown values.
func (f Failure) Key() string {
	if f >= 0 && int(f) < len(failureKeys) {
		return failureKeys[f]
	}
	return ""
}

// String returns a short lowercase phrase such as "unknown authority".
func (f Failure) String() string {
	if f >= 0 && int(f) < len(failureNames) {
		return failureNames[f]
	}
	return fmt.Sprintf("Failure(%d)", int(f))
}

// ClassifyVerifyError reports which bad-certificate case err, an error from
// a TLS handshake or from x509.Certificate.Verify, corresponds to. It looks
// through wrapping, including *tls.CertificateVerificationError.
//
// It classifies errors produced by local verification. A peer that rejected
// our certificate is seen only as an alert ("remote error: tls: bad
// certificate"), which is FailOther.
func ClassifyVerifyError(err error) Failure {
	if err == nil {
		return FailNone
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return FailUnknownAuthority
	}
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) {
		return classifyInvalid(invalid)
	}
	var host x509.HostnameError
	if errors.As(err, &host) {
		if net.ParseIP(host.Host) != nil && host.Certificate != nil && len(host.Certificate.IPAddresses) == 0 {
			return FailIPSANMissing
		}
		return FailHostname
	}
	return FailOther
}

func classifyInvalid(e x509.CertificateInvalidError) Failure {
	switch e.Reason {
	case x509.Expired:
		// crypto/x509 words the Detail "current time T is before NotBefore"
		// or "current time T is after NotAfter".
		if strings.Contains(e.Detail, " is before ") {
			return FailNotYetValid
		}
		return FailExpired
	case x509.IncompatibleUsage:
		return FailIncompatibleUsage
	}
	return FailOther
}
