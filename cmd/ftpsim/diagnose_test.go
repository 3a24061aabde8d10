package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
)

// testLog is a curl -v log of vsftpd refusing a data connection that did
// not resume the TLS session (shortened from a real one).
const testLog = `* Connected to 127.0.0.1 (127.0.0.1) port 2121 (#0)
< 220 (vsFTPd 3.0.3)
> AUTH SSL
< 234 Proceed with negotiation.
* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384
> USER ftpsuser
< 331 Please specify the password.
> PASS hunter2
< 230 Login successful.
> PBSZ 0
< 200 PBSZ set to 0.
> PROT P
< 200 PROT now Private.
> EPSV
< 229 Entering Extended Passive Mode (|||30001|)
* Connecting to 127.0.0.1 (127.0.0.1) port 30001
> LIST
< 150 Here comes the directory listing.
< 522 SSL connection failed: session reuse required
curl: (18) server did not report OK, got 522
`

func TestDiagnoseCommand(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "curl.log")
	os.WriteFile(logFile, []byte(testLog), 0o644)
	out := filepath.Join(dir, "customer.yaml")

	code, stdout, stderr := runCmd("diagnose", "--yaml", out, logFile)
	if code != 0 {
		t.Fatalf("diagnose: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"curl -v", "vsftpd", "failure at data-tls, code 522", "1. vsftpd-reuse-required", "cause:", "fix:",
		"curl.log:19", "ftpsim run " + out, "ftpsim serve --scenario " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout+stderr, "hunter2") {
		t.Errorf("the password is printed:\n%s", stdout)
	}
	list, err := scenarios.Load(out)
	if err != nil || len(list) != 1 || list[0].Server.Persona != "vsftpd" {
		t.Fatalf("written YAML: %v %+v", err, list)
	}
	// ftpsim run of the written file shows the log's failure
	code, stdout, _ = runCmd("run", out)
	if code != 0 || !strings.Contains(stdout, "failure at data-tls, code 522") {
		t.Errorf("ftpsim run %s: exit %d\n%s", out, code, stdout)
	}

	// -v shows the exchange with the password masked
	_, stdout, _ = runCmd("diagnose", "-v", logFile)
	if !strings.Contains(stdout, "> PASS ****") || strings.Contains(stdout, "hunter2") {
		t.Errorf("-v exchange:\n%s", stdout)
	}

	// --json is one document
	code, stdout, _ = runCmd("diagnose", "--json", logFile)
	var doc struct {
		Incident struct {
			Outcome scenarios.Outcome `json:"outcome"`
			Server  string            `json:"server"`
		} `json:"incident"`
		Matches []struct {
			Name string `json:"name"`
			Fix  string `json:"fix"`
		} `json:"matches"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 0 {
		t.Fatalf("--json: exit %d, %v\n%s", code, err, stdout)
	}
	if doc.Incident.Outcome.Code != 522 || len(doc.Matches) == 0 || doc.Matches[0].Name != "vsftpd-reuse-required" || doc.Matches[0].Fix == "" {
		t.Errorf("--json: %+v", doc)
	}

	// standard input
	stdin = strings.NewReader(testLog)
	defer func() { stdin = os.Stdin }()
	if code, stdout, _ := runCmd("diagnose", "-"); code != 0 || !strings.Contains(stdout, "vsftpd-reuse-required") {
		t.Errorf("diagnose -: exit %d\n%s", code, stdout)
	}
}

func TestDiagnoseExitCodes(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.txt")
	os.WriteFile(junk, []byte("hello\nworld\n"), 0o644)
	nothing := filepath.Join(dir, "odd.log")
	// a failure no scenario expects: 552 on STOR (quota)
	os.WriteFile(nothing, []byte("* Connected to 127.0.0.1 (127.0.0.1) port 21 (#0)\n< 220 ready\n> USER a\n< 331 pw\n> PASS b\n< 230 ok\n> EPSV\n< 229 Entering Extended Passive Mode (|||3000|)\n> STOR f\n< 150 ok\n< 552 Quota exceeded.\ncurl: (25) Failed FTP upload: 552\n"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"diagnose"}, 2, "name at least one log file"},
		{[]string{"diagnose", filepath.Join(dir, "missing.log")}, 2, "no such file"},
		{[]string{"diagnose", junk}, 2, "ftpsim diagnose: " + junk + ": unrecognised log format"},
		{[]string{"diagnose", nothing}, 1, "no catalogue scenario is consistent with the log"},
		{[]string{"diagnose", "--help"}, 0, "Formats recognised"},
	}
	for _, c := range cases {
		code, stdout, stderr := runCmd(c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("%v: exit %d (want %d), want %q in\n%s%s", c.args, code, c.code, c.want, stdout, stderr)
		}
	}
}

// The customer's own client against serve --scenario of the written file:
// real curl with the customer's options (no session reuse) gets the 522
// of the log.
func TestDiagnoseServeWrittenScenario(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (.ci/install-peers.sh installs it)")
	}
	bin := buildFtpsim(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "curl.log")
	os.WriteFile(logFile, []byte(testLog), 0o644)
	out := filepath.Join(dir, "customer.yaml")
	if code, stdout, stderr := runCmd("diagnose", "--yaml", out, logFile); code != 0 {
		t.Fatalf("diagnose: exit %d\n%s%s", code, stdout, stderr)
	}
	ctl, pasv := freeLoopbackPorts(t)
	ca := filepath.Join(dir, "ca.pem")
	p := startFtpsim(t, bin, "serve", "--scenario", out, "--quiet", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl),
		"--pasv-ports", pasv.String(), "--ca-out", ca)
	defer p.stop(t)
	if !strings.Contains(p.output(), "customer-vsftpd-reuse-required") {
		t.Fatalf("serve banner does not name the written scenario:\n%s", p.output())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	trace, _ := exec.CommandContext(ctx, curl, "-v", "--max-time", "12", "--ssl-reqd", "--no-sessionid", "--cacert", ca,
		"-u", "ftpsim:ftpsim", fmt.Sprintf("ftp://127.0.0.1:%d/", ctl)).CombinedOutput()
	if !strings.Contains(string(trace), "< 522 ") {
		t.Errorf("curl without session reuse against serve --scenario %s: no 522\n%s", out, trace)
	}
}
