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
// where the real vsftpd accepts it (see suites/docker).
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
	if code, _, errOut := runCmd("serve", "--persona", "wu-ftpd"); code != exitUsage || !strings.Contains(errOut, "--persona") {
		t.Errorf("unknown persona: exit %d, %s", code, errOut)
	}
}
