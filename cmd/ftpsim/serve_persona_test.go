package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
)

// TestServePersona runs `ftpsim serve --persona vsftpd` and real clients
// against it: curl (which resumes the control session) transfers, stock
// Python ftplib (which does not) gets vsftpd's own 522, and the banner's
// stated limitation is true: curl capped at TLS 1.2 is refused here,
// where the real vsftpd accepts it (see suites/docker), and the refusal
// says it is not reproducible in-process instead of passing for
// vsftpd's: in the reply curl prints and in serve's output.
func TestServePersona(t *testing.T) {
	bin := buildFtpsim(t)
	ctl, pasv := freeLoopbackPorts(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	p := startFtpsim(t, bin, "serve", "--persona", "vsftpd", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl),
		"--pasv-ports", pasv.String(), "--ca-out", ca)
	banner := p.output()
	for _, want := range []string{"persona                    vsftpd", "control required, data required, session reuse any", "limitation"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	o := peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ctl), CAFile: ca, Timeout: 10 * time.Second}
	ctx := context.Background()

	r, err := newClient(t, "curl", o).List(ctx)
	if err != nil || !r.OK() {
		t.Errorf("curl against the vsftpd persona: %v\n%s", err, r)
	}
	r, err = newClient(t, "ftplib", o).List(ctx)
	if err != nil || r.OK() || !strings.Contains(r.Trace, "522 SSL connection failed: session reuse required") {
		t.Errorf("stock ftplib must get vsftpd's 522: %v\n%s", err, r)
	}
	o.TLS12 = true
	r, err = newClient(t, "curl", o).List(ctx)
	if err != nil || r.OK() || !r.HasReply(522) {
		t.Errorf("curl --tls-max 1.2: the banner says it fails reuse here; %v\n%s", err, r)
	}
	if !strings.Contains(r.Trace, "522 Not reproducible in-process (tls12-session-id-resumption): vsftpd 3.0.3 would resume") ||
		strings.Contains(r.Trace, "522 SSL connection failed") {
		t.Errorf("curl --tls-max 1.2 must see the guard's 522, never vsftpd's own text:\n%s", r.Trace)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.output(), "not reproducible in-process") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if out := p.output(); !strings.Contains(out, "limitation=tls12-session-id-resumption") {
		t.Errorf("serve printed no warning for the guarded refusal:\n%s", out)
	}
	if code, _, errOut := runCmd("serve", "--persona", "wu-ftpd"); code != exitUsage || !strings.Contains(errOut, "--persona") {
		t.Errorf("unknown persona: exit %d, %s", code, errOut)
	}
}

// TestServeWellConfigured runs `ftpsim serve --well-configured` (what the
// ftpsim container image runs) with real clients: curl, which resumes the
// control session, transfers; stock Python ftplib, which does not, is
// refused at the data connection; and a later --reuse off overrides the
// preset, so ftplib then transfers too.
func TestServeWellConfigured(t *testing.T) {
	bin := buildFtpsim(t)
	for _, tc := range []struct {
		extra    []string
		ftplibOK bool
	}{{nil, false}, {[]string{"--reuse", "off"}, true}} {
		ctl, pasv := freeLoopbackPorts(t)
		ca := filepath.Join(t.TempDir(), "ca.pem")
		args := append([]string{"serve", "--well-configured", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl),
			"--pasv-ports", pasv.String(), "--ca-out", ca}, tc.extra...)
		p := startFtpsim(t, bin, args...)
		want := "control required, data required, session reuse same"
		if tc.ftplibOK {
			want = "control required, data required, session reuse off"
		}
		if banner := p.output(); !strings.Contains(banner, want) {
			t.Errorf("%v: banner lacks %q:\n%s", tc.extra, want, banner)
		}
		o := peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ctl), CAFile: ca, Timeout: 10 * time.Second}
		if r, err := newClient(t, "curl", o).List(context.Background()); err != nil || !r.OK() {
			t.Errorf("%v: curl: %v\n%s", tc.extra, err, r)
		}
		r, err := newClient(t, "ftplib", o).List(context.Background())
		if err != nil {
			t.Errorf("%v: stock ftplib: %v", tc.extra, err)
		} else if r.OK() != tc.ftplibOK {
			t.Errorf("%v: stock ftplib ok=%v, want %v:\n%s", tc.extra, r.OK(), tc.ftplibOK, r)
		}
	}
	code, _, errOut := runCmd("serve", "--well-configured", "--persona", "vsftpd")
	if code != 2 || !strings.Contains(errOut, "give one") {
		t.Errorf("--well-configured with --persona: exit %d, %q; want 2 and a usage error", code, errOut)
	}
}
