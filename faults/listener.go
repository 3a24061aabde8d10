package faults

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Transport says how flows carry bytes. The zero value is [Memory].
type Transport int

const (
	// Memory carries flows in process memory: no sockets, no goroutines
	// per flow, compatible with testing/synctest.
	Memory Transport = iota
	// Loopback backs every virtual listener with a real socket on a
	// loopback address of its own (127.x.y.z, one per host) with the same
	// port number, so a real program can reach it; flows between
	// in-process ends run over real TCP connections, wrapped to report
	// virtual addresses.
	Loopback
)

// String returns "memory" or "loopback".
func (t Transport) String() string {
	if t == Loopback {
		return "loopback"
	}
	return "memory"
}

// maxBacklog bounds the flows waiting for Accept on one listener.
const maxBacklog = 1024

// listener is a virtual listener on a host.
type listener struct {
	h       *Host
	addr    netip.AddrPort // Addr() invalid: every address of the host
	fam     int            // 4, 6, or 0 for both
	control bool           // marked as FTP control (guarded by net.mu)
	backend bool           // a Backend's: a real server is behind it (guarded by net.mu)

	mu      sync.Mutex
	cond    sync.Cond
	backlog []net.Conn
	closed  bool
	dl      deadline

	real *realListener // Loopback transport only
}

// Listen opens a listener on h. address is "ip:port" with one of h's
// addresses, or ":port" / "0.0.0.0:port" / "[::]:port" for all of them;
// port 0 picks a free port. network is "tcp", "tcp4" or "tcp6". Addresses
// are virtual: nothing is opened on the machine unless the network's
// transport is [Loopback]. The signature matches sim.Server.ListenPassive.
func (h *Host) Listen(network, address string) (net.Listener, error) {
	return h.ListenContext(context.Background(), network, address)
}

// ListenContext is Listen for callers that pass a context, such as
// clientsim.WithActiveListener.
func (h *Host) ListenContext(ctx context.Context, network, address string) (net.Listener, error) {
	n := h.net
	ap, fam, err := h.parseListenAddr(network, address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	n.mu.Lock()
	n.startLocked()
	if n.closed {
		n.mu.Unlock()
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.ErrClosed}
	}
	port := ap.Port()
	if port == 0 {
		port = h.allocEphemeralLocked()
		h.releaseEphemeralLocked(port)
	}
	ap = netip.AddrPortFrom(ap.Addr(), port)
	l := &listener{h: h, addr: ap, fam: fam}
	l.cond.L = &l.mu
	if h.conflictLocked(l) {
		n.mu.Unlock()
		return nil, &net.OpError{Op: "listen", Net: network, Addr: l.Addr(), Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	}
	h.listeners[port] = append(h.listeners[port], l)
	n.mu.Unlock()
	if n.Transport == Loopback {
		if err := l.listenReal(); err != nil {
			l.Close()
			return nil, &net.OpError{Op: "listen", Net: network, Addr: l.Addr(), Err: err}
		}
	}
	return l, nil
}

func (h *Host) parseListenAddr(network, address string) (netip.AddrPort, int, error) {
	fam := 0
	switch network {
	case "tcp":
	case "tcp4":
		fam = 4
	case "tcp6":
		fam = 6
	default:
		return netip.AddrPort{}, 0, net.UnknownNetworkError(network)
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, 0, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return netip.AddrPort{}, 0, &net.AddrError{Err: "bad port", Addr: address}
	}
	var a netip.Addr
	if host != "" {
		if a, err = netip.ParseAddr(host); err != nil {
			return netip.AddrPort{}, 0, &net.AddrError{Err: "not an IP address (the virtual network has no DNS)", Addr: host}
		}
		a = a.Unmap()
		if a.IsUnspecified() {
			if fam == 0 && a.Is4() {
				fam = 4
			}
			a = netip.Addr{}
		} else if !h.owns(a) {
			return netip.AddrPort{}, 0, os.NewSyscallError("bind", syscall.EADDRNOTAVAIL)
		} else if fam == 0 {
			fam = 4
			if a.Is6() {
				fam = 6
			}
		}
	}
	return netip.AddrPortFrom(a, uint16(port)), fam, nil
}

// accepts reports whether the listener takes flows to a.
func (l *listener) accepts(a netip.Addr) bool {
	if l.addr.Addr().IsValid() {
		return l.addr.Addr() == a
	}
	return l.fam == 0 || l.fam == 4 && a.Is4() || l.fam == 6 && a.Is6()
}

// conflictLocked reports whether another listener holds l's port and an
// address l would take.
func (h *Host) conflictLocked(l *listener) bool {
	for _, o := range h.listeners[l.addr.Port()] {
		if !o.addr.Addr().IsValid() || !l.addr.Addr().IsValid() || o.addr.Addr() == l.addr.Addr() {
			return true
		}
	}
	return false
}

// listenerForLocked finds the listener for dst, exact address first.
func (h *Host) listenerForLocked(dst netip.AddrPort) *listener {
	var wild *listener
	for _, l := range h.listeners[dst.Port()] {
		switch {
		case l.addr.Addr() == dst.Addr():
			return l
		case wild == nil && l.accepts(dst.Addr()):
			wild = l
		}
	}
	return wild
}

// Accept waits for the next flow; see [net.Listener].
func (l *listener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		switch {
		case l.closed:
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: net.ErrClosed}
		case l.dl.passed():
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.ErrDeadlineExceeded}
		case len(l.backlog) > 0:
			c := l.backlog[0]
			l.backlog[0] = nil
			l.backlog = l.backlog[1:]
			return c, nil
		}
		l.cond.Wait()
	}
}

