package faults

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// Active mode for real programs behind an [Entry].
//
// A real program in active mode listens on a real loopback address and
// announces it (PORT 127,0,0,1,p1,p2). On the network it is a program on
// the entry's host, so its announcement means the host's own address at
// that port, which is what a client program on that host would have
// announced:
//   - in cleartext the entry reads the announcement as it leaves the
//     host, before any gateway, and rewrites it to the host's address;
//     gateways, NAT and FTP helpers then act on it as on any client's;
//   - under TLS nothing on the path can read it; the server reads it
//     after decrypting and asks [ResolveActive], which gives the same
//     answer (sim.Server does when its ResolveActive seam is set).
//
// Either way the entry listens on its host at the announced port, and the
// server's data flow, routed to whatever address the server dials (the
// host's, or its NAT's public address through an expectation or a
// forward), is bridged to the real listener when it arrives. A program
// that announces a virtual address itself (lftp's ftp:port-ipv4, set to
// its NAT's public address) is left as it is, and its listener is taken
// to be on its own loopback address at the announced port.
//
// What the model cannot show: a real program whose listener is not on
// the address it announced or on its own address; a virtual address a
// real program announces under TLS (nothing reads it on the way, so no
// relay is opened and the server's data connection is refused); a real host with
// several addresses (the host's first address of the family is used);
// announcements split across TLS records the server reads (it resolves
// what it parses); and a real program that listens off loopback (lftp
// 4.9 listens on 0.0.0.0: the entry reaches it on 127.0.0.1 all the same,
// but anything else could too).

// relayIdle bounds how long a relay for an announced port waits for the
// server's data connection.
const relayIdle = time.Minute

// activeRelay bridges flows reaching the entry's host at one announced
// port to the real program's listener.
type activeRelay struct {
	ln    net.Listener // on the entry's host, at the virtual address
	real  netip.AddrPort
	timer *time.Timer
}

// ResolveActive returns what the data address a client announced in
// PORT or EPRT means on the network, for a server that read it from
// its control connection conn after TLS decryption, where no gateway or
// entry could. For a control flow a real program opened through an
// [Entry], a loopback address is that program's own: it becomes the
// address of the entry's host, and the entry is made ready to bridge the
// server's data connection to the real listener. Any other address (in
// cleartext the entry has rewritten the program's already), or a
// connection of any other kind, is returned unchanged. A server on
// the network calls it before its foreign-address check, as sim.Server
// does with its ResolveActive seam ([ServerSeams.ResolveActive]).
func ResolveActive(conn net.Conn, announced netip.AddrPort) netip.AddrPort {
	f := FlowOf(conn)
	if f == nil || f.entry == nil || f.Channel != Control || !announced.Addr().Unmap().IsLoopback() {
		return announced
	}
	v, _ := f.entry.active(f, announced, "read by the server, unseen on the way")
	return v
}

// active is the entry's reading of the real program's announcement a on
// control flow f: the address a program on the host would have
// announced, and the words for the timeline. It opens the relay for the
// announced port. how says where the announcement was read.
func (e *Entry) active(f *Flow, a netip.AddrPort, how string) (netip.AddrPort, string) {
	a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	own, ok := e.host.sourceFor(a.Addr())
	if !ok || !f.real.IsValid() {
		return a, ""
	}
	v, real := a, netip.AddrPortFrom(f.real.Addr().Unmap(), a.Port())
	if a.Addr().IsLoopback() {
		v, real = netip.AddrPortFrom(own, a.Port()), a
	}
	at := netip.AddrPortFrom(own, a.Port())
	if err := e.relay(f, at, real); err != nil {
		e.host.net.event(f, Refused, "entry "+e.ip.String(), "active data address %s (%s): cannot listen on %s %s: %v; the server's data connection will be refused",
			a, how, e.host.Name, at, err)
		return v, ""
	}
	e.host.net.event(f, Seen, "entry "+e.ip.String(), "active data address %s (%s): the real program's listener %s is %s %s",
		a, how, real, e.host.Name, at)
	if v == a {
		return a, ""
	}
	return v, "from the real program leaves " + e.host.Name + " as"
}

// relay makes the entry's host listen at at and bridge the first flow it
// accepts to the real address real, a loopback address. An existing relay
// at at is pointed at real and given another relayIdle.
func (e *Entry) relay(f *Flow, at, real netip.AddrPort) error {
	if !real.Addr().IsLoopback() {
		return &net.AddrError{Err: "not a loopback address (real programs are only ever dialed on loopback)", Addr: real.String()}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return net.ErrClosed
	}
	if r := e.relays[at]; r != nil {
		r.real = real
		r.timer.Reset(relayIdle)
		return nil
	}
	ln, err := e.host.Listen("tcp", at.String())
	if err != nil {
		return err
	}
	if e.relays == nil {
		e.relays = map[netip.AddrPort]*activeRelay{}
	}
	r := &activeRelay{ln: ln, real: real}
	r.timer = time.AfterFunc(relayIdle, func() { e.dropRelay(at, r) })
	e.relays[at] = r
	e.wg.Add(1)
	go e.serveRelay(at, r)
	return nil
}

// serveRelay accepts one flow on r, then retires r and bridges the flow
// to the real listener. A real listener that refuses resets the flow.
func (e *Entry) serveRelay(at netip.AddrPort, r *activeRelay) {
	defer e.wg.Done()
	vc, err := r.ln.Accept()
	e.mu.Lock()
	real, dial := r.real, e.dialReal
	e.mu.Unlock()
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	e.dropRelay(at, r)
	if err != nil {
		return
	}
	if !e.conns.track(vc) {
		vc.Close()
		return
	}
	defer e.conns.untrack(vc)
	ctx, cancel := context.WithTimeout(context.Background(), e.host.net.synTimeout())
	rc, err := dial(ctx, "tcp", real.String())
	cancel()
	if err != nil {
		if f := FlowOf(vc); f != nil {
			e.host.net.event(f, Refused, "entry "+e.ip.String(), "the real program's listener %s: %v", real, err)
		}
		resetConn(vc)
		return
	}
	if !e.conns.track(rc) {
		rc.Close()
		vc.Close()
		return
	}
	defer e.conns.untrack(rc)
	pipe(rc, vc)
}

// DialFunc dials a real address.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// SetDialReal sets how the entry reaches the listeners real programs
// open in active mode; nil (the default) is a net.Dialer. A program run
// in a network namespace of its own (lftp 4.9 listens on 0.0.0.0, which
// only there is loopback alone) needs a dial made in that namespace.
func (e *Entry) SetDialReal(dial DialFunc) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dialReal = dial
}

// dropRelay closes r and forgets it, if it is still the relay at at.
func (e *Entry) dropRelay(at netip.AddrPort, r *activeRelay) {
	e.mu.Lock()
	if e.relays[at] == r {
		delete(e.relays, at)
	}
	e.mu.Unlock()
	r.timer.Stop()
	r.ln.Close()
}

// closeRelays closes every relay and bridged data connection and waits
// for their goroutines; the entry is closed already.
func (e *Entry) closeRelays() {
	e.mu.Lock()
	relays := e.relays
	e.relays = nil
	e.mu.Unlock()
	for _, r := range relays {
		r.timer.Stop()
		r.ln.Close()
	}
	e.conns.close()
	e.wg.Wait()
}

// relayCount is the number of relays waiting (for tests).
func (e *Entry) relayCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.relays)
}
