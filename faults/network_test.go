package faults_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/faults"
)

// accept1 accepts one connection in the background.
func accept1(ln net.Listener) <-chan net.Conn {
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			c = nil
		}
		ch <- c
	}()
	return ch
}

// dialPair dials addr from h and returns both ends.
func dialPair(t *testing.T, h *faults.Host, ln net.Listener, addr string) (net.Conn, net.Conn) {
	t.Helper()
	ch := accept1(ln)
	c, err := h.DialContext(testCtx(t, 5*time.Second), "tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	s := <-ch
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}

func TestRoutingAddresses(t *testing.T) {
	n, cli, srv := natPair()
	peer := n.AddHost("peer", "lan", "192.168.1.11")
	web := n.AddHost("web", "internet", "192.0.2.80")
	ln, _ := srv.Listen("tcp", ":9000")
	lnPeer, _ := peer.Listen("tcp", "192.168.1.11:7")
	lnWeb, _ := web.Listen("tcp", "192.0.2.80:80")
	for _, tc := range []struct {
		name           string
		ln             net.Listener
		dial           string
		cliRemote      string
		srvRemotePrefx string
		srvLocal       string
	}{
		{"same zone", lnPeer, "192.168.1.11:7", "192.168.1.11:7", "192.168.1.10:", "192.168.1.11:7"},
		{"to the internet", lnWeb, "192.0.2.80:80", "192.0.2.80:80", "198.51.100.2:", "192.0.2.80:80"},
		{"through both NATs", ln, "203.0.113.7:9000", "203.0.113.7:9000", "198.51.100.2:", "10.0.0.5:9000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := dialPair(t, cli, tc.ln, tc.dial)
			if got := c.RemoteAddr().String(); got != tc.cliRemote {
				t.Errorf("client sees remote %s, want %s", got, tc.cliRemote)
			}
			if got := s.RemoteAddr().String(); !strings.HasPrefix(got, tc.srvRemotePrefx) {
				t.Errorf("server sees remote %s, want %s*", got, tc.srvRemotePrefx)
			}
			if got := s.LocalAddr().String(); got != tc.srvLocal {
				t.Errorf("server sees local %s, want %s", got, tc.srvLocal)
			}
			if _, ok := c.RemoteAddr().(*net.TCPAddr); !ok {
				t.Errorf("RemoteAddr is %T, want *net.TCPAddr", c.RemoteAddr())
			}
			f := faults.FlowOf(c)
			if f == nil || faults.FlowOf(s) != f || f.Channel != faults.Data {
				t.Fatalf("flow %v", f)
			}
		})
	}
}

func TestDialFailures(t *testing.T) {
	for _, tc := range []struct {
		name       string
		unroutable faults.Action
		dial       string
		want       string // "timeout" or "refused"
	}{
		{"private address of another zone, drop", 0, "10.0.0.5:9000", "timeout"},
		{"private address of another zone, reject", faults.Reject, "10.0.0.5:9000", "refused"},
		{"unknown address", 0, "192.0.2.99:1", "timeout"},
		{"no forward", 0, "203.0.113.7:9001", "timeout"},
		{"nobody listens", 0, "192.0.2.80:81", "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, cli, _ := natPair()
			n.AddHost("web", "internet", "192.0.2.80")
			n.Unroutable = tc.unroutable
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := cli.DialContext(ctx, "tcp", tc.dial)
			switch tc.want {
			case "timeout":
				if !isTimeout(err) || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 90*time.Millisecond {
					t.Fatalf("err = %v after %s, want a timeout at the deadline", err, time.Since(start))
				}
			case "refused":
				if !errors.Is(err, syscall.ECONNREFUSED) || time.Since(start) > 50*time.Millisecond {
					t.Fatalf("err = %v after %s, want ECONNREFUSED at once", err, time.Since(start))
				}
			}
			if evs := n.Timeline().Filter(0, faults.Dropped, faults.Refused); len(evs) != 1 {
				t.Fatalf("timeline:\n%s", n.Timeline())
			}
		})
	}
}

func TestSYNTimeoutWithoutDeadline(t *testing.T) {
	n, cli, _ := natPair()
	n.SYNTimeout = 50 * time.Millisecond
	_, err := cli.Dial("tcp", "10.0.0.5:21")
	if !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("err = %v, want ETIMEDOUT", err)
	}
}