// SetDeadline bounds Accept, like (*net.TCPListener).SetDeadline.
func (l *listener) SetDeadline(t time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dl.stop()
	l.dl.t = t
	if wait := time.Until(t); !t.IsZero() && wait > 0 {
		l.dl.timer = time.AfterFunc(wait, func() {
			l.mu.Lock()
			l.cond.Broadcast()
			l.mu.Unlock()
		})
	}
	l.cond.Broadcast()
	return nil
}

// enqueue hands the listener a new flow's end; false if it is closed.
func (l *listener) enqueue(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || len(l.backlog) >= maxBacklog {
		return false
	}
	l.backlog = append(l.backlog, c)
	l.cond.Broadcast()
	return true
}

// Close stops the listener; flows waiting in its backlog are reset.
func (l *listener) Close() error {
	n := l.h.net
	n.mu.Lock()
	list := l.h.listeners[l.addr.Port()]
	for i, o := range list {
		if o == l {
			l.h.listeners[l.addr.Port()] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(l.h.listeners[l.addr.Port()]) == 0 {
		delete(l.h.listeners, l.addr.Port())
	}
	n.mu.Unlock()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return &net.OpError{Op: "close", Net: "tcp", Addr: l.Addr(), Err: net.ErrClosed}
	}
	l.closed = true
	pending := l.backlog
	l.backlog = nil
	l.dl.stop()
	l.cond.Broadcast()
	l.mu.Unlock()
	for _, c := range pending {
		if f := FlowOf(c); f != nil {
			f.reset()
		}
		c.Close()
	}
	if l.real != nil {
		l.real.close()
	}
	return nil
}

// Addr returns the virtual listening address (0.0.0.0 or :: when it
// listens on every address of the host).
func (l *listener) Addr() net.Addr {
	a := l.addr.Addr()
	if !a.IsValid() {
		a = netip.IPv6Unspecified()
		if l.fam == 4 {
			a = netip.IPv4Unspecified()
		}
	}
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(a, l.addr.Port()))
}

// MarkControl marks a listener of this package as an FTP control
// listener: flows to it are control flows whatever its port. It reports
// false for any other listener.
func MarkControl(ln net.Listener) bool {
	l, ok := ln.(*listener)
	if !ok {
		return false
	}
	l.h.net.mu.Lock()
	l.control = true
	l.h.net.mu.Unlock()
	return true
}
