package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
)

// KeyType selects the algorithm and size of a generated private key.
// The zero value is [ECDSAP256].
type KeyType int

const (
	// ECDSAP256 is an ECDSA key on NIST P-256. It is the default because it
	// takes microseconds to generate.
	ECDSAP256 KeyType = iota
	// RSA2048 is a 2048-bit RSA key, for peers or tests that insist on RSA.
	// Generating one takes tens of milliseconds.
	RSA2048
	// RSA1024 is a 1024-bit RSA key: the "weak key" case. It is the smallest
	// key crypto/rsa will generate or use without GODEBUG=rsa1024min=0.
	// Go clients accept it; OpenSSL at security level 2 (the default of
	// Debian's and Ubuntu's builds) rejects it. See [WeakKey].
	RSA1024
)

// String returns "ECDSA-P256", "RSA-2048" or "RSA-1024".
func (t KeyType) String() string {
	switch t {
	case ECDSAP256:
		return "ECDSA-P256"
	case RSA2048:
		return "RSA-2048"
	case RSA1024:
		return "RSA-1024"
	}
	return fmt.Sprintf("KeyType(%d)", int(t))
}

// generateKey returns a new private key of type t.
func generateKey(t KeyType) (crypto.Signer, error) {
	switch t {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA1024:
		return rsa.GenerateKey(rand.Reader, 1024)
	}
	return nil, fmt.Errorf("generate key: unknown %v", t)
}

// leafKeyUsage returns the KeyUsage bits a TLS leaf with key k needs:
// RSA keys also encipher (TLS 1.2 RSA key exchange), ECDSA keys only sign.
func leafKeyUsage(k crypto.Signer) x509.KeyUsage {
	if _, ok := k.Public().(*rsa.PublicKey); ok {
		return x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	}
	return x509.KeyUsageDigitalSignature
}
