package faults

import (
	"context"
	"net"
	"os"
	"syscall"
)

// newFlowLocked creates the flow of an accepted dial: its FTP context,
// its links and the faults of the gateways it crosses and of the toxic
// rules that select it.
func (n *Network) newFlowLocked(h *Host, pre Endpoints, d decision, ch Channel, ln *listener) *Flow {
	if ln.control || n.isControlPort(d.post.Dst.Port()) {
		ch = Control
	}
	f := &Flow{
		ID: len(n.flows) + 1, Channel: ch, Dialer: h, Listener: d.dst,
		Pre: pre, Post: d.post, Gateways: gatewayNames(d.gws),
		net: n, gws: d.gws, last: n.now(), entry: d.entry, real: d.real, toBackend: ln.backend,
	}
	for _, g := range d.gws {
		if g.IdleTimeout > 0 && (f.idle == 0 || g.IdleTimeout < f.idle) {
			f.idle, f.idleAction, f.idleBy = g.IdleTimeout, g.IdleAction, g.name()+" conntrack"
		}
	}
	if ch == Control {
		f.Session = f.ID
	} else {
		n.bindSessionLocked(f, d.exp)
	}
	f.up = newLink(f, Upstream, newQueue(n.BufferSize), n.rngLocked().Uint64())
	f.down = newLink(f, Downstream, newQueue(n.BufferSize), n.rngLocked().Uint64())
	port := pre.Src.Port()
	f.release = append(f.release, func() {
		n.mu.Lock()
		h.releaseEphemeralLocked(port)
		n.mu.Unlock()
	})
	for _, p := range []struct {
		g    *Gateway
		port uint16
	}{{d.natGW, d.natPort}, {expGW(d), expPort(d)}} {
		if g, port := p.g, p.port; g != nil && port != 0 {
			f.release = append(f.release, func() { g.releaseNAT(port) })
		}
	}
	if n.Pcap != nil {
		f.pcap = &flowPcap{segs: n.pcapConns(h, pre, d, len(d.gws), ch == Data)}
	}
	n.flows = append(n.flows, f)
	n.event(f, Allowed, d.why, "%s", describe(f))
	n.installLocked(f)
	return f
}

func expGW(d decision) *Gateway {
	if d.exp == nil || d.exp.natPort == 0 || len(d.gws) == 0 {
		return nil
	}
	return d.gws[len(d.gws)-1]
}

func expPort(d decision) uint16 {
	if d.exp == nil {
		return 0
	}
	return d.exp.natPort
}

// bindSessionLocked ties a data flow to the most recent live control flow
// between the same two hosts, and finds the command that announced it.
func (n *Network) bindSessionLocked(f *Flow, e *expectation) {
	var s *Flow
	for i := len(n.flows) - 1; i >= 0 && s == nil; i-- {
		c := n.flows[i]
		if c.Channel == Control && c.live() &&
			(c.Dialer == f.Dialer && c.Listener == f.Listener || c.Dialer == f.Listener && c.Listener == f.Dialer) {
			s = c
		}
	}
	if s == nil && e != nil && e.session.live() {
		s = e.session
	}
	if s == nil {
		return
	}
	f.session, f.Session, f.DataN = s, s.ID, s.nextData()
	f.Command = s.announcementFor(f)
	if f.Command == "" && e != nil && e.session == s {
		f.Command = e.cmd
	}
}

// installLocked puts the faults on the flow's links: the hosts' address
// translations (see [Host.Translate]), an entry's reading of its real
// program's PORT and EPRT (see [ResolveActive]), the middleboxes and FTP helpers
// of the gateways crossed (in the order a segment meets them), the
// entry's mapping to loopback addresses (see [Entry]), then the toxics
// whose rules select the flow. With [Network.Pcap], a recording stage
// follows the ends' translations and each gateway's stages (one per
// network segment; the last after the toxics).
func (n *Network) installLocked(f *Flow) {
	n.installTranslations(f)
	n.installEntryActive(f)
	k := len(f.gws)
	if k > 0 {
		f.recordSegment(f.up, 0)
		f.recordSegment(f.down, k)
	}
	for i := range f.gws {
		n.installGateway(f, f.gws[i], f.up)
		n.installGateway(f, f.gws[len(f.gws)-1-i], f.down)
		if i < k-1 {
			f.recordSegment(f.up, i+1)
			f.recordSegment(f.down, k-1-i)
		}
	}
	n.installEntry(f)
	for _, r := range n.toxics {
		if !n.selectsLocked(r, f) {
			continue
		}
		for _, l := range []*link{f.up, f.down} {
			if r.Stream.matches(l.dir) {
				r.Toxic.install(l, r.Label())
			}
		}
	}
	f.recordSegment(f.up, k)
	f.recordSegment(f.down, 0)
}

// installGateway adds g's middleboxes and FTP helper to one link.
func (n *Network) installGateway(f *Flow, g *Gateway, l *link) {
	for _, m := range g.Middleboxes {
		if s := m.stage(f, l.dir, g.name()+" "+m.Name()); s != nil {
			l.stages = append(l.stages, s)
		}
	}
	if f.Channel == Control && (g.ALG != ALGOff || g.DropEPSV) {
		l.stages = append(l.stages, newALGStage(g, f))
	}
}

// connect hands the listener its end of a new flow and returns the
// dialer's end.
func (n *Network) connect(ctx context.Context, f *Flow, ln *listener, network string) (net.Conn, error) {
	if n.Transport == Loopback {
		return n.connectLoopback(ctx, f, ln, network)
	}
	pre, post := f.Pre, f.Post
	dc := newMemConn(f, f.down.sink.(*queue), f.up, net.TCPAddrFromAddrPort(pre.Src), net.TCPAddrFromAddrPort(pre.Dst), true)
	lc := newMemConn(f, f.up.sink.(*queue), f.down, net.TCPAddrFromAddrPort(post.Dst), net.TCPAddrFromAddrPort(post.Src), false)
	f.pcapOpen()
	if !ln.enqueue(lc) {
		n.event(f, Refused, f.Listener.Name, "listener on %s closed", post.Dst)
		f.reset()
		return nil, &net.OpError{Op: "dial", Net: network, Source: dc.local, Addr: dc.remote,
			Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	f.start()
	return dc, nil
}

// start runs the actions due when the flow is established.
func (f *Flow) start() {
	f.mu.Lock()
	fns := f.onStart
	f.onStart = nil
	f.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}
