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
	return fmt.Sprintf("%s (real %s)", m.Virtual, PortRange{Low: m.realLow(), High: m.realPort(m.Virtual.High)})
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
// Refusals: a port whose flows the network rejects or drops whatever
// happens (routing, rules, forwards and policies decide, and no gateway
// has an FTP helper that could open it) is left closed, so the kernel
// refuses the connection, or is made a black hole whose SYNs the kernel
// drops, so the program's connect times out (Linux), as with the real
// thing; so are unroutable addresses. Elsewhere the kernel completes the TCP handshake before the
// network decides, so a flow it rejects reaches the program as a reset
// right after connect, and a dropped one as a silent connection, reset
// after [Network.SYNTimeout]. Ports outside the entry's maps are closed.
// Active mode (PORT, EPRT) is bridged: the loopback address a real
// program announces stands for the entry's host, whose NAT, helpers and
// firewall decide the server's data connection, which the entry then
// bridges to the program's listener (see [ResolveActive] for the model,
// TLS included, and what it cannot show). A [Backend]'s real server is
// the exception: it reads the loopback address as is.
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
	watch   *holeWatch                      // reports SYNs to the holes; started with the first
	relays  map[netip.AddrPort]*activeRelay // active mode: announced ports on the host

	conns    connSet        // active-mode data connections being bridged
	wg       sync.WaitGroup // their goroutines
	dialReal DialFunc       // dials real programs' listeners; nil: a net.Dialer
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
	if err := e.open(ip, target, ports); err != nil {
		e.Close()
		return nil, fmt.Errorf("faults: entry: %w", err)
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
// virtual address v: the entry's IP for Target, else a fresh loopback
// address that behaves as v does from the entry's host on the ports of
// the entry's maps whose real and virtual numbers are equal (the data
// ports; announcements carry virtual port numbers). Its connections
// become flows to v, like the entry's, with the same refusals: for an
// unroutable address, such as a private address of another zone,
// nothing listens when [Network.Unroutable] is [Reject] (connection
// refused at once), and under [Drop] its ports are black holes (the
// program's connect times out).
//
// The same v always gets the same address. The address is valid even
// with an error, which reports ports that could not be set up (they are
// then closed: connection refused).
func (e *Entry) Alias(v netip.Addr) (netip.Addr, error) {
	v = v.Unmap()
	e.mu.Lock()
	if a, ok := e.aliases[v]; ok {
		e.mu.Unlock()
		return a, nil
	}
	a := nextLoopbackIP()
	e.aliases[v] = a
	e.mu.Unlock()
	var identity []PortMap
	for _, m := range e.ports {
		if m.identity() {
			identity = append(identity, m)
		}
	}
	if err := e.open(a, v, identity); err != nil {
		return a, fmt.Errorf("faults: entry: alias %s for %s: %w", a, v, err)
	}
	return a, nil
}

// open makes ip stand for the virtual address v on the maps' ports. A
// port whose flows the network rejects or drops whatever happens (no
// FTP helper on the network could open it) is left closed, so the kernel
// refuses connections, or made a black hole, so that they time out;
// every other port is bridged.
func (e *Entry) open(ip, v netip.Addr, maps []PortMap) error {
	var errs []error
	for _, m := range maps {
		var fixed []string
		for p := range m.Virtual.All() {
			real := netip.AddrPortFrom(ip, m.realPort(p))
			fate, why := e.host.net.fixedFate(e.host, netip.AddrPortFrom(v, p))
			var err error
			switch fate {
			case Reject:
			case Drop:
				var bh *blackHole
				if bh, err = newBlackHole(real, netip.AddrPortFrom(v, p)); err == nil {
					err = e.keep(nil, bh)
				}
			default:
				var b *Bridge
				if b, err = e.host.expose(real.String(), netip.AddrPortFrom(v, p).String(), e); err == nil {
					err = e.keep(b, nil)
				}
			}
			errs = append(errs, err)
			if fate != Accept && len(fixed) == 0 {
				fixed = []string{fate.String(), why}
			}
		}
		if fixed != nil {
			verdict, what := Refused, "connection refused"
			if fixed[0] == Drop.String() {
				verdict, what = Dropped, "a connect timeout (black hole)"
			}
			e.host.net.event(nil, verdict, fixed[1], "%s to %s ports %s, whatever happens: real programs dialing %s there get %s from the kernel (entry)",
				e.host.Name, v, m.Virtual, ip, what)
		}
	}
	return errors.Join(errs...)
}

// keep records a bridge or black hole for Close; it closes it and fails
// if the entry is closed.
func (e *Entry) keep(b *Bridge, bh *blackHole) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		if b != nil {
			b.Close()
		}
		if bh != nil {
			bh.close()
		}
		return net.ErrClosed
	}
	if b != nil {
		e.bridges = append(e.bridges, b)
	}
	if bh != nil {
		e.holes = append(e.holes, bh)
		e.watchHoles()
	}
	return nil
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
	bridges, holes, watch := e.bridges, e.holes, e.watch
	e.bridges, e.holes = nil, nil
	e.mu.Unlock()
	if watch != nil {
		watch.close()
	}
	for _, b := range bridges {
		b.Close()
	}
	for _, h := range holes {
		h.close()
	}
	e.closeRelays()
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

// fixedFate returns Reject or Drop, with the rule that decides, when
// every new flow from h to dst meets that verdict whatever happens on the
// network: dst is unroutable, or no gateway on the path has an FTP helper
// or DropEPSV (which act on announcements) and routing, rules, forwards
// and policies refuse it. It returns Accept otherwise, whether or not
// anything listens at dst.
func (n *Network) fixedFate(h *Host, dst netip.AddrPort) (Action, string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	path := []*Gateway{h.Zone.Gateway}
	switch t, g := n.publicOwnerLocked(dst.Addr()); {
	case n.hostInZoneLocked(h.Zone, dst.Addr()) != nil:
		return Accept, ""
	case h.Zone.Gateway != nil && h.Zone.Gateway.Public == dst.Addr(), t != nil:
	case g != nil:
		path = append(path, g)
	default:
		r := n.routedOwnerLocked(dst.Addr())
		if r == nil {
			return n.Unroutable.or(Drop), "unroutable"
		}
		path = append(path, r.Zone.Gateway)
	}
	for _, g := range path {
		if g != nil && (g.ALG != ALGOff || g.DropEPSV) {
			return Accept, ""
		}
	}
	src, ok := h.sourceFor(dst.Addr())
	if !ok {
		return Reject, "no address of the family"
	}
	port := h.allocEphemeralLocked()
	defer h.releaseEphemeralLocked(port)
	ch := Data
	if n.isControlPort(dst.Port()) {
		ch = Control
	}
	d := n.routeLocked(h, Endpoints{Src: netip.AddrPortFrom(src, port), Dst: dst}, ch)
	if d.natGW != nil {
		d.natGW.releaseNAT(d.natPort)
	}
	if d.action == Accept {
		return Accept, ""
	}
	return d.action, d.why
}
