package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"strings"

	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// defaultCertNames are the names serve's test certificate always covers:
// the loopback names a client on this machine dials, including
// 127.0.0.2, where ftpsim proxy listens in front of a server on
// 127.0.0.1.
var defaultCertNames = []string{"localhost", "127.0.0.1", "127.0.0.2", "::1"}

// certFlags are serve's --cert and --key (a server certificate from files
// instead of one issued by a fresh test CA; the ftpsim container image,
// docker/images/ftpsim, uses them to serve a certificate of the test's
// PKI) and --cert-name (more names in the test certificate).
type certFlags struct {
	cert, key string
	names     nameList
}

// nameList collects repeated --cert-name flags.
type nameList []string

func (l *nameList) String() string { return strings.Join(*l, ",") }

func (l *nameList) Set(s string) error {
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if err := checkCertName(n); err != nil {
			return err
		}
		*l = append(*l, n)
	}
	return nil
}

// checkCertName accepts an IP address or a DNS name (a leading "*." for
// a wildcard).
func checkCertName(n string) error {
	if net.ParseIP(n) != nil {
		return nil
	}
	host := strings.TrimPrefix(n, "*.")
	if host == "" || len(n) > 253 || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || strings.Contains(host, "..") {
		return fmt.Errorf("%q: want a DNS name or an IP address", n)
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return fmt.Errorf("%q: want a DNS name or an IP address (%q is not allowed in a DNS name)", n, r)
		}
	}
	return nil
}

func (c *certFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.cert, "cert", "", "serve the certificate chain in `FILE` (PEM: leaf first, then intermediates) instead of one from a fresh test CA; needs --key")
	fs.StringVar(&c.key, "key", "", "private key `FILE` (PEM) of --cert")
	fs.Var(&c.names, "cert-name", "add `NAME` (a DNS name or an IP address) to the test certificate's names, besides "+strings.Join(defaultCertNames, ", ")+" (repeatable, or comma-separated)")
}

// apply loads the pair into srv, or issues the test certificate for the
// default names and --cert-name. With --cert the CA is the caller's, so
// --ca-out (which writes the fresh test CA) would name the wrong one.
func (c *certFlags) apply(srv *sim.Server, caOut string) error {
	switch {
	case c.cert == "" && c.key == "":
		return c.issue(srv)
	case c.cert == "" || c.key == "":
		return usagef("--cert and --key go together")
	case caOut != "":
		return usagef("--ca-out writes the test CA, which did not sign --cert; give clients your own CA instead")
	case len(c.names) > 0:
		return usagef("--cert-name names the test certificate; --cert serves your own, whose names are in the file")
	}
	pair, err := tls.LoadX509KeyPair(c.cert, c.key)
	if err != nil {
		return fmt.Errorf("--cert/--key: %w", err)
	}
	srv.Certificate = &pair
	return nil
}

// issue gives srv the test certificate: signed by the CA of srv.PKI (a
// fresh set when nil), like pki.Good, for the default names and
// --cert-name.
func (c *certFlags) issue(srv *sim.Server) error {
	if srv.PKI == nil {
		set, err := pki.NewSet(pki.SetOptions{})
		if err != nil {
			return fmt.Errorf("certificates: %w", err)
		}
		srv.PKI = set
	}
	cert, err := c.leaf(srv.PKI.CA)
	if err != nil {
		return err
	}
	pair := cert.TLSCertificate()
	srv.Certificate = &pair
	return nil
}

// leaf issues, signed by ca, the test certificate for the default names
// and --cert-name.
func (c *certFlags) leaf(ca *pki.Authority) (*pki.Certificate, error) {
	opts := pki.LeafOptions{}
	for _, n := range c.allNames() {
		if ip := net.ParseIP(n); ip != nil {
			opts.IPAddresses = append(opts.IPAddresses, ip)
		} else {
			opts.DNSNames = append(opts.DNSNames, n)
		}
	}
	cert, err := ca.Server(opts)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	return cert, nil
}

// allNames are the test certificate's names: the defaults, then
// --cert-name, without repeats.
func (c *certFlags) allNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range append(append([]string{}, defaultCertNames...), c.names...) {
		key := strings.ToLower(n)
		if ip := net.ParseIP(n); ip != nil {
			key = ip.String()
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, n)
		}
	}
	return out
}

// servedNames lists the DNS and IP names of the certificate srv serves,
// read from the certificate itself; "" when there is none yet.
func servedNames(srv *sim.Server) string {
	if srv.Certificate == nil || len(srv.Certificate.Certificate) == 0 {
		return ""
	}
	leaf := srv.Certificate.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(srv.Certificate.Certificate[0]); err != nil {
			return ""
		}
	}
	names := append([]string{}, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "none (no subject alternative names)"
	}
	return strings.Join(names, ", ")
}
