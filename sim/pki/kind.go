package pki

import "fmt"

// Kind names one certificate of the standard [Set]: a good one or one way
// of being bad. The zero value is [Good].
type Kind int

const (
	// Good is a server certificate for localhost, 127.0.0.1 and ::1,
	// signed directly by the root CA.
	Good Kind = iota
	// GoodChain is like Good but signed by an intermediate; the chain
	// includes the intermediate.
	GoodChain
	// Client is a client certificate (ExtKeyUsageClientAuth) with
	// CommonName "ftpsuser", signed by the root CA.
	Client
	// SelfSigned is a server certificate for localhost and the loopback
	// addresses, signed by its own key.
	SelfSigned
	// Expired is a Good-like certificate whose NotAfter is one day before
	// the clock.
	Expired
	// NotYetValid is a Good-like certificate whose NotBefore is one day
	// after the clock.
	NotYetValid
	// WrongHost is valid only for wrong.example.invalid (no IP SANs).
	WrongHost
	// IPMissing has the DNS name localhost but no IP SANs, so a client
	// that dials 127.0.0.1 rejects it.
	IPMissing
	// UnknownCA is signed by a different root CA that is not in the pool.
	UnknownCA
	// MissingIntermediate is signed by the intermediate but its chain
	// omits it, as when a server is given only the leaf file.
	MissingIntermediate
	// WrongEKU is served as a server certificate but its extended key
	// usage is ClientAuth only.
	WrongEKU
	// WeakKey is a Good-like certificate with an RSA-1024 key. "Weak"
	// means below 2048 bits: NIST SP 800-131A disallowed 1024-bit RSA
	// signatures after 2013, Debian and Ubuntu build OpenSSL with security
	// level 2 (at least 2048 bits) by default, and RHEL's DEFAULT crypto
	// policy demands the same; upstream OpenSSL 3.0 defaults to level 1,
	// which still accepts it. 1024 is also the smallest RSA key Go
	// generates or accepts without GODEBUG=rsa1024min=0, so a Go client
	// verifies it without any error (measured in TestHandshake, TLS 1.2
	// and 1.3): a Go peer cannot show this case. "openssl verify
	// -auth_level 2" rejects it with "EE certificate key too weak"
	// (measured in TestOpenSSLVerify), and openssl s_server at level 2
	// refuses to load it ("ee key too small").
	WeakKey

	numKinds // number of kinds; keep last
)

// kindInfo is everything known about a Kind, including what peers report.
// The Go and OpenSSL texts are checked by this package's tests.
type kindInfo struct {
	name       string  // String and file base name
	desc       string  // one line for humans
	serverName string  // the name to verify to see fail
	fail       Failure // what a Go client (server, for Client) reports
	goErr      string  // substring of Go's error text ("" when fail is FailNone)
	verifyArgs string  // extra "openssl verify" flags that expose the problem
	opensslErr string  // what "openssl verify" prints ("OK" when it passes)
	curlErr    string  // what curl 7.88.1 with OpenSSL 3.0 printed against openssl s_server
	use        string  // how to use the files, beyond the common recipes
}

