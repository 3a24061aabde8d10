package scenarios_test

import (
	"bytes"
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// fetchReal downloads /a.txt from a real address with the PASV policy given.
func fetchReal(t *testing.T, addr netip.AddrPort, pool *pki.Set, policy clientsim.PASVAddressPolicy) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := clientsim.Dial(ctx, addr.String(), clientsim.WithRootCAs(pool.CA.Pool()), clientsim.WithServerName("localhost"),
		clientsim.WithPassive(clientsim.PASVOnly), clientsim.WithPASVAddress(policy),
		clientsim.WithTimeouts(clientsim.Timeouts{Connect: time.Second, Reply: 3 * time.Second, Data: 3 * time.Second}))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := c.Retrieve(ctx, "a.txt", &buf); err != nil {
		return err
	}
	if buf.String() != "hello" {
		t.Fatalf("got %q", buf.String())
	}
	return nil
}

// A NAT'd sim server served to real clients: a client that skips the 227
// address works through the entry, one that trusts it is shown an
// unroutable alias and times out at the data connection.
func TestServeExternal(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := scenarios.BuildServer(scenarios.ServerSpec{Files: []scenarios.File{{Path: "/a.txt", Text: "hello"}}}, set)
	if err != nil {
		t.Fatal(err)
	}
	x, err := scenarios.ServeExternal(srv, scenarios.NetworkSpec{ServerNAT: true}, scenarios.ExternalOptions{Entry: netip.MustParseAddrPort("127.0.0.1:0")})
	if err != nil {
		t.Fatalf("cannot open the entry: %v", err)
	}
	defer x.Close()
	srv.Start()
	defer srv.Close()
	if x.Advertised.String() != "10.0.0.5" || !x.Shown.IsLoopback() || x.AdvertisedReachable() {
		t.Fatalf("advertised %s shown as %s", x.Advertised, x.Shown)
	}
	if err := fetchReal(t, x.ControlAddr(), set, clientsim.SkipLikeCurl); err != nil {
		t.Fatalf("skip-like-curl: %v\n%s", err, x.Network.Timeline())
	}
	err = fetchReal(t, x.ControlAddr(), set, clientsim.Trust)
	if clientsim.PhaseOf(err) != clientsim.PhaseDataConnect {
		t.Fatalf("trust: %v, want a data-connect failure", err)
	}
}

// A real server behind the scenario network: the control and data flows
// of a real client cross the server's NAT.
func TestProxyExternal(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	product, err := scenarios.BuildServer(scenarios.ServerSpec{Files: []scenarios.File{{Path: "/a.txt", Text: "hello"}}}, set)
	if err != nil {
		t.Fatal(err)
	}
	r, err := peers.FreePortRange(10)
	if err != nil {
		t.Fatal(err)
	}
	pasv := r
	product.PassivePorts = pasv
	product.Start()
	defer product.Close()
	target := netip.MustParseAddrPort(product.Addr)
	if _, err := scenarios.ProxyExternal(scenarios.NetworkSpec{}, target, pasv, scenarios.ExternalOptions{Entry: netip.AddrPortFrom(target.Addr(), 0)}); err == nil {
		t.Fatal("an entry on the target's address was accepted")
	}
	x, err := scenarios.ProxyExternal(scenarios.NetworkSpec{ServerNAT: true}, target, pasv,
		scenarios.ExternalOptions{Entry: netip.MustParseAddrPort("127.0.0.2:0")})
	if err != nil {
		t.Fatalf("cannot open the entry: %v", err)
	}
	defer x.Close()
	if err := fetchReal(t, x.ControlAddr(), set, clientsim.SkipLikeCurl); err != nil {
		t.Fatalf("through the proxy: %v\n%s", err, x.Network.Timeline())
	}
	flows := x.Network.Flows()
	if len(flows) != 2 || flows[1].Listener != x.Server || len(flows[1].Gateways) != 1 {
		t.Fatalf("flows: %v", flows)
	}
}
