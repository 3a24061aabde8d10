package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
)

func lookup(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	sc, ok := scenarios.Lookup(name)
	if !ok {
		t.Fatalf("catalogue has no scenario %s", name)
	}
	return &sc
}

// The banner's "its client" line shows every client setting that decides
// the outcome, among them client.ccc_shutdown and the user.
func TestClientDescriptionShowsCCCShutdown(t *testing.T) {
	for name, want := range map[string]string{
		"pure-ftpd-ccc-lftp-race":     "ccc_shutdown=lftp",
		"pure-ftpd-ccc-lftp-race-won": "ccc_shutdown=lftp",
		"read-only-user-upload":       "user=reader",
	} {
		if got := clientDescription(lookup(t, name).Client); !strings.Contains(got, want) {
			t.Errorf("%s: its client %q lacks %q", name, got, want)
		}
	}
	if got := clientDescription(lookup(t, "ccc").Client); strings.Contains(got, "ccc_shutdown") {
		t.Errorf("ccc (default shutdown order): its client %q names a ccc_shutdown", got)
	}
}

// curl's CCC note says what is true of each CCC scenario: the race's
// failure is lftp's, curl fails for its own reason; a scenario whose
// client succeeds is said to succeed.
func TestCurlCommandCCCNote(t *testing.T) {
	for _, tc := range []struct {
		name     string
		want     []string
		mustNot  string
		wantLftp bool
	}{
		{"pure-ftpd-ccc-lftp-race", []string{"for its own reason", "lftp's order of close_notify", "failure at tls"}, "succeeds", true},
		{"pure-ftpd-ccc-lftp-race-won", []string{"lftp-style, succeeds"}, "own reason", true},
		{"ccc", []string{"where this scenario's client succeeds"}, "lftp", false},
		{"nat-private-pasv-lftp", []string{"the lftp command below is that client"}, "CCC", true},
		{"alg-ftps-ccc", []string{"where this scenario's client succeeds"}, "lftp", false},
	} {
		sc := lookup(t, tc.name)
		_, _, ok, why := curlCommand(sc, "127.0.0.1:2121", "", "ca.pem")
		if ok {
			t.Errorf("%s: curl is said to reproduce a CCC scenario exactly", tc.name)
		}
		for _, w := range tc.want {
			if !strings.Contains(why, w) {
				t.Errorf("%s: curl note %q lacks %q", tc.name, why, w)
			}
		}
		if strings.Contains(why, tc.mustNot) {
			t.Errorf("%s: curl note %q says %q", tc.name, why, tc.mustNot)
		}
		if _, ok := lftpCommand(sc, "127.0.0.1:2121", "ca.pem", "FILE"); ok != tc.wantLftp {
			t.Errorf("%s: lftp command offered %v, want %v", tc.name, ok, tc.wantLftp)
		}
	}
}

// serve --scenario of a scenario without a network says there are no
// faults, and one with a network still says it is behind faults.
func TestServeScenarioWithoutNetwork(t *testing.T) {
	bin := buildFtpsim(t)
	for _, tc := range []struct {
		name  string
		clean bool
	}{{"explicit-tls", true}, {"pure-ftpd-ccc-lftp-race", true}, {"nat-private-pasv-trusted", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ctl, pasv := freeLoopbackPorts(t)
			p := startFtpsim(t, bin, "serve", "--scenario", tc.name, "--addr", fmt.Sprintf("127.0.0.1:%d", ctl), "--pasv-ports", pasv.String())
			out := p.stop(t)
			claims := []string{"behind faults", "faults (what your client should experience)", "fault events print live", "behind a firewall", "\nfaults: "}
			for _, c := range claims {
				if got := strings.Contains(out, c); tc.clean && got {
					t.Errorf("scenario without a network: output claims %q:\n%s", c, out)
				}
			}
			if tc.clean && (!strings.Contains(out, "listening, no faults (scenario "+tc.name+" has no network") || !strings.Contains(out, "network (no faults): ")) {
				t.Errorf("scenario without a network: output does not say there are no faults:\n%s", out)
			}
			if !tc.clean && (!strings.Contains(out, "listening behind faults") || !strings.Contains(out, "server_nat")) {
				t.Errorf("scenario with a network: output lacks its faults:\n%s", out)
			}
		})
	}
}

