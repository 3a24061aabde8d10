package faults

import (
	"context"
	"net"
	"net/netip"
	"sync"
)

// Bridge lets a real program act from a host of the network: it accepts
// real connections on a real address and turns each into a flow from the
// host to a virtual address, copying bytes both ways. A program such as
// curl connected to the bridge crosses the host's gateways, NAT, FTP
// helpers, middleboxes and toxics like any in-process client. Make one
// with [Host.Expose].
type Bridge struct {
	h   *Host
	dst string
	ln  net.Listener
	via *Entry // the entry the bridge serves, or nil

	ctx    context.Context // ends dials in progress on Close
	cancel context.CancelFunc
	conns  connSet
	wg     sync.WaitGroup
}

// Expose starts a bridge listening on the real address realAddr (such as
// "127.0.0.1:0", or h.LoopbackIP() with a port, to keep port numbers
// equal to virtual ones) whose connections become flows from h to dst,
// a virtual "ip:port". It works on either transport. A dial the network
// refuses or drops resets the real connection; a reset on either side
// is passed on as a reset, an end of stream as a half-close.
// [Network.Close] closes the bridge too. To let a real program reach a
// server through every port it needs, with announced addresses mapped
// to loopback ones, use an [Entry].
func (h *Host) Expose(realAddr, dst string) (*Bridge, error) {
	return h.expose(realAddr, dst, nil)
}

func (h *Host) expose(realAddr, dst string, via *Entry) (*Bridge, error) {
	if _, err := parseDialAddr("tcp", dst); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", realAddr)
	if err != nil {
		return nil, err
	}
	b := &Bridge{h: h, dst: dst, ln: ln, via: via}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	h.net.mu.Lock()
	h.net.bridges = append(h.net.bridges, b)
	h.net.mu.Unlock()
	b.wg.Add(1)
	go b.serve()
	return b, nil
}

// Addr returns the bridge's real address, for the real program.
func (b *Bridge) Addr() net.Addr { return b.ln.Addr() }

// Close stops accepting, closes every bridged connection and waits for
// the bridge's goroutines.
func (b *Bridge) Close() error {
	b.cancel()
	err := b.ln.Close()
	if !b.conns.close() {
		return nil
	}
	b.wg.Wait()
	return err
}

func (b *Bridge) serve() {
	defer b.wg.Done()
	for {
		rc, err := b.ln.Accept()
		if err != nil {
			return
		}
		if !b.conns.track(rc) {
			rc.Close()
			return
		}
		b.wg.Add(1)
		go b.splice(rc)
	}
}

// splice dials the virtual side and pipes both ways.
func (b *Bridge) splice(rc net.Conn) {
	defer b.wg.Done()
	defer b.conns.untrack(rc)
	ctx, cancel := context.WithTimeout(b.ctx, b.h.net.synTimeout())
	var real netip.AddrPort
	if a, ok := rc.RemoteAddr().(*net.TCPAddr); ok {
		real = a.AddrPort()
	}
	vc, err := b.h.dial(ctx, "tcp", b.dst, true, b.via, real)
	cancel()
	if err != nil || !b.conns.track(vc) {
		if vc != nil {
			vc.Close()
		}
		resetConn(rc)
		return
	}
	defer b.conns.untrack(vc)
	pipe(rc, vc)
}
