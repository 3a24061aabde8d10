package faults_test

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// realActiveFetch downloads /a.bin through the entry the way a real
// program does: real sockets on loopback, an active listener on the
// control connection's real local address.
func realActiveFetch(ctx context.Context, e *env, entry *faults.Entry, mode clientsim.ActiveMode, opts ...clientsim.Option) error {
	ap, _ := entry.Addr(21)
	base := []clientsim.Option{
		clientsim.WithActive(mode), clientsim.WithRootCAs(e.srv.RootCAs()), clientsim.WithServerName("localhost"),
		clientsim.WithTimeouts(clientsim.Timeouts{Connect: time.Second, Reply: 2 * time.Second, Data: 2 * time.Second}),
	}
	c, err := clientsim.Dial(ctx, ap.String(), append(base, opts...)...)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := c.Retrieve(ctx, "a.bin", &buf); err != nil {
		return err
	}
	if !bytes.Equal(buf.Bytes(), payload) {
		e.t.Fatalf("downloaded %d bytes, not the payload", buf.Len())
	}
	return nil
}

// activeEnv is a client LAN behind lan with an entry on the client host,
// and the NAT'd server.
func activeEnv(t *testing.T, n *faults.Network, lan *faults.Gateway) (*env, *faults.Entry) {
	t.Helper()
	var entry *faults.Entry
	e := newEnvNet(t, n, lan, natDMZ(), func(*sim.Server) {
		var err error
		entry, err = n.Host("client").Enter(netip.Addr{}, netip.MustParseAddr(serverPublic),
			faults.PortMap{Virtual: faults.Ports(21), Real: 2121}, faults.PortMap{Virtual: faults.Ports(30000, 30009)})
		if err != nil {
			t.Fatalf("cannot listen on loopback: %v", err)
		}
	})
	return e, entry
}

// A real program in active mode behind an entry, its host behind a NAT
// with an FTP helper: in cleartext the entry rewrites its loopback
// address to the host's before the helper, which maps it to the public
// address and opens the way; the server's data flow reaches the real
// listener. Under TLS the helper is blind and the server, which resolves
// the loopback address to the private one, refuses it as foreign.
func TestEntryActiveBehindNAT(t *testing.T) {
	for _, mode := range []clientsim.ActiveMode{clientsim.PORT, clientsim.EPRT} {
		t.Run(mode.String(), func(t *testing.T) {
			lan := &faults.Gateway{Public: netip.MustParseAddr(clientPublic), ALG: faults.ALGCorrect}
			e, entry := activeEnv(t, &faults.Network{}, lan)
			ctx := testCtx(t, 10*time.Second)
			if err := realActiveFetch(ctx, e, entry, mode, clientsim.WithPlain()); err != nil {
				t.Fatalf("cleartext: %v", err)
			}
			tl := e.n.Timeline().String()
			for _, want := range []string{"from the real program leaves client as " + clientInside, "rewritten to " + clientPublic, "related to #1 (" + mode.String() + ")"} {
				if !strings.Contains(tl, want) {
					t.Fatalf("timeline lacks %q:\n%s", want, tl)
				}
			}
			err := realActiveFetch(ctx, e, entry, mode)
			if clientsim.ReplyCode(err) != 500 {
				t.Fatalf("TLS behind NAT: %v, want the server's 500 for a foreign address", err)
			}
			if tl := e.n.Timeline().String(); !strings.Contains(tl, "read by the server") {
				t.Fatalf("timeline lacks the server's reading:\n%s", tl)
			}
		})
	}
}

// Without NAT, under TLS: the server resolves the loopback address to
// the client host's public one, which is the control peer, dials it, and
// the entry bridges the flow to the real listener. A firewall in front
// of the client that rejects inbound flows refuses it instead.
func TestEntryActiveTLS(t *testing.T) {
	for _, c := range []struct {
		firewall  bool
		transport faults.Transport
	}{{false, faults.Memory}, {true, faults.Memory}, {false, faults.Loopback}, {true, faults.Loopback}} {
		firewall := c.firewall
		lan := &faults.Gateway{Inbound: faults.Accept} // a router without NAT: the client's address is routable
		if firewall {
			lan.Inbound = faults.Reject
		}
		e, entry := activeEnv(t, &faults.Network{Transport: c.transport}, lan)
		err := realActiveFetch(testCtx(t, 10*time.Second), e, entry, clientsim.EPRT)
		if !firewall {
			if err != nil {
				t.Fatalf("TLS without NAT (transport %v): %v\n%s", c.transport, err, e.n.Timeline())
			}
			continue
		}
		if clientsim.ReplyCode(err) != 425 {
			t.Fatalf("TLS behind a rejecting firewall (transport %v): %v, want the server's 425\n%s", c.transport, err, e.n.Timeline())
		}
	}
}

// A real server behind a Backend is not given the client host's virtual
// address: it would dial it for real. It reads the real program's
// loopback address as is and, being on this machine, reaches the
// listener directly (active mode is not proxied).
func TestEntryActiveNotProxiedToBackend(t *testing.T) {
	product := sim.NewUnstartedServer()
	fs := sim.NewMemFS(nil)
	fs.WriteFile("/a.bin", payload)
	product.FS = fs
	product.Start()
	defer product.Close()
	real := netip.MustParseAddrPort(product.Addr)
	n := &faults.Network{}
	n.AddZone("internet", nil)
	n.AddZone("dmz", &faults.Gateway{Public: netip.MustParseAddr(serverPublic),
		Forwards: []faults.Forward{{Ports: faults.Ports(21), To: netip.MustParseAddrPort(serverInside + ":21")}}})
	cli := n.AddHost("client", "internet", clientPublic)
	srv := n.AddHost("server", "dmz", serverInside)
	defer n.Close()
	if _, err := srv.Backend(real.Addr(), faults.PortMap{Virtual: faults.Ports(21), Real: real.Port()}); err != nil {
		t.Fatal(err)
	}
	entry, err := cli.Enter(netip.Addr{}, netip.MustParseAddr(serverPublic), faults.PortMap{Virtual: faults.Ports(21), Real: 2121})
	if err != nil {
		t.Fatalf("cannot listen on loopback: %v", err)
	}
	e := &env{t: t, n: n, srv: product}
	if err := realActiveFetch(testCtx(t, 10*time.Second), e, entry, clientsim.PORT, clientsim.WithPlain()); err != nil {
		t.Fatalf("active mode to a real server behind a backend: %v\n%s", err, n.Timeline())
	}
	if tl := n.Timeline().String(); strings.Contains(tl, "active data address") {
		t.Fatalf("the entry rewrote an announcement meant for a real server:\n%s", tl)
	}
	for _, f := range n.Flows() {
		if f.Channel == faults.Data {
			t.Fatalf("a data flow crossed the network: %s", f)
		}
	}
}
