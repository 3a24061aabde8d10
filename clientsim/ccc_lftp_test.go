package clientsim_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// cccRuns is how many logins each CCC mode gets: enough to show "every
// time" for the deterministic modes without slowing -race runs.
const cccRuns = 5

// cccLogin dials srv with opts and CCC, logs in and, on success, checks
// that the cleared control connection still answers. It returns Login's
// error.
func cccLogin(t *testing.T, srv *sim.Server, v uint16, opts ...clientsim.Option) error {
	t.Helper()
	opts = append(opts, clientsim.WithCCC(), clientsim.WithTLSVersions(v, v))
	c, err := dialSim(t, srv, opts...)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if err := c.Login(simCtx(t), sim.DefaultUser, sim.DefaultPassword); err != nil {
		return err
	}
	if !slices.ContainsFunc(c.Transcript().Lines(ftp.EntryTLS),
		func(l string) bool { return strings.Contains(l, "CCC: close_notify exchanged") }) {
		t.Fatalf("Login succeeded without clearing the control connection:\n%s", c.Transcript())
	}
	must(t, "Noop after CCC", c.Noop(simCtx(t)))
	must(t, "Quit after CCC", c.Quit(simCtx(t)))
	return nil
}

// raceLost reports whether err is a lost CCC race of Login, checking the
// error's shape: PhaseTLS, Op CCC, a *CCCRaceError that reads like lftp
// and says what to do.
func raceLost(t *testing.T, err error) (lost, withReply bool) {
	t.Helper()
	var race *clientsim.CCCRaceError
	if !errors.As(err, &race) {
		return false, false
	}
	var e *clientsim.Error
	if !errors.As(err, &e) || e.Phase != clientsim.PhaseTLS || e.Op != "CCC" {
		t.Errorf("lost CCC race as %#v, want an *Error at phase tls, op CCC", e)
	}
	if msg := err.Error(); !strings.Contains(msg, "peer closed connection") || !strings.Contains(msg, "ftp:ssl-use-ccc no") {
		t.Errorf("error %q does not read like lftp's or does not say what to do", msg)
	}
	return true, race.WithReply
}

// TestCCCLikeLftp: a CCCLikeLftp client against each sim.CCCNotify mode,
// in TLS 1.2 and 1.3. With the server's close_notify in the 200's write
// it loses every time (in the same read as the 200); with the server
// waiting for the client's it wins every time; at once (pure-ftpd's
// timing) it may end either way and no other way, which timing decides
// (counted and logged, not asserted). The default CCCAnyOrder client
// passes against all three.
func TestCCCLikeLftp(t *testing.T) {
	checkLeaks(t)
	modes := []sim.CCCNotify{sim.CCCNotifyWithReply, sim.CCCNotifyAfterClient, sim.CCCNotifyAtOnce}
	for _, v := range simVersions {
		for _, mode := range modes {
			t.Run(tls.VersionName(v)+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				srv := startSim(t, func(s *sim.Server) { s.CCCCloseNotify = mode })
				var lost, won int
				for range cccRuns {
					err := cccLogin(t, srv, v, clientsim.WithCCCShutdown(clientsim.CCCLikeLftp))
					l, withReply := raceLost(t, err)
					switch {
					case err == nil:
						won++
					case l:
						lost++
						if mode == sim.CCCNotifyWithReply && !withReply {
							t.Errorf("with-reply: the close_notify was not in the 200's read: %v", err)
						}
					default:
						t.Fatalf("Login: %v, want success or a lost CCC race", err)
					}
				}
				switch mode {
				case sim.CCCNotifyWithReply:
					if won != 0 {
						t.Errorf("won %d of %d with the close_notify in the 200's write, want 0", won, cccRuns)
					}
				case sim.CCCNotifyAfterClient:
					if lost != 0 {
						t.Errorf("lost %d of %d with the server waiting for the client's close_notify, want 0", lost, cccRuns)
					}
				}
				t.Logf("CCCLikeLftp against %s: %d lost, %d won", mode, lost, won)
				for range 2 {
					if err := cccLogin(t, srv, v); err != nil {
						t.Fatalf("CCCAnyOrder against %s: %v", mode, err)
					}
				}
			})
		}
	}
}

// TestLftpPersonaCCC: the lftp persona with ftp:ssl-use-ccc (WithCCC) is
// CCCLikeLftp: it loses against a close_notify sent with the 200 and wins
// against one sent after its own; against the pure-ftpd persona (at once)
// it ends one of those two ways.
func TestLftpPersonaCCC(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		configure func(*sim.Server)
		lose, win bool // allowed outcomes
	}{
		{"with-reply", func(s *sim.Server) { s.CCCCloseNotify = sim.CCCNotifyWithReply }, true, false},
		{"after-client", func(s *sim.Server) { s.CCCCloseNotify = sim.CCCNotifyAfterClient }, false, true},
		{"pure-ftpd", sim.PureFTPd().Apply, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, tc.configure)
			err := cccLogin(t, srv, tls.VersionTLS13, clientsim.Lftp().Options()...)
			lost, _ := raceLost(t, err)
			if !(err == nil && tc.win || lost && tc.lose) {
				t.Fatalf("lftp persona with CCC: %v (lost race: %t); want lose=%t win=%t", err, lost, tc.lose, tc.win)
			}
		})
	}
}

func TestCCCShutdownOption(t *testing.T) {
	t.Parallel()
	for s, want := range map[clientsim.CCCShutdown]string{clientsim.CCCAnyOrder: "CCCAnyOrder", clientsim.CCCLikeLftp: "CCCLikeLftp", 9: "CCCShutdown(9)"} {
		if got := s.String(); got != want {
			t.Errorf("CCCShutdown(%d).String() = %q, want %q", int(s), got, want)
		}
	}
	srv := startSim(t, nil)
	_, err := dialSim(t, srv, clientsim.WithCCCShutdown(9))
	if err == nil || !strings.Contains(err.Error(), "invalid option: CCC shutdown 9") {
		t.Fatalf("Dial with CCC shutdown 9: %v, want an invalid option", err)
	}
	if msg := (&clientsim.CCCRaceError{WithReply: true}).Error(); !strings.Contains(msg, "same read as the 200") {
		t.Errorf("WithReply error: %q", msg)
	}
	if msg := fmt.Sprint(&clientsim.CCCRaceError{}); !strings.Contains(msg, "right after the 200") {
		t.Errorf("error: %q", msg)
	}
}
