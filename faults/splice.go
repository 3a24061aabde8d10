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

// pipe copies bytes both ways between a real connection and a virtual
// one until both directions have ended, then closes both. An end of
// stream is passed on as a half-close; a reset on either side resets
// the other, so a real program sees the network's resets as resets.
func pipe(rc, vc net.Conn) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		copyHalf(vc, rc)
	}()
	copyHalf(rc, vc)
	wg.Wait()
	rc.Close()
	vc.Close()
}

// copyHalf copies src to dst, then half-closes dst. When a side fails it
// ends both: with a reset if the failure was one, else with a close.
func copyHalf(dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	if err == nil {
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
			return
		}
	}
	if errors.Is(err, syscall.ECONNRESET) {
		for _, c := range []net.Conn{dst, src} {
			if f := FlowOf(c); f != nil && f.live() {
				f.net.event(f, Cut, "", "reset by the real end")
			}
		}
		resetConn(dst)
		resetConn(src)
		return
	}
	dst.Close()
	src.Close()
}

// resetConn closes c with a reset: a real TCP connection with SO_LINGER
// 0 (an RST), a flow of this package with [Flow] reset.
func resetConn(c net.Conn) {
	if f := FlowOf(c); f != nil {
		f.reset()
		c.Close()
		return
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

// blackHole is a real listener that never completes a connection: its
// accept queue (backlog 0, which Linux sizes to one connection) is
// filled by a connection of its own and never drained, so the kernel
// drops every SYN to it and a real program's connect times out, as it
// does when a firewall drops the SYN.
type blackHole struct {
	ln         net.Listener
	fill       net.Conn
	real, virt netip.AddrPort // where it listens, what it stands for
}

func newBlackHole(ap, virt netip.AddrPort) (*blackHole, error) {
	ln, err := net.Listen("tcp", ap.String())
	if err != nil {
		return nil, err
	}
	var lerr error
	if rc, err := ln.(*net.TCPListener).SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), 0) })
	}
	if lerr != nil {
		ln.Close()
		return nil, lerr
	}
	fill, err := net.DialTimeout("tcp", ap.String(), time.Second)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return &blackHole{ln: ln, fill: fill, real: ap, virt: virt}, nil
}

func (b *blackHole) close() {
	b.ln.Close()
	b.fill.Close()
}
