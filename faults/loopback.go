package faults

import (
	"context"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// loopbackSeq numbers the loopback addresses handed to hosts.
var loopbackSeq atomic.Uint32

// nextLoopbackIP returns a fresh address 127.P.x.y, P derived from the
// process ID, so that hosts of parallel tests and test processes bind
// the same port numbers without colliding. Linux routes all of 127/8 to
// the loopback interface.
func nextLoopbackIP() netip.Addr {
	p := loopbackNet()
	for {
		i := loopbackSeq.Add(1)
		if x, y := byte(i>>8), byte(i); y != 0 && y != 255 {
			return netip.AddrFrom4([4]byte{127, p, x, y})
		}
	}
}

// loopbackNet is the second byte of this process's loopback addresses.
func loopbackNet() byte { return byte(20 + os.Getpid()%200) }

// ownLoopback reports whether a is one of this process's host addresses:
// a socket from elsewhere comes from a real program.
func ownLoopback(a netip.Addr) bool {
	b := a.Unmap().As16()
	return a.Unmap().Is4() && b[12] == 127 && b[13] == loopbackNet()
}

// LoopbackIP returns the real loopback address that backs h's listeners
// on the [Loopback] transport, assigning one on first use. A real program
// reaches h's listener on virtual port p at LoopbackIP():p.
func (h *Host) LoopbackIP() netip.Addr {
	h.net.mu.Lock()
	defer h.net.mu.Unlock()
	if !h.loopIP.IsValid() {
		h.loopIP = nextLoopbackIP()
	}
	return h.loopIP
}

// RealAddr returns the real socket address behind a listener of this
// package on the [Loopback] transport, and false otherwise.
func RealAddr(ln net.Listener) (netip.AddrPort, bool) {
	l, ok := ln.(*listener)
	if !ok || l.real == nil {
		return netip.AddrPort{}, false
	}
	return l.real.addr, true
}

// realListener is the socket behind a virtual listener.
type realListener struct {
	ln   net.Listener
	addr netip.AddrPort
	wg   sync.WaitGroup // the accept loop and its adopters
}

func (r *realListener) close() {
	r.ln.Close()
	r.wg.Wait()
}

// listenReal binds the listener's port on its host's loopback address and
// starts accepting.
func (l *listener) listenReal() error {
	ap := netip.AddrPortFrom(l.h.LoopbackIP(), l.addr.Port())
	rl, err := net.Listen("tcp4", ap.String())
	if err != nil {
		return err
	}
	l.real = &realListener{ln: rl, addr: ap}
	l.real.wg.Add(1)
	go l.acceptReal()
	return nil
}

func (l *listener) acceptReal() {
	defer l.real.wg.Done()
	for {
		c, err := l.real.ln.Accept()
		if err != nil {
			return
		}
		l.real.wg.Add(1)
		go func() {
			defer l.real.wg.Done()
			l.adopt(c.(*net.TCPConn))
		}()
	}
}

// adopt pairs an accepted socket with the in-process dial that made it,
// or treats it as a connection from a real program.
func (l *listener) adopt(c *net.TCPConn) {
	n := l.h.net
	if !ownLoopback(addrPortOf(c.RemoteAddr()).Addr()) {
		n.external(l, c)
		return
	}
	if p := n.claim(c.RemoteAddr().String(), 2*time.Second); p != nil {
		p.down.set(c)
		lc := newLoopConn(p.f, c, p.f.down, nil, p.f.Post.Dst, p.f.Post.Src, false)
		if !l.enqueue(lc) {
			p.f.reset()
			c.Close()
		}
		close(p.done)
		return
	}
	n.external(l, c)
}

// pendingDial is an in-process dial waiting for its listener to accept.
type pendingDial struct {
	f    *Flow
	down *sockSink
	done chan struct{}
}

// claim takes the pending dial whose socket has local address key,
// waiting up to d for the dialer to register it.
func (n *Network) claim(key string, d time.Duration) *pendingDial {
	deadline := time.Now().Add(d)
	for {
		n.pendMu.Lock()
		p := n.pending[key]
		delete(n.pending, key)
		n.pendMu.Unlock()
		if p != nil || time.Now().After(deadline) {
			return p
		}
		time.Sleep(time.Millisecond)
	}
}

// connectLoopback opens a real connection for an accepted flow.
func (n *Network) connectLoopback(ctx context.Context, f *Flow, ln *listener, network string) (net.Conn, error) {
	local, remote := net.TCPAddrFromAddrPort(f.Pre.Src), net.TCPAddrFromAddrPort(f.Pre.Dst)
	fail := func(err error) (net.Conn, error) {
		f.reset()
		return nil, &net.OpError{Op: "dial", Net: network, Source: local, Addr: remote, Err: err}
	}
	if ln.real == nil {
		return fail(os.NewSyscallError("connect", syscall.ECONNREFUSED))
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: f.Dialer.LoopbackIP().AsSlice()}}
	c, err := d.DialContext(ctx, "tcp4", ln.real.addr.String())
	if err != nil {
		return fail(os.NewSyscallError("connect", syscall.ECONNREFUSED))
	}
	tc := c.(*net.TCPConn)
	f.pcapOpen()
	up, down := newSockSink(), newSockSink()
	up.set(tc)
	f.up.sink, f.down.sink = up, down
	p := &pendingDial{f: f, down: down, done: make(chan struct{})}
	n.pendMu.Lock()
	if n.pending == nil {
		n.pending = map[string]*pendingDial{}
	}
	n.pending[c.LocalAddr().String()] = p
	n.pendMu.Unlock()
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
	case <-ctx.Done():
		c.Close()
		return fail(mapCtxErr(ctx.Err()))
	case <-t.C:
		c.Close()
		return fail(os.NewSyscallError("connect", syscall.ETIMEDOUT))
	}
	f.start()
	return newLoopConn(f, tc, f.up, nil, f.Pre.Src, f.Pre.Dst, true), nil
}

