package pki

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"net"
	"time"
)

// LeafOptions configures an end-entity certificate made by
// [Authority.Server], [Authority.Client] or [NewSelfSigned]. The zero value is
// a one-year ECDSA P-256 certificate without names.
type LeafOptions struct {
	// Subject is the certificate's subject. A zero CommonName becomes the
	// first DNS name, else the first IP address, else "ftpsim server" or
	// "ftpsim client". Clients match DNSNames and IPAddresses, not the
	// CommonName.
	Subject Subject
	// DNSNames are the DNS subject alternative names.
	DNSNames []string
	// IPAddresses are the IP subject alternative names.
	IPAddresses []net.IP
	// KeyType is the leaf's key type. Zero means ECDSA P-256.
	KeyType KeyType
	// ExtKeyUsage overrides the extended key usage. Nil means
	// ServerAuth for Server and NewSelfSigned, ClientAuth for Client.
	ExtKeyUsage []x509.ExtKeyUsage
	// NotBefore starts the validity period. Zero means one hour before the
	// clock.
	NotBefore time.Time
	// Validity is the length of the validity period. Zero means
	// DefaultLeafValidity.
	Validity time.Duration
	// Now overrides the clock for this certificate. Nil means the issuing
	// authority's clock, or time.Now for NewSelfSigned.
	Now func() time.Time
}

// Server issues a TLS server certificate (ExtKeyUsageServerAuth unless
// opts.ExtKeyUsage says otherwise) signed by a.
func (a *Authority) Server(opts LeafOptions) (*Certificate, error) {
	c, err := a.issue(opts, x509.ExtKeyUsageServerAuth, "ftpsim server")
	if err != nil {
		return nil, fmt.Errorf("server cert: %w", err)
	}
	return c, nil
}

// Client issues a TLS client certificate (ExtKeyUsageClientAuth unless
// opts.ExtKeyUsage says otherwise) signed by a.
func (a *Authority) Client(opts LeafOptions) (*Certificate, error) {
	c, err := a.issue(opts, x509.ExtKeyUsageClientAuth, "ftpsim client")
	if err != nil {
		return nil, fmt.Errorf("client cert: %w", err)
	}
	return c, nil
}

// NewSelfSigned creates a server certificate signed by its own key, as
// "openssl req -x509" does for a quick FTPS setup. It is not a CA: no
// RootCAs pool can vouch for it except one holding the certificate itself.
func NewSelfSigned(opts LeafOptions) (*Certificate, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	tmpl, key, err := leafTemplate(opts, x509.ExtKeyUsageServerAuth, "ftpsim server", now())
	if err != nil {
		return nil, fmt.Errorf("self-signed cert: %w", err)
	}
	leaf, err := sign(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("self-signed cert: %w", err)
	}
	return &Certificate{Leaf: leaf, Chain: []*x509.Certificate{leaf}, Key: key}, nil
}

// issue makes a leaf signed by a, whose chain is the leaf followed by a's
// chain (intermediates, never the root).
func (a *Authority) issue(opts LeafOptions, eku x509.ExtKeyUsage, cn string) (*Certificate, error) {
	now := a.now()
	if opts.Now != nil {
		now = opts.Now()
	}
	tmpl, key, err := leafTemplate(opts, eku, cn, now)
	if err != nil {
		return nil, err
	}
	leaf, err := sign(tmpl, a.Cert, key.Public(), a.Key)
	if err != nil {
		return nil, err
	}
	chain := append([]*x509.Certificate{leaf}, a.chain...)
	return &Certificate{Leaf: leaf, Chain: chain, Key: key}, nil
}

// leafTemplate generates the leaf key and fills its template from opts.
func leafTemplate(opts LeafOptions, eku x509.ExtKeyUsage, cn string, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := generateKey(opts.KeyType)
	if err != nil {
		return nil, nil, err
	}
	subj := opts.Subject
	if subj.CommonName == "" {
		subj.CommonName = defaultCommonName(opts, cn)
	}
	validity := opts.Validity
	if validity == 0 {
		validity = DefaultLeafValidity
	}
	tmpl, err := baseTemplate(subj, opts.NotBefore, validity, now)
	if err != nil {
		return nil, nil, err
	}
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = leafKeyUsage(key)
	tmpl.ExtKeyUsage = opts.ExtKeyUsage
	if tmpl.ExtKeyUsage == nil {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{eku}
	}
	tmpl.DNSNames = opts.DNSNames
	tmpl.IPAddresses = opts.IPAddresses
	return tmpl, key, nil
}

func defaultCommonName(opts LeafOptions, fallback string) string {
	switch {
	case len(opts.DNSNames) > 0:
		return opts.DNSNames[0]
	case len(opts.IPAddresses) > 0:
		return opts.IPAddresses[0].String()
	}
	return fallback
}