var kindInfos = [numKinds]kindInfo{
	Good: {
		name: "good", desc: "server cert for localhost, 127.0.0.1 and ::1, signed by the root CA",
		serverName: "localhost", fail: FailNone, opensslErr: "OK",
		use: "the baseline: every client that trusts ca.crt connects",
	},
	GoodChain: {
		name: "good-chain", desc: "server cert signed by an intermediate CA; the chain includes the intermediate",
		serverName: "localhost", fail: FailNone, opensslErr: "OK",
		verifyArgs: "-untrusted good-chain.crt",
		use:        "good-chain.crt holds leaf + intermediate, as servers must send it",
	},
	Client: {
		name: "client", desc: "client cert (ExtKeyUsageClientAuth, CN=ftpsuser) signed by the root CA",
		serverName: "", fail: FailNone, opensslErr: "OK", verifyArgs: "-purpose sslclient",
		use: "curl --cert client.crt --key client.key; the server trusts ca.crt for client certs",
	},
	SelfSigned: {
		name: "self-signed", desc: "server cert for localhost signed by its own key, not by the CA",
		serverName: "localhost", fail: FailUnknownAuthority,
		goErr:      "x509: certificate signed by unknown authority",
		opensslErr: "self-signed certificate",
		use:        "what \"openssl req -x509\" setups serve; trusted only with --cacert self-signed.crt",
		curlErr:    "SSL certificate problem: self-signed certificate",
	},
	Expired: {
		name: "expired", desc: "server cert whose NotAfter is one day before the clock",
		serverName: "localhost", fail: FailExpired,
		goErr:      "x509: certificate has expired or is not yet valid: current time",
		opensslErr: "certificate has expired",
		use:        "expiry is relative to the set's clock; openssl and curl use the real clock",
		curlErr:    "SSL certificate problem: certificate has expired",
	},
	NotYetValid: {
		name: "not-yet-valid", desc: "server cert whose NotBefore is one day after the clock",
		serverName: "localhost", fail: FailNotYetValid,
		goErr:      "x509: certificate has expired or is not yet valid: current time",
		opensslErr: "certificate is not yet valid",
		use:        "validity is relative to the set's clock; openssl and curl use the real clock",
		curlErr:    "SSL certificate problem: certificate is not yet valid",
	},
	WrongHost: {
		name: "wrong-host", desc: "server cert valid only for wrong.example.invalid",
		serverName: "localhost", fail: FailHostname,
		goErr:      "x509: certificate is valid for wrong.example.invalid, not localhost",
		verifyArgs: "-verify_hostname localhost", opensslErr: "hostname mismatch",
		use:     "connect to localhost",
		curlErr: "SSL: no alternative certificate subject name matches target host name 'localhost'",
	},
	IPMissing: {
		name: "ip-missing", desc: "server cert for DNS localhost only, no IP SANs; dialing 127.0.0.1 fails",
		serverName: "127.0.0.1", fail: FailIPSANMissing,
		goErr:      "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs",
		verifyArgs: "-verify_ip 127.0.0.1", opensslErr: "IP address mismatch",
		use:     "connect to 127.0.0.1 (as a client following a PASV reply does); localhost works",
		curlErr: "SSL: no alternative certificate subject name matches target host name '127.0.0.1'",
	},
	UnknownCA: {
		name: "unknown-ca", desc: "server cert signed by another root CA (foreign-ca.crt), not in the pool",
		serverName: "localhost", fail: FailUnknownAuthority,
		goErr:      "x509: certificate signed by unknown authority",
		opensslErr: "unable to get local issuer certificate",
		use:        "trusted only with --cacert foreign-ca.crt",
		curlErr:    "SSL certificate problem: unable to get local issuer certificate",
	},
	MissingIntermediate: {
		name: "missing-intermediate", desc: "server cert signed by the intermediate, chain omits the intermediate",
		serverName: "localhost", fail: FailUnknownAuthority,
		goErr:      "x509: certificate signed by unknown authority",
		opensslErr: "unable to get local issuer certificate",
		use:        "the intermediate.crt a server forgot; openssl verify -untrusted intermediate.crt passes",
		curlErr:    "SSL certificate problem: unable to get local issuer certificate",
	},
	WrongEKU: {
		name: "wrong-eku", desc: "cert with ExtKeyUsage ClientAuth only, served as a server cert",
		serverName: "localhost", fail: FailIncompatibleUsage,
		goErr:      "x509: certificate specifies an incompatible key usage",
		verifyArgs: "-purpose sslserver", opensslErr: "unsuitable certificate purpose",
		use:     "serve it as the server certificate",
		curlErr: "SSL certificate problem: unsuitable certificate purpose",
	},
	WeakKey: {
		name: "weak-key", desc: "server cert for localhost with an RSA-1024 key",
		serverName: "localhost", fail: FailNone,
		verifyArgs: "-auth_level 2", opensslErr: "EE certificate key too weak",
		use:     "Go clients accept it; OpenSSL at security level 2 rejects it, and OpenSSL-based servers may refuse to load it",
		curlErr: "SSL certificate problem: EE certificate key too weak (once the server is made to load the key with SECLEVEL=1)",
	},
}

// String returns the kind's short name, such as "good-chain", which is
// also the base name of its files in [Set.WriteDir].
func (k Kind) String() string {
	if k < 0 || k >= numKinds {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindInfos[k].name
}

// Description returns one line saying what the certificate is.
func (k Kind) Description() string {
	if k < 0 || k >= numKinds {
		return ""
	}
	return kindInfos[k].desc
}

// ServerName returns the name a client should dial and verify
// (tls.Config.ServerName) to see the outcome [Kind.Failure] describes:
// "127.0.0.1" for IPMissing, "" for Client, "localhost" otherwise.
func (k Kind) ServerName() string {
	if k < 0 || k >= numKinds {
		return ""
	}
	return kindInfos[k].serverName
}

// Failure returns what a Go peer reports when it verifies k against the
// set's CA with the set's clock and [Kind.ServerName]: a Go client for
// server kinds, a Go server with RequireAndVerifyClientCert for Client.
func (k Kind) Failure() Failure {
	if k < 0 || k >= numKinds {
		return FailOther
	}
	return kindInfos[k].fail
}

// AllKinds returns every Kind in order.
func AllKinds() []Kind {
	ks := make([]Kind, numKinds)
	for i := range ks {
		ks[i] = Kind(i)
	}
	return ks
}

// ParseKind returns the Kind whose String is name ("expired", "good-chain").
func ParseKind(name string) (Kind, error) {
	for _, k := range AllKinds() {
		if k.String() == name {
			return k, nil
		}
	}
	return 0, fmt.Errorf("pki: unknown certificate kind %q", name)
}
