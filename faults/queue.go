package faults

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// chunk is a run of bytes in flight on one direction of a flow.
type chunk struct {
	b   []byte
	at  time.Time // when the bytes may be read; zero: at once
	brk bool      // a read stops at the end of this chunk (Slicer)
	eof bool      // end of stream: the writer closed; b is empty
	rst bool      // the writer's end reset the flow here; b is empty
	buf *[]byte   // pooled buffer behind b, returned once b is read
}

// bufPool recycles segment buffers: a flow without faults copies each
// segment once into a pooled buffer and once out of it.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, maxSegment)
	return &b
}}

// release returns the chunk's buffer to the pool.
func (c *chunk) release() {
	if c.buf != nil {
		bufPool.Put(c.buf)
		c.buf = nil
	}
}

// due reports whether the chunk may be read at now.
func (c *chunk) due(now time.Time) bool { return c.at.IsZero() || !now.Before(c.at) }

// deadline is one read or write deadline of a queue end. Its timer wakes
// the queue's waiters when the deadline passes.
type deadline struct {
	t     time.Time
	timer *time.Timer
}

func (d *deadline) passed() bool { return !d.t.IsZero() && !time.Now().Before(d.t) }

func (d *deadline) stop() {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

// queue carries one direction of a flow from its writer end to its reader
// end: a bounded FIFO of chunks guarded by one mutex, with a condition
// variable for readers waiting for data and writers waiting for room. No
// goroutine runs per queue; timers wake waiters for deadlines and for
// chunks delivered later (latency).
type queue struct {
	mu     sync.Mutex
	cond   sync.Cond
	chunks []chunk
	head   int // chunks[:head] are consumed
	size   int // bytes queued
	limit  int // size at or above which writers wait

	eof     bool // an EOF chunk is queued: writes fail with EPIPE
	wclosed bool // the writer end was closed: its writes fail with ErrClosed
	rclosed bool // the reader end was closed: reads fail with ErrClosed, writes with EPIPE
	broken  bool // the flow was cut: writes fail with EPIPE
	reset   bool // the flow was reset: reads and writes fail with ECONNRESET

	rdl, wdl deadline
	wake     *time.Timer
	wakeAt   time.Time
}

// defaultBuffer is the default number of bytes in flight per direction.
const defaultBuffer = 256 << 10

func newQueue(limit int) *queue {
	if limit <= 0 {
		limit = defaultBuffer
	}
	q := &queue{limit: limit}
	q.cond.L = &q.mu
	return q
}

// broadcast wakes every waiter; timers call it.
func (q *queue) broadcast() {
	q.mu.Lock()
	q.cond.Broadcast()
	q.mu.Unlock()
}

// setDeadline sets the read or write deadline d (a field of q).
func (q *queue) setDeadline(d *deadline, t time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	d.stop()
	d.t = t
	if wait := time.Until(t); !t.IsZero() && wait > 0 {
		d.timer = time.AfterFunc(wait, q.broadcast)
	}
	q.cond.Broadcast()
}

// readErr is the error a read gets now, before looking at data.
func (q *queue) readErr() error {
	switch {
	case q.rclosed:
		return net.ErrClosed
	case q.reset:
		return syscall.ECONNRESET
	case q.rdl.passed():
		return os.ErrDeadlineExceeded
	}
	return nil
}

// writeErr is the error a write gets now.
func (q *queue) writeErr() error {
	switch {
	case q.wclosed:
		return net.ErrClosed
	case q.reset:
		return syscall.ECONNRESET
	case q.wdl.passed():
		return os.ErrDeadlineExceeded
	case q.eof, q.rclosed, q.broken:
		return syscall.EPIPE
	}
	return nil
}

// read copies due bytes into p, waiting for them. It returns io.EOF once
// the EOF chunk is due and every byte before it was read.
func (q *queue) read(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if err := q.readErr(); err != nil {
			return 0, err
		}
		if len(p) == 0 {
			return 0, nil
		}
		if q.head < len(q.chunks) {
			now := time.Now()
			c := &q.chunks[q.head]
			if c.due(now) {
				if c.eof {
					return 0, io.EOF
				}
				if c.rst {
					q.reset = true
					q.discardLocked()
					q.cond.Broadcast()
					return 0, syscall.ECONNRESET
				}
				return q.take(p, now), nil
			}
			q.wakeAtLocked(c.at)
		}
		q.cond.Wait()
	}
}

