package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"time"
)

// Default validity periods, used when an options struct leaves Validity zero.
const (
	DefaultRootValidity         = 10 * 365 * 24 * time.Hour
	DefaultIntermediateValidity = 5 * 365 * 24 * time.Hour
	DefaultLeafValidity         = 365 * 24 * time.Hour
)

// backdate is how far before the clock a zero NotBefore starts, so that a
// peer whose clock is slightly behind still accepts a fresh certificate.
const backdate = time.Hour

// Subject holds the distinguished-name fields an administrator types into
// "openssl req". Empty fields are left out of the certificate.
type Subject struct {
	CommonName         string // CN
	Organization       string // O
	OrganizationalUnit string // OU
	Country            string // C, two letters
	Province           string // ST
	Locality           string // L
}

// Name returns s as a pkix.Name.
func (s Subject) Name() pkix.Name {
	return pkix.Name{
		CommonName:         s.CommonName,
		Organization:       nonEmpty(s.Organization),
		OrganizationalUnit: nonEmpty(s.OrganizationalUnit),
		Country:            nonEmpty(s.Country),
		Province:           nonEmpty(s.Province),
		Locality:           nonEmpty(s.Locality),
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// CAOptions configures [NewAuthority] and [Authority.Intermediate].
// The zero value is a usable ECDSA P-256 authority.
type CAOptions struct {
	// Subject names the CA. A zero CommonName becomes "ftpsim test root CA"
	// or "ftpsim test intermediate CA"; a zero Organization becomes "ftpsim".
	Subject Subject
	// KeyType is the CA's own key type. Zero means ECDSA P-256.
	KeyType KeyType
	// NotBefore starts the validity period. Zero means one hour before the
	// clock.
	NotBefore time.Time
	// Validity is the length of the validity period. Zero means
	// DefaultRootValidity or DefaultIntermediateValidity.
	Validity time.Duration
	// Now is the clock that decides validity periods of this CA and of
	// everything it issues. Nil means time.Now for NewAuthority and the
	// parent's clock for Intermediate.
	Now func() time.Time
}

// Authority is a certificate authority: a root made by [NewAuthority] or an
// intermediate made by [Authority.Intermediate]. Its methods are safe for
// concurrent use as long as its fields are not changed and Now is safe to
// call concurrently.
type Authority struct {
	// Cert is the authority's own certificate.
	Cert *x509.Certificate
	// Key is the authority's private key.
	Key crypto.Signer
	// Now is the clock used for certificates this authority issues.
	// Nil means time.Now.
	Now func() time.Time

	root  *x509.Certificate   // the self-signed root this authority chains to
	chain []*x509.Certificate // sent after a leaf: this CA (unless root), then its issuers below the root
}

// NewAuthority creates a self-signed root CA.
func NewAuthority(opts CAOptions) (*Authority, error) {
	key, err := generateKey(opts.KeyType)
	if err != nil {
		return nil, fmt.Errorf("new authority: %w", err)
	}
	a := &Authority{Key: key, Now: opts.Now}
	tmpl, err := caTemplate(opts, "ftpsim test root CA", DefaultRootValidity, a.now())
	if err != nil {
		return nil, fmt.Errorf("new authority: %w", err)
	}
	if a.Cert, err = sign(tmpl, tmpl, key.Public(), key); err != nil {
		return nil, fmt.Errorf("new authority: %w", err)
	}
	a.root = a.Cert
	return a, nil
}

// Intermediate creates a CA certificate signed by a. Certificates the
// intermediate issues carry it (and any intermediates above it) in their
// chain.
func (a *Authority) Intermediate(opts CAOptions) (*Authority, error) {
	key, err := generateKey(opts.KeyType)
	if err != nil {
		return nil, fmt.Errorf("intermediate: %w", err)
	}
	now := opts.Now
	if now == nil {
		now = a.Now
	}
	ia := &Authority{Key: key, Now: now, root: a.root}
	tmpl, err := caTemplate(opts, "ftpsim test intermediate CA", DefaultIntermediateValidity, ia.now())
	if err != nil {
		return nil, fmt.Errorf("intermediate: %w", err)
	}
	if ia.Cert, err = sign(tmpl, a.Cert, key.Public(), a.Key); err != nil {
		return nil, fmt.Errorf("intermediate: %w", err)
	}
	ia.chain = append([]*x509.Certificate{ia.Cert}, a.chain...)
	return ia, nil
}

// Pool returns a new pool holding the root certificate a chains to (a's own
// certificate if a is a root), ready for tls.Config.RootCAs or ClientCAs.
func (a *Authority) Pool() *x509.CertPool {
	root := a.root
	if root == nil { // built by hand: treat as a root
		root = a.Cert
	}
	p := x509.NewCertPool()
	p.AddCert(root)
	return p
}

// CertPEM returns a's own certificate, PEM-encoded.
func (a *Authority) CertPEM() []byte {
	return encodeCerts(a.Cert)
}

// WriteCertFile writes a's certificate as PEM to path (created with mode
// 0644), the file to hand to curl --cacert, lftp ssl:ca-file or openssl
// -CAfile.
func (a *Authority) WriteCertFile(path string) error {
	if err := os.WriteFile(path, a.CertPEM(), 0o644); err != nil {
		return fmt.Errorf("write ca cert: %w", err)
	}
	return nil
}

func (a *Authority) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// caTemplate fills a CA certificate template from opts.
func caTemplate(opts CAOptions, cn string, validity time.Duration, now time.Time) (*x509.Certificate, error) {
	subj := opts.Subject
	if subj.CommonName == "" {
		subj.CommonName = cn
	}
	if subj.Organization == "" {
		subj.Organization = "ftpsim"
	}
	if opts.Validity != 0 {
		validity = opts.Validity
	}
	tmpl, err := baseTemplate(subj, opts.NotBefore, validity, now)
	if err != nil {
		return nil, err
	}
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	return tmpl, nil
}

// baseTemplate returns a template with a random serial, the subject and the
// validity window: [notBefore, notBefore+validity], where a zero notBefore
// means now minus backdate. Times are truncated to whole seconds, as
// X.509 stores them.
func baseTemplate(subj Subject, notBefore time.Time, validity time.Duration, now time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial: %w", err)
	}
	if notBefore.IsZero() {
		notBefore = now.Add(-backdate)
	}
	notBefore = notBefore.UTC().Truncate(time.Second)
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      subj.Name(),
		NotBefore:    notBefore,
		NotAfter:     notBefore.Add(validity),
	}, nil
}

// sign creates the certificate tmpl for pub, signed by parent's key, and
// returns it parsed.
func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}
