package fidelity

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
)

// failureTally counts the outcomes of repeated runs of one real client.
type failureTally struct {
	runs, fails int
	kinds       map[string]int // failure kind -> count
}

func (f *failureTally) add(r *peers.Result, kind string) {
	f.runs++
	if r.OK() {
		return
	}
	f.fails++
	if f.kinds == nil {
		f.kinds = map[string]int{}
	}
	f.kinds[kind]++
}

func (f failureTally) String() string {
	var ks []string
	for k, n := range f.kinds {
		ks = append(ks, fmt.Sprintf("%dx %s", n, k))
	}
	sort.Strings(ks)
	return fmt.Sprintf("%d/%d failed %s", f.fails, f.runs, strings.Join(ks, "; "))
}

// curlKind names a curl failure by its exit code and, for a refused
// transfer, the reply it got.
func curlKind(r *peers.Result) string {
	if r.TimedOut {
		return "timeout"
	}
	k := fmt.Sprintf("exit %d", r.ExitCode)
	for _, l := range strings.Split(r.Trace, "\n") {
		if strings.HasPrefix(l, "< 4") || strings.HasPrefix(l, "< 5") {
			k += " " + strings.TrimPrefix(strings.TrimSpace(l), "< ")
		}
	}
	return k
}

// TestFailureFidelity: the failures real clients meet against the real
// servers by habit or by chance happen against the personas too, by the
// same mechanism, with the same replies; and what works keeps working.
// Flaky real behaviour is measured as a rate over repeated runs.
//
//   - pyftpdlib 1.5.7 resets a data connection that sends before the
//     transfer command; curl starts its TLS handshake at once, so curl
//     fails every time (Server.CloseEarlyData).
//   - vsftpd 3.0.3 sends a TLS 1.3 data connection's ticket after the
//     client's Finished; curl uploads without reading it, closes, the
//     kernel resets, and in-flight bytes are lost: 426 on part of the
//     uploads, never under TLS 1.2 (Server.LateTickets).
//
// Tolerance: a deterministic failure must fail at least 8 runs in 10 on
// both sides with failure kinds from the same set. The upload race is
// load-dependent on the real side (measured on 2 cores: 4 in 10 and 2 in
// 20 with other tests running, 0 in 60 on an idle machine), so it is
// asserted as: every failure on either side is the same 426 reply, the
// persona fails sometimes and not always, the persona without
// LateTickets never fails (the late ticket is the mechanism), and
// neither side fails under TLS 1.2. The rates are printed.
func TestFailureFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("repeated real-client runs; skipped with -short")
	}
	c := sharedCerts(t)
	var table []string
	report := func(row, side string, f failureTally) {
		table = append(table, fmt.Sprintf("%-44s %-8s %s", row, side, f))
	}
	t.Cleanup(func() { t.Logf("failure fidelity (real client: curl):\n%s", strings.Join(table, "\n")) })

	t.Run("pyftpdlib/curl-list", func(t *testing.T) {
		realSrv := startReal(t, func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Pyftpdlib{Config: cfg}.Start
		})
		personaSrv := startPersona(t, sim.Pyftpdlib(), nil)
		var real, persona failureTally
		for range 10 {
			for _, side := range []struct {
				addr string
				f    *failureTally
			}{{realSrv.Addr, &real}, {personaSrv.Addr, &persona}} {
				r := curlRun(t, c, side.addr, false, func(cl *peers.Curl, ctx context.Context) (*peers.Result, error) { return cl.List(ctx) })
				side.f.add(r, curlKind(r))
			}
		}
		report("pyftpdlib: curl LIST (handshake before LIST)", "real", real)
		report("", "persona", persona)
		allowed := map[string]bool{"exit 13": true, "exit 35": true}
		for _, s := range []struct {
			name string
			f    failureTally
		}{{"real", real}, {"persona", persona}} {
			if s.f.fails < 8 {
				t.Errorf("%s pyftpdlib: curl failed only %s", s.name, s.f)
			}
			for k := range s.f.kinds {
				if !allowed[k] {
					t.Errorf("%s pyftpdlib: failure kind %q is not curl's (13) or (35): %s", s.name, k, s.f)
				}
			}
		}
	})

	t.Run("vsftpd/curl-upload", func(t *testing.T) {
		realSrv := startReal(t, func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Vsftpd{Config: cfg, NoSSLReuse: true}.Start
		})
		personaSrv := startPersona(t, sim.Vsftpd(), nil)
		local := filepath.Join(t.TempDir(), "up.bin")
		buf := make([]byte, 1<<20)
		rand.Read(buf)
		if err := os.WriteFile(local, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		upload := func(cl *peers.Curl, ctx context.Context) (*peers.Result, error) {
			return cl.Upload(ctx, local, fmt.Sprintf("up-%d.bin", time.Now().UnixNano()))
		}
		const wantReply = "426 Failure reading network stream."

		// TLS 1.3: a race, so run until the persona has failed and
		// succeeded at least once (bounded: 60 runs each, 20 at least).
		var real, persona failureTally
		for i := 0; i < 60 && !(mixed(persona) && i >= 20); i++ {
			r := curlRun(t, c, realSrv.Addr, false, upload)
			real.add(r, curlKind(r))
			r = curlRun(t, c, personaSrv.Addr, false, upload)
			persona.add(r, curlKind(r))
		}
		report("vsftpd: curl STOR 1 MiB, TLS 1.3", "real", real)
		report("", "persona", persona)
		if !mixed(persona) {
			t.Errorf("persona vsftpd TLS 1.3 uploads: want some failures and some successes, got %s", persona)
		}
		for _, s := range []struct {
			name string
			f    failureTally
		}{{"real", real}, {"persona", persona}} {
			for k := range s.f.kinds {
				if k != "exit 18 "+wantReply {
					t.Errorf("%s vsftpd: failure %q, want curl (18) after %q: %s", s.name, k, wantReply, s.f)
				}
			}
		}

		// The mechanism: without the late ticket the persona never fails.
		onTime := startPersona(t, sim.Vsftpd(), func(s *sim.Server) { s.LateTickets = false })
		var early failureTally
		for range 20 {
			r := curlRun(t, c, onTime.Addr, false, upload)
			early.add(r, curlKind(r))
		}
		report("vsftpd persona, ticket in the server's flight", "persona", early)
		if early.fails != 0 {
			t.Errorf("without LateTickets the persona must not fail uploads: %s", early)
		}

		// TLS 1.2: the ticket comes inside the handshake; nothing fails.
		// Without the reuse requirement on both sides: curl resumes TLS
		// 1.2 by session ID, which the persona cannot (the fidelity guard
		// marks it; see sim.Limitations).
		realSrv = startReal(t, func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Vsftpd{Config: cfg, NoSSLReuse: true}.Start
		})
		personaSrv = startPersona(t, sim.Vsftpd(), func(s *sim.Server) { s.Reuse = sim.ReuseOff })
		var real12, persona12 failureTally
		for range 10 {
			r := curlRun(t, c, realSrv.Addr, true, upload)
			real12.add(r, curlKind(r))
			r = curlRun(t, c, personaSrv.Addr, true, upload)
			persona12.add(r, curlKind(r))
		}
		report("vsftpd: curl STOR 1 MiB, TLS 1.2", "real", real12)
		report("", "persona", persona12)
		if real12.fails != 0 || persona12.fails != 0 {
			t.Errorf("TLS 1.2 uploads must not fail: real %s, persona %s", real12, persona12)
		}
	})
}

func mixed(f failureTally) bool { return f.fails > 0 && f.fails < f.runs }

// curlRun runs one curl operation against addr with the shared CA.
func curlRun(t *testing.T, c certs, addr string, tls12 bool, op func(*peers.Curl, context.Context) (*peers.Result, error)) *peers.Result {
	t.Helper()
	cl, err := peers.NewCurl(peers.ClientOptions{Addr: addr, CAFile: c.CAFile, Dir: t.TempDir(), TLS12: tls12, Timeout: 20 * time.Second})
	if err != nil {
		t.Skip(err.Error()) // curl is not installed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := op(cl, ctx)
	if err != nil {
		t.Fatalf("curl: %v", err)
	}
	return r
}
