package faults

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// PortMap pairs virtual ports with real ones: virtual port Virtual.Low+i
// is real port Real+i.
type PortMap struct {
	Virtual PortRange // the virtual ports; the zero range is invalid here
	Real    uint16    // the real port of Virtual.Low; zero: the same number
}

// String renders "30000-30009", or "21 (real 2121)" when the numbers differ.
func (m PortMap) String() string {
	if m.identity() {
		return m.Virtual.String()
	}
	return fmt.Sprintf("%s (real %s)", m.Virtual, PortRange{m.realLow(), m.realPort(m.Virtual.High)})
}

func (m PortMap) realLow() uint16 {
	if m.Real == 0 {
		return m.Virtual.Low
	}
	return m.Real
}

func (m PortMap) realPort(v uint16) uint16 { return m.realLow() + (v - m.Virtual.Low) }

func (m PortMap) identity() bool { return m.realLow() == m.Virtual.Low }

func (m PortMap) check() error {
	if m.Virtual.Low == 0 || m.Virtual.High < m.Virtual.Low {
		return fmt.Errorf("port map %v: bad virtual range", m.Virtual)
	}
	if int(m.realLow())+int(m.Virtual.High-m.Virtual.Low) > 65535 {
		return fmt.Errorf("port map %v: real ports from %d run past 65535", m.Virtual, m.realLow())
	}
	return nil
}

// Entry is where real programs on this machine enter the network. It
// lets a real loopback address, IP, stand for a virtual one, Target
// (typically a server's public address), as seen from a host of the
// network (typically the client's): a connection a real program (curl,
// lftp, FileZilla, Python's ftplib) makes to IP on a real port of the
// entry becomes a flow from the host to Target at the matching virtual
// port. The flow crosses the host's gateway, the internet and the
// target's gateway (NAT, firewall rules, FTP helpers, middleboxes,
// toxics) exactly as an in-process client's would, and the real program
// sees the network's resets as resets. Make one with [Host.Enter]; it
// works on either transport. Give it the control port and the server's
// passive range: curl's default (the control address with the 227 port)
// and every EPSV client then reach the server through the faults on
// every connection.
//
// Real programs must only ever learn loopback addresses, so the entry
// shows each virtual address to them as one ([Entry.Alias]): Target as
// IP, any other address as a fresh 127.x.y.z that behaves as that address
// does from the host. The 227 replies that cross the network in
// cleartext are rewritten to these after every gateway has acted; under
// TLS nothing can read them, so a server whose 227 address real programs
// may trust must advertise the loopback address itself
// ([Entry.Advertise]).
//
// Limits: the kernel completes a real program's TCP handshake before the
// entry sees it, so a flow the network rejects reaches the program as a
// connection reset right after connect, and a dropped one as a silent
// connection, reset after [Network.SYNTimeout]. Aliases of unroutable
// addresses do better (see [Entry.Alias]). Ports outside the entry's
// maps are closed (connection refused). Active mode (PORT, EPRT) is not
// bridged: a real program announces a loopback address, which is
// unroutable in the network.
type Entry struct {
	host   *Host
	ip     netip.Addr
	target netip.Addr
	ports  []PortMap

	mu      sync.Mutex // guards the fields below; taken before the network's lock
	closed  bool
	aliases map[netip.Addr]netip.Addr // virtual -> loopback
	bridges []*Bridge
	holes   []*blackHole
}

// Enter opens an entry for real programs: for each map, it listens on
// ip at the real ports and sends each connection from h to target at the
// virtual port. The zero ip means a fresh loopback address of this
// process (see [Host.LoopbackIP]); otherwise ip must be a loopback
// address, such as 127.0.0.1. Typical maps are the control port and the
// passive range:
//
//	e, err := client.Enter(netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("203.0.113.7"),
//		faults.PortMap{Virtual: faults.Ports(21), Real: 2121},
//		faults.PortMap{Virtual: faults.Ports(30000, 30009)})
//
// [Network.Close] closes the entry too.
func (h *Host) Enter(ip, target netip.Addr, ports ...PortMap) (*Entry, error) {
	ip, target = ip.Unmap(), target.Unmap()
	if !ip.IsValid() {
		ip = nextLoopbackIP()
	}
	switch {
	case !ip.IsLoopback():
		return nil, fmt.Errorf("faults: entry: %s is not a loopback address", ip)
	case !target.IsValid():
		return nil, errors.New("faults: entry: no target address")
	case len(ports) == 0:
		return nil, errors.New("faults: entry: no ports")
	}
	if _, ok := h.sourceFor(target); !ok {
		return nil, fmt.Errorf("faults: entry: host %s has no address of %s's family", h.Name, target)
	}
	for _, m := range ports {
		if err := m.check(); err != nil {
			return nil, fmt.Errorf("faults: entry: %w", err)
		}
	}
	e := &Entry{host: h, ip: ip, target: target, ports: append([]PortMap(nil), ports...),
		aliases: map[netip.Addr]netip.Addr{target: ip}}
	for _, m := range ports {
		for v := int(m.Virtual.Low); v <= int(m.Virtual.High); v++ {
			real := netip.AddrPortFrom(ip, m.realPort(uint16(v)))
			b, err := h.expose(real.String(), netip.AddrPortFrom(target, uint16(v)).String(), e)
			if err != nil {
				e.Close()
				return nil, fmt.Errorf("faults: entry: %w", err)
			}
			e.bridges = append(e.bridges, b)
		}
	}
	h.net.mu.Lock()
	h.net.closers = append(h.net.closers, func() { e.Close() })
	h.net.mu.Unlock()
	return e, nil
}

