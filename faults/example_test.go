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

// An FTPS server behind a NAT that forwards the control port and the
// passive range, but advertises its inside address in 227 (S10). A client
// that trusts the 227 address fails to open the data connection; curl's
// behaviour (skip the 227 address) works; advertising the public address
// on the server fixes it for every client.
func Example() {
	n := &faults.Network{}
	n.AddZone("internet", nil)
	n.AddZone("lan", &faults.Gateway{Public: netip.MustParseAddr("198.51.100.2")})
	n.AddZone("dmz", &faults.Gateway{
		Public: netip.MustParseAddr("203.0.113.7"),
		Forwards: []faults.Forward{
			{Ports: faults.Ports(21), To: netip.MustParseAddrPort("10.0.0.5:21")},
			{Ports: faults.Ports(30000, 30009), To: netip.MustParseAddrPort("10.0.0.5:30000")},
		},
	})
	cliHost := n.AddHost("client", "lan", "192.168.1.10")
	srvHost := n.AddHost("server", "dmz", "10.0.0.5")
	defer n.Close()

	download := func(passiveAddr netip.Addr, policy clientsim.PASVAddressPolicy) error {
		srv := sim.NewUnstartedServer()
		seams, err := srvHost.ServerSeams("10.0.0.5:21")
		if err != nil {
			return err
		}
		srv.Listener, srv.ListenPassive, srv.DialActive = seams.Listener, seams.ListenPassive, seams.DialActive
		srv.PassivePorts = sim.PortRange{Low: 30000, High: 30009}
		srv.PassiveAddr = passiveAddr
		fs := sim.NewMemFS(nil)
		fs.WriteFile("/a.txt", []byte("hello"))
		srv.FS = fs
		srv.Start()
		defer srv.Close()

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := clientsim.Dial(ctx, "203.0.113.7:21",
			clientsim.WithDialer(cliHost.DialContext),
			clientsim.WithRootCAs(srv.RootCAs()), clientsim.WithServerName("localhost"),
			clientsim.WithPassive(clientsim.PASVOnly), clientsim.WithPASVAddress(policy),
			clientsim.WithTimeouts(clientsim.Timeouts{Connect: 200 * time.Millisecond}))
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err != nil {
			return err
		}
		_, err = c.Retrieve(ctx, "a.txt", &bytes.Buffer{})
		return err
	}

	err := download(netip.Addr{}, clientsim.Trust)
	fmt.Println("trust the 227 address:", clientsim.PhaseOf(err), isTimeout(err))
	fmt.Println("skip it like curl:", download(netip.Addr{}, clientsim.SkipLikeCurl))
	fmt.Println("advertise the public address:", download(netip.MustParseAddr("203.0.113.7"), clientsim.Trust))
	// Output:
	// trust the 227 address: data-connect true
	// skip it like curl: <nil>
	// advertise the public address: <nil>
}

// The timeline records every verdict; here a gateway's conntrack forgets
// an idle flow and drops what comes after.
func ExampleNetwork_Timeline() {
	clock := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	n := &faults.Network{Now: func() time.Time { return clock }}
	n.AddZone("internet", nil)
	n.AddZone("lan", &faults.Gateway{Public: netip.MustParseAddr("198.51.100.2"), IdleTimeout: time.Minute})
	cli := n.AddHost("client", "lan", "192.168.1.10")
	web := n.AddHost("web", "internet", "192.0.2.80")
	defer n.Close()
	ln, _ := web.Listen("tcp", ":80")
	go func() {
		c, _ := ln.Accept()
		c.Write([]byte("hello"))
	}()
	c, _ := cli.Dial("tcp", "192.0.2.80:80")
	c.Read(make([]byte, 5))
	clock = clock.Add(2 * time.Minute) // the flow idles past the conntrack timeout
	c.Write([]byte("anyone?"))
	for _, e := range n.Timeline().Events {
		fmt.Println(e)
	}
	// Output:
	// #1 allowed: data client 192.168.1.10:40000 -> 192.0.2.80:80 (web sees 198.51.100.2:40000 -> 192.0.2.80:80) via lan [internet]
	// #1 cut: conntrack entry expired after 2m0s idle (timeout 1m0s) [lan conntrack]
	// #1 dropped: upstream segments of expired flow dropped from now on [lan conntrack]
}

// Toxics use Toxiproxy's vocabulary and attach to the flows a rule
// selects: here 50 ms more latency on data flows, server to client.
func ExampleToxicRule() {
	n := &faults.Network{}
	n.AddZone("lan", nil)
	a := n.AddHost("a", "lan", "10.0.0.1")
	b := n.AddHost("b", "lan", "10.0.0.2")
	defer n.Close()
	n.AddToxic(faults.ToxicRule{Toxic: faults.Latency{Latency: 50 * time.Millisecond}, Channel: faults.Data})
	ln, _ := b.Listen("tcp", ":9000")
	go func() {
		c, _ := ln.Accept()
		c.Write([]byte("slow"))
	}()
	c, _ := a.Dial("tcp", "10.0.0.2:9000")
	start := time.Now()
	c.Read(make([]byte, 4))
	fmt.Println(time.Since(start) >= 50*time.Millisecond)
	fmt.Println(n.Timeline().Events[1])
	// Output:
	// true
	// #1 delayed: downstream by 50ms ± 0s [latency_downstream]
}
