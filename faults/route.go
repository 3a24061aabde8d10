package faults

import (
	"fmt"
	"net/netip"
)

// decision is the network's verdict on a new flow.
type decision struct {
	action  Action // Accept, Drop or Reject
	why     string // the rule, forward or gateway that decided
	detail  string // for drops and refusals
	dst     *Host
	post    Endpoints
	gws     []*Gateway
	natGW   *Gateway // the gateway that reserved natPort, to release
	natPort uint16
	exp     *expectation
	entry   *Entry         // the entry a real program's flow came through
	real    netip.AddrPort // that real program's own address
}

func (d *decision) refuse(a Action, why, format string, args ...any) {
	d.action, d.why, d.detail = a, why, fmt.Sprintf(format, args...)
}

// routeLocked decides the fate of a new flow from h: same zone, then out
// through h's gateway (rules, masquerade), then across the internet and
// in through the destination's gateway (expectations, rules, forwards).
func (n *Network) routeLocked(h *Host, pre Endpoints, ch Channel) decision {
	d := decision{post: pre}
	dst := pre.Dst
	if t := n.hostInZoneLocked(h.Zone, dst.Addr()); t != nil {
		d.action, d.dst, d.why = Accept, t, "zone "+h.Zone.Name
		return d
	}
	src := pre.Src
	if g := h.Zone.Gateway; g != nil {
		if g.Public.IsValid() && dst.Addr() == g.Public {
			return n.hairpinLocked(h, g, pre, ch)
		}
		if !n.outboundLocked(g, &d, src.Addr(), dst, ch) {
			return d
		}
		d.gws = append(d.gws, g)
		if g.nats(src.Addr()) {
			d.natGW, d.natPort = g, g.allocNAT(src.Port())
			src = netip.AddrPortFrom(g.Public, d.natPort)
		}
	}
	d.post.Src = src
	if t, g2 := n.publicOwnerLocked(dst.Addr()); t != nil {
		d.action, d.dst = Accept, t
		if d.why == "" {
			d.why = "internet"
		}
		return d
	} else if g2 != nil {
		n.inboundLocked(g2, &d, src, dst, ch, nil)
		return d
	}
	if t := n.routedOwnerLocked(dst.Addr()); t != nil {
		n.inboundLocked(t.Zone.Gateway, &d, src, dst, ch, t)
		return d
	}
	d.refuse(n.Unroutable.or(Drop), unroutableWhy, "no route to %s on the internet", dst.Addr())
	return d
}

// outboundLocked applies g's outbound policy; it reports whether the flow
// may leave.
func (n *Network) outboundLocked(g *Gateway, d *decision, src netip.Addr, dst netip.AddrPort, ch Channel) bool {
	if e := g.takeExpectation(false, netip.Addr{}, dst); e != nil && !e.drop {
		d.exp, d.why = e, fmt.Sprintf("%s ALG: related to #%d (%s)", g.name(), e.session.ID, e.cmd)
		return true
	}
	if r, ok := g.rule(Outbound, src, dst, ch); ok {
		if a := r.Action.or(Drop); a != Accept {
			d.refuse(a, r.Name, "outbound to %s", dst)
			return false
		}
		d.why = r.Name
		return true
	}
	if a := g.Outbound.or(Accept); a != Accept {
		d.refuse(a, g.name()+" outbound policy", "outbound to %s", dst)
		return false
	}
	return true
}

// inboundLocked applies g's inbound policy to a flow arriving from the
// internet at dst. routed is the destination host behind a gateway
// without NAT, nil when dst is g's public address.
func (n *Network) inboundLocked(g *Gateway, d *decision, src, dst netip.AddrPort, ch Channel, routed *Host) {
	d.gws = append(d.gws, g)
	if e := g.takeExpectation(true, src.Addr(), dst); e != nil {
		if e.drop {
			d.refuse(Drop, g.name()+" DropEPSV", "data port %d announced by 229 on #%d is black-holed", dst.Port(), e.session.ID)
			return
		}
		d.exp = e
		d.why = fmt.Sprintf("%s ALG: related to #%d (%s)", g.name(), e.session.ID, e.cmd)
		n.deliverLocked(g, d, e.to)
		return
	}
	accepted := false
	if r, ok := g.rule(Inbound, src.Addr(), dst, ch); ok {
		if a := r.Action.or(Drop); a != Accept {
			d.refuse(a, r.Name, "inbound to %s", dst)
			return
		}
		accepted, d.why = true, r.Name
	}
	if routed != nil {
		if !accepted {
			if a := g.Inbound.or(Drop); a != Accept {
				d.refuse(a, g.name()+" inbound policy", "inbound to %s", dst)
				return
			}
			d.why = g.name() + " inbound policy"
		}
		d.action, d.dst = Accept, routed
		return
	}
	to, fw, ok := g.forward(dst.Port())
	if !ok {
		d.refuse(g.Inbound.or(Drop), g.name()+" inbound policy", "nothing forwards %s", dst)
		return
	}
	if !accepted {
		d.why = g.name() + " " + fw.String()
	}
	n.deliverLocked(g, d, to)
}

// deliverLocked sends an inbound flow to an inside address of g's zone.
func (n *Network) deliverLocked(g *Gateway, d *decision, to netip.AddrPort) {
	t := n.hostInZoneLocked(g.zone, to.Addr())
	if t == nil {
		d.refuse(Drop, d.why, "%s forwards to %s, which no host has", g.name(), to.Addr())
		return
	}
	d.action, d.dst, d.post.Dst = Accept, t, to
}

// hairpinLocked handles a flow from inside g's zone to g's own public
// address.
func (n *Network) hairpinLocked(h *Host, g *Gateway, pre Endpoints, ch Channel) decision {
	d := decision{post: pre}
	if !g.Hairpin {
		d.gws = []*Gateway{g}
		d.refuse(Drop, g.name()+" no hairpin", "%s is the gateway's own public address", pre.Dst.Addr())
		return d
	}
	d.natGW, d.natPort = g, g.allocNAT(pre.Src.Port())
	d.post.Src = netip.AddrPortFrom(g.Public, d.natPort)
	n.inboundLocked(g, &d, d.post.Src, pre.Dst, ch, nil)
	d.gws = []*Gateway{g}
	if d.action == Accept {
		d.why += " (hairpin)"
	}
	return d
}
