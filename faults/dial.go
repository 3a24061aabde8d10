package faults

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/ftpsim/ftpsim/faults/capture"
)

// Dial is DialContext with a background context; a dropped dial then
// waits [Network.SYNTimeout].
func (h *Host) Dial(network, address string) (net.Conn, error) {
	return h.DialContext(context.Background(), network, address)
}

// DialContext opens a flow from h to address ("ip:port"; the network has
// no DNS). network is "tcp", "tcp4" or "tcp6". The flow is routed (same
// zone, gateways, NAT, firewalls), and the returned connection reports
// the virtual addresses as h sees them. A dropped flow blocks until ctx
// ends (an error that is a timeout and matches
// context.DeadlineExceeded) or [Network.SYNTimeout] passes (ETIMEDOUT);
// a rejected one, or one that reaches no listener, fails at once with
// ECONNREFUSED.
func (h *Host) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return h.dial(ctx, network, address, true, nil, netip.AddrPort{})
}

// dial opens a flow; wait false makes a dropped dial fail at once (the
// attacker's probes must not stall the flow that triggered them). via is
// the [Entry] a real program's connection came through, or nil, and real
// that program's address.
func (h *Host) dial(ctx context.Context, network, address string, wait bool, via *Entry, real netip.AddrPort) (net.Conn, error) {
	n := h.net
	dst, err := parseDialAddr(network, address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	raddr := net.TCPAddrFromAddrPort(dst)
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: mapCtxErr(err)}
	}
	srcIP, ok := h.sourceFor(dst.Addr())
	if !ok {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: net.ErrClosed}
	}
	port := h.allocEphemeralLocked()
	pre := Endpoints{Src: netip.AddrPortFrom(srcIP, port), Dst: dst}
	laddr := net.TCPAddrFromAddrPort(pre.Src)
	ch := Data
	if n.isControlPort(dst.Port()) {
		ch = Control
	}
	d := n.routeLocked(h, pre, ch)
	d.entry, d.real = via, real
	var ln *listener
	reached := d.action == Accept // a refusal now comes from the listener's host
	if d.action == Accept {
		ln = d.dst.listenerForLocked(d.post.Dst)
		if ln == nil {
			d.refuse(Reject, d.dst.Name, "nothing listens on %s", d.post.Dst)
		}
	}
	if d.action != Accept {
		h.releaseEphemeralLocked(port)
		if d.natGW != nil {
			d.natGW.releaseNAT(d.natPort)
		}
		segs := n.pcapDial(h, pre, d, reached)
		n.mu.Unlock()
		return nil, n.refused(ctx, h, pre, d, network, laddr, raddr, wait, segs)
	}
	f := n.newFlowLocked(h, pre, d, ch, ln)
	n.mu.Unlock()
	return n.connect(ctx, f, ln, network)
}

// refused records a refused or dropped dial and returns its error after
// the wait a dropped SYN costs, retransmitting the SYN on the segments
// segs meanwhile (see [Network.Pcap]).
func (n *Network) refused(ctx context.Context, h *Host, pre Endpoints, d decision, network string, laddr, raddr *net.TCPAddr, wait bool, segs []*capture.Conn) error {
	verdict := Refused
	if d.action == Drop {
		verdict = Dropped
	}
	n.eventTo(nil, pre.Dst, verdict, d.why, "%s %s: %s", h.Name, pre, d.detail)
	op := func(err error) error {
		return &net.OpError{Op: "dial", Net: network, Source: laddr, Addr: raddr, Err: err}
	}
	if d.action == Reject {
		return op(os.NewSyscallError("connect", syscall.ECONNREFUSED))
	}
	if !wait {
		return op(os.NewSyscallError("connect", syscall.ETIMEDOUT))
	}
	t := time.NewTimer(n.synTimeout())
	defer t.Stop()
	retry, again, stop := n.synRetries(segs)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return op(mapCtxErr(ctx.Err()))
		case <-t.C:
			return op(os.NewSyscallError("connect", syscall.ETIMEDOUT))
		case <-retry:
			again()
		}
	}
}

// parseDialAddr parses "ip:port" and checks it against network.
func parseDialAddr(network, address string) (netip.AddrPort, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return netip.AddrPort{}, net.UnknownNetworkError(network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		host, _, _ := net.SplitHostPort(address)
		return netip.AddrPort{}, &net.AddrError{Err: "not an IP address (the virtual network has no DNS)", Addr: host}
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if network == "tcp4" && !ap.Addr().Is4() || network == "tcp6" && !ap.Addr().Is6() {
		return netip.AddrPort{}, &net.AddrError{Err: "address family does not match " + network, Addr: address}
	}
	if ap.Port() == 0 {
		return netip.AddrPort{}, &net.AddrError{Err: "port 0", Addr: address}
	}
	return ap, nil
}

// sourceFor picks h's address of the same family as dst.
func (h *Host) sourceFor(dst netip.Addr) (netip.Addr, bool) {
	for _, a := range h.Addrs {
		if a.Is4() == dst.Is4() {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// dialTimeout is the error of a dial whose context deadline passed, like
// the net package's: "i/o timeout", a timeout, matching both
// context.DeadlineExceeded and os.ErrDeadlineExceeded.
type dialTimeout struct{}

func (dialTimeout) Error() string   { return "i/o timeout" }
func (dialTimeout) Timeout() bool   { return true }
func (dialTimeout) Temporary() bool { return true }
func (dialTimeout) Is(err error) bool {
	return err == context.DeadlineExceeded || err == os.ErrDeadlineExceeded
}

// dialCanceled is the error of a dial whose context was canceled.
type dialCanceled struct{}

func (dialCanceled) Error() string     { return "operation was canceled" }
func (dialCanceled) Is(err error) bool { return err == context.Canceled }

func mapCtxErr(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return dialTimeout{}
	case errors.Is(err, context.Canceled):
		return dialCanceled{}
	}
	return err
}

// allocEphemeralLocked picks a free local port for a dial, from 40000.
func (h *Host) allocEphemeralLocked() uint16 {
	if h.nextPort < 40000 || h.nextPort >= 61000 {
		h.nextPort = 40000
	}
	for i := 0; i < 21000; i++ {
		p := h.nextPort
		h.nextPort++
		if h.nextPort >= 61000 {
			h.nextPort = 40000
		}
		if !h.ephemeral[p] && len(h.listeners[p]) == 0 {
			h.ephemeral[p] = true
			return p
		}
	}
	panic("faults: host " + h.Name + " ran out of ephemeral ports")
}

func (h *Host) releaseEphemeralLocked(p uint16) { delete(h.ephemeral, p) }

// gatewayNames lists the names of gateways for Flow.Gateways.
func gatewayNames(gws []*Gateway) []string {
	var out []string
	for _, g := range gws {
		out = append(out, g.name())
	}
	return out
}

// describe renders a new flow and its path for the timeline.
func describe(f *Flow) string {
	s := f.desc()
	if len(f.Gateways) > 0 {
		s += " via " + strings.Join(f.Gateways, ", ")
	}
	return s
}
