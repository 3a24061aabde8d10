package scenarios_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// TestCatalogueOnRealServers runs catalogue scenarios' client side against
// real FTP servers configured the way the scenario's server spec describes,
// and checks that the outcome is the one the scenario predicts for the
// in-process server: same phase, same reply code, same error class.
func TestCatalogueOnRealServers(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	certDir := t.TempDir()
	if err := set.Get(pki.Good).WriteFiles(certDir, "server"); err != nil {
		t.Fatal(err)
	}
	start := map[string]func(peers.Config) func(context.Context) (*peers.Server, error){
		"vsftpd": func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Vsftpd{Config: c}.Start
		},
		"vsftpd-implicit": func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Vsftpd{Config: c, Implicit: true}.Start
		},
		"vsftpd-nat": func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Vsftpd{Config: c, PASVAddress: "127.0.0.2"}.Start
		},
		"proftpd": func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.ProFTPD{Config: c}.Start
		},
		"pure-ftpd": func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.PureFTPd{Config: c, TLS: 3}.Start
		},
	}
	cases := []struct {
		scenario, server string
	}{
		{"explicit-tls", "pure-ftpd"},
		{"implicit-tls", "vsftpd-implicit"},
		{"tls12-only", "proftpd"},
		{"reuse-same-session-ok", "proftpd"},
		{"reuse-required-client-no-reuse", "vsftpd"},  // 522 after 150
		{"reuse-go-cache-keyed-by-address", "vsftpd"}, // Go cache keyed by address: 522
		{"tls-required-plain-client", "vsftpd"},       // 530 Non-anonymous sessions must use encryption.
		{"wrong-password", "vsftpd"},
		{"data-tls-required-prot-c", "pure-ftpd"},  // 521 with -Y 3
		{"nat-pasv-address-trusted", "vsftpd-nat"}, // pasv_address=127.0.0.2
		{"nat-pasv-address-skipped", "vsftpd-nat"},
		{"nat-pasv-address-epsv", "vsftpd-nat"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario+"/"+tc.server, func(t *testing.T) {
			t.Parallel()
			sc, ok := scenarios.Lookup(tc.scenario)
			if !ok {
				t.Fatalf("no scenario %q", tc.scenario)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			cfg := peers.Config{Dir: t.TempDir(), CertFile: certDir + "/server.crt", KeyFile: certDir + "/server.key"}
			srv, err := start[tc.server](cfg)(ctx)
			var nie *peers.NotInstalledError
			if errors.As(err, &nie) {
				t.Skip(nie.Error())
			}
			if err != nil {
				t.Fatalf("start %s: %v", tc.server, err)
			}
			defer srv.Close()
			target := &scenarios.Target{Addr: srv.Addr, ImplicitAddr: srv.ImplicitAddr, User: srv.User, Password: srv.Password,
				RootCAs: set.CA.Pool()}
			// The real server is configured as the scenario's server spec
			// says; the spec itself is for the in-process server.
			sc.Server = scenarios.ServerSpec{}
			res := scenarios.Run(ctx, sc, scenarios.RunOptions{Target: target, Timeout: 30 * time.Second})
			if res.Setup != nil {
				t.Fatalf("setup: %v", res.Setup)
			}
			if !res.Match {
				t.Errorf("%s on %s: expected %s, got %s\nerror: %v\nclient transcript:\n%s\nserver logs:\n%s",
					tc.scenario, tc.server, sc.Expect, res.Got, res.Err, res.ClientTranscript.String(), srv.Logs())
			}
		})
	}
}
