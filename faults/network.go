package faults

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/ftpsim/ftpsim/faults/capture"
)

// Network is a virtual IPv4/IPv6 network of hosts in zones. The zero
// value is an empty network ready for [Network.AddZone] and
// [Network.AddHost]. Settings may change until the first listen or dial,
// not afterwards. A Network must not be copied.
type Network struct {
	// Now stamps the timeline and decides conntrack idle expiry. Nil
	// means time.Now. Delivery delays (Latency, Bandwidth, timeouts) run
	// on the time package's timers, which testing/synctest fakes.
	Now func() time.Time
	// Seed seeds the random numbers of toxicity rolls, jitter and slice
	// sizes; every seed, zero included, gives a repeatable run as long as
	// flows are opened in the same order.
	Seed uint64
	// ControlPorts are the destination ports that make a flow an FTP
	// control flow. Nil means port 21 only. See also [MarkControl].
	ControlPorts []uint16
	// Unroutable is what happens to a dial to an address nobody routes,
	// such as a private address of another zone. Zero means [Drop].
	Unroutable Action
	// SYNTimeout bounds a dropped dial whose context has no deadline.
	// Zero means 30 seconds.
	SYNTimeout time.Duration
	// BufferSize is the number of bytes in flight per direction of a flow
	// before writers block. Zero means 256 KiB.
	BufferSize int
	// CaptureLimit is how many bytes of each direction of each control
	// flow are kept for [Flow.Captured]. Zero means 1 MiB; negative
	// turns capture off. Data flows are never captured.
	CaptureLimit int
	// Transport carries the flows. The zero value is [Memory].
	Transport Transport
	// MaxEvents bounds the timeline; later events are counted, not kept.
	// Zero means 10000.
	MaxEvents int
	// OnEvent, if set, is called with every event as it is recorded,
	// kept or not (ftpsim serve prints them live). It runs synchronously,
	// possibly with the network's lock held: it must be quick and must
	// not call the network's methods.
	OnEvent func(Event)
	// Pcap, if set, records every flow as packets, once per network
	// segment it crosses: the dialer's zone, the internet between two
	// gateways, the listener's zone (one pcapng interface each, named
	// after the zone, "internet" in between). Each segment shows the
	// addresses as it sees them (Flow.Pre on the dialer's, Flow.Post on
	// the listener's, the source-NATed address in between) and the bytes
	// as they cross it: a 227 reply carries the private address on the
	// server's side of a NAT with an FTP helper and the rewritten one on
	// the client's. A segment beyond a gateway without NAT, which sees
	// the same addresses as the one before it, is recorded once, on the
	// dialer's side (Wireshark would take two copies for one connection
	// retransmitting everything). Dials the network drops show as SYNs
	// retransmitted with no answer, refused ones as a reset; FIN and RST
	// appear as they happen, stamped by Now. Give the capture the TLS secrets of the
	// ends (sim.Server.KeyLogWriter, clientsim.WithKeyLog: Pcap.KeyLog())
	// to decrypt FTPS in Wireshark. Nil records nothing, at no cost. The
	// caller writes it ([capture.Capture.WriteTo]) after Close.
	Pcap *capture.Capture

	mu        sync.Mutex
	started   bool
	start     time.Time
	zones     []*Zone
	hosts     []*Host
	flows     []*Flow
	toxics    []*toxicRule
	rng       *rand.Rand
	attackers []*Attacker
	bridges   []*Bridge
	closers   []func() // entries and backends, closed first by Close
	closed    bool

	tmu    sync.Mutex // guards the timeline only; never held with mu
	events []Event
	lost   int

	pendMu    sync.Mutex // Loopback: dials waiting for their listener
	pending   map[string]*pendingDial
	externals map[netip.Addr]*Host // Loopback: real programs by address (guarded by mu)
	wg        sync.WaitGroup       // Loopback: goroutines reading real programs
}

// Zone is a part of the network: hosts in the same zone reach each other
// directly. A zone with a [Gateway] is behind it; a zone without one is
// on the internet, and its hosts' addresses are public.
type Zone struct {
	Name    string   // unique in the network
	Gateway *Gateway // nil: the zone is on the internet
	net     *Network
}

// Host is a machine on the network with one or more virtual addresses.
// Its methods hand out listeners and connections with those addresses.
type Host struct {
	Name  string       // unique in the network
	Zone  *Zone        // where the host is
	Addrs []netip.Addr // its virtual addresses, IPv4 and IPv6
	net   *Network

	// guarded by net.mu
	listeners map[uint16][]*listener
	ephemeral map[uint16]bool
	nextPort  uint16
	loopIP    netip.Addr                // Loopback: the real address behind its listeners
	translate map[netip.Addr]netip.Addr // real -> virtual, see Translate
}

// startLocked fixes the settings the first time the network is used.
func (n *Network) startLocked() {
	if n.started {
		return
	}
	n.started = true
	n.start = n.now()
}

// rngLocked returns the network's random numbers, seeded from Seed on
// first use.
func (n *Network) rngLocked() *rand.Rand {
	if n.rng == nil {
		n.rng = rand.New(rand.NewPCG(n.Seed, 0x66747073696d)) // "ftpsim"
	}
	return n.rng
}

func (n *Network) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