// Host returns the host real programs act from.
func (e *Entry) Host() *Host { return e.host }

// IP returns the loopback address that stands for [Entry.Target].
func (e *Entry) IP() netip.Addr { return e.ip }

// Target returns the virtual address the entry's IP stands for.
func (e *Entry) Target() netip.Addr { return e.target }

// Addr returns the real address a program dials to reach the target's
// virtual port, and false if no map covers the port.
func (e *Entry) Addr(virtualPort uint16) (netip.AddrPort, bool) {
	for _, m := range e.ports {
		if m.Virtual.Low <= virtualPort && virtualPort <= m.Virtual.High {
			return netip.AddrPortFrom(e.ip, m.realPort(virtualPort)), true
		}
	}
	return netip.AddrPort{}, false
}

// Alias returns the loopback address real programs are shown for the
// virtual address v, and makes it behave as v does from the entry's host
// on the ports of the entry's maps whose real and virtual numbers are
// equal (the data ports; announcements carry virtual port numbers):
//   - Target: the entry's IP;
//   - an address the host can route to: a fresh loopback address whose
//     connections become flows to v, like the entry's;
//   - an unroutable address, such as a private address of another zone:
//     a fresh loopback address where nothing listens when
//     [Network.Unroutable] is [Reject] (connection refused at once), and
//     whose ports are black holes under [Drop] (the kernel drops the SYNs
//     and the program's connect times out, on Linux).
//
// The same v always gets the same address. The address is valid even
// with an error, which reports ports that could not be set up (they are
// then closed: connection refused).
func (e *Entry) Alias(v netip.Addr) (netip.Addr, error) {
	v = v.Unmap()
	e.mu.Lock()
	defer e.mu.Unlock()
	if a, ok := e.aliases[v]; ok {
		return a, nil
	}
	a := nextLoopbackIP()
	e.aliases[v] = a
	if e.closed {
		return a, net.ErrClosed
	}
	n := e.host.net
	n.mu.Lock()
	routable, drop := n.routableLocked(e.host, v), n.Unroutable.or(Drop) == Drop
	n.mu.Unlock()
	var errs []error
	for _, m := range e.ports {
		if !m.identity() {
			continue
		}
		for p := int(m.Virtual.Low); p <= int(m.Virtual.High); p++ {
			ap := netip.AddrPortFrom(a, uint16(p))
			switch {
			case routable:
				b, err := e.host.expose(ap.String(), netip.AddrPortFrom(v, uint16(p)).String(), e)
				if err == nil {
					e.bridges = append(e.bridges, b)
				}
				errs = append(errs, err)
			case drop:
				h, err := newBlackHole(ap)
				if err == nil {
					e.holes = append(e.holes, h)
				}
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return a, fmt.Errorf("faults: entry: alias %s for %s: %w", a, v, err)
	}
	return a, nil
}

// Advertise returns the address a server on host srv must advertise in
// its 227 replies, in place of the virtual address v, so that real
// programs that trust the 227 address see what a client on the entry's
// host would see: the [Entry.Alias] of v. It also makes srv translate the
// alias back to v in cleartext ([Host.Translate]), so that gateways and
// FTP helpers still see v. For a sim.Server:
//
//	srv.PassiveAddr, err = entry.Advertise(serverHost, netip.MustParseAddr("10.0.0.5"))
func (e *Entry) Advertise(srv *Host, v netip.Addr) (netip.Addr, error) {
	a, err := e.Alias(v)
	srv.Translate(a, v)
	return a, err
}

// shown is the entry's rewrite of a 227 address that reached the real
// program's end of the network: loopback addresses pass, others become
// their alias.
func (e *Entry) shown(a netip.Addr) (netip.Addr, string) {
	if a.IsLoopback() {
		return a, ""
	}
	alias, err := e.Alias(a)
	words := "shown to the real program as"
	if err != nil {
		words = "shown to the real program (" + err.Error() + ") as"
	}
	return alias, words
}

// Close closes the entry's listeners and the connections through them.
func (e *Entry) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	bridges, holes := e.bridges, e.holes
	e.bridges, e.holes = nil, nil
	e.mu.Unlock()
	for _, b := range bridges {
		b.Close()
	}
	for _, h := range holes {
		h.close()
	}
	return nil
}

// String describes the entry: "127.0.0.1 -> 203.0.113.7 from client ports 21 (real 2121) 30000-30009".
func (e *Entry) String() string {
	s := e.ip.String() + " -> " + e.target.String() + " from " + e.host.Name + " ports"
	for _, m := range e.ports {
		s += " " + m.String()
	}
	return s
}

// routableLocked reports whether a flow from h to v has a route: v is in
// h's zone, is h's gateway's public address, or is public or routed on
// the internet. Whether a firewall lets it through is another matter.
func (n *Network) routableLocked(h *Host, v netip.Addr) bool {
	if n.hostInZoneLocked(h.Zone, v) != nil {
		return true
	}
	if g := h.Zone.Gateway; g != nil && g.Public == v {
		return true
	}
	if t, g := n.publicOwnerLocked(v); t != nil || g != nil {
		return true
	}
	return n.routedOwnerLocked(v) != nil
}
