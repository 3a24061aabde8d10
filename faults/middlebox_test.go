package faults_test

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// S27: the control flow idles in the gateway's conntrack while a long
// transfer runs on the data flow. The data arrives whole and the server
// sends 226, but the conntrack entry is gone and the 226 is dropped: the
// client waits for a reply that never comes. A longer conntrack timeout
// fixes it.
func TestControlIdleTimeoutDuringTransfer(t *testing.T) {
	slowData := faults.ToxicRule{Toxic: faults.Bandwidth{Rate: 100}, Channel: faults.Data} // ~0.6 s for the payload
	for _, tc := range []struct {
		name  string
		idle  time.Duration
		fails bool
	}{
		{"no conntrack timeout", 0, false},
		{"timeout shorter than the transfer", 250 * time.Millisecond, true},
		{"timeout longer than the transfer", 5 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gw := natDMZ()
			gw.IdleTimeout = tc.idle
			// Small socket buffers, so the server's last write (and its
			// 226) happens when the data has crossed, as on a long transfer.
			n := &faults.Network{BufferSize: 4096}
			e := newEnvNet(t, n, nil, gw, func(s *sim.Server) { s.PassiveAddr = netip.MustParseAddr(serverPublic) })
			e.n.AddToxic(slowData)
			got, err := e.fetch(testCtx(t, 10*time.Second))
			if !tc.fails {
				if err != nil {
					t.Fatalf("download failed: %v", err)
				}
				return
			}
			wantFailure(t, err, clientsim.PhaseTransfer, "timeout")
			if !bytes.Equal(got, payload) {
				t.Errorf("got %d bytes, want the whole file before the lost reply", len(got))
			}
			if !e.n.Flows()[0].Expired() {
				t.Error("control flow not expired")
			}
			waitFor(t, func() bool {
				s := e.srv.Sessions()
				return len(s) == 1 && len(s[0].Data()) == 1 && s[0].Data()[0].Reply == 226
			}, "the server to log 226")
		})
	}
}

// S20: a middlebox strips AUTH from FEAT and answers AUTH TLS with 500.
// A client that requires TLS gives up before USER: the network never
// carries the credentials in cleartext. A client that settles for plain
// FTP leaks them, which the same assertion catches.
func TestAUTHFilterNoCredentialLeak(t *testing.T) {
	leaked := func(n *faults.Network) bool {
		for _, f := range n.Flows() {
			up := f.Captured(faults.Upstream)
			if bytes.Contains(up, []byte("USER "+sim.DefaultUser)) || bytes.Contains(up, []byte("PASS "+sim.DefaultPassword)) {
				return true
			}
		}
		return false
	}
	filtered := func() *faults.Gateway {
		gw := natDMZ()
		gw.Middleboxes = []faults.Middlebox{faults.AUTHFilter{}}
		return gw
	}
	t.Run("no middlebox", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, natDMZ(), nil)
		e.mustFetch(testCtx(t, 10*time.Second))
		if leaked(e.n) {
			t.Fatal("credentials in cleartext on the network")
		}
		if !bytes.Contains(e.n.Flows()[0].Captured(faults.Upstream), []byte("AUTH TLS\r\n")) {
			t.Fatal("capture lacks the cleartext AUTH TLS")
		}
	})
	t.Run("TLS required", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, filtered(), nil)
		_, err := e.fetch(testCtx(t, 10*time.Second))
		wantFailure(t, err, clientsim.PhaseTLS, "500")
		if !errors.Is(err, clientsim.ErrTLSRequired) {
			t.Fatalf("err = %v, want ErrTLSRequired", err)
		}
		if leaked(e.n) {
			t.Fatal("credentials in cleartext on the network")
		}
	})
	t.Run("plain client", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, filtered(), nil)
		c, err := e.dial(testCtx(t, 10*time.Second), clientsim.WithPlain())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		feat, err := c.Features(testCtx(t, 10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := feat["AUTH"]; ok {
			t.Fatalf("FEAT still offers AUTH: %v", feat)
		}
		if err := c.Login(testCtx(t, 10*time.Second), sim.DefaultUser, sim.DefaultPassword); err != nil {
			t.Fatal(err)
		}
		if !leaked(e.n) {
			t.Fatal("the leak of a plain login was not captured")
		}
	})
}

// Middleboxes that kill or corrupt TLS on the control flow.
func TestTLSMiddleboxes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mb    faults.Middlebox
		check func(t *testing.T, err error)
	}{
		{"reset on ClientHello", faults.ResetOnClientHello{}, func(t *testing.T, err error) {
			wantFailure(t, err, clientsim.PhaseTLS, "reset")
		}},
		{"corrupt record", faults.CorruptRecord{}, func(t *testing.T, err error) {
			wantFailure(t, err, clientsim.PhaseTLS, "")
			if !strings.Contains(err.Error(), "bad record MAC") {
				t.Fatalf("err = %v, want bad record MAC", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gw := natDMZ()
			gw.Middleboxes = []faults.Middlebox{tc.mb}
			e := newEnv(t, gw, nil)
			_, err := e.fetch(testCtx(t, 10*time.Second))
			tc.check(t, err)
			if cuts := e.n.Timeline().Filter(1, faults.Cut, faults.Rewritten); len(cuts) == 0 {
				t.Fatalf("no verdict in the timeline:\n%s", e.n.Timeline())
			}
		})
	}
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