// AddZone adds a zone behind gw (nil: a zone on the internet). It panics
// if the name is taken or gw is already in use, as the topology of a test
// is a programming decision.
func (n *Network) AddZone(name string, gw *Gateway) *Zone {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.startLocked()
	for _, z := range n.zones {
		if z.Name == name {
			panic(fmt.Sprintf("faults: zone %q added twice", name))
		}
		if gw != nil && z.Gateway == gw {
			panic(fmt.Sprintf("faults: gateway of zone %q reused for zone %q", z.Name, name))
		}
	}
	if gw != nil && gw.zone != nil {
		panic(fmt.Sprintf("faults: gateway of zone %q reused for zone %q (one Gateway per zone and network)", gw.zone.Name, name))
	}
	z := &Zone{Name: name, Gateway: gw, net: n}
	if gw != nil {
		gw.init(z)
	}
	n.zones = append(n.zones, z)
	return z
}

// AddHost adds a host with the given addresses (IPv4 or IPv6, without
// port) to a zone added before. It panics on an unknown zone, a taken
// name, a bad address, or an address already used in the same zone or
// (for zones on the internet) anywhere on the internet.
func (n *Network) AddHost(name, zone string, addrs ...string) *Host {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.startLocked()
	z := n.zoneLocked(zone)
	if z == nil {
		panic(fmt.Sprintf("faults: host %q: unknown zone %q", name, zone))
	}
	if len(addrs) == 0 {
		panic(fmt.Sprintf("faults: host %q has no address", name))
	}
	h := &Host{Name: name, Zone: z, net: n, listeners: map[uint16][]*listener{}, ephemeral: map[uint16]bool{}}
	for _, s := range addrs {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			panic(fmt.Sprintf("faults: host %q: bad address %q", name, s))
		}
		a = a.Unmap()
		if other := n.hostInZoneLocked(z, a); other != nil {
			panic(fmt.Sprintf("faults: host %q: address %s already belongs to %q", name, a, other.Name))
		}
		if z.Gateway == nil {
			if other, g := n.publicOwnerLocked(a); other != nil || g != nil {
				panic(fmt.Sprintf("faults: host %q: public address %s is taken", name, a))
			}
		}
		h.Addrs = append(h.Addrs, a)
	}
	for _, other := range n.hosts {
		if other.Name == name {
			panic(fmt.Sprintf("faults: host %q added twice", name))
		}
	}
	n.hosts = append(n.hosts, h)
	return h
}

// Host returns the host with the given name, or nil.
func (n *Network) Host(name string) *Host {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, h := range n.hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Flows returns every flow opened so far, oldest first.
func (n *Network) Flows() []*Flow {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Flow(nil), n.flows...)
}

// Close closes every flow, listener, [Bridge], [Entry] and [Backend]
// and stops every [Attacker], waiting for their goroutines. The network cannot be used afterwards.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	flows := append([]*Flow(nil), n.flows...)
	atts := append([]*Attacker(nil), n.attackers...)
	bridges := append([]*Bridge(nil), n.bridges...)
	closers := append([]func(){}, n.closers...)
	var lns []*listener
	for _, h := range n.hosts {
		for _, l := range h.listeners {
			lns = append(lns, l...)
		}
	}
	n.mu.Unlock()
	for _, c := range closers {
		c()
	}
	for _, b := range bridges {
		b.Close()
	}
	for _, a := range atts {
		a.Close()
	}
	for _, l := range lns {
		l.Close()
	}
	for _, f := range flows {
		f.abort()
	}
	n.wg.Wait()
	return nil
}

func (n *Network) zoneLocked(name string) *Zone {
	for _, z := range n.zones {
		if z.Name == name {
			return z
		}
	}
	return nil
}

// hostInZoneLocked returns the host of zone z that owns a.
func (n *Network) hostInZoneLocked(z *Zone, a netip.Addr) *Host {
	for _, h := range n.hosts {
		if h.Zone == z && h.owns(a) {
			return h
		}
	}
	return nil
}

// publicOwnerLocked returns who owns a on the internet: a host in a zone
// without gateway, or a gateway with that public address.
func (n *Network) publicOwnerLocked(a netip.Addr) (*Host, *Gateway) {
	for _, z := range n.zones {
		if z.Gateway != nil && z.Gateway.Public == a {
			return nil, z.Gateway
		}
	}
	for _, h := range n.hosts {
		if h.Zone.Gateway == nil && h.owns(a) {
			return h, nil
		}
	}
	return nil, nil
}

// routedOwnerLocked returns a host behind a gateway without NAT that owns
// a: its address is routable from the internet through the gateway.
func (n *Network) routedOwnerLocked(a netip.Addr) *Host {
	for _, h := range n.hosts {
		if g := h.Zone.Gateway; g != nil && !g.nats(a) && h.owns(a) {
			return h
		}
	}
	return nil
}

func (h *Host) owns(a netip.Addr) bool {
	for _, x := range h.Addrs {
		if x == a {
			return true
		}
	}
	return false
}

// String returns the host's name.
func (h *Host) String() string { return h.Name }

// isControlPort reports whether p is one of the FTP control ports.
func (n *Network) isControlPort(p uint16) bool {
	if n.ControlPorts == nil {
		return p == 21
	}
	for _, c := range n.ControlPorts {
		if c == p {
			return true
		}
	}
	return false
}

func (n *Network) synTimeout() time.Duration {
	if n.SYNTimeout > 0 {
		return n.SYNTimeout
	}
	return 30 * time.Second
}

func (n *Network) captureLimit() int {
	switch {
	case n.CaptureLimit < 0:
		return 0
	case n.CaptureLimit == 0:
		return 1 << 20
	}
	return n.CaptureLimit
}
