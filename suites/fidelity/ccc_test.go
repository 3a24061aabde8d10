package fidelity

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
)

// TestCCCFidelity: curl 7.88 --ftp-ssl-ccc clears the control channel
// and sends its next command (PWD) in cleartext without a close_notify of
// its own. Real pure-ftpd 1.0.50 then answers nothing and curl hangs
// until its timeout (exit 28); the persona must do the same, not end the
// connection at once (exit 56). ProFTPD, which refuses CCC under
// TLSRequired, and the other personas are covered by the CCC cases of
// TestServerFidelity.
func TestCCCFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for curl's timeout against real pure-ftpd; skipped with -short")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (Debian package curl)")
	}
	c := sharedCerts(t)
	realSrv := startReal(t, func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
		return peers.PureFTPd{Config: cfg}.Start
	})
	persona := startPersona(t, sim.PureFTPd(), nil)
	run := func(addr string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, curl, "-sS", "-v", "--max-time", "3", "--ssl-reqd", "--ftp-ssl-ccc", "--cacert", c.CAFile,
			"-u", peers.User+":"+peers.Password, "ftp://"+addr+"/").CombinedOutput()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return "ok"
		case errors.As(err, &ee):
			if !strings.Contains(string(out), "< 200 Control connection unencrypted") {
				return fmt.Sprintf("exit %d before CCC", ee.ExitCode())
			}
			return fmt.Sprintf("exit %d", ee.ExitCode())
		}
		return err.Error()
	}
	real, pers := map[string]int{}, map[string]int{}
	for range 3 {
		real[run(realSrv.Addr)]++
		pers[run(persona.Addr)]++
	}
	t.Logf("pure-ftpd, curl --ftp-ssl-ccc: real %s | persona %s", counts(real), counts(pers))
	if real["exit 28"] != 3 {
		t.Errorf("real pure-ftpd no longer makes curl time out after CCC: %s (update the persona's CCCStallsWithoutCloseNotify)", counts(real))
	}
	if pers["exit 28"] != 3 {
		t.Errorf("the pure-ftpd persona after CCC: %s, want curl's timeout (28) like the real server", counts(pers))
	}
}
