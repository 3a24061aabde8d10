package faults_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// The scenarios behave the same when every flow is a real TCP connection
// on loopback.
func TestLoopbackScenarios(t *testing.T) {
	loop := func() *faults.Network { return &faults.Network{Transport: faults.Loopback} }
	advertise := func(s *sim.Server) { s.PassiveAddr = netip.MustParseAddr(serverPublic) }
	t.Run("NAT/trust", func(t *testing.T) {
		e := newEnvNet(t, loop(), nil, natDMZ(), nil)
		_, err := e.fetch(testCtx(t, 10*time.Second), trustPASV...)
		wantFailure(t, err, clientsim.PhaseDataConnect, "timeout")
	})
	t.Run("NAT/PassiveAddr", func(t *testing.T) {
		e := newEnvNet(t, loop(), nil, natDMZ(), advertise)
		e.mustFetch(testCtx(t, 10*time.Second), trustPASV...)
	})
	t.Run("ALG/FTPS", func(t *testing.T) {
		e := newEnvNet(t, loop(), nil, algDMZ(faults.ALGCorrect), nil)
		_, err := e.fetch(testCtx(t, 10*time.Second))
		wantFailure(t, err, clientsim.PhaseDataConnect, "timeout")
	})
	t.Run("ALG/FTPS+CCC", func(t *testing.T) {
		e := newEnvNet(t, loop(), nil, algDMZ(faults.ALGCorrect), nil)
		e.mustFetch(testCtx(t, 10*time.Second), clientsim.WithCCC())
	})
	t.Run("AUTH filter", func(t *testing.T) {
		gw := natDMZ()
		gw.Middleboxes = []faults.Middlebox{faults.AUTHFilter{Code: 502}}
		e := newEnvNet(t, loop(), nil, gw, nil)
		_, err := e.fetch(testCtx(t, 10*time.Second))
		wantFailure(t, err, clientsim.PhaseTLS, "502")
	})
	t.Run("reset on ClientHello", func(t *testing.T) {
		gw := natDMZ()
		gw.Middleboxes = []faults.Middlebox{faults.ResetOnClientHello{}}
		e := newEnvNet(t, loop(), nil, gw, nil)
		_, err := e.fetch(testCtx(t, 10*time.Second))
		wantFailure(t, err, clientsim.PhaseTLS, "reset")
	})
}

// A real program is one end: curl downloads over explicit FTPS from the
// sim server's loopback socket. Its bytes cross the network's faults like
// any flow's, so the capture holds its cleartext AUTH.
func TestLoopbackRealClient(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	n := &faults.Network{Transport: faults.Loopback, ControlPorts: []uint16{2121}}
	n.AddZone("dmz", nil)
	srvHost := n.AddHost("server", "dmz", serverPublic)
	defer n.Close()
	seams, err := srvHost.ServerSeams(serverPublic + ":2121")
	if err != nil {
		t.Skipf("cannot bind the loopback socket: %v", err)
	}
	srv := sim.NewUnstartedServer()
	srv.Listener, srv.ListenPassive, srv.DialActive = seams.Listener, seams.ListenPassive, seams.DialActive
	srv.PassivePorts = sim.PortRange{Low: 30000, High: 30009}
	fs := sim.NewMemFS(nil)
	fs.WriteFile("/a.bin", payload)
	srv.FS = fs
	srv.Start()
	defer srv.Close()

	real, ok := faults.RealAddr(seams.Listener)
	if !ok {
		t.Fatal("no real address on the loopback transport")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	url := fmt.Sprintf("ftp://%s:%s@%s/a.bin", sim.DefaultUser, sim.DefaultPassword, real)
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, curl, "--silent", "--show-error", "--ssl-reqd", "--insecure", "--max-time", "15", url)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("curl: %v: %s", err, stderr.String())
	}
	if !bytes.Equal(out.Bytes(), payload) {
		t.Fatalf("curl got %d bytes, want %d", out.Len(), len(payload))
	}
	flows := n.Flows()
	if len(flows) < 2 || flows[0].Dialer.Name != "external" || flows[0].Channel != faults.Control {
		t.Fatalf("flows: %v", flows)
	}
	if up := flows[0].Captured(faults.Upstream); !strings.HasPrefix(string(up), "AUTH ") { // curl tries AUTH SSL first
		t.Fatalf("curl's control bytes were not captured: %q", up)
	}
	if flows[1].Channel != faults.Data || flows[1].Session != flows[0].ID {
		t.Fatalf("data flow: %s", flows[1])
	}
}

// curl as the client on the client LAN, through a bridge: its flows cross
// the LAN's NAT and the DMZ gateway like clientsim's. It downloads over
// FTPS; behind an AUTH-stripping middlebox it gives up (--ssl-reqd)
// without sending the password.
func TestBridgeRealClient(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	for _, filtered := range []bool{false, true} {
		t.Run(fmt.Sprintf("AUTH filter %v", filtered), func(t *testing.T) {
			gw := natDMZ()
			if filtered {
				gw.Middleboxes = []faults.Middlebox{faults.AUTHFilter{}}
			}
			e := newEnv(t, gw, nil)
			ip := e.cli.LoopbackIP()
			ctl, err := e.cli.Expose(netip.AddrPortFrom(ip, 2121).String(), serverPublic+":21")
			if err != nil {
				t.Skipf("cannot bind %s: %v", ip, err)
			}
			for p := 30000; p <= 30009; p++ {
				if _, err := e.cli.Expose(fmt.Sprintf("%s:%d", ip, p), fmt.Sprintf("%s:%d", serverPublic, p)); err != nil {
					t.Skipf("cannot bind %s:%d: %v", ip, p, err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			url := fmt.Sprintf("ftp://%s:%s@%s/a.bin", sim.DefaultUser, sim.DefaultPassword, ctl.Addr())
			var out, stderr bytes.Buffer
			cmd := exec.CommandContext(ctx, curl, "--silent", "--show-error", "--ssl-reqd", "--insecure", "--max-time", "15", url)
			cmd.Stdout, cmd.Stderr = &out, &stderr
			err = cmd.Run()
			for _, f := range e.n.Flows() {
				if bytes.Contains(f.Captured(faults.Upstream), []byte("PASS ")) {
					t.Fatal("curl's password crossed the network in cleartext")
				}
			}
			if filtered {
				if err == nil {
					t.Fatal("curl succeeded although AUTH was stripped")
				}
				if len(e.n.Timeline().Filter(1, faults.Rewritten)) == 0 {
					t.Fatalf("middlebox did not act:\n%s", e.n.Timeline())
				}
				return
			}
			if err != nil || !bytes.Equal(out.Bytes(), payload) {
				t.Fatalf("curl: %v (%d bytes): %s\n%s", err, out.Len(), stderr.String(), e.n.Timeline())
			}
			if f := e.n.Flows()[0]; f.Dialer != e.cli || f.Post.Src.Addr().String() != clientPublic {
				t.Fatalf("curl's control flow: %s", f)
			}
		})
	}
}
