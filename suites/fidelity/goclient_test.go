package fidelity

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
)

// goClientRound is one 20 MB round trip with github.com/jlaffaye/ftp, the
// most used Go FTP client: login over explicit TLS with a session cache
// (so data connections resume, as vsftpd and ProFTPD require), STOR, RETR,
// SHA-256 compare. It returns "ok" or the step that failed and how.
func goClientRound(addr string, pool *tls.Config, epsv bool, payload []byte) string {
	cfg := pool.Clone()
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	c, err := ftp.Dial(addr, ftp.DialWithExplicitTLS(cfg), ftp.DialWithTimeout(10*time.Second), ftp.DialWithDisabledEPSV(!epsv))
	if err != nil {
		return "dial: " + errKind(err)
	}
	defer c.Quit()
	if err := c.Login(peers.User, peers.Password); err != nil {
		return "login: " + errKind(err)
	}
	name := fmt.Sprintf("go-%d.bin", time.Now().UnixNano())
	if err := c.Stor(name, bytes.NewReader(payload)); err != nil {
		return "stor: " + errKind(err)
	}
	r, err := c.Retr(name)
	if err != nil {
		return "retr: " + errKind(err)
	}
	// The download is hashed as it arrives, not collected: a 20 MB
	// buffer grown by io.ReadAll costs the race detector more than the
	// transfer itself.
	h := sha256.New()
	n, err := io.Copy(h, r)
	cerr := r.Close() // reads the final reply
	if err != nil {
		return "retr read: " + errKind(err)
	}
	if want := sha256.Sum256(payload); n != int64(len(payload)) || !bytes.Equal(h.Sum(nil), want[:]) {
		return "retr: short read (the stored file is short), then " + replyOrOK(cerr)
	}
	if cerr != nil {
		return "retr: " + errKind(cerr)
	}
	c.Delete(name)
	return "ok"
}

func replyOrOK(err error) string {
	if err == nil {
		return "226"
	}
	return errKind(err)
}

// errKind shortens an error to its FTP reply code and text, or its last
// words ("connection reset by peer").
func errKind(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && !startsWithCode(s) {
		s = s[i+2:]
	}
	return s
}

func startsWithCode(s string) bool {
	return len(s) > 3 && s[0] >= '1' && s[0] <= '5' && s[3] == ' '
}

// TestGoClientFidelity is the differential matrix for the Go client
// github.com/jlaffaye/ftp: each real server and its persona with the same
// configurations (TLS 1.3 and 1.2, EPSV and PASV), a 20 MB round trip,
// repeated; it prints the outcome counts side by side. A cell passes when
// the persona fails in every way the real server does and in no other,
// except the late-ticket race (lateTicketRace). Rates are printed, not
// compared: in TLS 1.3 the late ticket of OpenSSL servers decides
// (vsftpd-tls13-upload-reset), a race whose real rate depends on the
// machine's load (vsftpd: 100% of uploads idle, 0-80% under CI's
// parallel -race run; the persona 100%). vsftpd answers the reset upload
// 426, while pyftpdlib stores it short and answers 226, which
// jlaffaye/ftp takes for success (the RETR that follows shows the loss).
// TLS 1.3 cells count 10 runs.
//
// The products run in parallel (at most -test.parallel at a time), each
// with its own real server, persona and ports, and beside the products
// of TestRealClientMatrix; the runs of one product go one after the
// other. The extra load moves the late-ticket rates, which the rule above
// already leaves free; every other cell succeeded in every run measured
// so far, so a failure there is news. This is also the jlaffaye column of
// TestRealClientMatrix, which leaves the Go client to this test.
func TestGoClientFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("repeated 20 MB round trips against real servers; skipped with -short")
	}
	t.Parallel()
	c := sharedCerts(t)
	payload := make([]byte, 20<<20)
	rand.Read(payload)
	type product struct {
		name    string
		persona sim.Persona
		start   func(peers.Config) func(context.Context) (*peers.Server, error)
	}
	products := []product{
		{"vsftpd", sim.Vsftpd(), func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Vsftpd{Config: cfg}.Start
		}},
		{"proftpd", sim.ProFTPD(), func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.ProFTPD{Config: cfg}.Start
		}},
		{"pure-ftpd", sim.PureFTPd(), func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.PureFTPd{Config: cfg}.Start
		}},
		{"pyftpdlib", sim.Pyftpdlib(), func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Pyftpdlib{Config: cfg}.Start
		}},
	}
	var mu sync.Mutex
	table := make([][]string, len(products)) // by product, in order
	t.Cleanup(func() {
		t.Logf("github.com/jlaffaye/ftp, 20 MB STOR+RETR, outcome counts (real | persona):\n%s", strings.Join(slices.Concat(table...), "\n"))
	})
	for i, p := range products {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			realSrv := startReal(t, p.start)
			personaSrv := startPersona(t, p.persona, nil)
			for _, tc := range []struct {
				tls13, epsv bool
				runs        int
			}{{true, true, 10}, {true, false, 10}, {false, true, 3}, {false, false, 3}} {
				base := &tls.Config{RootCAs: c.Pool, ServerName: "localhost", MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13}
				if !tc.tls13 {
					base.MaxVersion = tls.VersionTLS12
				}
				real, persona := map[string]int{}, map[string]int{}
				for range tc.runs {
					real[goClientRound(realSrv.Addr, base, tc.epsv, payload)]++
					persona[goClientRound(personaSrv.Addr, base, tc.epsv, payload)]++
				}
				cell := fmt.Sprintf("TLS 1.%d %s", map[bool]int{true: 3, false: 2}[tc.tls13], map[bool]string{true: "EPSV", false: "PASV"}[tc.epsv])
				mu.Lock()
				table[i] = append(table[i], fmt.Sprintf("  %-10s %-13s %s | %s", p.name, cell, counts(real), counts(persona)))
				mu.Unlock()
				// The late-ticket race (TLS 1.3 uploads to vsftpd and
				// pyftpdlib) may go either way on the real server under
				// load, down to 0 of 10 in one CI run: there the persona
				// may show that one failure when the real server did not.
				race := ""
				if tc.tls13 {
					race = lateTicketRace[p.name]
				}
				for k := range real {
					if k != "ok" && persona[k] == 0 {
						t.Errorf("%s: the real server fails as %q, the persona never does: real %s, persona %s", cell, k, counts(real), counts(persona))
					}
				}
				for k := range persona {
					if k != "ok" && real[k] == 0 && k != race {
						t.Errorf("%s: the persona fails as %q, the real server never does: real %s, persona %s", cell, k, counts(real), counts(persona))
					}
				}
			}
		})
	}
}

// lateTicketRace is, per product, the outcome of a TLS 1.3 upload that
// loses the late-ticket race (vsftpd-tls13-upload-reset).
var lateTicketRace = map[string]string{
	"vsftpd":    `stor: 426 "Failure reading network stream."`,
	"pyftpdlib": "retr: short read (the stored file is short), then 226",
}

func counts(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d× %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}
