package sim

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
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
	watch    *earlyWatch
	command  bool // the transfer command has come: no more watching
}

// earlyWatch is the reader that, under [Server.CloseEarlyData], waits for
// bytes on a held connection until Accept claims it.
type earlyWatch struct {
	conn    net.Conn
	claimed bool          // Accept took the connection (guarded by the listener's mu)
	first   []byte        // what the watcher read after the claim, handed on
	done    chan struct{} // closed when the watcher returns
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
	if sess.srv.CloseEarlyData && !l.command {
		w := &earlyWatch{conn: c, done: make(chan struct{})}
		l.watch = w
		sess.srv.wg.Add(1)
		go func() {
			defer sess.srv.wg.Done()
			defer close(w.done)
			l.watchEarly(sess, w, peer)
		}()
	}
}

// watchEarly reads one byte of a held connection. If it arrives before
// Accept claims the connection, the connection is reset and dropped;
// after a claim the byte is handed on to Accept.
func (l *eagerListener) watchEarly(sess *Session, w *earlyWatch, peer netip.AddrPort) {
	b := make([]byte, 1)
	n, _ := w.conn.Read(b)
	l.mu.Lock()
	defer l.mu.Unlock()
	if w.claimed {
		w.first = b[:n]
		return
	}
	if n == 0 {
		return // closed under us (the listener or the server closed)
	}
	select {
	case <-l.conns: // it is the held one: there is only ever one
	default:
	}
	if tc, ok := w.conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // a reset, as closing with unread bytes gives
	}
	w.conn.Close()
	// The listener is spent, as pyftpdlib's is after one connection: a
	// transfer command now fails at once instead of waiting.
	l.Listener.Close()
	sess.transcript.Add(ftp.EntryNote, "closed the data connection from %s: the client sent before the transfer command (CloseEarlyData, like pyftpdlib)", peer)
}

// stopWatch ends the watch of a held connection: the transfer command has
// come, so bytes from now on are the transfer's. A byte the watcher read
// meanwhile is kept for Accept.
func (l *eagerListener) stopWatch() {
	l.mu.Lock()
	l.command = true
	w := l.watch
	if w == nil || w.claimed {
		l.mu.Unlock()
		return
	}
	w.claimed = true
	l.mu.Unlock()
	w.conn.SetReadDeadline(time.Unix(1, 0)) // wakes the watcher's Read
	<-w.done
	w.conn.SetReadDeadline(time.Time{})
}

// claim takes a held connection away from its watcher and returns it
// with any byte the watcher read first.
func (l *eagerListener) claim(c net.Conn) net.Conn {
	l.stopWatch()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.watch
	if w == nil || w.conn != c || len(w.first) == 0 {
		return c
	}
	return &prefixConn{Conn: c, first: w.first}
}

// prefixConn returns first before reading from Conn.
type prefixConn struct {
	net.Conn
	first []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.first) > 0 {
		n := copy(b, p.first)
		p.first = p.first[n:]
		return n, nil
	}
	return p.Conn.Read(b)
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
			return l.claim(c), nil
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
