package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/internal/peers"
)

// serve's banner gives a curl command that works as printed (the real
// account, no --ssl-reqd when TLS is off), warns about session reuse only
// where data connections are protected and says which clients it refuses,
// and the fault API counts in English.
func TestServeBannerHints(t *testing.T) {
	bin := buildFtpsim(t)
	certs := t.TempDir()
	if code, _, errOut := runCmd("certs", "--out", certs); code != 0 {
		t.Fatalf("certs: %d %s", code, errOut)
	}
	banner := func(t *testing.T, args ...string) string {
		ctl, pasv := freeLoopbackPorts(t)
		p := startFtpsim(t, bin, append([]string{"serve", "--quiet", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl), "--pasv-ports", pasv.String()}, args...)...)
		return p.stop(t)
	}
	for _, tc := range []struct {
		args        []string
		want, avoid []string
	}{
		{nil, []string{"-u ftpsim:ftpsim ftp://", "--ssl-reqd", "ftplib.FTP_TLS as it is does not and is refused; --reuse off accepts it"}, []string{"USER:PASSWORD"}},
		{[]string{"--tls", "off", "--user", "bob:pw"}, []string{"try: curl -u bob:pw ftp://"}, []string{"--ssl-reqd", "limitation", "ftplib", "USER:PASSWORD"}},
		{[]string{"--reuse", "off"}, []string{"--ssl-reqd"}, []string{"ftplib", "limitation", "anonymous"}},
		{[]string{"--cert", filepath.Join(certs, "good.crt"), "--key", filepath.Join(certs, "good.key")},
			[]string{"CA certificate             yours: the CA that signed ", "--cacert YOUR-CA.pem -u ftpsim:ftpsim"}, []string{"use --ca-out"}},
		{[]string{"--persona", "pyftpdlib"}, []string{"note: curl fails here over FTPS as against the real pyftpdlib"}, nil},
		{[]string{"--persona", "vsftpd"}, nil, []string{"note: curl fails"}},
		{[]string{"--anonymous"}, []string{"users                      ftpsim (password ftpsim); anonymous or ftp, any password (read-only)\n"}, nil},
		{[]string{"--scenario", "reuse-same-session-ok"}, []string{"ftplib.FTP_TLS as it is does not and is refused\n"}, []string{"--reuse off accepts it"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out := banner(t, tc.args...)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("banner lacks %q:\n%s", w, out)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(out, a) {
					t.Errorf("banner has %q:\n%s", a, out)
				}
			}
		})
	}
	// A malformed address is a usage error (exit 2), with or without faults.
	for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:99999"}, {"serve", "--addr", "127.0.0.1:0", "--implicit-addr", "localhost"}, {"serve", "--addr", "127.0.0.1:99999", "--fault", "server_nat"}} {
		if code, _, errOut := runCmd(args...); code != exitUsage || !strings.Contains(errOut, "want IP:PORT") {
			t.Errorf("%v: exit %d, want %d with \"want IP:PORT\": %s", args, code, exitUsage, errOut)
		}
	}
	t.Run("fault API", func(t *testing.T) {
		ctl, pasv := freeLoopbackPorts(t)
		api, err := peers.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		a := fmt.Sprintf("127.0.0.1:%d", api)
		p := startFtpsim(t, bin, "serve", "--quiet", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl), "--pasv-ports", pasv.String(), "--api", a)
		if code, _, errOut := runCmd("fault", "add", "toxic=latency,latency=10ms", "--api", a); code != 0 {
			t.Fatalf("fault add: %d %s", code, errOut)
		}
		if code, out, errOut := runCmd("fault", "remove", "--all", "--api", a); code != 0 || out != "removed 1 toxic\n" {
			t.Errorf("fault remove --all: %d %q %s, want \"removed 1 toxic\"", code, out, errOut)
		}
		if out := p.stop(t); !strings.Contains(out, "api removed all 1 toxic (") {
			t.Errorf("serve's live line for the removal:\n%s", out)
		}
	})
}
