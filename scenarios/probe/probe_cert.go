package probe

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// minRSABits is the smallest RSA key OpenSSL at security level 2 (Debian's
// and Ubuntu's default) accepts.
const minRSABits = 2048

// checkCertificate verifies the control connection's certificate by hand
// (the handshake itself skipped verification), so that every problem is
// reported even with --insecure, and decides whether a password may be
// sent over this connection.
func (p *prober) checkCertificate() {
	st, _ := p.main.ControlTLS()
	if len(st.PeerCertificates) == 0 {
		p.add(Finding{Check: CheckCertChain, Severity: SeverityProblem, Summary: "the server sent no certificate"})
		return
	}
	name := p.t.ServerName
	if name == "" {
		name, _, _ = net.SplitHostPort(p.mainAddr)
	}
	in := certInput{
		certs: st.PeerCertificates, roots: p.t.RootCAs, name: name, now: p.opts.Now(),
		soon: p.opts.ExpiryWarning, server: p.rep.Server, haveCA: p.t.RootCAs != nil,
	}
	fs := []Finding{in.chain(), in.hostname(), in.validity(), in.key()}
	p.certTrusted = true
	for _, f := range fs {
		if f.Severity == SeverityProblem && f.Check != CheckCertKey {
			p.certTrusted = false
		}
		p.add(f)
	}
	if leaf := in.leaf(); in.now.After(leaf.NotAfter) && p.t.Insecure {
		p.reopenInsideValidity(leaf)
	}
}

// reopenInsideValidity reopens the main connection on a clock inside the
// leaf's validity period. crypto/tls never resumes a session whose
// certificate has expired (even with InsecureSkipVerify), so with the real
// clock every data connection would do a full handshake, and the checks
// that follow would blame the server's reuse policy for the expired
// certificate that was already reported.
func (p *prober) reopenInsideValidity(leaf *x509.Certificate) {
	shift := leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2).Sub(time.Now())
	p.clock = func() time.Time { return time.Now().Add(shift) }
	p.main.Close()
	c, tr, err := p.dial(p.mainAddr, p.mainImplicit, clientsim.WithoutPROT())
	p.main, p.mainTr = nil, tr
	if err != nil {
		p.add(Finding{Check: CheckLogin, Severity: SeverityProblem, Summary: "reconnecting failed", Evidence: err.Error()})
		return
	}
	p.setMain(c)
}

// certInput is what the certificate checks look at.
type certInput struct {
	certs  []*x509.Certificate // as the server sent them, leaf first
	roots  *x509.CertPool      // nil: the system roots
	name   string              // the name or IP to verify
	now    time.Time
	soon   time.Duration
	server string
	haveCA bool // roots came from the user (--ca)
}

func (in certInput) leaf() *x509.Certificate { return in.certs[0] }

// selfSigned reports whether the leaf alone was sent and signed itself.
func (in certInput) selfSigned() bool {
	l := in.leaf()
	return len(in.certs) == 1 && bytes.Equal(l.RawIssuer, l.RawSubject) &&
		l.CheckSignature(l.SignatureAlgorithm, l.RawTBSCertificate, l.Signature) == nil
}

