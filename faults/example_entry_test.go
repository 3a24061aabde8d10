package faults_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// Faults in front of a real FTPS server, as ftpsim proxy does: the
// product (here a sim.Server on 127.0.0.1, standing for your server or a
// container's published ports) lives on a host behind a NAT through a
// Backend, and real programs reach it through an Entry on the client
// host. The client below dials the entry's real address over TCP, as
// curl would; each of its connections crosses the NAT.
func Example_proxy() {
	pasv, err := freeRange(10) // the product's passive range, free on 127.0.0.1
	if err != nil {
		fmt.Println(err)
		return
	}
	product := sim.NewUnstartedServer()
	product.PassivePorts = pasv
	fs := sim.NewMemFS(nil)
	fs.WriteFile("/a.txt", []byte("hello"))
	product.FS = fs
	product.Start()
	defer product.Close()
	real := netip.MustParseAddrPort(product.Addr)

	n := &faults.Network{}
	n.AddZone("internet", nil)
	n.AddZone("dmz", &faults.Gateway{
		Public: netip.MustParseAddr("203.0.113.7"),
		Forwards: []faults.Forward{
			{Ports: faults.Ports(21), To: netip.MustParseAddrPort("10.0.0.5:21")},
			{Ports: faults.Ports(pasv.Low, pasv.High), To: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.5"), pasv.Low)},
		},
	})
	client := n.AddHost("client", "internet", "198.51.100.10")
	server := n.AddHost("server", "dmz", "10.0.0.5")
	defer n.Close()

	// The product behind the server host: virtual 21 is its control port,
	// the passive range keeps its numbers.
	if _, err := server.Backend(real.Addr(),
		faults.PortMap{Virtual: faults.Ports(21), Real: real.Port()},
		faults.PortMap{Virtual: faults.Ports(pasv.Low, pasv.High)}); err != nil {
		fmt.Println(err)
		return
	}
	// Real programs enter on a fresh loopback address standing for
	// 203.0.113.7 as the client host sees it; control on real port 2121.
	entry, err := client.Enter(netip.Addr{}, netip.MustParseAddr("203.0.113.7"),
		faults.PortMap{Virtual: faults.Ports(21), Real: 2121},
		faults.PortMap{Virtual: faults.Ports(pasv.Low, pasv.High)})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctl, _ := entry.Addr(21)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := clientsim.Dial(ctx, ctl.String(), clientsim.WithRootCAs(product.RootCAs()), clientsim.WithServerName("localhost"))
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
	for _, f := range n.Flows() {
		fmt.Println(f.Channel, f.Dialer, "->", f.Listener, "via", f.Gateways)
	}
	// Output:
	// hello
	// control client -> server via [dmz]
	// data client -> server via [dmz]
}
