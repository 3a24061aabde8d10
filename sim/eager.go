package sim

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/ftpsim/ftpsim/internal/ftp"
)

// eagerListener is a passive listener under [Server.EagerAccept]: a
// goroutine accepts connections as they arrive, refuses foreign ones at
// once and hands the first good one to Accept. Closing it closes the
// underlying listener, which ends the goroutine; the server's wait group
// owns the goroutine, so Close of the server waits for it.
type eagerListener struct {
	net.Listener
	conns chan net.Conn // holds at most one accepted connection
	done  chan struct{} // closed by Close

	mu       sync.Mutex // guards the fields below and sends on conns
	closed   bool
	deadline time.Time
	err      error // why the goroutine stopped
}

// acceptEagerly wraps a fresh passive listener and starts its goroutine.
func (sess *Session) acceptEagerly(ln net.Listener) net.Listener {
	l := &eagerListener{Listener: ln, conns: make(chan net.Conn, 1), done: make(chan struct{})}
	sess.srv.wg.Add(1)
	go func() {
		defer sess.srv.wg.Done()
		defer close(l.conns)
		for {
			c, err := ln.Accept()
			if err != nil {
				l.mu.Lock()
				l.err = err
				l.mu.Unlock()
				return
			}
			peer := addrOf(c.RemoteAddr())
			if sess.foreign(peer) {
				if sess.refuseForeign(c, peer, nil) {
					sess.send(sess.srv.replyVars(ReplyForeignData, sess.addrVars(peer)...))
				}
				continue
			}
			l.hold(sess, c, peer)
		}
	}()
	return l
}

// hold keeps the first good connection for Accept. Like pyftpdlib, which
// stops listening after it, later ones are closed.
func (l *eagerListener) hold(sess *Session, c net.Conn, peer netip.AddrPort) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || len(l.conns) > 0 {
		c.Close()
		sess.transcript.Add(ftp.EntryData, "closed a second data connection from %s", peer)
		return
	}
	sess.transcript.Add(ftp.EntryData, "data connection from %s arrived", peer)
	l.conns <- c // never blocks: the buffer is empty
}

// ready reports whether a good connection is waiting to be accepted.
func (l *eagerListener) ready() bool { return len(l.conns) > 0 }

// Accept returns the connection the goroutine accepted, waiting until the
// deadline set with SetDeadline.
func (l *eagerListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	dl := l.deadline
	l.mu.Unlock()
	var timeout <-chan time.Time
	if !dl.IsZero() {
		t := time.NewTimer(time.Until(dl))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case c, ok := <-l.conns:
		if ok {
			return c, nil
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		return nil, l.err
	case <-timeout:
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: errAcceptTimeout}
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// SetDeadline bounds the wait of Accept.
func (l *eagerListener) SetDeadline(t time.Time) error {
	l.mu.Lock()
	l.deadline = t
	l.mu.Unlock()
	return nil
}

// Close stops the goroutine and closes a connection it may hold.
func (l *eagerListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.done)
		select {
		case c, ok := <-l.conns:
			if ok {
				c.Close()
			}
		default:
		}
	}
	return err
}

// errAcceptTimeout is the timeout of an eagerListener's Accept; it is a
// net.Error with Timeout true, like a deadline on a real listener.
var errAcceptTimeout = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
