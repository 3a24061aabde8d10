package faults

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// memConn is one end of a flow on the memory transport. Reads come from
// rx; writes go through tx (the link that applies the flow's faults) into
// the peer's rx. All methods are safe for concurrent use.
type memConn struct {
	flow          *Flow // nil for a bare pipe
	rx            *queue
	tx            *link
	txq           *queue // tx's sink
	local, remote *net.TCPAddr
	dialer        bool // this end dialed

	closeOnce sync.Once
	closed    chan struct{}
}

func newMemConn(f *Flow, rx *queue, tx *link, local, remote *net.TCPAddr, dialer bool) *memConn {
	return &memConn{flow: f, rx: rx, tx: tx, txq: tx.sink.(*queue), local: local, remote: remote, dialer: dialer, closed: make(chan struct{})}
}

// Read reads due bytes; see [net.Conn].
func (c *memConn) Read(p []byte) (int, error) {
	n, err := c.rx.read(p)
	if err != nil && err != io.EOF {
		err = c.opError("read", err)
	}
	return n, err
}

// Write sends p through the flow's faults; see [net.Conn].
func (c *memConn) Write(p []byte) (int, error) {
	n, err := c.tx.write(p)
	if err != nil {
		err = c.opError("write", err)
	}
	return n, err
}

// Close closes both directions. Bytes already written still reach the
// peer, followed by EOF; bytes not yet read are discarded. As a kernel
// does (RFC 1122 4.2.2.13), closing with received bytes unread resets the
// flow instead: the peer reads what already arrived, then ECONNRESET, and
// the bytes not yet delivered (still queued behind the flow's latency or
// bandwidth: what the closer's kernel had not got across) are lost. That
// is how a client
// that closes an upload's TLS connection with the server's session ticket
// unread loses the end of its upload.
func (c *memConn) Close() error {
	err := c.opError("close", net.ErrClosed)
	c.closeOnce.Do(func() {
		err = nil
		c.txq.closeWriter() // first: wakes a writer blocked on a full queue
		unread := c.flow != nil && c.rx.arrived(time.Now())
		c.rx.closeReader()
		if unread {
			c.flow.pcapRST(c.dialer)
			lost := c.txq.resetInFlight(time.Now())
			c.flow.net.event(c.flow, Cut, "", "%s end closed with received bytes unread: reset (RST) instead of FIN; %d bytes in flight to the %s lost",
				c.endName(), lost, c.peerName())
		} else {
			c.tx.closeWrite()
		}
		close(c.closed)
		if c.flow != nil {
			c.flow.endClosed(c.dialer)
		}
	})
	return err
}

func (c *memConn) endName() string {
	if c.dialer {
		return "dialer"
	}
	return "listener"
}

func (c *memConn) peerName() string {
	if c.dialer {
		return "listener"
	}
	return "dialer"
}

// CloseWrite half-closes the connection: the peer reads EOF after the
// bytes already written, and further writes fail.
func (c *memConn) CloseWrite() error {
	if c.isClosed() {
		return c.opError("close", net.ErrClosed)
	}
	c.tx.closeWrite()
	return nil
}

// CloseRead half-closes the reading side: further reads fail.
func (c *memConn) CloseRead() error {
	if c.isClosed() {
		return c.opError("close", net.ErrClosed)
	}
	c.rx.closeReader()
	return nil
}

func (c *memConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// LocalAddr returns this end's virtual address, as this end sees it.
func (c *memConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's virtual address, as this end sees it
// (after NAT).
func (c *memConn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets the read and write deadlines.
func (c *memConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline.
func (c *memConn) SetReadDeadline(t time.Time) error {
	c.rx.setDeadline(&c.rx.rdl, t)
	return nil
}

// SetWriteDeadline sets the write deadline.
func (c *memConn) SetWriteDeadline(t time.Time) error {
	c.txq.setDeadline(&c.txq.wdl, t)
	return nil
}

// opError wraps err the way package net does: timeouts and ErrClosed as
// they are, errno values in an *os.SyscallError.
func (c *memConn) opError(op string, err error) error {
	return wrapOp(op, c.local, c.remote, err)
}

func wrapOp(op string, local, remote net.Addr, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		err = os.NewSyscallError(op, errno)
	}
	return &net.OpError{Op: op, Net: "tcp", Source: local, Addr: remote, Err: err}
}

// FlowOf returns the flow a connection of this package belongs to, or nil
// for any other connection.
func FlowOf(c net.Conn) *Flow {
	switch c := c.(type) {
	case *memConn:
		return c.flow
	case *loopConn:
		return c.flow
	}
	return nil
}
