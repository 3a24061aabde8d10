package faults_test

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"golang.org/x/net/nettest"
)

// pipeOn returns a MakePipe that dials from one host to a listener on
// another through n.
func pipeOn(t *testing.T, n *faults.Network, from, to *faults.Host, addr, target string) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := to.Listen("tcp", addr)
		if err != nil {
			return nil, nil, nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		type res struct {
			c   net.Conn
			err error
		}
		ch := make(chan res, 1)
		go func() {
			c, err := ln.Accept()
			ch <- res{c, err}
		}()
		dst := target
		if dst == "" {
			dst = ln.Addr().String()
		}
		c1, err = from.DialContext(ctx, "tcp", dst)
		if err != nil {
			ln.Close()
			return nil, nil, nil, err
		}
		r := <-ch
		if r.err != nil {
			c1.Close()
			ln.Close()
			return nil, nil, nil, r.err
		}
		return c1, r.c, func() { c1.Close(); r.c.Close(); ln.Close() }, nil
	}
}

func TestConnSameZone(t *testing.T) {
	n := &faults.Network{}
	n.AddZone("lan", nil)
	a := n.AddHost("a", "lan", "10.0.0.1")
	b := n.AddHost("b", "lan", "10.0.0.2")
	nettest.TestConn(t, pipeOn(t, n, a, b, "10.0.0.2:0", ""))
}

// natPair builds a client LAN behind a NAT and a server DMZ behind a NAT
// with a forward of port 9000.
func natPair() (*faults.Network, *faults.Host, *faults.Host) {
	n := &faults.Network{}
	n.AddZone("internet", nil)
	n.AddZone("lan", &faults.Gateway{Public: netip.MustParseAddr("198.51.100.2")})
	n.AddZone("dmz", &faults.Gateway{
		Public:   netip.MustParseAddr("203.0.113.7"),
		Forwards: []faults.Forward{{Ports: faults.Ports(9000), To: netip.MustParseAddrPort("10.0.0.5:9000")}},
		ALG:      faults.ALGCorrect,
	})
	cli := n.AddHost("client", "lan", "192.168.1.10")
	srv := n.AddHost("server", "dmz", "10.0.0.5")
	return n, cli, srv
}

func TestConnThroughNAT(t *testing.T) {
	_, cli, srv := natPair()
	nettest.TestConn(t, func() (net.Conn, net.Conn, func(), error) {
		ln, err := srv.Listen("tcp", "10.0.0.5:9000")
		if err != nil {
			return nil, nil, nil, err
		}
		ch := make(chan net.Conn, 1)
		go func() { c, _ := ln.Accept(); ch <- c }()
		c1, err := cli.Dial("tcp", "203.0.113.7:9000")
		if err != nil {
			ln.Close()
			return nil, nil, nil, err
		}
		c2 := <-ch
		if got := c2.RemoteAddr().(*net.TCPAddr).IP.String(); got != "198.51.100.2" {
			t.Errorf("server sees %s, want the client's NAT address", got)
		}
		if got := c1.RemoteAddr().String(); got != "203.0.113.7:9000" {
			t.Errorf("client sees %s", got)
		}
		return c1, c2, func() { c1.Close(); c2.Close(); ln.Close() }, nil
	})
}

func TestConnWithToxics(t *testing.T) {
	for _, tox := range []faults.Toxic{
		faults.Latency{Latency: time.Millisecond, Jitter: time.Millisecond},
		faults.Slicer{AverageSize: 300, SizeVariation: 200},
		faults.Bandwidth{Rate: 100000},
		faults.SlowClose{Delay: 5 * time.Millisecond},
	} {
		t.Run(tox.Kind(), func(t *testing.T) {
			n, cli, srv := natPair()
			n.AddToxic(faults.ToxicRule{Toxic: tox, Stream: faults.BothStreams})
			nettest.TestConn(t, pipeOn(t, n, cli, srv, "10.0.0.5:9000", "203.0.113.7:9000"))
		})
	}
}

func TestConnLoopback(t *testing.T) {
	t.Run("same zone", func(t *testing.T) {
		n := &faults.Network{Transport: faults.Loopback}
		n.AddZone("lan", nil)
		a := n.AddHost("a", "lan", "10.0.0.1")
		b := n.AddHost("b", "lan", "10.0.0.2")
		defer n.Close()
		nettest.TestConn(t, pipeOn(t, n, a, b, "10.0.0.2:0", ""))
	})
	t.Run("through NAT", func(t *testing.T) {
		n := &faults.Network{Transport: faults.Loopback}
		n.AddZone("internet", nil)
		n.AddZone("lan", &faults.Gateway{Public: netip.MustParseAddr("198.51.100.2")})
		n.AddZone("dmz", &faults.Gateway{
			Public:   netip.MustParseAddr("203.0.113.7"),
			Forwards: []faults.Forward{{Ports: faults.Ports(9000), To: netip.MustParseAddrPort("10.0.0.5:9000")}},
		})
		cli := n.AddHost("client", "lan", "192.168.1.10")
		srv := n.AddHost("server", "dmz", "10.0.0.5")
		defer n.Close()
		nettest.TestConn(t, pipeOn(t, n, cli, srv, "10.0.0.5:9000", "203.0.113.7:9000"))
	})
}
