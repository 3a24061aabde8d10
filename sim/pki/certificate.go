package pki

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

// Certificate is an end-entity certificate with its private key and the
// chain a peer sends for it.
type Certificate struct {
	// Leaf is the parsed end-entity certificate.
	Leaf *x509.Certificate
	// Chain is what a TLS peer sends: Leaf first, then any intermediates.
	// It never holds the root. For [MissingIntermediate] it is just Leaf.
	Chain []*x509.Certificate
	// Key is the private key for Leaf: *ecdsa.PrivateKey or
	// *rsa.PrivateKey.
	Key crypto.Signer
}

// TLSCertificate returns c for tls.Config.Certificates.
func (c *Certificate) TLSCertificate() tls.Certificate {
	der := make([][]byte, len(c.Chain))
	for i, cert := range c.Chain {
		der[i] = cert.Raw
	}
	return tls.Certificate{Certificate: der, PrivateKey: c.Key, Leaf: c.Leaf}
}

// CertPEM returns the leaf certificate alone, PEM-encoded.
func (c *Certificate) CertPEM() []byte {
	return encodeCerts(c.Leaf)
}

// ChainPEM returns the chain (leaf first, then intermediates), PEM-encoded:
// the content of a server's certificate file.
func (c *Certificate) ChainPEM() []byte {
	return encodeCerts(c.Chain...)
}

// KeyPEM returns the private key as an unencrypted PKCS#8 "PRIVATE KEY"
// PEM block. It panics if Key is of a type x509.MarshalPKCS8PrivateKey
// does not support, which cannot happen for keys made by this package.
func (c *Certificate) KeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		panic(fmt.Sprintf("pki: marshal key: %v", err))
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// WriteFiles writes three files into dir (modes apply to files it creates;
// existing files keep theirs):
//   - base.crt: the chain (leaf, then intermediates), mode 0644;
//   - base.key: the PKCS#8 private key, mode 0600;
//   - base.pem: chain then key in one file, mode 0600, as pure-ftpd's
//     --certfile and pyftpdlib's certfile expect.
func (c *Certificate) WriteFiles(dir, base string) error {
	chain, key := c.ChainPEM(), c.KeyPEM()
	files := []struct {
		ext  string
		data []byte
		mode os.FileMode
	}{
		{".crt", chain, 0o644},
		{".key", key, 0o600},
		{".pem", bytes.Join([][]byte{chain, key}, nil), 0o600},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, base+f.ext), f.data, f.mode); err != nil {
			return fmt.Errorf("write %s%s: %w", base, f.ext, err)
		}
	}
	return nil
}

// encodeCerts PEM-encodes certs as consecutive CERTIFICATE blocks.
func encodeCerts(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		// pem.Encode to a bytes.Buffer cannot fail.
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}
