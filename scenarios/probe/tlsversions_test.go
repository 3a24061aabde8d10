package probe

import (
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// The advice for a server that refuses TLS 1.2 fits the server the probe
// recognised, and names the likely cause when the key says it.
func TestTLSVersionsAdvice(t *testing.T) {
	set := testSet(t) // ECDSA P-256
	ecdsaKey := set.Get(pki.Good).Leaf.PublicKey
	rsaSet, _, _ := peerCerts(t)
	rsaKey := rsaSet.Get(pki.Good).Leaf.PublicKey
	refused := errors.New("clientsim: tls: AUTH TLS: remote error: tls: handshake failure")
	cases := []struct {
		name      string
		ok        []string
		server    string
		key       crypto.PublicKey
		want, not []string // in Fix
		why       string   // in Why
	}{
		{"vsftpd-ecdsa", []string{"TLS 1.3"}, ServerVsftpd, ecdsaKey,
			[]string{"ssl_ciphers=HIGH"}, []string{"TLSProtocol", "-J"}, "ECDSA"},
		{"vsftpd-rsa", []string{"TLS 1.3"}, ServerVsftpd, rsaKey,
			[]string{"ssl_ciphers=HIGH", "ssl_tlsv1_2"}, []string{"TLSProtocol"}, "cipher"},
		{"proftpd", []string{"TLS 1.3"}, ServerProFTPD, rsaKey,
			[]string{"TLSProtocol TLSv1.2 TLSv1.3"}, []string{"ssl_ciphers", "-J"}, ""},
		{"pure-ftpd", []string{"TLS 1.3"}, ServerPureFTPd, ecdsaKey,
			[]string{"-J"}, []string{"TLSProtocol", "ssl_ciphers"}, "ECDSA"},
		{"unknown", []string{"TLS 1.3"}, "", ecdsaKey,
			[]string{"ssl_ciphers", "TLSProtocol", "-J"}, nil, "ECDSA"},
		{"vsftpd-neither", nil, ServerVsftpd, rsaKey,
			[]string{"vsftpd"}, []string{"TLSProtocol"}, ""},
		{"proftpd-neither", nil, ServerProFTPD, rsaKey,
			[]string{"TLSProtocol"}, []string{"vsftpd", "pure-ftpd"}, ""},
	}
	for _, tc := range cases {
		f := Finding{Check: CheckTLSVersions}
		judgeTLSVersions(&f, tc.ok, tc.server, tc.key, refused)
		if f.Severity == SeverityOK || f.Fix == "" {
			t.Errorf("%s: %+v", tc.name, f)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(f.Fix, w) {
				t.Errorf("%s: fix lacks %q: %s", tc.name, w, f.Fix)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(f.Fix, n) {
				t.Errorf("%s: fix names %q, which is not this server's: %s", tc.name, n, f.Fix)
			}
		}
		if !strings.Contains(f.Why, tc.why) {
			t.Errorf("%s: why lacks %q: %s", tc.name, tc.why, f.Why)
		}
	}
	f := Finding{}
	judgeTLSVersions(&f, []string{"TLS 1.2", "TLS 1.3"}, ServerVsftpd, ecdsaKey, nil)
	if f.Severity != SeverityOK || f.Fix != "" {
		t.Errorf("both versions: %+v", f)
	}
}

// Real vsftpd 3.0.3 without an ssl_ciphers line and with an ECDSA
// certificate refuses TLS 1.2 ("no shared cipher" in its log) and accepts
// TLS 1.3; the probe says so and gives vsftpd's setting, not ProFTPD's.
// With ssl_ciphers=HIGH both versions work.
func TestProbeVsftpdECDSACiphers(t *testing.T) {
	set := testSet(t)
	dir := t.TempDir()
	if err := set.Get(pki.Good).WriteFiles(dir, "good"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		builtin  bool
		severity Severity
	}{{"builtin-ciphers", true, SeverityWarning}, {"ssl_ciphers=HIGH", false, SeverityOK}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := peers.Config{Dir: t.TempDir(), CertFile: filepath.Join(dir, "good.crt"), KeyFile: filepath.Join(dir, "good.key")}
			srv := startPeer(t, peers.Vsftpd{Config: cfg, NoSSLReuse: true, BuiltinCiphers: tc.builtin}.Start)
			rep := probePeer(t, srv, set)
			f, _ := rep.Find(CheckTLSVersions)
			if rep.Server != ServerVsftpd || f.Severity != tc.severity {
				t.Fatalf("server %q, %+v\n%s", rep.Server, f, srv.Logs())
			}
			if tc.builtin && (!strings.Contains(f.Summary, "only TLS 1.3") || !strings.Contains(f.Fix, "ssl_ciphers=HIGH") ||
				strings.Contains(f.Fix, "TLSProtocol") || !strings.Contains(f.Why, "ECDSA")) {
				t.Errorf("advice does not fit vsftpd with an ECDSA key: %+v", f)
			}
			// Logs() keeps only the tail; the refused handshake is early.
			log, err := os.ReadFile(filepath.Join(cfg.Dir, "vsftpd", "vsftpd.log"))
			if err != nil {
				t.Fatal(err)
			}
			if tc.builtin != strings.Contains(string(log), "no shared cipher") {
				t.Errorf("vsftpd's log and the probe disagree on \"no shared cipher\":\n%s", log)
			}
		})
	}
}
