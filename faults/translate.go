package faults

import (
	"net/netip"
)

// Translate tells the network that when h announces the real address
// real in a data-address announcement (a 227 reply, a PORT or EPRT
// command) written in cleartext on a control flow, it means the virtual
// address virtual. The announcement leaves h already translated, before
// any gateway sees it, so NAT, FTP helpers and middleboxes act on virtual
// addresses as they would had h announced virtual itself.
//
// It exists for ends that live in the real world: a server that
// advertises a loopback address so that real programs can reach it (see
// [Entry.Advertise]), or a real product behind an [Backend] that
// advertises its own loopback address. Under TLS nothing can be read, so
// the real address crosses unchanged, which is what a real program that
// trusts the announcement needs. Translations apply to flows opened
// afterwards: set them before the server starts.
func (h *Host) Translate(real, virtual netip.Addr) {
	h.net.mu.Lock()
	defer h.net.mu.Unlock()
	if h.translate == nil {
		h.translate = map[netip.Addr]netip.Addr{}
	}
	h.translate[real.Unmap()] = virtual.Unmap()
}

// installTranslations puts each end's translations first on the link
// it writes, for control flows.
func (n *Network) installTranslations(f *Flow) {
	if f.Channel != Control {
		return
	}
	for _, end := range []struct {
		h *Host
		l *link
	}{{f.Listener, f.down}, {f.Dialer, f.up}} {
		if len(end.h.translate) == 0 {
			continue
		}
		table := make(map[netip.Addr]netip.Addr, len(end.h.translate))
		for k, v := range end.h.translate {
			table[k] = v
		}
		rule := end.h.Name + " translation"
		end.l.stages = append(end.l.stages, &rewriteStage{rule: rule, to: func(a netip.AddrPort) (netip.AddrPort, string) {
			if v, ok := table[a.Addr()]; ok {
				return netip.AddrPortFrom(v, a.Port()), "leaves " + end.h.Name + " as"
			}
			return a, ""
		}})
	}
}

// installEntry maps the addresses of 227 replies to loopback addresses
// on control flows that real programs opened through an [Entry], after
// every gateway has seen them.
func (n *Network) installEntry(f *Flow) {
	e := f.entry
	if e == nil || f.Channel != Control {
		return
	}
	f.down.stages = append(f.down.stages, &rewriteStage{rule: "entry " + e.ip.String(), to: func(a netip.AddrPort) (netip.AddrPort, string) {
		v, words := e.shown(a.Addr())
		return netip.AddrPortFrom(v, a.Port()), words
	}})
}

// installEntryActive puts the entry's reading of the real program's
// PORT and EPRT commands first on the upstream link of a control flow it
// opened, before any gateway (see [Entry.active]).
//
// Not when a [Backend]'s real server is the other end: it would dial the
// host's virtual address for real, so it reads the program's loopback
// address as is (active mode is not proxied).
func (n *Network) installEntryActive(f *Flow) {
	e := f.entry
	if e == nil || f.Channel != Control || f.toBackend {
		return
	}
	f.up.stages = append(f.up.stages, &rewriteStage{rule: "entry " + e.ip.String(), to: func(a netip.AddrPort) (netip.AddrPort, string) {
		return e.active(f, a, "cleartext")
	}})
}

// rewriteStage replaces the address of every 227, PORT and EPRT line of
// one direction of a control flow, in cleartext only. to returns the new
// address and the words for the timeline ("shown to the real program
// as"); returning a unchanged leaves the line alone.
type rewriteStage struct {
	rule string
	to   func(a netip.AddrPort) (netip.AddrPort, string)
}

func (s *rewriteStage) segment(l *link, p []byte) []byte {
	return rewriteAnnouncements(p, l.dir, func(line string, a announcement) string {
		if a.cmd == "EPSV" {
			return line
		}
		to, words := s.to(a.addr)
		if to == a.addr {
			return line
		}
		nl, ok := rewriteAnnouncement(line, a.cmd, to)
		if ok {
			l.flow.net.event(l.flow, Rewritten, s.rule, "%s %s %s %s", a.cmd, a.addr, words, to)
		}
		return nl
	})
}