func TestFirewallRules(t *testing.T) {
	n := &faults.Network{}
	n.AddZone("internet", nil)
	n.AddZone("dmz", &faults.Gateway{
		Rules: []faults.Rule{
			{Name: "no telnet", Action: faults.Reject, Ports: faults.Ports(23)},
			{Action: faults.Accept, Ports: faults.Ports(20, 30)},
			{Action: faults.Drop, Direction: faults.Outbound, Dst: netip.MustParsePrefix("192.0.2.0/24")},
		},
	})
	cli := n.AddHost("client", "internet", "198.51.100.9")
	srv := n.AddHost("server", "dmz", "203.0.113.10")
	for _, p := range []string{"21", "23", "31"} {
		ln, _ := srv.Listen("tcp", ":"+p)
		defer ln.Close()
	}
	ctx := func() context.Context { return testCtx(t, 50*time.Millisecond) }
	if c, err := cli.DialContext(ctx(), "tcp", "203.0.113.10:21"); err != nil {
		t.Fatalf("accepted port: %v", err)
	} else {
		c.Close()
	}
	if _, err := cli.DialContext(ctx(), "tcp", "203.0.113.10:23"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("rejected port: %v", err)
	}
	if _, err := cli.DialContext(ctx(), "tcp", "203.0.113.10:31"); !isTimeout(err) {
		t.Fatalf("default inbound policy: %v", err)
	}
	if _, err := srv.DialContext(ctx(), "tcp", "192.0.2.1:80"); !isTimeout(err) {
		t.Fatalf("outbound drop: %v", err)
	}
	if ev := n.Timeline().Filter(0, faults.Refused); len(ev) != 1 || ev[0].Rule != "no telnet" {
		t.Fatalf("timeline:\n%s", n.Timeline())
	}
}

func TestHairpin(t *testing.T) {
	for _, hairpin := range []bool{false, true} {
		n := &faults.Network{}
		n.AddZone("internet", nil)
		n.AddZone("dmz", &faults.Gateway{
			Public:   netip.MustParseAddr("203.0.113.7"),
			Forwards: []faults.Forward{{Ports: faults.Ports(21), To: netip.MustParseAddrPort("10.0.0.5:21")}},
			Hairpin:  hairpin,
		})
		srv := n.AddHost("server", "dmz", "10.0.0.5")
		neighbour := n.AddHost("neighbour", "dmz", "10.0.0.6")
		ln, _ := srv.Listen("tcp", "10.0.0.5:21")
		ctx := testCtx(t, 50*time.Millisecond)
		if !hairpin {
			if _, err := neighbour.DialContext(ctx, "tcp", "203.0.113.7:21"); !isTimeout(err) {
				t.Fatalf("without hairpin: %v", err)
			}
			continue
		}
		_, s := dialPair(t, neighbour, ln, "203.0.113.7:21")
		if got := s.RemoteAddr().(*net.TCPAddr).IP.String(); got != "203.0.113.7" {
			t.Fatalf("server sees %s, want the gateway's address", got)
		}
		if f := faults.FlowOf(s); f.Channel != faults.Control {
			t.Fatalf("flow to 21 is %s", f.Channel)
		}
	}
}

func TestListen(t *testing.T) {
	n := &faults.Network{}
	n.AddZone("lan", nil)
	h := n.AddHost("h", "lan", "192.0.2.1", "2001:db8::1")
	other := n.AddHost("o", "lan", "192.0.2.2", "2001:db8::2")
	ln, err := h.Listen("tcp", "192.0.2.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if p := ln.Addr().(*net.TCPAddr).Port; p == 0 {
		t.Fatal("port 0 not replaced")
	}
	if _, err := h.Listen("tcp", ln.Addr().String()); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("second listen: %v", err)
	}
	if _, err := h.Listen("tcp", "192.0.2.2:1"); !errors.Is(err, syscall.EADDRNOTAVAIL) {
		t.Fatalf("foreign address: %v", err)
	}
	ln6, err := h.Listen("tcp6", "[::]:21")
	if err != nil {
		t.Fatal(err)
	}
	c, s := dialPair(t, other, ln6, "[2001:db8::1]:21")
	if got := s.RemoteAddr().String(); got != "[2001:db8::2]:40001" && !strings.HasPrefix(got, "[2001:db8::2]:") {
		t.Fatalf("IPv6 peer %s", got)
	}
	if f := faults.FlowOf(c); f.Channel != faults.Control {
		t.Fatal("port 21 is not control")
	}
	// Accept honours deadlines; Close resets the backlog.
	dl := ln.(interface{ SetDeadline(time.Time) error })
	dl.SetDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := ln.Accept(); !isTimeout(err) {
		t.Fatalf("accept after deadline: %v", err)
	}
	dl.SetDeadline(time.Time{})
	queued, err := other.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if _, err := queued.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read on a flow reset by listener close: %v", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("accept after close: %v", err)
	}
}

