package faults_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
)

// algDMZ is a NAT that forwards only the control port and relies on its
// FTP helper for data ports.
func algDMZ(mode faults.ALGMode) *faults.Gateway {
	return &faults.Gateway{
		Public:   netip.MustParseAddr(serverPublic),
		Forwards: []faults.Forward{{Ports: faults.Ports(21), To: netip.MustParseAddrPort(serverInside + ":21")}},
		ALG:      mode,
	}
}

// S14/S15: the helper opens data ports it sees announced. Plain FTP
// works; FTPS hides the announcements, so every data connection is
// dropped; CCC clears the control channel after login and the helper sees
// again.
func TestALGBlindUnderTLS(t *testing.T) {
	epsv := []clientsim.Option{} // the default: EPSV first, skip the 227 address
	cases := []struct {
		name  string
		opts  []clientsim.Option
		fails bool
	}{
		{"plain/EPSV", opts(epsv, []clientsim.Option{clientsim.WithPlain()}), false},
		{"plain/PASV trusted", opts(trustPASV, []clientsim.Option{clientsim.WithPlain()}), false},
		{"FTPS/EPSV", epsv, true},
		{"FTPS/PASV trusted", trustPASV, true},
		{"FTPS+CCC/EPSV", opts(epsv, []clientsim.Option{clientsim.WithCCC()}), false},
		{"FTPS+CCC/PASV trusted", opts(trustPASV, []clientsim.Option{clientsim.WithCCC()}), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, algDMZ(faults.ALGCorrect), nil)
			_, err := e.fetch(testCtx(t, 10*time.Second), tc.opts...)
			tl := e.n.Timeline()
			if tc.fails {
				wantFailure(t, err, clientsim.PhaseDataConnect, "timeout")
				if seen := tl.Filter(1, faults.Seen, faults.Rewritten); len(seen) != 0 {
					t.Fatalf("the helper saw through TLS: %v", seen)
				}
				return
			}
			if err != nil {
				t.Fatalf("download failed: %v", err)
			}
			if strings.Contains(tc.name, "PASV") && len(tl.Filter(1, faults.Rewritten)) == 0 {
				t.Errorf("no 227 rewrite in the timeline:\n%s", tl)
			}
			data := e.n.Flows()[1]
			if data.Channel != faults.Data || data.Session != 1 || data.DataN != 1 || data.Command == "" {
				t.Errorf("data flow context: %s", data)
			}
		})
	}
}

// Buggy helpers, each with the client that trips over it and one that
// gets through (plain FTP, so the helper sees everything).
func TestALGBugs(t *testing.T) {
	plain := clientsim.WithPlain()
	epsvOnly := []clientsim.Option{plain, clientsim.WithPassive(clientsim.EPSVFirst)}
	pasvSkip := []clientsim.Option{plain, clientsim.WithPassive(clientsim.PASVOnly), clientsim.WithPASVAddress(clientsim.SkipLikeCurl)}
	pasvTrust := []clientsim.Option{plain, clientsim.WithPassive(clientsim.PASVOnly), clientsim.WithPASVAddress(clientsim.Trust)}
	cases := []struct {
		name    string
		gw      *faults.Gateway
		opts    []clientsim.Option
		failure string // "" for success
	}{
		{"swap-port/trust", algDMZ(faults.ALGSwapPort), pasvTrust, "timeout"},
		{"swap-port/EPSV", algDMZ(faults.ALGSwapPort), epsvOnly, ""},
		{"keep-address/trust", algDMZ(faults.ALGKeepAddress), pasvTrust, "timeout"},
		{"keep-address/skip", algDMZ(faults.ALGKeepAddress), pasvSkip, ""},
		{"no-epsv/EPSV", algDMZ(faults.ALGNoEPSV), epsvOnly, "timeout"},
		{"no-epsv/PASV", algDMZ(faults.ALGNoEPSV), pasvSkip, ""},
	}
	dropEPSV := natDMZ()
	dropEPSV.DropEPSV = true
	cases = append(cases,
		struct {
			name    string
			gw      *faults.Gateway
			opts    []clientsim.Option
			failure string
		}{"drop-epsv/EPSV", dropEPSV, epsvOnly, "timeout"},
		struct {
			name    string
			gw      *faults.Gateway
			opts    []clientsim.Option
			failure string
		}{"drop-epsv/PASV", natDMZ(), pasvSkip, ""})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.gw, nil)
			_, err := e.fetch(testCtx(t, 10*time.Second), tc.opts...)
			if tc.failure == "" {
				if err != nil {
					t.Fatalf("download failed: %v", err)
				}
				return
			}
			wantFailure(t, err, clientsim.PhaseDataConnect, tc.failure)
		})
	}
}

// S18: active mode from behind the client's NAT. The server refuses a
// PORT to an address that is not the control peer; the client's gateway
// helper rewrites PORT to its public address and lets the server's data
// connection in.
func TestActiveModeBehindClientNAT(t *testing.T) {
	active := []clientsim.Option{clientsim.WithPlain(), clientsim.WithActive(clientsim.PORT)}
	lanALG := func() *faults.Gateway {
		return &faults.Gateway{Public: netip.MustParseAddr(clientPublic), ALG: faults.ALGCorrect}
	}
	t.Run("no helper", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, natDMZ(), nil)
		_, err := e.fetch(testCtx(t, 10*time.Second), active...)
		wantFailure(t, err, clientsim.PhaseDataConnect, "500")
	})
	t.Run("helper", func(t *testing.T) {
		t.Parallel()
		e := newEnvLAN(t, lanALG(), natDMZ(), nil)
		e.mustFetch(testCtx(t, 10*time.Second), active...)
		data := e.n.Flows()[1]
		if data.Dialer != e.srvHost || data.Command != "PORT" || data.Post.Dst.Addr().String() != clientInside {
			t.Fatalf("active data flow: %s", data)
		}
	})
	t.Run("helper, FTPS", func(t *testing.T) {
		t.Parallel()
		e := newEnvLAN(t, lanALG(), natDMZ(), nil)
		_, err := e.fetch(testCtx(t, 10*time.Second), clientsim.WithActive(clientsim.EPRT))
		wantFailure(t, err, clientsim.PhaseDataConnect, "500")
	})
}
