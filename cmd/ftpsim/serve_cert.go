package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"

	"github.com/ftpsim/ftpsim/sim"
)

// certFlags are serve's --cert and --key: a server certificate from files
// instead of one issued by a fresh test CA. The ftpsim container image
// (docker/images/ftpsim) uses them to serve a certificate of the test's PKI.
type certFlags struct {
	cert, key string
}

func (c *certFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.cert, "cert", "", "serve the certificate chain in `FILE` (PEM: leaf first, then intermediates) instead of one from a fresh test CA; needs --key")
	fs.StringVar(&c.key, "key", "", "private key `FILE` (PEM) of --cert")
}

// apply loads the pair into srv. With --cert the CA is the caller's, so
// --ca-out (which writes the fresh test CA) would name the wrong one.
func (c *certFlags) apply(srv *sim.Server, caOut string) error {
	switch {
	case c.cert == "" && c.key == "":
		return nil
	case c.cert == "" || c.key == "":
		return errors.New("--cert and --key go together")
	case caOut != "":
		return errors.New("--ca-out writes the test CA, which did not sign --cert; give clients your own CA instead")
	}
	pair, err := tls.LoadX509KeyPair(c.cert, c.key)
	if err != nil {
		return fmt.Errorf("--cert/--key: %w", err)
	}
	srv.Certificate = &pair
	return nil
}
