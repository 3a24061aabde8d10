package faults_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// S10: a server behind NAT advertises its inside address in 227. A client
// that trusts the address dials a private address of another zone, which
// the internet drops: the data dial times out. curl's skip-PASV-IP, lftp's
// bogus-address check and EPSV all use the control address instead, and
// advertising the public address on the server (PassiveAddr) fixes it for
// every client.
func TestNATWithoutAdvertisedAddress(t *testing.T) {
	advertise := func(s *sim.Server) { s.PassiveAddr = netip.MustParseAddr(serverPublic) }
	cases := []struct {
		name  string
		dmz   func() *faults.Gateway
		setup func(*sim.Server)
		opts  []clientsim.Option
		fails bool
	}{
		{"no NAT/trust", routedDMZ, nil, trustPASV, false},
		{"NAT/trust", natDMZ, nil, trustPASV, true},
		{"NAT/skip like curl", natDMZ, nil, []clientsim.Option{clientsim.WithPassive(clientsim.PASVOnly), clientsim.WithPASVAddress(clientsim.SkipLikeCurl)}, false},
		{"NAT/fix bogus like lftp", natDMZ, nil, []clientsim.Option{clientsim.WithPassive(clientsim.PASVOnly), clientsim.WithPASVAddress(clientsim.FixBogusLikeLftp)}, false},
		{"NAT/EPSV", natDMZ, nil, []clientsim.Option{clientsim.WithPassive(clientsim.EPSVFirst), clientsim.WithPASVAddress(clientsim.Trust)}, false},
		{"NAT/PassiveAddr/trust", natDMZ, advertise, trustPASV, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.dmz(), tc.setup)
			ctx := testCtx(t, 10*time.Second)
			_, err := e.fetch(ctx, tc.opts...)
			if !tc.fails {
				if err != nil {
					t.Fatalf("download failed: %v", err)
				}
				return
			}
			wantFailure(t, err, clientsim.PhaseDataConnect, "timeout")
			drops := e.n.Timeline().Filter(0, faults.Dropped)
			if len(drops) == 0 || drops[0].Rule != "unroutable" {
				t.Fatalf("want the data SYN dropped as unroutable, timeline:\n%s", e.n.Timeline())
			}
		})
	}
}

// S12: the passive range is not forwarded (only 21 is). With the gateway
// dropping, the data dial times out; with it rejecting, it is refused at
// once. Forwarding only part of the range breaks some transfers, not all.
func TestPassiveRangeNotForwarded(t *testing.T) {
	onlyControl := func(inbound faults.Action) *faults.Gateway {
		return &faults.Gateway{
			Public:   netip.MustParseAddr(serverPublic),
			Forwards: []faults.Forward{{Ports: faults.Ports(21), To: netip.MustParseAddrPort(serverInside + ":21")}},
			Inbound:  inbound,
		}
	}
	advertise := func(s *sim.Server) { s.PassiveAddr = netip.MustParseAddr(serverPublic) }
	t.Run("forwarded", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, natDMZ(), advertise)
		e.mustFetch(testCtx(t, 10*time.Second), trustPASV...)
	})
	t.Run("drop", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, onlyControl(faults.Drop), advertise)
		start := time.Now()
		_, err := e.fetch(testCtx(t, 10*time.Second), trustPASV...)
		wantFailure(t, err, clientsim.PhaseDataConnect, "timeout")
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Errorf("a dropped SYN failed after %s, want the connect timeout", d)
		}
	})
	t.Run("reject", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, onlyControl(faults.Reject), advertise)
		start := time.Now()
		_, err := e.fetch(testCtx(t, 10*time.Second), trustPASV...)
		wantFailure(t, err, clientsim.PhaseDataConnect, "refused")
		if d := time.Since(start); d > 250*time.Millisecond {
			t.Errorf("a rejected SYN took %s, want an immediate refusal", d)
		}
	})
	t.Run("partial range", func(t *testing.T) {
		t.Parallel()
		gw := natDMZ()
		gw.Forwards[1].Ports = faults.Ports(30000, 30004) // the server uses 30000-30009
		gw.Inbound = faults.Reject
		e := newEnv(t, gw, advertise)
		ok, failed := 0, 0
		for i := 0; i < 12; i++ {
			if _, err := e.fetch(testCtx(t, 10*time.Second), trustPASV...); err != nil {
				wantFailure(t, err, clientsim.PhaseDataConnect, "refused")
				failed++
			} else {
				ok++
			}
		}
		if ok == 0 || failed == 0 {
			t.Fatalf("%d transfers worked and %d failed; want some of each", ok, failed)
		}
	})
}
