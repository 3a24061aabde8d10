package clientsim

import (
	"context"
	"io"
	"sync"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// activeTransfer is the transfer in progress, shared with Abort and Close.
type activeTransfer struct {
	done chan struct{} // closed when the transfer, ABOR reply included, is over

	mu        sync.Mutex
	closers   []io.Closer
	closed    bool
	running   bool // the 1xx arrived: an ABOR now gets two replies
	finished  bool // the final reply was read
	aborted   bool
	abortSent bool
	abortErr  error
}

// add registers a data connection or listener to close on Abort or Close.
// It returns false, having closed nothing, when that already happened.
func (x *activeTransfer) add(cl io.Closer) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return false
	}
	x.closers = append(x.closers, cl)
	return true
}

func (x *activeTransfer) closeAll() {
	x.mu.Lock()
	x.closed = true
	cls := x.closers
	x.closers = nil
	x.mu.Unlock()
	for _, cl := range cls {
		cl.Close()
	}
}

func (x *activeTransfer) wasAborted() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.aborted
}

func (c *Conn) startTransfer() *activeTransfer {
	x := &activeTransfer{done: make(chan struct{})}
	c.mu.Lock()
	closed := c.closed
	c.xfer = x
	c.mu.Unlock()
	if closed {
		x.closeAll()
	}
	return x
}

// markRunning records that the transfer command got its 1xx. If Abort
// came earlier, ABOR could not be sent then (its reply would have been
// taken for the transfer command's); it is sent now.
func (c *Conn) markRunning(ctx context.Context, x *activeTransfer) {
	x.mu.Lock()
	x.running = true
	send := x.aborted && !x.abortSent
	if send {
		x.abortSent = c.send(ctx, ftp.Command{Verb: "ABOR"}) == nil
	}
	x.mu.Unlock()
	if send {
		x.closeAll()
	}
}

// finishTransfer ends the transfer: it unregisters it, reads the reply to
// an ABOR sent during it, and releases Abort.
func (c *Conn) finishTransfer(ctx context.Context, x *activeTransfer) {
	x.mu.Lock()
	x.finished = true
	sent := x.abortSent
	x.mu.Unlock()
	c.mu.Lock()
	c.xfer = nil
	c.mu.Unlock()
	x.closeAll()
	if sent {
		r, err := c.readReply(ctx)
		if err == nil && ftp.Class(r.Code) != 2 {
			err = replyCause(r)
		}
		x.mu.Lock()
		x.abortErr = err
		x.mu.Unlock()
	}
	close(x.done)
}

// Abort aborts the transfer running in another goroutine: it sends ABOR
// (in clear text bytes on the control stream, without Telnet IP/Synch,
// which cannot pass TLS), closes the data connection, and waits until the
// transfer has read both replies (typically 426 for the transfer, then 226
// for ABOR). The transfer then fails with [ErrAborted]. Without a running
// transfer, Abort sends ABOR as a plain command and expects 225 or 226.
// Abort is the only method that may run concurrently with another.
func (c *Conn) Abort(ctx context.Context) error {
	c.mu.Lock()
	x := c.xfer
	c.mu.Unlock()
	if x != nil {
		x.mu.Lock()
		if !x.finished {
			x.aborted = true
			if x.running && !x.abortSent {
				if err := c.send(ctx, ftp.Command{Verb: "ABOR"}); err != nil {
					x.mu.Unlock()
					return &Error{Phase: PhaseTransfer, Op: "ABOR", Err: err}
				}
				x.abortSent = true
			}
			x.mu.Unlock()
			x.closeAll()
			select {
			case <-x.done:
			case <-ctx.Done():
				return &Error{Phase: PhaseTransfer, Op: "ABOR", Err: context.Cause(ctx)}
			}
			x.mu.Lock()
			err := x.abortErr
			x.mu.Unlock()
			return newError(PhaseTransfer, "ABOR", err)
		}
		x.mu.Unlock()
	}
	_, err := c.simple(ctx, PhaseReply, "ABOR", "", 2)
	return err
}

// stopReason says why a transfer could not register its connection.
func (c *Conn) stopReason() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	return ErrAborted
}
