package probe

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/ftpsim/ftpsim/clientsim"
)

// checkTLSVersions connects once with TLS 1.2 only and once with TLS 1.3
// only.
func (p *prober) checkTLSVersions() {
	st, _ := p.main.ControlTLS()
	f := Finding{Check: CheckTLSVersions}
	neg := fmt.Sprintf("negotiated %s (%s)", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	var ok, ev []string
	var err12 error
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		c, _, err := p.dial(p.mainAddr, p.mainImplicit, clientsim.WithTLSVersions(v, v))
		p.quit(c)
		if refusedAtConnect(err) {
			p.add(Finding{Check: CheckTLSVersions, Severity: SeverityInfo, Summary: "could not tell: " + couldNotTell(err)})
			return
		}
		if err != nil {
			if v == tls.VersionTLS12 {
				err12 = err
			}
			ev = append(ev, fmt.Sprintf("%s only: %v", tls.VersionName(v), err))
			continue
		}
		ok = append(ok, tls.VersionName(v))
		ev = append(ev, tls.VersionName(v)+" only: handshake done")
	}
	var key crypto.PublicKey
	if len(st.PeerCertificates) > 0 {
		key = st.PeerCertificates[0].PublicKey
	}
	judgeTLSVersions(&f, ok, p.rep.Server, key, err12)
	f.Summary += "; " + neg
	f.Evidence = strings.Join(ev, "\n")
	p.add(f)
}

// judgeTLSVersions sets the severity, summary, why and fix of the
// tls-versions finding from the versions whose handshake worked, the
// server recognised, the certificate's key and the error of the TLS
// 1.2-only handshake.
func judgeTLSVersions(f *Finding, ok []string, server string, key crypto.PublicKey, err12 error) {
	switch {
	case len(ok) == 2:
		f.Severity, f.Summary = SeverityOK, "TLS 1.2 and TLS 1.3 both work"
	case len(ok) == 0:
		f.Severity, f.Summary = SeverityProblem, "neither a TLS 1.2-only nor a TLS 1.3-only handshake works"
		f.Why = "Current clients offer TLS 1.2 and 1.3 only."
		f.Fix = "Enable TLS 1.2 and 1.3. " + hint(server, issueModernTLS)
	case ok[0] == "TLS 1.3":
		f.Severity, f.Summary = SeverityWarning, "only TLS 1.3 works"
		f.Why = "Clients limited to TLS 1.2 (older Java and .NET, embedded devices) cannot connect." + tls12Cause(server, key, err12)
		f.Fix = "Also allow TLS 1.2. " + hint(server, issueTLS12)
	default:
		f.Severity, f.Summary = SeverityInfo, "only TLS 1.2 works (no TLS 1.3)"
	}
}

// tls12Cause explains, when it can, why a server that speaks TLS 1.3
// refuses TLS 1.2. Cipher lists (ssl_ciphers, TLSCipherSuite, -J) govern
// TLS 1.2 only; TLS 1.3 suites are configured apart. So a list without a
// TLS 1.2 cipher for the certificate's key type leaves TLS 1.3 alone
// working: vsftpd 3.0.3 on Debian without an ssl_ciphers line does this
// with an ECDSA key (measured in TestProbeVsftpdECDSACiphers).
func tls12Cause(server string, key crypto.PublicKey, err12 error) string {
	alert := err12 != nil && strings.Contains(err12.Error(), "handshake failure")
	_, ecdsaKey := key.(*ecdsa.PublicKey)
	var b strings.Builder
	if alert {
		b.WriteString(" The server answered the TLS 1.2 handshake with a handshake_failure alert, which OpenSSL-based servers send for \"no shared cipher\" as well as for a disabled protocol version.")
	}
	switch {
	case ecdsaKey && server == ServerVsftpd:
		b.WriteString(" Likely cause: the certificate has an ECDSA key and vsftpd's cipher list has no TLS 1.2 cipher for it; vsftpd's built-in list (no ssl_ciphers line) is like that, and its log then says \"no shared cipher\". The list does not govern TLS 1.3, which is why that works.")
	case ecdsaKey:
		b.WriteString(" The certificate has an ECDSA key: a cipher list without ECDHE-ECDSA ciphers (some built-in or RSA-only lists) leaves no TLS 1.2 cipher for it, while TLS 1.3, which cipher lists do not govern, still works. The server's log says \"no shared cipher\" if this is the cause.")
	default:
		b.WriteString(" Either TLS 1.2 is switched off, or the server's cipher list holds no TLS 1.2 cipher for its key (the server's log then says \"no shared cipher\").")
	}
	return b.String()
}
