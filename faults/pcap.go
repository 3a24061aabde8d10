package faults

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ftpsim/ftpsim/faults/capture"
)

// This file records flows into [Network.Pcap]: one [capture.Conn] per
// network segment a flow crosses, fed by recording stages placed
// between the gateways' stages on each link (see installLocked), so
// that each segment shows the bytes as they cross it.
//
// Segments are numbered from the dialer's: segment 0 is the dialer's
// zone, segment i the wire after the flow's i-th gateway; with k
// gateways, segment k is the listener's zone (for k = 0 the one
// segment is the dialer's zone). A segment that sees the same addresses
// as the one before it (beyond a gateway without NAT) is not recorded:
// Wireshark tells TCP connections apart by addresses and ports only, so
// two copies would read as one connection with every segment
// retransmitted. Its entry in flowPcap.segs is nil.

// unroutableWhy is the why of a dial no route leads anywhere (see
// routeLocked): its SYN crosses every gateway it met.
const unroutableWhy = "unroutable"

// flowPcap is a flow's recording.
type flowPcap struct {
	segs   []*capture.Conn // by segment, dialer's first; nil: not recorded
	opened atomic.Bool     // the handshake is recorded
	off    atomic.Bool     // the network closed: record nothing more
}

// pcapSegmentName names segment j of a flow from h with k gateways to
// dst (nil when the dial reached no host), and describes it.
func pcapSegmentName(h, dst *Host, gws []*Gateway, j int) (name, desc string) {
	k := len(gws)
	switch {
	case j == 0:
		return zoneSegment(h.Zone)
	case j == k && dst != nil:
		return zoneSegment(dst.Zone)
	}
	return "internet", "the internet between the gateways (virtual)"
}

func zoneSegment(z *Zone) (name, desc string) {
	if z.Gateway != nil {
		return z.Name, fmt.Sprintf("zone %s, behind gateway %s (virtual)", z.Name, z.Gateway.name())
	}
	return z.Name, fmt.Sprintf("zone %s, on the internet (virtual)", z.Name)
}

// pcapConns returns the recording of a flow through the segments
// 0..last, or nil when the network records nothing.
func (n *Network) pcapConns(h *Host, pre Endpoints, d decision, last int, data bool) []*capture.Conn {
	c := n.Pcap
	if c == nil {
		return nil
	}
	k := len(d.gws)
	segs := make([]*capture.Conn, 0, last+1)
	var prev Endpoints
	for j := 0; j <= last; j++ {
		e := Endpoints{Src: d.post.Src, Dst: pre.Dst} // between the gateways
		switch {
		case j == 0:
			e = pre
		case j == k:
			e = d.post
		}
		if j > 0 && e == prev {
			segs = append(segs, nil)
			continue
		}
		prev = e
		name, desc := pcapSegmentName(h, d.dst, d.gws, j)
		c.Interface(name, desc)
		segs = append(segs, c.Conn(name, e.Src, e.Dst, data))
	}
	return segs
}

// pcapStage records the segments of one direction of a flow as one
// network segment sees them, and passes them on unchanged.
type pcapStage struct {
	fp         *flowPcap
	seg        int
	fromDialer bool
}

func (s *pcapStage) segment(l *link, p []byte) []byte {
	l.pcapSeg = s.seg
	if s.fp.off.Load() {
		return p
	}
	at := l.flow.net.now()
	k := s.fp.segs[s.seg]
	k.Send(at, s.fromDialer, p)
	k.Ack(at, !s.fromDialer)
	return p
}

// recordSegment appends the recording stage of segment seg to l.
func (f *Flow) recordSegment(l *link, seg int) {
	if f.pcap == nil || f.pcap.segs[seg] == nil {
		return
	}
	l.stages = append(l.stages, &pcapStage{fp: f.pcap, seg: seg, fromDialer: l.dir == Upstream})
}

// pcapOpen records the handshake on every segment, once.
func (f *Flow) pcapOpen() {
	fp := f.pcap
	if fp == nil || fp.opened.Swap(true) {
		return
	}
	at := f.net.now()
	for _, k := range fp.segs {
		if k != nil {
			k.Open(at)
		}
	}
}

