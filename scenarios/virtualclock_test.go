package scenarios_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// runVirtual runs sc inside a testing/synctest bubble when it runs on a
// virtual network, so that the server, the client and the network's
// timers share a fake clock: the seconds a scenario waits for a dropped
// SYN, an idle firewall or a slow link pass at once, and the order of
// events is the one the real clock gives. A scenario on plain loopback
// uses real sockets, which a bubble cannot wait on, and runs as usual.
func runVirtual(t *testing.T, sc scenarios.Scenario, set *pki.Set) (res *scenarios.Result, virtual time.Duration) {
	t.Helper()
	if sc.Network == nil {
		start := time.Now()
		res = scenarios.Run(context.Background(), sc, scenarios.RunOptions{PKI: set, Timeout: 20 * time.Second})
		return res, time.Since(start)
	}
	synctest.Test(t, func(t *testing.T) {
		// The bubble's clock starts on 2000-01-01, so its certificates
		// are made inside it, valid from the bubble's now.
		set, err := pki.NewSet(pki.SetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res = scenarios.Run(context.Background(), sc, scenarios.RunOptions{PKI: set, Timeout: 20 * time.Second})
		virtual = time.Since(start)
	})
	return res, virtual
}

// TestCatalogueVirtualClock runs the whole catalogue with every scenario
// on a virtual network on a virtual clock (runVirtual), in parallel, and
// checks that each outcome is the expected one, as TestCatalogue does on
// the real clock. It logs the wall time against the network time the
// scenarios waited; the ratio is a measurement, not asserted.
func TestCatalogueVirtualClock(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		virtual time.Duration
		n, nv   int
	)
	start := time.Now()
	t.Run("catalogue", func(t *testing.T) {
		for _, sc := range scenarios.Catalogue() {
			t.Run(sc.Name, func(t *testing.T) {
				t.Parallel()
				res, d := runVirtual(t, sc, set)
				if res.Setup != nil {
					t.Fatalf("setup: %v", res.Setup)
				}
				if !res.Match {
					t.Errorf("expected %s, got %s\nerror: %v\nclient transcript:\n%s", sc.Expect, res.Got, res.Err, res.ClientTranscript.String())
				}
				mu.Lock()
				defer mu.Unlock()
				n++
				if sc.Network != nil {
					nv++
					virtual += d
				}
			})
		}
	})
	t.Logf("%d scenarios (%d on a virtual clock, %s of network time) in %s wall", n, nv, virtual.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// TestCatalogueScale measures how the cost per scenario grows with the
// catalogue: the catalogue's network scenarios against a generated
// matrix of about 1,000 (every server persona × client settings × every
// catalogue network), each run once on the virtual clock, one at a time.
// It prints the two costs and their ratio; set FTPSIM_SCALE=1 to run it
// (make bench does). A generated scenario has no expected outcome: it
// must run (no setup error) and end with a verdict, whatever it is.
func TestCatalogueScale(t *testing.T) {
	if os.Getenv("FTPSIM_SCALE") == "" {
		t.Skip("a measurement, not a check: set FTPSIM_SCALE=1 to run it (make bench does)")
	}
	var nets []scenarios.Scenario
	for _, sc := range scenarios.Catalogue() {
		if sc.Network != nil {
			nets = append(nets, sc)
		}
	}
	perScenario := func(list []scenarios.Scenario) time.Duration {
		start := time.Now()
		for _, sc := range list {
			t.Run(sc.Name, func(t *testing.T) {
				res, _ := runVirtual(t, sc, nil)
				if res.Setup != nil {
					t.Fatalf("setup: %v", res.Setup)
				}
				if res.Got.Result == "" {
					t.Fatalf("no verdict: %s", res)
				}
			})
		}
		return time.Since(start) / time.Duration(len(list))
	}
	clients := []scenarios.ClientSpec{
		{}, {PASV: "trust"}, {Passive: "pasv"}, {Active: "port"}, {Prot: "C"}, {TLSMax: "1.2", NoTickets: true}, {Reuse: "openssl", NoDrain: true},
	}
	var matrix []scenarios.Scenario
	for _, p := range sim.Personas() {
		for ci, c := range clients {
			for _, base := range nets {
				sc := base
				sc.Name = fmt.Sprintf("%s-client%d-%s", p.Name, ci, base.Name)
				sc.Server.Persona = p.Name
				sc.Client = c
				sc.Client.Timeout = base.Client.Timeout
				matrix = append(matrix, sc)
			}
		}
	}
	small := perScenario(nets)
	large := perScenario(matrix)
	t.Logf("cost per scenario on the virtual clock: %d catalogue network scenarios %s each, %d generated %s each: ratio %.2f",
		len(nets), small.Round(time.Microsecond), len(matrix), large.Round(time.Microsecond), float64(large)/float64(small))
}
