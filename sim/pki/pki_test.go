package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"
	"time"
)

func TestSubjectFields(t *testing.T) {
	subj := Subject{
		CommonName: "ftp.example.test", Organization: "Example Ltd", OrganizationalUnit: "Ops",
		Country: "DE", Province: "Berlin", Locality: "Berlin-Mitte",
	}
	ca, err := NewAuthority(CAOptions{Subject: subj, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Server(LeafOptions{Subject: subj, DNSNames: []string{"ftp.example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []struct {
		what string
		got  []string
		want string
	}{
		{"O", leaf.Leaf.Subject.Organization, subj.Organization},
		{"OU", leaf.Leaf.Subject.OrganizationalUnit, subj.OrganizationalUnit},
		{"C", leaf.Leaf.Subject.Country, subj.Country},
		{"ST", leaf.Leaf.Subject.Province, subj.Province},
		{"L", leaf.Leaf.Subject.Locality, subj.Locality},
		{"issuer O", leaf.Leaf.Issuer.Organization, subj.Organization},
	} {
		if len(n.got) != 1 || n.got[0] != n.want {
			t.Errorf("%s = %q, want [%q]", n.what, n.got, n.want)
		}
	}
	if leaf.Leaf.Subject.CommonName != subj.CommonName {
		t.Errorf("CN = %q", leaf.Leaf.Subject.CommonName)
	}
	if got := (Subject{CommonName: "x"}).Name(); got.Organization != nil || got.Country != nil {
		t.Errorf("empty fields should be left out, got %+v", got)
	}
}

func TestDefaults(t *testing.T) {
	ca, err := NewAuthority(CAOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		cert      *x509.Certificate
		cn        string
		notBefore time.Time
		validity  time.Duration
	}{
		{"root", ca.Cert, "ftpsim test root CA", testTime.Add(-time.Hour), DefaultRootValidity},
		{"server", mustLeaf(t)(ca.Server(LeafOptions{IPAddresses: []net.IP{net.IPv4(192, 0, 2, 1)}})).Leaf, "192.0.2.1", testTime.Add(-time.Hour), DefaultLeafValidity},
		{"client", mustLeaf(t)(ca.Client(LeafOptions{})).Leaf, "ftpsim client", testTime.Add(-time.Hour), DefaultLeafValidity},
		{"explicit window", mustLeaf(t)(ca.Server(LeafOptions{NotBefore: testTime.Add(5 * day), Validity: 7 * day})).Leaf, "ftpsim server", testTime.Add(5 * day), 7 * day},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cert.Subject.CommonName != tt.cn {
				t.Errorf("CN = %q, want %q", tt.cert.Subject.CommonName, tt.cn)
			}
			if !tt.cert.NotBefore.Equal(tt.notBefore) || !tt.cert.NotAfter.Equal(tt.notBefore.Add(tt.validity)) {
				t.Errorf("validity %v to %v, want %v for %v", tt.cert.NotBefore, tt.cert.NotAfter, tt.notBefore, tt.validity)
			}
		})
	}
}

func mustLeaf(t *testing.T) func(*Certificate, error) *Certificate {
	return func(c *Certificate, err error) *Certificate {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

// TestIntermediateChain issues under two levels of intermediates and checks
// the chain sent and that it verifies against the root's pool.
func TestIntermediateChain(t *testing.T) {
	root, err := NewAuthority(CAOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	i1, err := root.Intermediate(CAOptions{Subject: Subject{CommonName: "level 1"}})
	if err != nil {
		t.Fatal(err)
	}
	i2, err := i1.Intermediate(CAOptions{Subject: Subject{CommonName: "level 2"}})
	if err != nil {
		t.Fatal(err)
	}
	leaf := mustLeaf(t)(i2.Server(LeafOptions{DNSNames: []string{"localhost"}}))
	if len(leaf.Chain) != 3 || leaf.Chain[1] != i2.Cert || leaf.Chain[2] != i1.Cert {
		t.Fatalf("chain has %d certs, want leaf, level 2, level 1", len(leaf.Chain))
	}
	inter := x509.NewCertPool()
	inter.AddCert(i1.Cert)
	inter.AddCert(i2.Cert)
	opts := x509.VerifyOptions{Roots: i2.Pool(), Intermediates: inter, DNSName: "localhost", CurrentTime: testTime}
	if _, err := leaf.Leaf.Verify(opts); err != nil {
		t.Fatalf("verify against the intermediate's Pool (the root): %v", err)
	}
	if !i2.Cert.IsCA || i2.Now == nil {
		t.Errorf("intermediate: IsCA %v, inherited clock %v", i2.Cert.IsCA, i2.Now != nil)
	}
}

func TestKeyTypes(t *testing.T) {
	ca, err := NewAuthority(CAOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kt       KeyType
		name     string
		bits     int
		encipher bool
	}{
		{ECDSAP256, "ECDSA-P256", 256, false},
		{RSA2048, "RSA-2048", 2048, true},
		{RSA1024, "RSA-1024", 1024, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.kt.String() != tt.name {
				t.Errorf("String() = %q", tt.kt.String())
			}
			c := mustLeaf(t)(ca.Server(LeafOptions{KeyType: tt.kt}))
			var bits int
			switch pub := c.Leaf.PublicKey.(type) {
			case *ecdsa.PublicKey:
				if pub.Curve == elliptic.P256() {
					bits = 256
				}
			case *rsa.PublicKey:
				bits = pub.N.BitLen()
			}
			if bits != tt.bits {
				t.Errorf("key %T of %d bits, want %d", c.Leaf.PublicKey, bits, tt.bits)
			}
			if got := c.Leaf.KeyUsage&x509.KeyUsageKeyEncipherment != 0; got != tt.encipher {
				t.Errorf("KeyEncipherment = %v, want %v", got, tt.encipher)
			}
		})
	}
	if got := KeyType(7).String(); got != "KeyType(7)" {
		t.Errorf("KeyType(7).String() = %q", got)
	}
	if _, err := NewAuthority(CAOptions{KeyType: 7}); err == nil {
		t.Error("NewAuthority accepted an unknown key type")
	}
}

func TestPEM(t *testing.T) {
	set := sharedSet(t)
	c := set.Get(GoodChain)
	if n := countBlocks(t, c.ChainPEM(), "CERTIFICATE"); n != 2 {
		t.Errorf("ChainPEM has %d certificates, want 2", n)
	}
	if n := countBlocks(t, c.CertPEM(), "CERTIFICATE"); n != 1 {
		t.Errorf("CertPEM has %d certificates, want 1", n)
	}
	block, _ := pem.Decode(c.KeyPEM())
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("KeyPEM is not a PRIVATE KEY block")
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		t.Errorf("KeyPEM does not hold PKCS#8: %v", err)
	}
	block, _ = pem.Decode(set.CA.CertPEM())
	if block == nil || string(block.Bytes) != string(set.CA.Cert.Raw) {
		t.Error("Authority.CertPEM does not encode the CA certificate")
	}
	tc := c.TLSCertificate()
	if len(tc.Certificate) != 2 || tc.Leaf != c.Leaf || tc.PrivateKey != c.Key {
		t.Errorf("TLSCertificate: %d certs, leaf %v, key %v", len(tc.Certificate), tc.Leaf == c.Leaf, tc.PrivateKey == c.Key)
	}
}

func countBlocks(t *testing.T, data []byte, typ string) int {
	t.Helper()
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return n
		}
		if b.Type != typ {
			t.Errorf("PEM block %q, want %q", b.Type, typ)
		}
		n++
	}
}

func TestNewSelfSigned(t *testing.T) {
	c := mustLeaf(t)(NewSelfSigned(LeafOptions{DNSNames: []string{"localhost"}, Now: testNow}))
	if c.Leaf.IsCA || c.Leaf.Issuer.String() != c.Leaf.Subject.String() || len(c.Chain) != 1 {
		t.Errorf("IsCA %v, issuer %q, subject %q, chain %d", c.Leaf.IsCA, c.Leaf.Issuer, c.Leaf.Subject, len(c.Chain))
	}
	if err := c.Leaf.CheckSignatureFrom(c.Leaf); err == nil {
		t.Error("a non-CA self-signed leaf should not count as its own CA")
	}
	if err := c.Leaf.CheckSignature(c.Leaf.SignatureAlgorithm, c.Leaf.RawTBSCertificate, c.Leaf.Signature); err != nil {
		t.Errorf("leaf is not signed by its own key: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c.Leaf)
	if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost", CurrentTime: testTime}); err != nil {
		t.Errorf("self-signed leaf does not verify against a pool holding itself: %v", err)
	}
}