// take copies from consecutive due chunks into p.
func (q *queue) take(p []byte, now time.Time) int {
	n := 0
	for n < len(p) && q.head < len(q.chunks) {
		c := &q.chunks[q.head]
		if c.eof || c.rst || !c.due(now) {
			break
		}
		m := copy(p[n:], c.b)
		n += m
		c.b = c.b[m:]
		if len(c.b) > 0 {
			break
		}
		brk := c.brk
		c.release()
		q.chunks[q.head] = chunk{}
		q.head++
		if brk {
			break
		}
	}
	if q.head == len(q.chunks) {
		q.chunks, q.head = q.chunks[:0], 0
	}
	q.size -= n
	q.cond.Broadcast()
	return n
}

// wakeAtLocked makes sure a timer wakes the readers at t.
func (q *queue) wakeAtLocked(t time.Time) {
	if q.wake != nil && !q.wakeAt.After(t) && q.wakeAt.After(time.Now()) {
		return
	}
	if q.wake != nil {
		q.wake.Stop()
	}
	q.wakeAt = t
	q.wake = time.AfterFunc(time.Until(t), q.broadcast)
}

// waitSpace blocks until a writer may add bytes.
func (q *queue) waitSpace() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if err := q.writeErr(); err != nil {
			return err
		}
		if q.size < q.limit {
			return nil
		}
		q.cond.Wait()
	}
}

// checkWrite returns the error a write would get now, without waiting.
func (q *queue) checkWrite() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.writeErr()
}

// push appends chunks; they vanish if nobody can read them any more.
// It never fails: errors show at the next waitSpace.
func (q *queue) push(cs ...chunk) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.reset || q.rclosed {
		for i := range cs {
			cs[i].release()
		}
		return nil
	}
	for _, c := range cs {
		if len(c.b) == 0 && !c.eof {
			c.release()
			continue
		}
		q.chunks = append(q.chunks, c)
		q.size += len(c.b)
	}
	q.cond.Broadcast()
	return nil
}

// closeWrite ends the stream: further writes fail and, if deliver is
// set, the reader gets EOF at at, after the bytes queued before.
func (q *queue) closeWrite(at time.Time, deliver bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.eof || q.reset {
		return
	}
	q.eof = true
	if deliver && !q.rclosed {
		q.chunks = append(q.chunks, chunk{eof: true, at: at})
	}
	q.cond.Broadcast()
}

// resetInFlight is the writer end's reset (a kernel's RST): the bytes
// that arrived (due now) stay readable, those still in flight are lost,
// and the reader then gets ECONNRESET; further writes fail. It returns
// the bytes lost.
func (q *queue) resetInFlight(now time.Time) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.reset || q.rclosed {
		return 0
	}
	lost := 0
	kept := q.chunks[:q.head]
	for i := q.head; i < len(q.chunks); i++ {
		c := q.chunks[i]
		if c.eof || !c.due(now) {
			lost += len(c.b)
			q.size -= len(c.b)
			c.release()
			continue
		}
		kept = append(kept, c)
	}
	q.chunks = append(kept, chunk{rst: true})
	q.eof = true
	q.cond.Broadcast()
	return lost
}

// arrived reports whether bytes that arrived (are due now) wait unread.
func (q *queue) arrived(now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := q.head; i < len(q.chunks); i++ {
		if c := &q.chunks[i]; !c.eof && !c.rst && len(c.b) > 0 && c.due(now) {
			return true
		}
	}
	return false
}

// closeWriter marks the writer end closed: its own writes fail with ErrClosed.
func (q *queue) closeWriter() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.wclosed = true
	q.wdl.stop()
	q.cond.Broadcast()
}

// closeReader marks the reader end closed and discards what it did not read.
func (q *queue) closeReader() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.rclosed = true
	q.discardLocked()
	q.rdl.stop()
	q.cond.Broadcast()
}

// abort resets the queue (RST): pending bytes are lost, both ends fail.
func (q *queue) abort() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reset = true
	q.discardLocked()
	q.cond.Broadcast()
}

// cut ends the queue gracefully: the reader gets what is queued, then
// EOF; the writer's further writes fail with EPIPE.
func (q *queue) cut(at time.Time) {
	q.mu.Lock()
	q.broken = true
	q.mu.Unlock()
	q.closeWrite(at, true)
}

func (q *queue) discardLocked() {
	for i := q.head; i < len(q.chunks); i++ {
		q.chunks[i].release()
	}
	q.chunks, q.head, q.size = nil, 0, 0
	if q.wake != nil {
		q.wake.Stop()
		q.wake = nil
	}
}

// buffered returns the bytes queued and not yet read.
func (q *queue) buffered() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.size
}