// chain verifies the chain to a trusted root. Validity is judged by
// validity(): when a certificate is outside its validity period, the chain
// is verified at the middle of the leaf's period instead.
func (in certInput) chain() Finding {
	leaf := in.leaf()
	inter := x509.NewCertPool()
	for _, c := range in.certs[1:] {
		inter.AddCert(c)
	}
	at := in.now
	if !validAt(in.certs, at) {
		at = leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: in.roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	f := Finding{Check: CheckCertChain, Evidence: describeChain(in.certs), Cases: []string{"S24"}}
	if err != nil {
		f.Evidence += "\nverify: " + err.Error()
	}
	trust := "the system roots"
	if in.haveCA {
		trust = "the CA you gave (--ca)"
	}
	switch fail := pki.ClassifyVerifyError(err); {
	case fail == pki.FailNone && in.selfSigned():
		f.Severity, f.Summary, f.Cases = SeverityInfo, "self-signed certificate, trusted because "+trust+" holds it", nil
	case fail == pki.FailNone:
		f.Severity, f.Summary, f.Cases = SeverityOK, "chain verifies against "+trust, nil
	case fail == pki.FailUnknownAuthority && in.selfSigned():
		f.Severity, f.Summary = SeverityProblem, "the certificate is self-signed"
		f.Why = "Clients fail with \"x509: certificate signed by unknown authority\" (Go), \"self-signed certificate\" (OpenSSL, curl), \"The remote certificate is invalid\" (.NET); users then switch verification off, which lets a man in the middle read passwords."
		f.Fix = "Use a certificate from a CA the clients trust, or give this certificate to every client as a trust anchor (curl --cacert, ftpsim probe --ca)."
	case fail == pki.FailUnknownAuthority && len(in.certs) == 1:
		f.Severity = SeverityProblem
		f.Summary, f.Why, f.Fix = in.issuerUnknown(trust)
	case fail == pki.FailUnknownAuthority:
		f.Severity = SeverityProblem
		f.Summary = fmt.Sprintf("the certificate is signed by an authority that is not in %s (%s)", trust, leaf.Issuer.CommonName)
		f.Why = "Clients that verify certificates refuse to connect."
		f.Fix = "If the CA is private, give its certificate to the clients (ftpsim probe --ca FILE, curl --cacert); otherwise use a certificate from a public CA."
	case fail == pki.FailIncompatibleUsage:
		f.Severity, f.Summary = SeverityProblem, "the certificate is not valid for TLS servers (its extended key usage excludes serverAuth)"
		f.Why = "Clients refuse it: \"x509: certificate specifies an incompatible key usage\", OpenSSL \"unsuitable certificate purpose\"."
		f.Fix = "Reissue the certificate with extended key usage serverAuth."
	default:
		f.Severity, f.Summary = SeverityProblem, "the chain does not verify"
		f.Why = "Clients that verify certificates refuse to connect."
		f.Fix = "Read the verification error in the evidence; reissue or fix the chain."
	}
	return f
}

// issuerUnknown words the finding for a leaf sent alone whose issuer the
// roots do not hold. The leaf cannot say whether its issuer is a root CA
// (then the chain is complete and the client lacks the root, as against
// ftpsim serve without --ca) or an intermediate the server leaves out, so
// both are named and neither is claimed.
func (in certInput) issuerUnknown(trust string) (summary, why, fix string) {
	issuer := in.leaf().Issuer.CommonName
	summary = fmt.Sprintf("issuer unknown: the server sends only its own certificate, issued by %q, which is not in %s: "+
		"either a root CA the client lacks, or an intermediate the server leaves out (missing intermediate)", issuer, trust)
	why = "From the leaf alone the probe cannot tell a root issuer from an intermediate one. " +
		"Clients fail the same way in both cases: \"unable to get local issuer certificate\" (OpenSSL, curl) or \"certificate signed by unknown authority\" (Go). " +
		"Browsers hide a missing intermediate by fetching it; FTP clients do not."
	give := "give the clients its certificate as a trust anchor (ftpsim probe --ca FILE, curl --cacert FILE)"
	if in.haveCA {
		give = "the --ca you gave is not it: " + give
	}
	fix = fmt.Sprintf("If %q is a (private) root CA, the server's chain is complete: %s. If it is an intermediate CA, serve the full chain: %s",
		issuer, give, hint(in.server, issueChain))
	return summary, why, fix
}

// hostname checks the leaf's names against the name or IP connected to.
func (in certInput) hostname() Finding {
	leaf := in.leaf()
	f := Finding{Check: CheckCertName, Evidence: "certificate names: " + certNames(leaf)}
	err := leaf.VerifyHostname(in.name)
	switch pki.ClassifyVerifyError(err) {
	case pki.FailNone:
		f.Severity, f.Summary = SeverityOK, "the certificate is valid for "+in.name
		return f
	case pki.FailIPSANMissing:
		f.Summary = fmt.Sprintf("you connected by IP address %s and the certificate has no IP addresses (IP SANs)", in.name)
		f.Fix = "Connect by a DNS name the certificate holds (put it in the URL, or --server-name NAME), or reissue the certificate with this IP address as a SAN."
	default:
		f.Summary = fmt.Sprintf("the certificate is not valid for %s", in.name)
		f.Fix = "Connect with a name the certificate holds (or --server-name NAME), or reissue it with " + in.name + " as a subject alternative name."
	}
	f.Severity, f.Cases = SeverityProblem, []string{"S25"}
	f.Evidence += "\nverify: " + err.Error()
	f.Why = "Clients that verify names refuse to connect (\"x509: certificate is valid for ..., not ...\", \"no alternative certificate subject name matches\")."
	return f
}

// validity checks every certificate the server sent against the clock.
func (in certInput) validity() Finding {
	f := Finding{Check: CheckCertValidity, Cases: []string{"S26"}}
	for i, c := range in.certs {
		what := "the server certificate"
		if i > 0 {
			what = fmt.Sprintf("the intermediate %q", c.Subject.CommonName)
		}
		f.Why = "Clients refuse it: \"x509: certificate has expired or is not yet valid\", \"certificate has expired\"."
		switch {
		case in.now.After(c.NotAfter):
			f.Summary = fmt.Sprintf("%s expired on %s", what, c.NotAfter.UTC().Format("2006-01-02"))
			f.Why += " Go clients also never resume a session whose certificate has expired, even with InsecureSkipVerify, so they fail on data connections of servers that require session reuse."
		case in.now.Before(c.NotBefore):
			f.Summary = fmt.Sprintf("%s is not valid yet (from %s): the server's or your clock is wrong, or it was installed early", what, c.NotBefore.UTC().Format(time.RFC3339))
		default:
			continue
		}
		f.Severity = SeverityProblem
		f.Evidence = fmt.Sprintf("valid %s to %s; now %s", c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), in.now.UTC().Format(time.RFC3339))
		f.Fix = "Install a current certificate (and check the server's clock)."
		return f
	}
	f.Why = ""
	leaf := in.leaf()
	left := leaf.NotAfter.Sub(in.now)
	f.Evidence = fmt.Sprintf("valid %s to %s", leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	days := int(left.Hours() / 24)
	if left < in.soon {
		f.Severity, f.Summary = SeverityWarning, fmt.Sprintf("the certificate expires in %d days (%s)", days, leaf.NotAfter.UTC().Format("2006-01-02"))
		f.Why = "When it expires every client that verifies certificates stops connecting."
		f.Fix = "Renew it now, and automate renewal."
		return f
	}
	f.Severity, f.Summary, f.Cases = SeverityOK, fmt.Sprintf("valid until %s (%d days)", leaf.NotAfter.UTC().Format("2006-01-02"), days), nil
	return f
}

// key judges the leaf's key strength.
func (in certInput) key() Finding {
	f := Finding{Check: CheckCertKey, Severity: SeverityOK}
	switch k := in.leaf().PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		f.Summary = fmt.Sprintf("RSA-%d key", bits)
		if bits < minRSABits {
			f.Severity = SeverityProblem
			f.Summary = fmt.Sprintf("weak key: RSA-%d (less than %d bits)", bits, minRSABits)
			f.Why = "OpenSSL at security level 2 (Debian's and Ubuntu's curl, lftp, Python) rejects it with \"EE certificate key too weak\"; NIST disallowed 1024-bit RSA after 2013. Go clients still accept it, so Go-only testing hides this."
			f.Fix = "Reissue the certificate with an RSA-2048 (or larger) or ECDSA P-256 key."
		}
	case *ecdsa.PublicKey:
		f.Summary = "ECDSA " + k.Curve.Params().Name + " key"
	case ed25519.PublicKey:
		f.Summary = "Ed25519 key"
	default:
		f.Severity, f.Summary = SeverityInfo, fmt.Sprintf("unusual key type %T", k)
	}
	return f
}

// validAt reports whether every certificate is inside its validity period.
func validAt(certs []*x509.Certificate, t time.Time) bool {
	for _, c := range certs {
		if t.Before(c.NotBefore) || t.After(c.NotAfter) {
			return false
		}
	}
	return true
}

// describeChain lists the certificates the server sent.
func describeChain(certs []*x509.Certificate) string {
	var b strings.Builder
	fmt.Fprintf(&b, "chain sent (%d):", len(certs))
	for i, c := range certs {
		fmt.Fprintf(&b, " [%d] %q issued by %q", i, c.Subject.CommonName, c.Issuer.CommonName)
	}
	return b.String()
}

// certNames lists the subject alternative names of c.
func certNames(c *x509.Certificate) string {
	var names []string
	for _, n := range c.DNSNames {
		names = append(names, "DNS:"+n)
	}
	for _, ip := range c.IPAddresses {
		names = append(names, "IP:"+ip.String())
	}
	if len(names) == 0 {
		return fmt.Sprintf("none (CN %q only)", c.Subject.CommonName)
	}
	return strings.Join(names, " ")
}
