package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

func runCerts(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("certs", "--out DIR [flags]", `Writes a fresh test CA and one certificate per case, good and bad (self-signed,
expired, not yet valid, wrong host, IP missing from SANs, unknown CA, missing
intermediate, wrong key usage, weak key), as PEM files, plus INDEX.md saying
what each file is, what a client should report and how to load it into your
own server (vsftpd rsa_cert_file, pure-ftpd .pem, curl --cacert).

It also writes server.crt, server.key and server.pem: a good certificate for
the names ftpsim serve's own has (localhost, 127.0.0.1, 127.0.0.2, ::1) and
--cert-name. Load that one into a server that ftpsim proxy will stand in
front of: the proxy listens on 127.0.0.2, which good.crt does not name.`, stdout)
	out := fs.String("out", "", "`DIR` to write into (created if missing; required)")
	rsa := fs.Bool("rsa", false, "use RSA-2048 keys instead of ECDSA P-256 (slower, for old peers)")
	var names certFlags
	fs.Var(&names.names, "cert-name", "add `NAME` (a DNS name or an IP address) to server.crt's names (repeatable, or comma-separated)")
	at := fs.String("now", "", "the clock validity is measured from, an RFC 3339 `TIME` such as 2026-01-02T15:04:05Z (default: the current time)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out DIR is required")
	}
	opts := pki.SetOptions{}
	if *rsa {
		opts.KeyType = pki.RSA2048
	}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usagef("--now %q: want RFC 3339, e.g. 2026-06-01T00:00:00Z", *at)
		}
		opts.Now = func() time.Time { return t }
	}
	set, err := pki.NewSet(opts)
	if err != nil {
		return err
	}
	if err := set.WriteDir(*out); err != nil {
		return err
	}
	cert, err := names.leaf(set.CA)
	if err != nil {
		return err
	}
	if err := cert.WriteFiles(*out, "server"); err != nil {
		return err
	}
	pair := cert.TLSCertificate()
	served := servedNames(&sim.Server{Certificate: &pair})
	index, err := os.OpenFile(filepath.Join(*out, "INDEX.md"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(index, "\n## server\n\nFiles server.crt, server.key, server.pem: server cert for %s, signed by the root CA: the names of ftpsim serve's own certificate. Load it into a server that ftpsim proxy stands in front of: the proxy listens on 127.0.0.2 when the server is on 127.0.0.1, and clients verify that address.\n\n- every client trusting ca.crt succeeds, directly and through the proxy\n", served)
	if err := index.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d certificates and ca.crt to %s (see %s/INDEX.md)\n", len(set.Kinds())+1, *out, *out)
	for _, k := range set.Kinds() {
		fmt.Fprintf(stdout, "  %-22s %s\n", k, k.Description())
	}
	fmt.Fprintf(stdout, "  %-22s good, for %s (ftpsim serve's names: load it into a server behind ftpsim proxy)\n", "server", served)
	return nil
}
