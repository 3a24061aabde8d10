package faults_test

import (
	"bytes"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// S27 at field scale, in a testing/synctest bubble: a transfer of about a
// minute at 1 KB/s, a firewall that forgets idle flows after 30 s, and a
// client that waits two minutes for the final reply. The server, the
// client and the network all run on the bubble's clock, so minutes of
// network time take milliseconds, deterministically.
func TestControlIdleTimeoutSynctest(t *testing.T) {
	for _, tc := range []struct {
		idle  time.Duration
		fails bool
	}{
		{30 * time.Second, true},
		{5 * time.Minute, false},
	} {
		t.Run(tc.idle.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				gw := natDMZ()
				gw.IdleTimeout = tc.idle
				n := &faults.Network{BufferSize: 4096}
				e := newEnvNet(t, n, nil, gw, func(s *sim.Server) {
					s.PassiveAddr = netip.MustParseAddr(serverPublic)
					s.DataTimeout = time.Hour
				})
				n.AddToxic(faults.ToxicRule{Toxic: faults.Bandwidth{Rate: 1}, Channel: faults.Data})
				start := time.Now()
				got, err := e.fetch(testCtx(t, time.Hour), clientsim.WithTimeouts(clientsim.Timeouts{
					Connect: 10 * time.Second, Reply: 2 * time.Minute, Data: time.Minute}))
				took := time.Since(start)
				if !tc.fails {
					if err != nil {
						t.Fatalf("download failed after %s: %v", took, err)
					}
					return
				}
				wantFailure(t, err, clientsim.PhaseTransfer, "timeout")
				if !bytes.Equal(got, payload) {
					t.Errorf("got %d bytes before the lost 226, want all %d", len(got), len(payload))
				}
				// The data took len(payload)/1000 s; then the client waited
				// its whole reply timeout for a 226 the firewall dropped.
				want := time.Duration(len(payload))*time.Millisecond + 2*time.Minute
				if took < want || took > want+5*time.Second {
					t.Errorf("failed after %s, want about %s", took, want)
				}
			})
		})
	}
}