// pcapFIN records one end's FIN: on every segment when the network
// delivers it, else on the writer's own segment only.
func (f *Flow) pcapFIN(fromDialer, deliver bool) {
	fp := f.pcap
	if fp == nil || fp.off.Load() {
		return
	}
	at := f.net.now()
	segs := fp.segs
	if !deliver {
		if fromDialer {
			segs = segs[:1]
		} else {
			segs = segs[len(segs)-1:]
		}
	}
	for _, k := range segs {
		if k != nil {
			k.Close(at, fromDialer)
		}
	}
}

// pcapRST records a reset from one end on every segment; a flow whose
// handshake was never recorded shows a refused SYN instead.
func (f *Flow) pcapRST(fromDialer bool) {
	fp := f.pcap
	if fp == nil || fp.off.Load() {
		return
	}
	at := f.net.now()
	opened := fp.opened.Load()
	if !opened {
		refuse(at, fp.segs)
		return
	}
	for _, k := range fp.segs {
		if k != nil {
			k.Reset(at, fromDialer)
		}
	}
}

// refuse records a SYN crossing segs from the dialer's and the reset
// coming back.
func refuse(at time.Time, segs []*capture.Conn) {
	for _, k := range segs {
		if k != nil {
			k.Attempt(at)
		}
	}
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i] != nil {
			segs[i].Refuse(at)
		}
	}
}

// pcapCut records the network's FIN to both ends.
func (f *Flow) pcapCut() {
	if f.pcap == nil {
		return
	}
	f.pcapFIN(true, true)
	f.pcapFIN(false, true)
}

// pcapInject records bytes a middlebox answered in the writer's stead
// on l (the link the reader reads), on the segments between the
// middlebox and the reader. It runs in a stage of the other link, whose
// last recording stage tells where the middlebox is.
func (f *Flow) pcapInject(l *link, b []byte) {
	fp := f.pcap
	if fp == nil || fp.off.Load() {
		return
	}
	other := f.up
	if l == f.up {
		other = f.down
	}
	at := f.net.now()
	fromDialer := l.dir == Upstream
	segs := fp.segs[:other.pcapSeg+1] // toward the dialer
	if fromDialer {
		segs = fp.segs[other.pcapSeg:]
	}
	for _, k := range segs {
		if k != nil {
			k.Send(at, fromDialer, b)
			k.Ack(at, !fromDialer)
		}
	}
}

// pcapStop ends the recording of a flow the network closes.
func (f *Flow) pcapStop() {
	if f.pcap != nil {
		f.pcap.off.Store(true)
	}
}

// pcapDial records a dial the network refused or dropped: a SYN on
// every segment it crossed, answered by a reset when refused. reached
// says the SYN got to the listener's host (nothing listened there). It
// returns the connections, for the retransmissions of a dropped SYN, or
// nil when the network records nothing.
func (n *Network) pcapDial(h *Host, pre Endpoints, d decision, reached bool) []*capture.Conn {
	if n.Pcap == nil {
		return nil
	}
	last := len(d.gws) // the SYN reached the listener's zone, or the internet after the last gateway
	if !reached && d.why != unroutableWhy && last > 0 {
		last-- // the last gateway refused it
	}
	data := !n.isControlPort(pre.Dst.Port())
	segs := n.pcapConns(h, pre, d, last, data)
	at := n.now()
	if d.action == Reject {
		refuse(at, segs)
		return nil
	}
	for _, k := range segs {
		if k != nil {
			k.Attempt(at)
		}
	}
	return segs
}

// synRetries returns the channel of a dropped dial's SYN
// retransmissions (1 s, then doubling, as Linux does) and a function
// that records one and arms the next; nil when nothing is recorded.
func (n *Network) synRetries(segs []*capture.Conn) (<-chan time.Time, func(), func()) {
	if len(segs) == 0 {
		return nil, func() {}, func() {}
	}
	backoff := time.Second
	t := time.NewTimer(backoff)
	again := func() {
		at := n.now()
		for _, k := range segs {
			if k != nil {
				k.Attempt(at)
			}
		}
		backoff *= 2
		t.Reset(backoff)
	}
	return t.C, again, func() { t.Stop() }
}
