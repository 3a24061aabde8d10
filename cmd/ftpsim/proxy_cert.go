package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
)

// certCheckTimeout bounds the proxy's look at the target's certificate.
const certCheckTimeout = 3 * time.Second

// targetCertificate connects to the target directly (not through the
// faults), sends AUTH TLS and returns the certificate it presents,
// without verifying it.
func targetCertificate(ctx context.Context, target netip.AddrPort) (*x509.Certificate, error) {
	ctx, cancel := context.WithTimeout(ctx, certCheckTimeout)
	defer cancel()
	d := certCheckTimeout
	c, err := clientsim.Dial(ctx, target.String(), clientsim.WithExplicitTLS(), clientsim.WithInsecureSkipVerify(),
		clientsim.WithTimeouts(clientsim.Timeouts{Connect: d, Reply: d, Data: d, TLSHandshake: d}))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	defer c.Quit(ctx)
	st, ok := c.ControlTLS()
	if !ok || len(st.PeerCertificates) == 0 {
		return nil, fmt.Errorf("no certificate after AUTH TLS")
	}
	return st.PeerCertificates[0], nil
}

// certAdvice says whether the target's certificate names the address
// clients connect to, and if not, exactly what to change: the
// --cert-name of an ftpsim serve target, or curl's --resolve to dial the
// proxy under a name the certificate has.
func certAdvice(leaf *x509.Certificate, entry netip.AddrPort) (ok bool, lines []string) {
	names := append([]string{}, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	host := entry.Addr().String()
	if leaf.VerifyHostname(host) == nil {
		return true, []string{fmt.Sprintf("names %s, including %s, where clients connect", strings.Join(names, ", "), host)}
	}
	lines = append(lines,
		fmt.Sprintf("names %s but not %s, where clients connect: curl fails with (60) \"no alternative certificate subject name\"", joinOr(names, ", ", "no host (no subject alternative names)"), host),
		fmt.Sprintf("fix: add IP %s to the target certificate's subject alternative names (a target that is ftpsim serve: restart it with --cert-name %s; ftpsim certs --cert-name %s writes server.pem with it)", host, host, host))
	for _, n := range leaf.DNSNames {
		if !strings.HasPrefix(n, "*") {
			lines = append(lines, fmt.Sprintf("     or, without changing it, have curl verify the name %s while dialing the proxy: curl --resolve %s:%d:%s ... ftp://%s:%d/",
				n, n, entry.Port(), host, n, entry.Port()))
			break
		}
	}
	return false, lines
}

// joinOr joins items with sep, or returns none when there are none.
func joinOr(items []string, sep, none string) string {
	if len(items) == 0 {
		return none
	}
	return strings.Join(items, sep)
}

// printTargetCertificate is the proxy banner's certificate check.
func printTargetCertificate(ctx context.Context, w io.Writer, target, entry netip.AddrPort) {
	leaf, err := targetCertificate(ctx, target)
	if err != nil {
		fmt.Fprintf(w, "  target certificate         not checked: %v (plain FTP, or the target is not up yet)\n", err)
		return
	}
	ok, lines := certAdvice(leaf, entry)
	mark := "  target certificate         "
	if !ok {
		mark = "  WARNING target certificate "
	}
	for i, l := range lines {
		if i == 0 {
			fmt.Fprintf(w, "%s%s\n", mark, l)
			continue
		}
		fmt.Fprintf(w, "                             %s\n", l)
	}
}