// external turns a socket from a real program into a flow from a host
// named "external" (outside every zone, its address the real one). The
// program's bytes are read by a goroutine and run through the upstream
// faults into a queue; what the listener's end writes goes through the
// downstream faults onto the socket.
func (n *Network) external(l *listener, c *net.TCPConn) {
	peer := addrPortOf(c.RemoteAddr())
	dst := netip.AddrPortFrom(l.addr.Addr(), l.addr.Port())
	if !dst.Addr().IsValid() {
		dst = netip.AddrPortFrom(l.h.Addrs[0], l.addr.Port())
	}
	pre := Endpoints{Src: peer, Dst: dst}
	ch := Data
	if n.isControlPort(dst.Port()) {
		ch = Control
	}
	n.mu.Lock()
	ext := n.externals[peer.Addr()]
	if ext == nil {
		ext = &Host{Name: "external", Zone: &Zone{Name: "external", net: n}, Addrs: []netip.Addr{peer.Addr()}, net: n}
		if n.externals == nil {
			n.externals = map[netip.Addr]*Host{}
		}
		n.externals[peer.Addr()] = ext
	}
	f := n.newFlowLocked(ext, pre, decision{action: Accept, dst: l.h, post: pre, why: "external program"}, ch, l)
	n.mu.Unlock()
	rx := f.up.sink.(*queue)
	down := newSockSink()
	down.set(c)
	f.down.sink = down
	lc := newLoopConn(f, c, f.down, rx, dst, peer, false)
	f.pcapOpen()
	if !l.enqueue(lc) {
		f.reset()
		c.Close()
		return
	}
	f.start()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		buf := make([]byte, 32<<10)
		for {
			k, err := c.Read(buf)
			if k > 0 {
				if _, werr := f.up.write(buf[:k]); werr != nil {
					return
				}
			}
			if err != nil {
				f.up.closeWrite()
				return
			}
		}
	}()
}

func addrPortOf(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		return netip.AddrPortFrom(t.AddrPort().Addr().Unmap(), t.AddrPort().Port())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// sockSink writes a link's chunks onto a real socket, waiting for each
// chunk's delivery time (so Latency and Bandwidth slow the writer down on
// this transport).
type sockSink struct {
	mu    sync.Mutex // serializes writes: the link's writer and injections
	ready chan struct{}
	c     *net.TCPConn
	wdl   atomic.Pointer[time.Time]
}

func newSockSink() *sockSink { return &sockSink{ready: make(chan struct{})} }

func (s *sockSink) set(c *net.TCPConn) {
	s.c = c
	close(s.ready)
}

// conn waits for the socket (the listener side is set when accepted).
func (s *sockSink) conn() *net.TCPConn {
	select {
	case <-s.ready:
		return s.c
	case <-time.After(5 * time.Second):
		return nil
	}
}

func (s *sockSink) waitSpace() error  { return nil }
func (s *sockSink) checkWrite() error { return nil }

func (s *sockSink) push(cs ...chunk) error {
	c := s.conn()
	if c == nil {
		return syscall.ENOTCONN
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range cs {
		ch := &cs[i]
		if err := s.sleepUntil(ch.at); err != nil {
			return err
		}
		var err error
		if ch.eof {
			err = c.CloseWrite()
		} else {
			_, err = c.Write(ch.b)
		}
		ch.release()
		if err != nil {
			return err
		}
	}
	return nil
}

// sleepUntil waits for a delivery time, up to the write deadline.
func (s *sockSink) sleepUntil(at time.Time) error {
	wait := time.Until(at)
	if at.IsZero() || wait <= 0 {
		return nil
	}
	if dl := s.wdl.Load(); dl != nil && !dl.IsZero() && dl.Before(at) {
		time.Sleep(time.Until(*dl))
		return os.ErrDeadlineExceeded
	}
	time.Sleep(wait)
	return nil
}

func (s *sockSink) closeWrite(at time.Time, deliver bool) {
	if !deliver {
		return
	}
	c := s.conn()
	if c == nil {
		return
	}
	if d := time.Until(at); !at.IsZero() && d > 0 {
		time.AfterFunc(d, func() { c.CloseWrite() })
		return
	}
	c.CloseWrite()
}

func (s *sockSink) abort() {
	select {
	case <-s.ready:
		s.c.SetLinger(0)
		s.c.Close()
	default:
	}
}

func (s *sockSink) cut(time.Time) {
	select {
	case <-s.ready:
		s.c.CloseWrite()
	default:
	}
}
