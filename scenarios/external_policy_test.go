package scenarios_test

import (
	"bufio"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// greeting connects to addr (loopback) and returns the server's first
// reply line.
func greeting(t *testing.T, addr netip.AddrPort) string {
	t.Helper()
	if !addr.Addr().IsLoopback() {
		t.Fatalf("%s is not a loopback address", addr)
	}
	c, err := net.DialTimeout("tcp", addr.String(), 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("no greeting: %v", err)
	}
	return strings.TrimSpace(line)
}

// A real client through the entry is admitted or refused as the address
// ExternalOptions.ClientAddr names, not as the virtual address the server
// sees it at: a deny list of loopback refuses it (client-address-denied),
// a deny list of the virtual address does not, and the same for allow
// lists. Without ClientAddr the lists apply to the virtual address.
func TestServeExternalClientAddr(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loop := netip.MustParseAddr("127.0.0.1")
	for _, tc := range []struct {
		name        string
		spec        scenarios.NetworkSpec
		allow, deny []string
		clientAddr  netip.Addr
		want        string // reply code of the greeting
		seen        netip.Addr
	}{
		{"deny-loopback", scenarios.NetworkSpec{}, nil, []string{"127.0.0.0/8", "::1/128"}, loop, "421", scenarios.ClientPublicAddr},
		{"deny-loopback-client-nat", scenarios.NetworkSpec{ClientNAT: true}, nil, []string{"127.0.0.0/8"}, loop, "421", scenarios.ClientNATAddr},
		{"deny-loopback-as-written", scenarios.NetworkSpec{}, nil, []string{"127.0.0.0/8"}, netip.Addr{}, "220", scenarios.ClientPublicAddr},
		{"deny-virtual", scenarios.NetworkSpec{}, nil, []string{"198.51.100.0/24"}, loop, "220", scenarios.ClientPublicAddr},
		{"deny-virtual-as-written", scenarios.NetworkSpec{}, nil, []string{"198.51.100.0/24"}, netip.Addr{}, "421", scenarios.ClientPublicAddr},
		{"allow-loopback", scenarios.NetworkSpec{}, []string{"127.0.0.0/8"}, nil, loop, "220", scenarios.ClientPublicAddr},
		{"deny-seen-address", scenarios.NetworkSpec{}, []string{"0.0.0.0/0"}, []string{"198.51.100.10/32"}, loop, "220", scenarios.ClientPublicAddr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := scenarios.BuildServer(scenarios.ServerSpec{DenyIPs: tc.deny}, set)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tc.allow {
				srv.AllowIPs = append(srv.AllowIPs, netip.MustParsePrefix(p))
			}
			x, err := scenarios.ServeExternal(srv, tc.spec, scenarios.ExternalOptions{Entry: netip.MustParseAddrPort("127.0.0.1:0"), ClientAddr: tc.clientAddr})
			if err != nil {
				t.Fatalf("cannot open the entry: %v", err)
			}
			defer x.Close()
			if x.ClientSeen != tc.seen {
				t.Errorf("ClientSeen = %s, want %s", x.ClientSeen, tc.seen)
			}
			if err := srv.Listen(); err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			got := greeting(t, x.ControlAddr())
			if code, _, _ := strings.Cut(got, " "); code != tc.want {
				t.Errorf("greeting %q, want %s (allow %v, deny %v)", got, tc.want, srv.AllowIPs, srv.DenyIPs)
			}
			var peers []netip.Addr
			for _, s := range srv.Sessions() {
				peers = append(peers, s.RemoteAddr.Addr())
			}
			if len(peers) != 1 || peers[0] != tc.seen {
				t.Errorf("the server saw the client at %v, want [%s] (External.ClientSeen)", peers, tc.seen)
			}
		})
	}
}

// decideAs through its effect: a /8 deny list with ClientAddr outside it
// keeps every other address of the /8 denied.
func TestServeExternalCutOut(t *testing.T) {
	srv := sim.NewUnstartedServer()
	srv.DenyIPs = []netip.Prefix{netip.MustParsePrefix("198.0.0.0/8")}
	x, err := scenarios.ServeExternal(srv, scenarios.NetworkSpec{}, scenarios.ExternalOptions{Entry: netip.MustParseAddrPort("127.0.0.1:0"), ClientAddr: netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	has := func(a string) bool {
		for _, p := range srv.DenyIPs {
			if p.Contains(netip.MustParseAddr(a)) {
				return true
			}
		}
		return false
	}
	for _, a := range []string{"198.0.0.0", "198.51.100.9", "198.51.100.11", "198.255.255.255", "198.51.100.0"} {
		if !has(a) {
			t.Errorf("%s is no longer denied: %v", a, srv.DenyIPs)
		}
	}
	if has("198.51.100.10") || has("127.0.0.1") {
		t.Errorf("the client's virtual address or loopback is denied: %v", srv.DenyIPs)
	}
	if n := len(srv.DenyIPs); n != 24 {
		t.Errorf("the /8 without one address is 24 prefixes, got %d: %v", n, srv.DenyIPs)
	}
}
