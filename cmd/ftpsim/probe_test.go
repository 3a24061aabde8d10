package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios/probe"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// probeServer starts a well-configured sim server (TLS required, reuse
// bound to the control session, good certificate), changed by configure,
// and writes its CA to a file.
func probeServer(t *testing.T, configure ...func(*sim.Server)) (srv *sim.Server, caFile string) {
	t.Helper()
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.crt")
	if err := set.CA.WriteCertFile(caFile); err != nil {
		t.Fatal(err)
	}
	srv = sim.NewUnstartedServer()
	srv.PKI = set
	srv.ControlTLS, srv.Reuse, srv.DataTimeout = sim.TLSRequired, sim.ReuseSame, 5*time.Second
	for _, c := range configure {
		c(srv)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, caFile
}

func simURL(srv *sim.Server) string {
	return "ftp://" + sim.DefaultUser + ":" + sim.DefaultPassword + "@" + srv.Addr
}

func TestProbeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"probe"},
		{"probe", "ftp://a@127.0.0.1:1", "ftp://b@127.0.0.1:2"},
		{"probe", "http://127.0.0.1:21"},
		{"probe", "--frobnicate", "ftp://127.0.0.1:21"},
		{"probe", "--implicit-addr", "nohost", "ftp://127.0.0.1:21"},
		{"probe", "--ca", filepath.Join(t.TempDir(), "missing.crt"), "ftp://127.0.0.1:21"},
	} {
		if code, _, _ := runCmd(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	code, out, _ := runCmd("probe", "--help")
	if code != 0 || !strings.Contains(out, "Usage: ftpsim probe") || !strings.Contains(out, "-implicit-addr") {
		t.Errorf("probe --help: exit %d\n%s", code, out)
	}
	if _, out, _ := runCmd("--help"); !strings.Contains(out, "probe") {
		t.Errorf("probe missing from the command list:\n%s", out)
	}
}

func TestProbeGoodServer(t *testing.T) {
	srv, ca := probeServer(t)
	// Flags after the URL work too.
	code, out, errOut := runCmd("probe", simURL(srv), "--ca", ca, "--timeout", "5s")
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	for _, s := range []string{"[ ok ] greeting", "[ ok ] transfer", "[WARN] session-reuse", "WARN session-reuse (S01, S02)",
		"  seen: resuming the control session: LIST ok", "  fix: ", "0 problems, 1 warning"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

func TestProbeNATProblem(t *testing.T) {
	srv, ca := probeServer(t, func(s *sim.Server) { s.PassiveAddr = netip.MustParseAddr("127.0.0.2") })
	code, out, _ := runCmd("probe", "--ca", ca, "--timeout", "5s", simURL(srv))
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, s := range []string{"[FAIL] pasv-address", "FAIL pasv-address (S10, S11)", "227 Entering Passive Mode (127,0,0,2,",
		"connection refused", "pasv_address", "MasqueradeAddress", "1 problem,"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

func TestProbeJSONAndInsecure(t *testing.T) {
	srv, _ := probeServer(t, func(s *sim.Server) {
		c := s.PKI.Get(pki.SelfSigned).TLSCertificate()
		s.Certificate = &c
	})
	code, out, _ := runCmd("probe", "--json", "--insecure", "--timeout", "5s", simURL(srv))
	if code != 1 {
		t.Fatalf("exit %d, want 1 (self-signed)\n%s", code, out)
	}
	var rep probe.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	sev := map[string]probe.Severity{}
	for _, f := range rep.Findings {
		sev[f.Check] = f.Severity
	}
	if sev[probe.CheckCertChain] != probe.SeverityProblem || sev[probe.CheckTransfer] != probe.SeverityOK {
		t.Errorf("with --insecure: cert-chain %s, transfer %s; want problem, ok\n%s", sev[probe.CheckCertChain], sev[probe.CheckTransfer], out)
	}
	if !strings.Contains(out, `"severity": "problem"`) {
		t.Errorf("severities are not names:\n%s", out)
	}
}

func TestProbeImplicitAddr(t *testing.T) {
	srv, ca := probeServer(t, func(s *sim.Server) { s.Implicit = true })
	code, out, _ := runCmd("probe", "--ca", ca, "--implicit-addr", srv.ImplicitAddr, "--timeout", "5s", "--read-only", simURL(srv))
	if code != 0 || !strings.Contains(out, "[ ok ] implicit-tls") || !strings.Contains(out, "[skip] transfer") {
		t.Errorf("exit %d\n%s", code, out)
	}
	implicitURL := "ftps://" + sim.DefaultUser + ":" + sim.DefaultPassword + "@" + srv.ImplicitAddr
	code, out, _ = runCmd("probe", "--ca", ca, "--timeout", "5s", implicitURL)
	if code != 0 || !strings.Contains(out, "[ ok ] implicit-tls") || strings.Contains(out, "cleartext-login") {
		t.Errorf("ftps:// URL: exit %d\n%s", code, out)
	}
}

// The CLI against a real vsftpd that advertises 127.0.0.2 and requires
// session reuse; "go test -v -run TestProbeRealVsftpd" shows the report.
func TestProbeRealVsftpd(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{KeyType: pki.RSA2048})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := set.Get(pki.Good).WriteFiles(dir, "good"); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.crt")
	if err := set.CA.WriteCertFile(ca); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v := peers.Vsftpd{Config: peers.Config{Dir: t.TempDir(), CertFile: filepath.Join(dir, "good.crt"), KeyFile: filepath.Join(dir, "good.key")},
		PASVAddress: "127.0.0.2"}
	srv, err := v.Start(ctx)
	var nie *peers.NotInstalledError
	if errors.As(err, &nie) {
		t.Skip(nie.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url := "ftp://" + srv.User + ":" + srv.Password + "@" + srv.Addr
	code, out, _ := runCmd("probe", "--ca", ca, "--timeout", "10s", url)
	t.Log("\n" + out)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, s := range []string{"(looks like vsftpd)", "[FAIL] pasv-address", "[WARN] session-reuse", "[ ok ] transfer",
		"522 SSL connection failed: session reuse required", "vsftpd: pasv_address=", "vsftpd: require_ssl_reuse=NO"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q", s)
		}
	}
}
