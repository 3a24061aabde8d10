package pki_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log"
	"time"

	"github.com/ftpsim/ftpsim/sim/pki"
)

// A test builds the standard set on a fixed clock, serves one of its
// certificates and gives the client the same clock and the set's CA.
func Example() {
	clock := func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	set, err := pki.NewSet(pki.SetOptions{Now: clock})
	if err != nil {
		log.Fatal(err)
	}

	// What a server (sim) and a client (clientsim) would be configured with.
	server := &tls.Config{Certificates: []tls.Certificate{set.Get(pki.Expired).TLSCertificate()}}
	client := &tls.Config{RootCAs: set.CA.Pool(), ServerName: pki.Expired.ServerName(), Time: clock}
	_, _ = server, client // a real test hands these to sim and clientsim

	// Verifying each kind as a Go client would, without a handshake.
	for _, k := range []pki.Kind{pki.Good, pki.GoodChain, pki.Expired, pki.IPMissing, pki.WrongEKU} {
		c := set.Get(k)
		inter := x509.NewCertPool()
		for _, ic := range c.Chain[1:] {
			inter.AddCert(ic)
		}
		_, err := c.Leaf.Verify(x509.VerifyOptions{
			Roots: set.CA.Pool(), Intermediates: inter,
			DNSName: k.ServerName(), CurrentTime: clock(),
		})
		fmt.Printf("%-10s %-10s %s\n", k, k.ServerName(), pki.ClassifyVerifyError(err))
	}
	// Output:
	// good       localhost  none
	// good-chain localhost  none
	// expired    localhost  expired
	// ip-missing 127.0.0.1  IP SAN missing
	// wrong-eku  localhost  incompatible usage
}

// An Authority issues certificates with the subject fields an administrator
// would type into "openssl req".
func ExampleAuthority_Server() {
	clock := func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	ca, err := pki.NewAuthority(pki.CAOptions{Now: clock})
	if err != nil {
		log.Fatal(err)
	}
	cert, err := ca.Server(pki.LeafOptions{
		Subject:  pki.Subject{CommonName: "ftp.example.test", Organization: "Example Ltd", Country: "DE"},
		DNSNames: []string{"ftp.example.test"},
		Validity: 90 * 24 * time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.Leaf.Subject)
	fmt.Println(cert.Leaf.NotBefore, "to", cert.Leaf.NotAfter)
	// Output:
	// CN=ftp.example.test,O=Example Ltd,C=DE
	// 2026-05-31 23:00:00 +0000 UTC to 2026-08-29 23:00:00 +0000 UTC
}