func TestHalfClose(t *testing.T) {
	_, cli, srv := natPair()
	ln, _ := srv.Listen("tcp", "10.0.0.5:9000")
	c, s := dialPair(t, cli, ln, "203.0.113.7:9000")
	c.Write([]byte("request"))
	c.(interface{ CloseWrite() error }).CloseWrite()
	req, err := io.ReadAll(s)
	if err != nil || string(req) != "request" {
		t.Fatalf("server read %q, %v", req, err)
	}
	s.Write([]byte("reply"))
	s.Close()
	rep, err := io.ReadAll(c)
	if err != nil || string(rep) != "reply" {
		t.Fatalf("client read %q, %v", rep, err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("write after CloseWrite: %v", err)
	}
	c.Close()
	if _, err := c.Read(nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after Close: %v", err)
	}
}

func TestSameAddressInTwoZones(t *testing.T) {
	n := &faults.Network{}
	n.AddZone("internet", nil)
	n.AddZone("home", &faults.Gateway{Public: netip.MustParseAddr("198.51.100.1")})
	n.AddZone("office", &faults.Gateway{Public: netip.MustParseAddr("198.51.100.2")})
	a := n.AddHost("a", "home", "192.168.1.10")
	b := n.AddHost("b", "office", "192.168.1.10")
	lb, _ := b.Listen("tcp", ":80")
	ctx := testCtx(t, 50*time.Millisecond)
	if _, err := a.DialContext(ctx, "tcp", "192.168.1.10:80"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("a dialing its own address: %v", err) // a's own host, nobody listens
	}
	if _, err := b.DialContext(ctx, "tcp", "192.168.1.10:80"); err != nil {
		t.Fatalf("b dialing itself: %v", err)
	}
	lb.Close()
}

func TestTimelineString(t *testing.T) {
	n, cli, srv := natPair()
	ln, _ := srv.Listen("tcp", "10.0.0.5:9000")
	dialPair(t, cli, ln, "203.0.113.7:9000")
	s := n.Timeline().String()
	for _, want := range []string{"#1 allowed: data client 192.168.1.10:40000 -> 203.0.113.7:9000", "[dmz forward 9000 -> 10.0.0.5:9000]", "0.0"} {
		if !strings.Contains(s, want) {
			t.Errorf("timeline lacks %q:\n%s", want, s)
		}
	}
}

// Close unblocks a writer stuck on a full buffer (the peer never reads).
func TestCloseUnblocksWriter(t *testing.T) {
	n, cli, srv := natPair()
	n.BufferSize = 1024
	ln, _ := srv.Listen("tcp", "10.0.0.5:9000")
	c, _ := dialPair(t, cli, ln, "203.0.113.7:9000")
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(make([]byte, 1<<20))
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	done := make(chan struct{})
	go func() { c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close blocked behind a stuck Write")
	}
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("stuck Write returned %v, want net.ErrClosed", err)
	}
}

// NAT applies to the family of the gateway's public address: an IPv6
// host behind an IPv4 NAT keeps its address and is routed.
func TestIPv6BehindIPv4NAT(t *testing.T) {
	n := &faults.Network{}
	n.AddZone("internet", nil)
	n.AddZone("lan", &faults.Gateway{Public: netip.MustParseAddr("198.51.100.2")})
	cli := n.AddHost("client", "lan", "192.168.1.10", "2001:db8:1::10")
	web := n.AddHost("web", "internet", "192.0.2.80", "2001:db8:2::80")
	ln, _ := web.Listen("tcp", ":80")
	_, s4 := dialPair(t, cli, ln, "192.0.2.80:80")
	_, s6 := dialPair(t, cli, ln, "[2001:db8:2::80]:80")
	if got := s4.RemoteAddr().(*net.TCPAddr).IP.String(); got != "198.51.100.2" {
		t.Errorf("IPv4 peer %s, want the NAT address", got)
	}
	if got := s6.RemoteAddr().(*net.TCPAddr).IP.String(); got != "2001:db8:1::10" {
		t.Errorf("IPv6 peer %s, want the client's own address", got)
	}
	// Inbound IPv6 meets the gateway's firewall (default drop).
	lc, _ := cli.Listen("tcp", ":22")
	defer lc.Close()
	if _, err := web.DialContext(testCtx(t, 50*time.Millisecond), "tcp", "[2001:db8:1::10]:22"); !isTimeout(err) {
		t.Fatalf("inbound IPv6: %v", err)
	}
}
