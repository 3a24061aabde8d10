package scenarios_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

// A scenario network in front of a real server: the spec's network is
// built with no server, a real FTPS server on 127.0.0.1 (standing for a
// container's published ports) goes behind the server host, and the
// client dials the virtual public address from the client host. The
// passive range is the real server's, at the same port numbers, so that
// the NAT forwards it.
func ExampleNetworkSpec_Build() {
	pasv, err := peers.FreePortRange(10)
	if err != nil {
		fmt.Println(err)
		return
	}
	product := sim.NewUnstartedServer()
	product.PassivePorts = pasv
	fs := sim.NewMemFS(nil)
	fs.WriteFile("/a.txt", []byte("hello through the NAT"))
	product.FS = fs
	product.Start()
	defer product.Close()

	spec := scenarios.NetworkSpec{ServerNAT: true}
	n, err := spec.Build(pasv, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Net.Close()
	if _, err := n.Backend(netip.MustParseAddrPort(product.Addr)); err != nil {
		fmt.Println(err)
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := clientsim.Dial(ctx, n.ControlAddr(), clientsim.WithDialer(n.Client.DialContext),
		clientsim.WithRootCAs(product.RootCAs()), clientsim.WithServerName("localhost"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	var buf bytes.Buffer
	if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err == nil {
		_, err = c.Retrieve(ctx, "a.txt", &buf)
	}
	fmt.Println(buf.String())
	fmt.Println("client dials", n.ControlAddr(), "; server", spec.ServerPlacement())
	for _, f := range n.Net.Flows() {
		fmt.Println(f.Channel, f.Dialer, "->", f.Listener, "via", f.Gateways)
	}
	// Output:
	// hello through the NAT
	// client dials 203.0.113.7:21 ; server 10.0.0.5 behind NAT 203.0.113.7
	// control client -> server via [server-gateway]
	// data client -> server via [server-gateway]
}
