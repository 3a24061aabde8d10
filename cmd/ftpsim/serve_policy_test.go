package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serve --scenario client-address-denied refuses real clients as the
// scenario refuses its own: its deny list names loopback, the address of
// the scenario's client, and the server, which sees a real client through
// the entry at 198.51.100.10, answers it the 421 the catalogue names.
// Real curl runs the banner's reproduce line and lftp a listing, both
// against 127.0.0.1 only.
func TestServeClientAddressDenied(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (.ci/install-peers.sh installs it)")
	}
	bin := buildFtpsim(t)
	ctl, pasv := freeLoopbackPorts(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	p := startFtpsim(t, bin, "serve", "--scenario", "client-address-denied", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl),
		"--pasv-ports", pasv.String(), "--ca-out", ca)
	defer p.stop(t)
	banner := p.output()
	for _, want := range []string{"address policy", "deny list 127.0.0.0/8 ::1/128", "the server sees your client as 198.51.100.10", "and refuses it as it does 127.0.0.1"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	cmdLine, size, ok := reproduceLine(banner)
	if !ok {
		t.Fatalf("the banner gives no reproduce line for client-address-denied:\n%s", banner)
	}
	if !strings.Contains(banner, "(28) Timeout was reached") {
		t.Errorf("the banner does not say how curl reports the 421:\n%s", banner)
	}
	trace, runErr := runReproduceLine(t, curl, cmdLine, size)
	var exit *exec.ExitError
	switch {
	case runErr == nil:
		t.Errorf("curl %q succeeded; the scenario expects failure at connect, code 421\n%s", cmdLine, trace.String())
	case !errors.As(runErr, &exit):
		t.Fatalf("curl: %v", runErr)
	case !strings.Contains(trace.String(), "< 421 "):
		t.Errorf("no 421 greeting in curl's trace:\n%s", trace.String())
	case exit.ExitCode() != 28:
		t.Errorf("curl exit %d, want 28 (curl's code for a 421 greeting, as the banner says)\n%s", exit.ExitCode(), trace.String())
	}
	// The server's own transcript, after the banner, says why: its
	// address policy, not a fault or a timeout.
	if out := strings.TrimPrefix(p.output(), banner); !strings.Contains(out, "# connection refused: address-denied") || !strings.Contains(out, " < 421 ") {
		t.Errorf("serve's transcript does not show the address refusal:\n%s", out)
	}

	lftp, err := exec.LookPath("lftp")
	if err != nil {
		t.Log("lftp is not installed (.ci/install-peers.sh installs it): checked with curl only")
		return
	}
	script := "set ssl:ca-file " + ca + "; set ftp:ssl-force yes; set net:max-retries 1; set net:reconnect-interval-base 1; ls; bye"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lc := exec.CommandContext(ctx, lftp, "-d", "-e", script, "-u", "ftpsim,ftpsim", fmt.Sprintf("ftp://127.0.0.1:%d", ctl))
	var ltrace bytes.Buffer
	lc.Stdout, lc.Stderr = &ltrace, &ltrace
	if err := lc.Run(); err == nil {
		t.Errorf("lftp listed the directory; the scenario expects failure at connect, code 421\n%s", ltrace.String())
	}
	if !strings.Contains(ltrace.String(), "<--- 421 ") {
		t.Errorf("no 421 greeting in lftp's debug output:\n%s", ltrace.String())
	}
}
