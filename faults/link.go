package faults

import (
	"math/rand/v2"
	"sync"
	"time"
)

// maxSegment bounds the bytes one write hands to the faults at a time. A
// segment is what a middlebox sees as one packet: an FTP line or a TLS
// record written in one call arrives whole.
const maxSegment = 64 << 10

// stage is a fault with per-flow state that sees every segment of one
// direction of a flow, in order. It returns the bytes to pass on; nil or
// empty drops the segment. It runs on the writer's goroutine with the
// link's write lock held, so it may keep state without locking.
type stage interface {
	segment(l *link, p []byte) []byte
}

// timing is the delivery schedule of one direction: the sum of the
// Latency, Bandwidth, Slicer and SlowClose toxics installed on it.
type timing struct {
	latency, jitter time.Duration
	rate            int // bytes per millisecond (KB/s); 0 is unlimited
	slicer          *Slicer
	slowClose       time.Duration
}

func (t *timing) zero() bool {
	return t.latency == 0 && t.jitter == 0 && t.rate == 0 && t.slicer == nil && t.slowClose == 0
}

// link is one direction of a flow: the writer end hands segments to the
// stages, schedules them and queues them for the reader end.
type link struct {
	flow   *Flow // nil for a bare pipe
	dir    Stream
	sink   sink
	wmu    sync.Mutex // serializes writers and guards the fields below
	stages []stage
	tm     timing
	rng    *rand.Rand
	txEnd  time.Time // when the last byte leaves at the Bandwidth rate
	eof    bool      // closeWrite was called
	// afterPush holds actions a stage asked for once the segment it
	// passed is queued (LimitData closes the flow after its last bytes).
	afterPush []func()
	// pcapSeg is the network segment of the last recording stage this
	// link's segment passed (see pcapInject).
	pcapSeg int
}

func newLink(f *Flow, dir Stream, s sink, seed uint64) *link {
	return &link{flow: f, dir: dir, sink: s, rng: rand.New(rand.NewPCG(seed, uint64(dir)+1))}
}

// sink is where a link delivers its chunks: the peer's queue on the
// memory transport, the writer's socket on the loopback transport.
type sink interface {
	waitSpace() error                      // block until a segment may be processed
	checkWrite() error                     // the error a write would get now
	push(cs ...chunk) error                // deliver chunks (at their times)
	closeWrite(at time.Time, deliver bool) // end the stream
	abort()                                // reset (RST)
	cut(at time.Time)                      // end both ways after what is queued
}

// write sends p segment by segment. A segment is only processed once the
// queue has room, so a timeout never leaves a half-processed segment.
func (l *link) write(p []byte) (int, error) {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if len(p) == 0 {
		return 0, l.sink.checkWrite()
	}
	n := 0
	for n < len(p) {
		end := min(len(p), n+maxSegment)
		if err := l.sink.waitSpace(); err != nil {
			return n, err
		}
		if err := l.sink.push(l.process(p[n:end])...); err != nil {
			return n, err
		}
		n = end
		if l.tm.rate > 0 {
			// A slow link: like a TCP send buffer, the write returns once
			// what it queued fits in the buffer, not before, so the next
			// write (a close_notify under its 5 s deadline) does not wait
			// behind a whole segment. An error shows at the next write.
			l.sink.waitSpace()
		}
		if len(l.afterPush) > 0 {
			fns := l.afterPush
			l.afterPush = nil
			for _, fn := range fns {
				fn()
			}
		}
	}
	return n, nil
}

// process runs one segment through the flow's state and stages and
// returns the chunks to queue.
func (l *link) process(seg []byte) []chunk {
	b := seg
	if f := l.flow; f != nil {
		if !f.pass(l) {
			return nil
		}
		f.capture(l.dir, seg)
		for _, s := range l.stages {
			if b = s.segment(l, b); len(b) == 0 {
				return nil
			}
		}
		f.observe(l, b)
		if f.Channel == Control && l.dir == Downstream {
			f.net.scan(f)
		}
	}
	return l.schedule(b)
}

