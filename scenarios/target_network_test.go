package scenarios_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// A server ftpsim did not configure (here a sim server on loopback
// standing in for a product) behind the virtual network of a catalogue
// scenario, through Network.Backend: the scenario's client side meets the
// network's NAT as it would meet it in process, and the result carries
// the network's timeline.
func TestTargetOnNetwork(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		scenario string
		want     scenarios.Outcome
	}{
		{"nat-private-pasv-trusted", scenarios.Outcome{Result: scenarios.Failure, Phase: "data-connect", Class: scenarios.ClassTimeout}},
		{"nat-private-pasv-epsv", scenarios.Outcome{Result: scenarios.Success}},
		{"nat-private-pasv-curl", scenarios.Outcome{Result: scenarios.Success}},
		{"firewall-only-control-open", scenarios.Outcome{Result: scenarios.Failure, Phase: "data-connect", Class: scenarios.ClassTimeout}},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			sc, ok := scenarios.Lookup(tc.scenario)
			if !ok {
				t.Fatal("no such scenario")
			}
			// The "product": on loopback, its passive range at real port
			// numbers, advertising the address it has on the network (under
			// TLS nothing could translate its own).
			product := sim.NewUnstartedServer()
			product.PKI = set
			product.PassivePorts = freePortRange(t)
			n, err := sc.Network.Build(product.PassivePorts, false)
			if err != nil {
				t.Fatal(err)
			}
			defer n.Net.Close()
			product.PassiveAddr = n.ServerAddr
			product.Start()
			defer product.Close()
			if _, err := n.Backend(netip.MustParseAddrPort(product.Addr)); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res := scenarios.Run(ctx, sc, scenarios.RunOptions{PKI: set, Target: &scenarios.Target{
				User: sim.DefaultUser, Password: sim.DefaultPassword, RootCAs: set.CA.Pool(), Network: n}})
			if res.Setup != nil {
				t.Fatal(res.Setup)
			}
			if !tc.want.Matches(res.Got) {
				t.Fatalf("got %v (%v), want %v\n%s", res.Got, res.Err, tc.want, res.ClientTranscript.String())
			}
			if !res.Match {
				t.Errorf("the catalogue's expectation %v does not hold for the product: %v", sc.Expect, res.Got)
			}
			if len(res.Timeline.Events) == 0 || !strings.Contains(res.Timeline.String(), n.ServerAddr.String()) {
				t.Errorf("no network timeline naming the server's address %v:\n%s", n.ServerAddr, res.Timeline)
			}
		})
	}
}

// Without the network, a network scenario is refused with a message that
// says how to run it against a target.
func TestTargetNetworkScenarioWithoutNetwork(t *testing.T) {
	sc, _ := scenarios.Lookup("nat-private-pasv-trusted")
	res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{Target: &scenarios.Target{Addr: "127.0.0.1:1"}})
	if res.Setup == nil || !strings.Contains(res.Setup.Error(), "Target.Network") {
		t.Fatalf("setup error %v, want one pointing at Target.Network", res.Setup)
	}
}

// freePortRange returns ten consecutive loopback ports that were free a
// moment ago (from the kernel's choice of one, upwards), bounded to 50
// tries.
func freePortRange(t *testing.T) faults.PortRange {
	t.Helper()
	for try := 0; try < 50; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		low := uint16(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		if low > 65535-10 {
			continue
		}
		free := true
		for p := low; p < low+10 && free; p++ {
			l, err := net.Listen("tcp", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), p).String())
			if free = err == nil; free {
				l.Close()
			}
		}
		if free {
			return faults.PortRange{Low: low, High: low + 9}
		}
	}
	t.Fatal("no ten consecutive free loopback ports in 50 tries")
	return faults.PortRange{}
}

// TestServerNeeds: each server-side setting is reported once, in order,
// and a target run refuses the scenario naming the first.
func TestServerNeeds(t *testing.T) {
	sc := scenarios.Scenario{Name: "needs",
		Server: scenarios.ServerSpec{Certificate: "expired", Files: []scenarios.File{{Path: "/a", Size: 1}}, TLS: "OFF"},
		Steps:  []scenarios.Step{{Op: "login"}, {Op: "check-server-file", Path: "a"}, {Op: "check-server-file", Path: "b"}}}
	got := sc.ServerNeeds()
	want := []scenarios.Need{scenarios.NeedCertificate, scenarios.NeedFiles, scenarios.NeedNoTLS, scenarios.NeedStorage}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ServerNeeds = %v, want %v", got, want)
	}
	if sc.TargetApplicable() {
		t.Error("a scenario with server needs is target-applicable")
	}
	for _, sp := range []scenarios.ServerSpec{{LenientTLSEOF: true}, {DisableCCC: true}, {CCCCloseNotify: "with-reply"}} {
		if got := (&scenarios.Scenario{Server: sp}).ServerNeeds(); fmt.Sprint(got) != fmt.Sprint([]scenarios.Need{scenarios.NeedBehaviour}) {
			t.Errorf("ServerNeeds of %+v = %v, want [%v]", sp, got, scenarios.NeedBehaviour)
		}
	}
	if (&scenarios.Scenario{Steps: []scenarios.Step{{Op: "login"}}}).ServerNeeds() != nil {
		t.Error("a client-only scenario has server needs")
	}
	res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{Target: &scenarios.Target{Addr: "127.0.0.1:1"}})
	if res.Setup == nil || !strings.Contains(res.Setup.Error(), "needs a server certificate of its own kind") {
		t.Errorf("target run: setup error %v; want one naming the certificate", res.Setup)
	}
	for _, c := range scenarios.Catalogue() {
		if needs := c.ServerNeeds(); (c.Network != nil) != slices.Contains(needs, scenarios.NeedNetwork) {
			t.Errorf("%s: network %v but needs %v", c.Name, c.Network != nil, needs)
		}
	}
}

// TestTranscriptRoundTrip: a run's typed transcript renders and parses
// back to the same entries (times aside); continuation lines join the
// entry before.
func TestTranscriptRoundTrip(t *testing.T) {
	sc, _ := scenarios.Lookup("explicit-tls")
	res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{})
	if len(res.ClientTranscript) == 0 || len(res.ClientTranscript.Replies()) == 0 || len(res.ClientTranscript.Commands()) == 0 {
		t.Fatalf("no typed client transcript: %v", res.ClientTranscript)
	}
	back := scenarios.ParseTranscript(res.ClientTranscript.String())
	if len(back) != len(res.ClientTranscript) {
		t.Fatalf("parsed %d entries, want %d", len(back), len(res.ClientTranscript))
	}
	for i, e := range back {
		if e.Kind != res.ClientTranscript[i].Kind || e.Text != res.ClientTranscript[i].Text {
			t.Errorf("entry %d: %v %q, want %v %q", i, e.Kind, e.Text, res.ClientTranscript[i].Kind, res.ClientTranscript[i].Text)
		}
	}
	if got := scenarios.ParseTranscript("header\n> USER a\n< 211-x\n  y\n\n? junk\n"); len(got) != 2 || got[1].Text != "211-x\ny" {
		t.Errorf("ParseTranscript = %#v", got)
	}
}
