package clientsim

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// longAgo is a deadline in the past: setting it interrupts blocked I/O.
var longAgo = time.Unix(1, 0)

// watch bounds the I/O of one step on a connection: arm sets a deadline of
// at most d (cut short by the context's deadline), and cancelling the
// context moves the deadline into the past at once. A watch touches only
// the read side, the write side, or both, so that Abort can write to the
// control connection while a transfer waits to read from it.
type watch struct {
	ctx         context.Context
	conn        net.Conn
	read, write bool

	mu       sync.Mutex
	canceled bool
	stopFunc func() bool
	fired    chan struct{}
}

func watchConn(ctx context.Context, conn net.Conn, read, write bool) *watch {
	w := &watch{ctx: ctx, conn: conn, read: read, write: write, fired: make(chan struct{})}
	w.stopFunc = context.AfterFunc(ctx, func() {
		defer close(w.fired)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.canceled = true
		w.set(longAgo)
	})
	return w
}

func (w *watch) set(t time.Time) {
	switch {
	case w.read && w.write:
		w.conn.SetDeadline(t)
	case w.read:
		w.conn.SetReadDeadline(t)
	case w.write:
		w.conn.SetWriteDeadline(t)
	}
}

// arm sets the deadline for the next I/O to now+d, or the context's
// deadline if that is sooner. It fails once the context has ended.
func (w *watch) arm(d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.canceled || w.ctx.Err() != nil {
		return context.Cause(w.ctx)
	}
	dl := time.Now().Add(d)
	if cd, ok := w.ctx.Deadline(); ok && cd.Before(dl) {
		dl = cd
	}
	w.set(dl)
	return nil
}

// stop releases the watch. If the cancellation callback already started,
// stop waits for it, so no goroutine outlives the step and no late
// deadline hits the next step.
func (w *watch) stop() {
	if !w.stopFunc() {
		<-w.fired
	}
}

// eofConn remembers whether the connection itself reported io.EOF (a TCP
// FIN). crypto/tls reports a clean TCP close at a record boundary as io.EOF,
// exactly like a close_notify; the difference is that only the former makes
// tls read past the last record and see the transport's EOF. A read that
// returns data together with io.EOF is split in two, so the flag is set
// only when tls asked for bytes that never came.
type eofConn struct {
	net.Conn
	pendingEOF bool // only touched by the single reader
	sawEOF     atomic.Bool
	bytesIn    atomic.Int64
}

func (c *eofConn) Read(p []byte) (int, error) {
	if c.pendingEOF {
		c.sawEOF.Store(true)
		return 0, io.EOF
	}
	n, err := c.Conn.Read(p)
	c.bytesIn.Add(int64(n))
	if err == io.EOF {
		if n > 0 {
			c.pendingEOF = true
			return n, nil
		}
		c.sawEOF.Store(true)
	}
	return n, err
}

// transportEOF reports whether the transport's EOF was handed out.
func (c *eofConn) transportEOF() bool { return c.sawEOF.Load() }
