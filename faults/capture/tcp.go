package capture

import (
	"hash/fnv"
	"net/netip"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Conn is one TCP connection as one segment sees it: the two ends'
// addresses there and each direction's sequence numbers. Its methods
// synthesize the packets of what happened, in the order they are
// called; each is safe for concurrent use. After a reset, or once both
// ends have closed, further calls record nothing.
type Conn struct {
	c       *Capture
	id      int
	dialer  netip.AddrPort
	lisnr   netip.AddrPort
	data    bool
	mu      sync.Mutex
	isn     [2]uint32 // by end: 0 dialer, 1 listener
	next    [2]uint32 // next sequence number each end sends
	acked   [2]uint32 // the last acknowledgement each end sent
	ipID    [2]uint16
	fin     [2]bool
	rst     bool
	open    bool
	synSent bool
	buf     gopacket.SerializeBuffer
}

// Conn returns a new connection on the interface named iface (see
// [Capture.Interface]) between dialer and listener, two addresses of
// the same family. data marks a data connection, which DataSnaplen
// truncates. Nothing is recorded until [Conn.Open] or [Conn.Attempt].
func (c *Capture) Conn(iface string, dialer, listener netip.AddrPort, data bool) *Conn {
	k := &Conn{c: c, id: c.Interface(iface, ""), dialer: dialer, lisnr: listener, data: data,
		buf: gopacket.NewSerializeBuffer()}
	h := fnv.New32a()
	h.Write([]byte(iface + dialer.String() + listener.String()))
	s := h.Sum32()
	k.isn = [2]uint32{s, s*2654435761 + 1}
	k.next = [2]uint32{k.isn[0] + 1, k.isn[1] + 1}
	return k
}

func end(fromDialer bool) int {
	if fromDialer {
		return 0
	}
	return 1
}

// Open records the three-way handshake: SYN, SYN-ACK, ACK.
func (k *Conn) Open(at time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.open || k.rst {
		return
	}
	k.open, k.synSent = true, true
	k.emit(at, 0, tcpFlags{syn: true}, nil)
	k.emit(at, 1, tcpFlags{syn: true, ack: true}, nil)
	k.emit(at, 0, tcpFlags{ack: true}, nil)
}

// Attempt records a SYN of a dial that gets no SYN-ACK: the first call
// sends it, later ones retransmit it (same sequence number).
func (k *Conn) Attempt(at time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.open || k.rst {
		return
	}
	k.synSent = true
	k.emit(at, 0, tcpFlags{syn: true}, nil)
}

// Refuse records the listener side's RST-ACK to the SYN of
// [Conn.Attempt]: a closed port or a rejecting firewall.
func (k *Conn) Refuse(at time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.open || k.rst || !k.synSent {
		return
	}
	k.rst = true
	k.acked[1] = k.isn[0] + 1
	k.emit(at, 1, tcpFlags{rst: true, ack: true}, nil)
}

// Send records p sent by one end, cut into packets of at most MSS
// bytes; the peer's acknowledgement is [Conn.Ack].
func (k *Conn) Send(at time.Time, fromDialer bool, p []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e := end(fromDialer)
	if !k.open || k.rst || k.fin[e] {
		return
	}
	mss := k.c.mss()
	for len(p) > 0 {
		n := min(len(p), mss)
		k.emit(at, e, tcpFlags{ack: true, psh: n == len(p)}, p[:n])
		p = p[n:]
	}
}

// Ack records a pure ACK by one end of everything its peer sent, if
// anything is unacknowledged.
func (k *Conn) Ack(at time.Time, byDialer bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e := end(byDialer)
	if !k.open || k.rst || k.acked[e] == k.next[1-e] {
		return
	}
	k.emit(at, e, tcpFlags{ack: true}, nil)
}

// Close records one end's FIN and the peer's ACK of it, once.
func (k *Conn) Close(at time.Time, fromDialer bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e := end(fromDialer)
	if !k.open || k.rst || k.fin[e] {
		return
	}
	k.fin[e] = true
	k.emit(at, e, tcpFlags{fin: true, ack: true}, nil)
	k.emit(at, 1-e, tcpFlags{ack: true}, nil)
}

// Reset records an RST from one end, once; nothing follows it.
func (k *Conn) Reset(at time.Time, fromDialer bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.open || k.rst || k.fin[0] && k.fin[1] {
		return
	}
	k.rst = true
	k.emit(at, end(fromDialer), tcpFlags{rst: true, ack: true}, nil)
}

type tcpFlags struct{ syn, ack, psh, fin, rst bool }

// emit builds and records one packet from end e, advancing its sequence
// number by the payload (and SYN, FIN).
func (k *Conn) emit(at time.Time, e int, fl tcpFlags, payload []byte) {
	src, dst := k.dialer, k.lisnr
	if e == 1 {
		src, dst = dst, src
	}
	seq := k.next[e]
	if fl.syn {
		seq = k.isn[e]
	}
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: seq, SYN: fl.syn, ACK: fl.ack, PSH: fl.psh, FIN: fl.fin, RST: fl.rst,
		Window: 65535,
	}
	if fl.ack {
		tcp.Ack = k.next[1-e]
		if fl.rst && !k.open {
			tcp.Ack = k.isn[0] + 1
		}
		k.acked[e] = tcp.Ack
	}
	if fl.syn {
		mss := uint16(k.c.mss())
		tcp.Options = []layers.TCPOption{
			{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{byte(mss >> 8), byte(mss)}},
			{OptionType: layers.TCPOptionKindNop},
			{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
		}
	}
	k.ipID[e]++
	snap := 0
	if k.data {
		snap = k.c.DataSnaplen
	}
	// A packet the snap length truncates is built from the bytes kept
	// only, its lengths set by hand: no copy of the rest, no checksum
	// over it (a truncated packet's checksum cannot be verified anyway).
	ipLen := 40
	if src.Addr().Is4() {
		ipLen = 20
	}
	full := ipLen + 20 + len(payload)
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	kept := payload
	if snap > 0 && full > snap && !fl.syn {
		opts.FixLengths = false
		tcp.DataOffset = 5
		kept = payload[:max(snap-ipLen-20, 0)]
	}
	var ip gopacket.SerializableLayer
	if src.Addr().Is4() {
		ip4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP, Flags: layers.IPv4DontFragment,
			Id: k.ipID[e], SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice(), Length: uint16(full)}
		tcp.SetNetworkLayerForChecksum(ip4)
		ip = ip4
	} else {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP,
			SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice(), Length: uint16(full - ipLen)}
		tcp.SetNetworkLayerForChecksum(ip6)
		ip = ip6
	}
	if err := gopacket.SerializeLayers(k.buf, opts, ip, tcp, gopacket.Payload(kept)); err != nil {
		return
	}
	switch {
	case fl.syn:
		k.next[e] = k.isn[e] + 1
	case fl.fin:
		k.next[e]++
	default:
		k.next[e] += uint32(len(payload))
	}
	frame := k.buf.Bytes()
	length := len(frame) + len(payload) - len(kept) // what was on the wire
	if snap > 0 && len(frame) > snap {
		frame = frame[:snap]
	}
	k.c.record(k.id, at, frame, length)
}
