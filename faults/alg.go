package faults

import (
	"fmt"
	"net/netip"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// algStage is a gateway's FTP helper on one direction of a control flow.
// Like nf_conntrack_ftp it reads each segment on its own, acts only on
// printable text lines (so TLS records pass unseen), and for every 227,
// 229, PORT or EPRT line it finds:
//   - when the announcing side is behind the gateway, it expects one
//     inbound related flow to the announced port and, under NAT, rewrites
//     the inside address to the public one;
//   - otherwise it expects one outbound related flow (which matters when
//     outbound rules would block it).
//
// DropEPSV turns a 229's expectation into a black hole.
type algStage struct {
	g                          *Gateway
	clientInside, serverInside bool
}

func newALGStage(g *Gateway, f *Flow) *algStage {
	return &algStage{
		g:            g,
		clientInside: f.Dialer.Zone.Gateway == g,
		serverInside: f.Listener.Zone.Gateway == g,
	}
}

func (s *algStage) segment(l *link, p []byte) []byte {
	return rewriteAnnouncements(p, l.dir, func(line string, a announcement) string {
		return s.handle(l.flow, line, a)
	})
}

// handle records the expectation for one announcement and returns the
// line as the helper forwards it.
func (s *algStage) handle(f *Flow, line string, a announcement) string {
	g := s.g
	passive := a.cmd == "PASV" || a.cmd == "EPSV"
	inside := passive && s.serverInside || !passive && s.clientInside
	peerInside := passive && s.clientInside || !passive && s.serverInside
	rule := g.name() + " ALG " + g.ALG.String()
	if a.cmd == "EPSV" && g.DropEPSV && s.serverInside {
		dst := netip.AddrPortFrom(s.publicOr(f.Post.Dst.Addr()), a.addr.Port())
		g.expect(&expectation{inbound: true, dst: dst, session: f, cmd: a.cmd, drop: true})
		f.net.event(f, Seen, g.name()+" DropEPSV", "229 port %d will be black-holed", a.addr.Port())
		return line
	}
	if g.ALG == ALGOff || a.cmd == "EPSV" && g.ALG == ALGNoEPSV {
		return line
	}
	switch {
	case inside:
		return s.expectInbound(f, line, a, rule)
	case peerInside:
		dst := a.addr
		if a.cmd == "EPSV" {
			dst = netip.AddrPortFrom(f.Pre.Dst.Addr(), a.addr.Port())
		}
		g.expect(&expectation{dst: dst, to: dst, session: f, cmd: a.cmd})
	}
	return line
}

// expectInbound handles an announcement by a host behind the gateway.
func (s *algStage) expectInbound(f *Flow, line string, a announcement, rule string) string {
	g := s.g
	self, peer := f.Post.Dst.Addr(), f.Post.Src.Addr() // server inside, client outside
	if a.cmd == "PORT" || a.cmd == "EPRT" {
		self, peer = f.Pre.Src.Addr(), f.Pre.Dst.Addr() // client inside, server outside
	}
	port := a.addr.Port()
	if a.cmd != "EPSV" && a.addr.Addr() != self {
		// Like nf_conntrack_ftp (without "loose"): an address that is not
		// the announcer's own, the public one included, is not recorded.
		f.net.event(f, Seen, rule, "%s %s is not the announcer's address %s; not recorded", a.cmd, a.addr, self)
		return line
	}
	e := &expectation{inbound: true, to: netip.AddrPortFrom(self, port), src: peer, session: f, cmd: a.cmd}
	pub := netip.AddrPortFrom(self, port)
	if g.nats(self) {
		pubPort := port
		if !passiveCmd(a.cmd) {
			pubPort = g.allocNAT(port)
			e.natPort = pubPort
		}
		pub = netip.AddrPortFrom(g.Public, pubPort)
	}
	e.dst = pub
	g.expect(e)
	if a.cmd == "EPSV" || !g.nats(self) || g.ALG == ALGKeepAddress {
		f.net.event(f, Seen, rule, "%s: expecting %s -> %s for %s", a.cmd, peer, pub, e.to)
		return line
	}
	shown := pub
	if g.ALG == ALGSwapPort && a.cmd != "EPRT" {
		shown = netip.AddrPortFrom(pub.Addr(), pub.Port()>>8|pub.Port()<<8)
	}
	nl, ok := rewriteAnnouncement(line, a.cmd, shown)
	if !ok {
		return line
	}
	f.net.event(f, Rewritten, rule, "%s %s rewritten to %s; expecting %s -> %s", a.cmd, a.addr, shown, peer, pub)
	return nl
}

func passiveCmd(cmd string) bool { return cmd == "PASV" || cmd == "EPSV" }

func (s *algStage) publicOr(a netip.Addr) netip.Addr {
	if s.g.nats(a) {
		return s.g.Public
	}
	return a
}

// rewriteAnnouncement replaces the address of a 227, PORT or EPRT line.
func rewriteAnnouncement(line, cmd string, ap netip.AddrPort) (string, bool) {
	switch cmd {
	case "PASV":
		start, end, _, ok := findHostPort(line[4:])
		hp, err := ftp.FormatHostPort(ap)
		if !ok || err != nil {
			return line, false
		}
		return line[:4+start] + hp + line[4+end:], true
	case "PORT":
		hp, err := ftp.FormatPORT(ap)
		if err != nil {
			return line, false
		}
		return line[:5] + hp, true
	case "EPRT":
		return line[:5] + ftp.FormatEPRT(ap), true
	}
	return line, false
}

// String describes the helper for debugging.
func (s *algStage) String() string {
	return fmt.Sprintf("ALG %s at %s", s.g.ALG, s.g.name())
}
