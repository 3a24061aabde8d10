package faults

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// loopConn is one end of a flow on the loopback transport: a real TCP
// connection that reports virtual addresses and sends its writes through
// the flow's faults. For a connection from a real program, reads come
// from rxq, filled by a goroutine that runs the program's bytes through
// the upstream faults.
type loopConn struct {
	flow          *Flow
	c             *net.TCPConn
	tx            *link
	rxq           *queue // nil: read the socket directly
	local, remote *net.TCPAddr
	dialer        bool

	closeOnce sync.Once
	mu        sync.Mutex
	closed    bool
}

func newLoopConn(f *Flow, c *net.TCPConn, tx *link, rxq *queue, local, remote netip.AddrPort, dialer bool) *loopConn {
	return &loopConn{flow: f, c: c, tx: tx, rxq: rxq, dialer: dialer,
		local: net.TCPAddrFromAddrPort(local), remote: net.TCPAddrFromAddrPort(remote)}
}

// Read reads from the socket (or the faults' queue); see [net.Conn].
func (c *loopConn) Read(p []byte) (int, error) {
	var n int
	var err error
	if c.rxq != nil {
		n, err = c.rxq.read(p)
	} else {
		n, err = c.c.Read(p)
	}
	return n, c.mapErr("read", err)
}

// Write sends p through the flow's faults onto the socket.
func (c *loopConn) Write(p []byte) (int, error) {
	n, err := c.tx.write(p)
	return n, c.mapErr("write", err)
}

// Close closes the socket.
func (c *loopConn) Close() error {
	err := c.mapErr("close", net.ErrClosed)
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		err = nil
		c.c.Close()
		if c.rxq != nil {
			c.rxq.closeReader()
		}
		c.flow.endClosed(c.dialer)
	})
	return err
}

// CloseWrite half-closes the sending side, after the faults' delays.
func (c *loopConn) CloseWrite() error {
	c.tx.closeWrite()
	return nil
}

// CloseRead half-closes the receiving side.
func (c *loopConn) CloseRead() error {
	if c.rxq != nil {
		c.rxq.closeReader()
	}
	return c.mapErr("close", c.c.CloseRead())
}

// LocalAddr returns this end's virtual address.
func (c *loopConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's virtual address as this end sees it.
func (c *loopConn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets the read and write deadlines.
func (c *loopConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline.
func (c *loopConn) SetReadDeadline(t time.Time) error {
	if c.rxq != nil {
		c.rxq.setDeadline(&c.rxq.rdl, t)
	}
	return c.c.SetReadDeadline(t)
}

// SetWriteDeadline sets the write deadline, which also bounds waiting for
// a delayed chunk's delivery time.
func (c *loopConn) SetWriteDeadline(t time.Time) error {
	if s, ok := c.tx.sink.(*sockSink); ok {
		s.wdl.Store(&t)
	}
	return c.c.SetWriteDeadline(t)
}

// mapErr reports socket errors with virtual addresses: a reset by the
// network as ECONNRESET, a local close as net.ErrClosed.
func (c *loopConn) mapErr(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	switch {
	case closed:
		err = net.ErrClosed
	case c.flow.isReset():
		err = syscall.ECONNRESET
	default:
		var oe *net.OpError
		if errors.As(err, &oe) {
			err = oe.Err
		}
	}
	return wrapOp(op, c.local, c.remote, err)
}
