package fidelity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
//
// The six runs (three per side) go at once: each is a wait for curl's own
// 3 s limit, which load does not move, and a run that timed out before
// its CCC is named apart ("before CCC") so that it cannot pass for one.
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
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for range 3 {
		for _, side := range []struct {
			addr string
			m    map[string]int
		}{{realSrv.Addr, real}, {persona.Addr, pers}} {
			wg.Go(func() {
				k := run(side.addr)
				mu.Lock()
				side.m[k]++
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	t.Logf("pure-ftpd, curl --ftp-ssl-ccc: real %s | persona %s", counts(real), counts(pers))
	if real["exit 28"] != 3 {
		t.Errorf("real pure-ftpd no longer makes curl time out after CCC: %s (update the persona's CCCStallsWithoutCloseNotify)", counts(real))
	}
	if pers["exit 28"] != 3 {
		t.Errorf("the pure-ftpd persona after CCC: %s, want curl's timeout (28) like the real server", counts(pers))
	}
}

// TestLftpCCCRace: lftp 4.9.2 with ftp:ssl-use-ccc against pure-ftpd
// 1.0.50. pure-ftpd sends its close_notify right after its 200 to CCC;
// lftp sends its own once it has read the 200, and when the server's has
// arrived first (with the 200, or before lftp acted on it) lftp takes it
// for a hang-up: "**** Peer closed connection" right after the 200, then
// reconnects and fails again or runs out of retries (exit 1). Seen on
// the wire (tshark on loopback): every failed run had the server's
// 19-byte close_notify record before lftp's, every successful one after
// it. The real rate follows the machine's load (6-9 of 10 runs idle, 0
// of 4 with pure-ftpd under strace), so it is printed, not asserted.
// What is asserted: real pure-ftpd and the persona fail no other way,
// and the persona's deterministic settings decide the race: with the
// close_notify in the 200's write lftp always loses, with it after
// lftp's it always wins. Those two deterministic groups run at the same
// time, after the two measured ones, which run alone.
func TestLftpCCCRace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real lftp against real pure-ftpd; skipped with -short")
	}
	c := sharedCerts(t)
	realSrv := startReal(t, func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
		return peers.PureFTPd{Config: cfg}.Start
	})
	cfg := matrixConfig{name: "CCC", apply: func(o *peers.ClientOptions) { o.CCC = true }, hangs: []string{"lftp"}}
	payload := make([]byte, 1<<20)
	rand.Read(payload)
	local := filepath.Join(t.TempDir(), "up.bin")
	if err := os.WriteFile(local, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(payload)
	runs := func(t *testing.T, addr string, n int) map[string]int {
		m := map[string]int{}
		for range n {
			k, err := realClientRound(t, c, "lftp", cfg, addr, local, sum)
			var unsup *unavailable
			if errors.As(err, &unsup) {
				t.Skip(unsup.why)
			}
			if err != nil {
				t.Fatal(err)
			}
			m[k]++
		}
		return m
	}
	only := func(t *testing.T, side string, m map[string]int, allowed ...string) {
		for k := range m {
			if !slices.Contains(allowed, k) {
				t.Errorf("%s: lftp with CCC ended %q (%s), want only %q", side, k, counts(m), allowed)
			}
		}
	}
	real := runs(t, realSrv.Addr, 8)
	only(t, "real pure-ftpd", real, "ok", lftpLostCCCRace)
	atOnce := runs(t, startPersona(t, sim.PureFTPd(), nil).Addr, 8)
	only(t, "persona", atOnce, "ok", lftpLostCCCRace)
	withReplySrv := startPersona(t, sim.PureFTPd(), func(s *sim.Server) { s.CCCCloseNotify = sim.CCCNotifyWithReply })
	afterClientSrv := startPersona(t, sim.PureFTPd(), func(s *sim.Server) { s.CCCCloseNotify = sim.CCCNotifyAfterClient })
	var withReply, afterClient map[string]int
	t.Run("deterministic", func(t *testing.T) {
		t.Run("with the 200", func(t *testing.T) {
			t.Parallel()
			withReply = runs(t, withReplySrv.Addr, 4)
			only(t, "persona, close_notify with the 200", withReply, lftpLostCCCRace)
		})
		t.Run("after lftp's", func(t *testing.T) {
			t.Parallel()
			afterClient = runs(t, afterClientSrv.Addr, 4)
			only(t, "persona, close_notify after lftp's", afterClient, "ok")
		})
	})
	t.Logf("lftp ftp:ssl-use-ccc: real pure-ftpd %s | persona (at once) %s | with the 200 %s | after lftp's %s",
		counts(real), counts(atOnce), counts(withReply), counts(afterClient))
}
