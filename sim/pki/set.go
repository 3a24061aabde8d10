package pki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// SetOptions configures [NewSet]. The zero value builds an ECDSA P-256 set
// on the real clock.
type SetOptions struct {
	// Now is the clock that decides which certificates are expired or not
	// yet valid. NewSet reads it once; afterwards the set's authorities use
	// it for anything they issue. Nil means time.Now. Peers must verify
	// with the same clock (tls.Config.Time) to see the documented outcomes.
	Now func() time.Time
	// KeyType is the key type of the CAs and of every leaf except
	// [WeakKey], which is always RSA-1024. Zero means ECDSA P-256.
	// RSA2048 makes NewSet take half a second or more: RSA key generation
	// time varies widely, with a long tail on a loaded machine.
	KeyType KeyType
}

// Set is the standard collection of good and bad certificates, one per
// [Kind], all issued under one root CA with one clock. Its methods are safe
// for concurrent use.
type Set struct {
	// CA is the trusted root. Clients put CA.Pool() in RootCAs; servers
	// that check client certificates put it in ClientCAs.
	CA *Authority
	// Intermediate is signed by CA and signs [GoodChain] and
	// [MissingIntermediate].
	Intermediate *Authority
	// ForeignCA is an unrelated root, absent from CA.Pool(), that signs
	// [UnknownCA].
	ForeignCA *Authority

	certs   [numKinds]*Certificate
	created time.Time // the clock when NewSet ran; every validity period is relative to it
	keyType KeyType
}

// NewSet builds every certificate of the set, generating keys in parallel.
// It reads the clock once, so all validity periods are relative to the same
// instant. With ECDSA keys it takes about 10 ms on two cores
// (BenchmarkNewSet), most of it spent on the one RSA-1024 key of [WeakKey].
func NewSet(opts SetOptions) (*Set, error) {
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	s := &Set{created: clock(), keyType: opts.KeyType}
	if err := s.makeAuthorities(opts.KeyType); err != nil {
		return nil, fmt.Errorf("new set: %w", err)
	}
	fns := make([]func() error, numKinds)
	for k := range numKinds {
		fns[k] = func() (err error) {
			if s.certs[k], err = s.build(k, opts.KeyType); err != nil {
				return fmt.Errorf("%v: %w", k, err)
			}
			return nil
		}
	}
	if err := parallel(fns...); err != nil {
		return nil, fmt.Errorf("new set: %w", err)
	}
	// From now on the authorities issue on the caller's clock.
	s.CA.Now, s.Intermediate.Now, s.ForeignCA.Now = opts.Now, opts.Now, opts.Now
	return s, nil
}

// makeAuthorities creates the root, the intermediate and the foreign root,
// on a clock frozen at s.created and valid from a year before it, so that
// they cover the validity period of the Expired leaf.
func (s *Set) makeAuthorities(kt KeyType) error {
	ca := CAOptions{
		KeyType:   kt,
		NotBefore: s.created.Add(-365 * 24 * time.Hour),
		Now:       s.frozen,
	}
	foreign := ca
	foreign.Subject = Subject{CommonName: "ftpsim foreign root CA"}
	return parallel(
		func() (err error) {
			if s.CA, err = NewAuthority(ca); err != nil {
				return err
			}
			s.Intermediate, err = s.CA.Intermediate(ca)
			return err
		},
		func() (err error) {
			s.ForeignCA, err = NewAuthority(foreign)
			return err
		},
	)
}

// frozen is the clock of everything NewSet issues.
func (s *Set) frozen() time.Time { return s.created }

// Get returns the certificate of kind k, or nil if k is not a defined Kind.
func (s *Set) Get(k Kind) *Certificate {
	if k < 0 || k >= numKinds {
		return nil
	}
	return s.certs[k]
}

// Kinds returns every Kind in the set, in declaration order.
func (s *Set) Kinds() []Kind {
	ks := make([]Kind, numKinds)
	for k := range numKinds {
		ks[k] = k
	}
	return ks
}

// WriteDir creates dir if needed and writes the whole set into it:
// ca.crt, intermediate.crt, foreign-ca.crt, then for each Kind the files
// <kind>.crt, <kind>.key and <kind>.pem (see [Certificate.WriteFiles]),
// and INDEX.md describing each file, what clients report for it and how to
// use it.
func (s *Set) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write set: %w", err)
	}
	cas := []struct {
		name string
		a    *Authority
	}{{"ca.crt", s.CA}, {"intermediate.crt", s.Intermediate}, {"foreign-ca.crt", s.ForeignCA}}
	for _, ca := range cas {
		if err := ca.a.WriteCertFile(filepath.Join(dir, ca.name)); err != nil {
			return fmt.Errorf("write set: %w", err)
		}
	}
	for _, k := range s.Kinds() {
		if err := s.certs[k].WriteFiles(dir, k.String()); err != nil {
			return fmt.Errorf("write set: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "INDEX.md"), s.index(), 0o644); err != nil {
		return fmt.Errorf("write set: %w", err)
	}
	return nil
}

// build issues the certificate of kind k. Server certificates are for
// localhost, 127.0.0.1 and ::1 unless the kind is about names.
func (s *Set) build(k Kind, kt KeyType) (*Certificate, error) {
	now := s.created
	o := LeafOptions{
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyType:     kt,
		Now:         s.frozen,
	}
	switch k {
	case GoodChain:
		return s.Intermediate.Server(o)
	case Client:
		return s.CA.Client(LeafOptions{Subject: Subject{CommonName: "ftpsuser", Organization: "ftpsim"}, KeyType: kt, Now: s.frozen})
	case SelfSigned:
		return NewSelfSigned(o)
	case Expired:
		o.NotBefore, o.Validity = now.Add(-91*24*time.Hour), 90*24*time.Hour
	case NotYetValid:
		o.NotBefore, o.Validity = now.Add(24*time.Hour), 90*24*time.Hour
	case WrongHost:
		o.DNSNames, o.IPAddresses = []string{"wrong.example.invalid"}, nil
	case IPMissing:
		o.IPAddresses = nil
	case UnknownCA:
		return s.ForeignCA.Server(o)
	case MissingIntermediate:
		c, err := s.Intermediate.Server(o)
		if err == nil {
			c.Chain = c.Chain[:1]
		}
		return c, err
	case WrongEKU:
		o.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	case WeakKey:
		o.KeyType = RSA1024
	}
	return s.CA.Server(o)
}

// parallel runs fns concurrently and joins their errors.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	return errors.Join(errs...)
}
