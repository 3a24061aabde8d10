package faults

import (
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// Gateway connects a zone to the internet: a stateful firewall, optionally
// a NAT (masquerade and port forwards), an FTP helper (ALG) and
// middleboxes. Every zero value is a documented default, so
// &Gateway{Public: addr} is a home router: outbound flows are masqueraded
// to addr, inbound flows are dropped. Settings must not change after
// [Network.AddZone].
type Gateway struct {
	// Name names the gateway in the timeline. Empty means the zone's name.
	Name string
	// Public is the gateway's address on the internet. With a valid
	// address the gateway does NAT: outbound flows leave with this source
	// address, and inbound flows to it reach the zone only through
	// Forwards and ALG expectations. The zero value is a router without
	// NAT: the zone's own addresses are routable from the internet,
	// subject to Rules and Inbound. NAT applies to flows of Public's
	// address family only; the other family is routed.
	Public netip.Addr
	// Forwards are port forwards (DNAT) from Public to hosts in the zone.
	Forwards []Forward
	// Rules are firewall rules for new flows, first match wins. They are
	// checked after ALG expectations and before Forwards.
	Rules []Rule
	// Inbound is the fate of a new inbound flow that matches no rule,
	// forward or expectation. Zero means [Drop].
	Inbound Action
	// Outbound is the fate of a new outbound flow that matches no rule.
	// Zero means [Accept].
	Outbound Action
	// ALG is the FTP helper's behaviour on control flows crossing the
	// gateway. Zero means none. The helper reads cleartext only, so it
	// is blind while the control channel is TLS and sees again after CCC.
	ALG ALGMode
	// DropEPSV black-holes EPSV: data flows to a port announced in a 229
	// reply seen in cleartext are dropped, whatever else would allow them.
	DropEPSV bool
	// IdleTimeout is the conntrack idle timeout of every flow crossing
	// the gateway: a flow with no segment in either direction for this
	// long is forgotten, and its later segments meet IdleAction. Zero
	// means flows never expire.
	IdleTimeout time.Duration
	// IdleAction is what happens to segments of an expired flow: [Drop]
	// (zero) discards them silently, [Reject] resets both ends.
	IdleAction Action
	// Hairpin lets a host of the zone reach the gateway's public address
	// (the forwards apply, and the host sees the gateway's address as the
	// source). Without it such flows are dropped.
	Hairpin bool
	// Middleboxes interpose on the flows crossing the gateway, in order.
	Middleboxes []Middlebox

	zone     *Zone
	mu       sync.Mutex
	natPorts map[uint16]bool
	nextNAT  uint16
	expects  []*expectation
}

// Forward forwards the public ports Ports to a host of the zone: public
// port Ports.Low+i goes to To.Port()+i on To.Addr().
type Forward struct {
	Ports PortRange      // public ports
	To    netip.AddrPort // where Ports.Low goes
}

// String renders "forward ports -> to".
func (f Forward) String() string { return fmt.Sprintf("forward %s -> %s", f.Ports, f.To) }

// Rule is a firewall rule for new flows. Established flows are never
// matched again (the firewall is stateful). Every zero field matches
// anything, except Action (zero means [Drop]) and Direction (zero means
// [Inbound]).
type Rule struct {
	// Name names the rule in the timeline. Empty means a description.
	Name      string
	Action    Action    // zero: Drop
	Direction Direction // zero: Inbound
	// Src matches the source address as it reaches the gateway (after the
	// peer's NAT).
	Src netip.Prefix
	// Dst and Ports match the destination as dialed, before forwarding.
	Dst   netip.Prefix
	Ports PortRange // zero: every port
	// Channel matches control or data flows.
	Channel Channel
}

// String returns the rule's name or a description of it.
func (r Rule) String() string {
	if r.Name != "" {
		return r.Name
	}
	s := fmt.Sprintf("%s %s ports %s", r.Action.or(Drop), r.Direction, r.Ports)
	if r.Src.IsValid() {
		s += " from " + r.Src.String()
	}
	if r.Dst.IsValid() {
		s += " to " + r.Dst.String()
	}
	if r.Channel != AnyChannel {
		s += " " + r.Channel.String()
	}
	return s
}

func (r Rule) match(dir Direction, src netip.Addr, dst netip.AddrPort, ch Channel) bool {
	return (r.Direction == BothDirections || r.Direction == dir) &&
		(!r.Src.IsValid() || r.Src.Contains(src)) &&
		(!r.Dst.IsValid() || r.Dst.Contains(dst.Addr())) &&
		matchesPort(r.Ports, dst.Port()) && r.Channel.matches(ch)
}

// expectation is a related flow an FTP helper expects after seeing an
// announcement: the next flow to dst (from src, if valid) is let
// through and sent to to. A drop expectation black-holes it instead.
type expectation struct {
	inbound bool
	dst, to netip.AddrPort
	src     netip.Addr
	session *Flow
	cmd     string
	drop    bool
	natPort uint16 // public port reserved for an active-mode announcement
}

// maxExpectations bounds the expectations a gateway keeps.
const maxExpectations = 256

func (g *Gateway) init(z *Zone) {
	g.zone = z
	g.natPorts = map[uint16]bool{}
	g.nextNAT = 1024
}

// nats reports whether the gateway translates flows of a's family: NAT
// applies to the family of Public; other families are routed.
func (g *Gateway) nats(a netip.Addr) bool {
	return g.Public.IsValid() && g.Public.Is4() == a.Is4()
}

func (g *Gateway) name() string {
	if g.Name != "" {
		return g.Name
	}
	return g.zone.Name
}

// rule returns the first rule matching a new flow.
func (g *Gateway) rule(dir Direction, src netip.Addr, dst netip.AddrPort, ch Channel) (Rule, bool) {
	for i, r := range g.Rules {
		if r.match(dir, src, dst, ch) {
			if r.Name == "" {
				r.Name = fmt.Sprintf("%s rule %d (%s)", g.name(), i+1, r)
			}
			return r, true
		}
	}
	return Rule{}, false
}

// forward returns where a public port is forwarded.
func (g *Gateway) forward(port uint16) (netip.AddrPort, Forward, bool) {
	for _, f := range g.Forwards {
		if f.Ports.Contains(port) {
			return netip.AddrPortFrom(f.To.Addr(), f.To.Port()+(port-f.Ports.Low)), f, true
		}
	}
	return netip.AddrPort{}, Forward{}, false
}

// expect records an expectation, replacing one for the same destination.
func (g *Gateway) expect(e *expectation) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, old := range g.expects {
		if old.dst == e.dst && old.inbound == e.inbound {
			g.expects = append(g.expects[:i], g.expects[i+1:]...)
			break
		}
	}
	if len(g.expects) >= maxExpectations {
		g.expects = g.expects[1:]
	}
	g.expects = append(g.expects, e)
}

// takeExpectation finds and consumes the expectation for a new flow.
func (g *Gateway) takeExpectation(inbound bool, src netip.Addr, dst netip.AddrPort) *expectation {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, e := range g.expects {
		if e.inbound == inbound && e.dst == dst && (!e.src.IsValid() || e.src == src) {
			if !e.drop {
				g.expects = append(g.expects[:i], g.expects[i+1:]...)
			}
			return e
		}
	}
	return nil
}

// allocNAT reserves a public port for a masqueraded flow, keeping prefer
// when it is free (Linux keeps the source port when it can).
func (g *Gateway) allocNAT(prefer uint16) uint16 {
	g.mu.Lock()
	defer g.mu.Unlock()
	free := func(p uint16) bool {
		_, _, fwd := g.forward(p)
		return p >= 1024 && !g.natPorts[p] && !fwd
	}
	p := prefer
	for i := 0; !free(p) && i < 65536; i++ {
		g.nextNAT++
		if g.nextNAT < 1024 {
			g.nextNAT = 1024
		}
		p = g.nextNAT
	}
	g.natPorts[p] = true
	return p
}

func (g *Gateway) releaseNAT(p uint16) {
	g.mu.Lock()
	delete(g.natPorts, p)
	g.mu.Unlock()
}
