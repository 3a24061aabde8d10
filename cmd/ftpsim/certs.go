package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ftpsim/ftpsim/sim/pki"
)

func runCerts(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("certs", "--out DIR [flags]", `Writes a fresh test CA and one certificate per case, good and bad (self-signed,
expired, not yet valid, wrong host, IP missing from SANs, unknown CA, missing
intermediate, wrong key usage, weak key), as PEM files, plus INDEX.md saying
what each file is, what a client should report and how to load it into your
own server (vsftpd rsa_cert_file, pure-ftpd .pem, curl --cacert).`, stdout)
	out := fs.String("out", "", "`DIR` to write into (created if missing; required)")
	rsa := fs.Bool("rsa", false, "use RSA-2048 keys instead of ECDSA P-256 (slower, for old peers)")
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
			return fmt.Errorf("--now %q: want RFC 3339, e.g. 2026-06-01T00:00:00Z", *at)
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
	fmt.Fprintf(stdout, "wrote %d certificates and ca.crt to %s (see %s/INDEX.md)\n", len(set.Kinds()), *out, *out)
	for _, k := range set.Kinds() {
		fmt.Fprintf(stdout, "  %-22s %s\n", k, k.Description())
	}
	return nil
}
