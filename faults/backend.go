package faults

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// backendDialTimeout bounds a backend's real dial to its server.
const backendDialTimeout = 5 * time.Second

// Backend puts a real TCP server behind a host of the network: it
// listens on the host's virtual ports and splices each flow it accepts
// to a new real connection to the server at the matching real port. A
// real product (a server on this machine, a container's published ports)
// then lives on the host as far as the network can tell: NAT, firewall
// rules, FTP helpers, middleboxes and toxics sit between the client and
// the product, which does its own FTP and TLS. Make one with
// [Host.Backend]; with an [Entry] on the client side, real clients
// reach the product through the network (see the package example
// "Proxy").
//
// The product's 227 replies: in cleartext, the backend's host
// translates the product's own address to its virtual one
// ([Host.Translate]), so gateways and FTP helpers see what they would see
// from a server on the host, and an entry shows the result to real
// programs as loopback addresses. Under TLS nothing can rewrite them, so
// give the backend the product's passive range at the same port numbers:
// clients that use EPSV or ignore the 227 address (curl's default) reach
// the data ports through the network like the control port, while a
// client that trusts the 227 address dials whatever the product
// advertises, outside the network, unless the product advertises the
// entry's address. Active mode is not proxied: the product would dial
// the address in PORT itself.
//
// Flows are control flows when their virtual port is one of
// [Network.ControlPorts]. A product that refuses a connection shows as a
// flow the backend resets.
type Backend struct {
	host  *Host
	real  netip.Addr
	ports []PortMap
	lns   []net.Listener

	conns connSet
	wg    sync.WaitGroup
}

// Backend backs h's virtual ports with the real server at address real
// (a loopback address, for tests): for each map, a flow accepted on one
// of h's addresses at virtual port Virtual.Low+i is spliced to
// real:Real+i. For an FTP server listening on 127.0.0.1:2122 with the
// passive range 30000-30009:
//
//	b, err := server.Backend(netip.MustParseAddr("127.0.0.1"),
//		faults.PortMap{Virtual: faults.Ports(21), Real: 2122},
//		faults.PortMap{Virtual: faults.Ports(30000, 30009)})
//
// It also makes h translate real to its own address of the same family in
// cleartext announcements. [Network.Close] closes the backend too.
func (h *Host) Backend(real netip.Addr, ports ...PortMap) (*Backend, error) {
	real = real.Unmap()
	if !real.IsValid() || len(ports) == 0 {
		return nil, errors.New("faults: backend: need a real address and ports")
	}
	for _, m := range ports {
		if err := m.check(); err != nil {
			return nil, fmt.Errorf("faults: backend: %w", err)
		}
	}
	b := &Backend{host: h, real: real, ports: append([]PortMap(nil), ports...)}
	for _, m := range ports {
		for v := range m.Virtual.All() {
			ln, err := h.Listen("tcp", fmt.Sprintf(":%d", v))
			if err != nil {
				b.Close()
				return nil, fmt.Errorf("faults: backend: %w", err)
			}
			b.lns = append(b.lns, ln)
			if l, ok := ln.(*listener); ok {
				h.net.mu.Lock()
				l.backend = true
				h.net.mu.Unlock()
			}
			to := netip.AddrPortFrom(real, m.realPort(uint16(v)))
			b.wg.Add(1)
			go b.serve(ln, to)
		}
	}
	if self, ok := h.sourceFor(real); ok {
		h.Translate(real, self)
	}
	h.net.mu.Lock()
	h.net.closers = append(h.net.closers, func() { b.Close() })
	h.net.mu.Unlock()
	return b, nil
}

// Host returns the host the real server lives on.
func (b *Backend) Host() *Host { return b.host }

// Close stops listening, closes every connection and waits for the
// backend's goroutines.
func (b *Backend) Close() error {
	if !b.conns.close() {
		return nil
	}
	for _, ln := range b.lns {
		ln.Close()
	}
	b.wg.Wait()
	return nil
}

func (b *Backend) serve(ln net.Listener, to netip.AddrPort) {
	defer b.wg.Done()
	for {
		vc, err := ln.Accept()
		if err != nil {
			return
		}
		if !b.conns.track(vc) {
			vc.Close()
			return
		}
		b.wg.Add(1)
		go b.splice(vc, to)
	}
}

// splice dials the real server for one accepted flow and pipes both ways.
func (b *Backend) splice(vc net.Conn, to netip.AddrPort) {
	defer b.wg.Done()
	defer b.conns.untrack(vc)
	rc, err := net.DialTimeout("tcp", to.String(), backendDialTimeout)
	if err != nil || !b.conns.track(rc) {
		if f := FlowOf(vc); f != nil && err != nil {
			f.net.event(f, Cut, "backend "+to.String(), "real server: %v; flow reset", err)
		}
		if rc != nil {
			rc.Close()
		}
		resetConn(vc)
		return
	}
	defer b.conns.untrack(rc)
	pipe(rc, vc)
}