// TestBannerLftpCommands runs the lftp command serve's banner prints for
// the scenarios whose client is lftp-style (ccc_shutdown: lftp) and checks
// the outcome it predicts: exit 0 for a success; for the race exit 1 with
// "Peer closed connection" after the 200 to CCC.
func TestBannerLftpCommands(t *testing.T) {
	if _, err := exec.LookPath("lftp"); err != nil {
		t.Skip("lftp is not installed (.ci/install-peers.sh installs it)")
	}
	bin := buildFtpsim(t)
	file := filepath.Join(t.TempDir(), "upload.bin")
	if err := os.WriteFile(file, []byte(strings.Repeat("ftpsim-lftp\n", 4096)), 0o644); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, sc := range scenarios.Catalogue() {
		if _, ok := lftpCommand(&sc, "127.0.0.1:1", "ca.pem", "FILE"); !ok {
			continue
		}
		checked++
		t.Run(sc.Name, func(t *testing.T) {
			ctl, pasv := freeLoopbackPorts(t)
			ca := filepath.Join(t.TempDir(), "ca.pem")
			p := startFtpsim(t, bin, "serve", "--scenario", sc.Name, "--quiet", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl), "--pasv-ports", pasv.String(), "--ca-out", ca)
			defer p.stop(t)
			line, ok := strings.CutPrefix(lineWith(p.output(), "reproduce with lftp: "), "reproduce with lftp: ")
			if !ok {
				t.Fatalf("banner has no lftp command:\n%s", p.output())
			}
			script, rest, _ := strings.Cut(strings.TrimPrefix(line, "lftp -d -e '"), "' ")
			args := append([]string{"-d", "-e", strings.ReplaceAll(script, "FILE", file)}, strings.Fields(rest)...)
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, "lftp", args...).CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			switch {
			case sc.Expect.Result == scenarios.Success && code != 0:
				t.Errorf("lftp exit %d, the scenario expects success:\n%s", code, out)
			case sc.Expect.Result == scenarios.Failure && (code != 1 || !strings.Contains(string(out), "Peer closed connection")):
				t.Errorf("lftp exit %d, want 1 with 'Peer closed connection' (%s):\n%s", code, sc.Expect, out)
			}
		})
	}
	if checked < 3 {
		t.Errorf("only %d scenarios have an lftp command; want the CCC race, its won order and nat-private-pasv-lftp", checked)
	}
}

// A scenario client's TLS name is curl's URL host where that is the same
// check: localhost (which names the entry 127.0.0.1) or the entry's IP.
func TestCurlCommandServerName(t *testing.T) {
	for _, tc := range []struct {
		name, ctl, url string
		ok             bool
	}{
		{"localhost", "127.0.0.1:2121", "ftp://localhost:2121/", true},
		{"127.0.0.1", "127.0.0.1:2121", "ftp://127.0.0.1:2121/", true},
		{"localhost", "127.0.0.2:2121", "ftp://127.0.0.2:2121/", false},
		{"ftp.example.com", "127.0.0.1:2121", "ftp://127.0.0.1:2121/", false},
	} {
		sc := &scenarios.Scenario{Name: "x", Client: scenarios.ClientSpec{ServerName: tc.name}, Steps: []scenarios.Step{{Op: "list"}}, Expect: scenarios.Outcome{Result: scenarios.Success}}
		cmd, _, ok, why := curlCommand(sc, tc.ctl, "", "ca.pem")
		if ok != tc.ok || !strings.HasSuffix(cmd, " "+tc.url) {
			t.Errorf("server_name %s at %s: %q ok=%v (%s), want URL %s ok=%v", tc.name, tc.ctl, cmd, ok, why, tc.url, tc.ok)
		}
	}
}

// The server's firewall is said to let every port in when open_ports
// closes none (no NAT, only toxics here), and not when it does.
func TestServeBannerFirewall(t *testing.T) {
	bin := buildFtpsim(t)
	for fault, open := range map[string]bool{"toxic=latency,latency=1ms": true, "open_ports=21,30000-30009": false} {
		ctl, pasv := freeLoopbackPorts(t)
		out := startFtpsim(t, bin, "serve", "--quiet", "--fault", fault, "--addr", fmt.Sprintf("127.0.0.1:%d", ctl), "--pasv-ports", pasv.String()).stop(t)
		if got := strings.Contains(out, "203.0.113.7 behind a firewall that lets every port in;"); got != open {
			t.Errorf("--fault %s: 'lets every port in' %v, want %v:\n%s", fault, got, open, out)
		}
	}
}
