package fidelity

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
)

// TestUploadResetAcrossWAN holds the catalogue's vsftpd-tls13-upload-*
// scenarios to the real vsftpd: each scenario's client side runs against
// real vsftpd 3.0.3 put behind the scenario's network (a 20 ms upstream
// path, faults.Backend), the same way the catalogue runs it against the
// persona. The mechanism is the real one on both sides: vsftpd sends the
// TLS 1.3 ticket on the data connection after the handshake, a client
// that closes without reading it resets the flow, and the upload bytes
// still in flight are lost. The persona's outcomes are deterministic
// (the catalogue run); the real server's are counted over 5 runs and must
// match in at least 4. ProFTPD, pure-ftpd and pyftpdlib, whose personas
// send no late ticket, must take the same curl-style upload whole, real
// and persona alike.
func TestUploadResetAcrossWAN(t *testing.T) {
	if testing.Short() {
		t.Skip("repeated runs against real vsftpd; skipped with -short")
	}
	c := sharedCerts(t)
	var table []string
	t.Cleanup(func() {
		t.Logf("TLS 1.3 uploads across a 20 ms path, real server vs persona:\n%s", strings.Join(table, "\n"))
	})
	type row struct {
		scenario, persona string
		start             func(peers.Config) func(context.Context) (*peers.Server, error)
		want              scenarios.Outcome // zero: the scenario's expectation
		// orShort also accepts a silently truncated upload (226, then
		// the download differs): pyftpdlib loses that race now and then,
		// real and persona alike, at rates too close to call over 5 runs.
		orShort bool
	}
	vsftpd := func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
		return peers.Vsftpd{Config: cfg}.Start
	}
	whole := scenarios.Outcome{Result: scenarios.Success}
	rows := []row{
		{"vsftpd-tls13-upload-reset", "vsftpd", vsftpd, scenarios.Outcome{}, false},
		{"vsftpd-tls13-upload-drained", "vsftpd", vsftpd, scenarios.Outcome{}, false},
		{"vsftpd-tls12-upload-no-drain", "vsftpd", vsftpd, scenarios.Outcome{}, false},
		{"vsftpd-tls13-upload-reset", "proftpd", func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.ProFTPD{Config: cfg}.Start
		}, whole, false},
		{"vsftpd-tls13-upload-reset", "pure-ftpd", func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.PureFTPd{Config: cfg}.Start
		}, whole, false},
		{"vsftpd-tls13-upload-reset", "pyftpdlib", func(cfg peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Pyftpdlib{Config: cfg}.Start
		}, whole, true},
	}
	servers := map[string]*peers.Server{} // started once, for the whole test
	parent := t
	for _, r := range rows {
		name := r.scenario
		t.Run(r.persona+"/"+name, func(t *testing.T) {
			sc, ok := scenarios.Lookup(name)
			if !ok {
				t.Fatalf("no catalogue scenario %s", name)
			}
			sc.Server.Persona = r.persona
			if r.want.Result != "" {
				sc.Expect = r.want
			}
			realSrv := servers[r.persona]
			if realSrv == nil {
				realSrv = startReal(parent, r.start)
				servers[r.persona] = realSrv
			}
			short := scenarios.Outcome{Result: scenarios.Failure, Phase: "transfer", Class: "corrupt"}
			accept := func(o scenarios.Outcome) bool { return sc.Expect.Matches(o) || r.orShort && short.Matches(o) }
			persona := scenarios.Run(context.Background(), sc, scenarios.RunOptions{})
			if !accept(persona.Got) {
				t.Fatalf("the persona: %v, want %v (%v)", persona.Got, sc.Expect, persona.Err)
			}
			// Against the real server the persona is the target itself.
			onReal := sc
			onReal.Server.Persona = ""
			const runs = 5
			same := 0
			var got []string
			// On a target the runner prefixes file names (a run's own
			// namespace): the upload is the one *big.bin in the root.
			storedSize := func() int64 {
				files, _ := filepath.Glob(filepath.Join(realSrv.DataDir, "*big.bin"))
				if len(files) != 1 {
					return -1
				}
				fi, err := os.Stat(files[0])
				if err != nil {
					return -1
				}
				return fi.Size()
			}
			clear := func() {
				files, _ := filepath.Glob(filepath.Join(realSrv.DataDir, "*big.bin"))
				for _, f := range files {
					os.Remove(f)
				}
			}
			for range runs {
				clear()
				n, err := sc.Network.Build(realSrv.PassivePorts, false)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := n.Backend(netip.MustParseAddrPort(realSrv.Addr)); err != nil {
					n.Net.Close()
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				res := scenarios.Run(ctx, onReal, scenarios.RunOptions{Target: &scenarios.Target{
					User: realSrv.User, Password: realSrv.Password, RootCAs: c.Pool, ServerName: "localhost", Network: n}})
				cancel()
				n.Net.Close()
				if res.Setup != nil {
					t.Fatal(res.Setup)
				}
				size := storedSize()
				got = append(got, fmt.Sprintf("%s, stored %d", res.Got, size))
				if accept(res.Got) {
					same++
				}
			}
			table = append(table, fmt.Sprintf("  %-10s %-30s persona %-32s real %d/%d the same (%s)", r.persona, name, persona.Got, same, runs, strings.Join(got, "; ")))
			if same < runs-1 {
				t.Errorf("real %s ended like the persona (%v) in %d of %d runs: %v", r.persona, persona.Got, same, runs, got)
			}
		})
	}
}
