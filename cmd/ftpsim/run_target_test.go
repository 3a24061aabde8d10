package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// TestRunTargetVerdicts: ftpsim run --target judges a server against the
// well-configured reference. A well-configured server (what ftpsim serve
// --well-configured runs) comes out all well-configured, implicit
// scenarios not-applicable without --implicit-addr and run with it, exit
// 0; a permissive server (sim's zero value: TLS optional, no reuse) comes
// out insecure for its cleartext login and data, exit 1, with the reuse
// scenarios as reproduces.
func TestRunTargetVerdicts(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := set.CA.WriteCertFile(ca); err != nil {
		t.Fatal(err)
	}
	good := scenarios.ReferenceServer(set)
	good.Start()
	defer good.Close()
	url := "ftp://" + sim.DefaultUser + ":" + sim.DefaultPassword + "@" + good.Addr

	code, out, errOut := runCmd("run", "--target", url, "--ca", ca)
	if code != 0 {
		t.Fatalf("well-configured target: exit %d\n%s%s", code, out, errOut)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "[") && !strings.Contains(line, " well-configured ") {
			t.Errorf("well-configured target, verdict line: %s", line)
		}
	}
	if !strings.Contains(out, "not-applicable  implicit-tls") || !strings.Contains(out, "2 not-applicable") {
		t.Errorf("implicit scenarios without --implicit-addr are not reported not-applicable:\n%s", out)
	}
	code, out, _ = runCmd("run", "--target", url, "--implicit-addr", good.ImplicitAddr, "--ca", ca, "implicit-tls", "explicit-client-on-implicit-port")
	if code != 0 || !strings.Contains(out, "2 scenarios: 2 well-configured") {
		t.Errorf("with --implicit-addr: exit %d\n%s", code, out)
	}

	loose := sim.NewUnstartedServer()
	loose.PKI = set
	loose.Start()
	defer loose.Close()
	code, out, _ = runCmd("run", "--target", "ftp://"+sim.DefaultUser+":"+sim.DefaultPassword+"@"+loose.Addr, "--ca", ca)
	if code != exitMismatch {
		t.Errorf("permissive target: exit %d, want %d\n%s", code, exitMismatch, out)
	}
	for _, want := range []string{"FAIL insecure         plain-ftp", "FAIL insecure         data-tls-required-prot-c",
		"reproduces       reuse-off-full-handshake", "fix: require TLS for logins"} {
		if !strings.Contains(out, want) {
			t.Errorf("permissive target: output lacks %q:\n%s", want, out)
		}
	}
	// Nothing listens: every verdict no-run, the error said once per
	// scenario, and one line on what to check.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	code, out, _ = runCmd("run", "--target", "ftp://u:p@"+dead, "-q", "explicit-tls", "plain-ftp")
	if code != exitMismatch || strings.Count(out, "connection refused") != 2 || !strings.Contains(out, "no scenario could run against the target: check its URL") {
		t.Errorf("unreachable target: exit %d, want %d, the refusal once per scenario and what to check:\n%s", code, exitMismatch, out)
	}
	if code, _, errOut := runCmd("run", "--implicit-addr", "127.0.0.1:990"); code != exitUsage || !strings.Contains(errOut, "needs --target") {
		t.Errorf("--implicit-addr without --target: exit %d, %q", code, errOut)
	}
}