// schedule copies b into chunks stamped with their delivery time.
func (l *link) schedule(b []byte) []chunk {
	if l.tm.slicer == nil && l.tm.rate > 0 && len(b) > l.ratePiece() {
		return l.paced(b)
	}
	if l.tm.slicer == nil && len(b) <= maxSegment {
		buf := bufPool.Get().(*[]byte)
		c := chunk{b: (*buf)[:copy(*buf, b)], buf: buf}
		if !l.tm.zero() {
			c.at = l.deliveryTime(len(b))
			l.noteDelivery(c.at)
		}
		return []chunk{c}
	}
	data := append([]byte(nil), b...)
	out := l.slice(data, l.deliveryTime(len(data)))
	l.noteDelivery(out[len(out)-1].at)
	return out
}

// ratePiece is how many bytes a Bandwidth-limited link delivers at a
// time: 10 ms worth at its rate, at least 1 KiB.
func (l *link) ratePiece() int { return max(1024, 10*l.tm.rate) }

// paced cuts a segment larger than ratePiece into pieces that become
// readable one after another at the Bandwidth rate, as bytes leave a
// slow link: the reader gets the first bytes early, and the writer's
// queue empties steadily rather than all at once when the last byte is
// through. Reads may span pieces; the latency is the same for all.
func (l *link) paced(b []byte) []chunk {
	data := append([]byte(nil), b...)
	now := time.Now()
	delay := l.delay()
	start := now
	if l.txEnd.After(now) {
		start = l.txEnd
	}
	piece := l.ratePiece()
	var out []chunk
	for len(data) > 0 {
		n := min(piece, len(data))
		start = start.Add(time.Duration(n) * time.Millisecond / time.Duration(l.tm.rate))
		out = append(out, chunk{b: data[:n:n], at: start.Add(delay)})
		data = data[n:]
	}
	l.txEnd = start
	l.noteDelivery(out[len(out)-1].at)
	return out
}

// deliveryTime is when a chunk of size bytes written now may be read:
// after the latency, and after the bytes before it at the Bandwidth rate.
func (l *link) deliveryTime(size int) time.Time {
	now := time.Now()
	at := now.Add(l.delay())
	if l.tm.rate > 0 {
		start := now
		if l.txEnd.After(now) {
			start = l.txEnd
		}
		l.txEnd = start.Add(time.Duration(size) * time.Millisecond / time.Duration(l.tm.rate))
		at = at.Add(l.txEnd.Sub(now))
	}
	return at
}

// noteDelivery tells conntrack when the flow's last chunk will cross.
func (l *link) noteDelivery(at time.Time) {
	if l.flow != nil && l.flow.idle > 0 {
		l.flow.delivering(at)
	}
}

// delay is the latency of one chunk: Latency plus a uniform jitter in
// [-Jitter, +Jitter), never negative.
func (l *link) delay() time.Duration {
	d := l.tm.latency
	if j := l.tm.jitter; j > 0 {
		d += time.Duration(l.rng.Int64N(int64(2*j))) - j
	}
	return max(d, 0)
}

// slice cuts data into pieces of AverageSize ± SizeVariation bytes, each
// Delay after the previous one; a read never spans two pieces.
func (l *link) slice(data []byte, at time.Time) []chunk {
	s := l.tm.slicer
	var out []chunk
	for len(data) > 0 {
		size := s.AverageSize
		if v := s.SizeVariation; v > 0 {
			size += l.rng.IntN(2*v+1) - v
		}
		size = min(max(size, 1), len(data))
		out = append(out, chunk{b: data[:size:size], at: at, brk: true})
		data = data[size:]
		at = at.Add(s.Delay)
	}
	return out
}

// closeWrite queues the end of the stream after the bytes written so far,
// delayed like them (and by SlowClose). A flow that drops segments drops
// the FIN too: the peer never reads EOF.
func (l *link) closeWrite() {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.eof {
		return
	}
	l.eof = true
	deliver := l.flow == nil || l.flow.pass(l)
	if l.flow != nil {
		l.flow.pcapFIN(l.dir == Upstream, deliver)
	}
	var at time.Time
	if !l.tm.zero() {
		now := time.Now()
		at = now.Add(l.delay() + l.tm.slowClose)
		if l.txEnd.After(now) {
			at = at.Add(l.txEnd.Sub(now))
		}
	}
	l.sink.closeWrite(at, deliver)
}

// inject queues bytes for the reader of this link at once, bypassing the
// stages: a middlebox answering in the writer's stead.
func (l *link) inject(b []byte) {
	if l.flow != nil {
		l.flow.pcapInject(l, b)
	}
	l.sink.push(chunk{b: append([]byte(nil), b...)})
}
