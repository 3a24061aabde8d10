package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// ListenFunc opens a listener; faults.Host.Listen is one.
type ListenFunc func(network, address string) (net.Listener, error)

// Front serves a container's ports on listeners of the caller's choosing
// and relays each accepted connection, byte for byte, to the port the
// container publishes on 127.0.0.1. With the listeners of a faults.Host,
// the container is that host as far as the virtual network can tell: the
// network's NAT, firewall rules, FTP helpers, middleboxes and toxics sit
// between the client and the real server, which still does its own TLS.
//
// The relay keeps each direction's end of stream (a half-close becomes a
// CloseWrite on the other side), so TLS close_notify exchanges and upload
// ends behave as on a direct connection. The product must advertise the
// address the front listens on ([WithAdvertisedAddr]) for passive
// replies to lead back to the front.
type Front struct {
	// Control, Implicit and Passive are the front's listeners: on
	// host:ControlPort, host:ImplicitPort (nil without one) and one per
	// passive port, host:port. Mark Control (and Implicit) as control
	// listeners if the network needs telling (faults.MarkControl).
	Control  net.Listener
	Implicit net.Listener
	Passive  []net.Listener

	dialTimeout time.Duration
	mu          sync.Mutex
	conns       map[net.Conn]struct{}
	closed      bool
	wg          sync.WaitGroup
}

// Front opens the listeners with listen on host (an IP address, "" for
// all) and starts relaying. Close it before terminating the container.
func (c *Container) Front(ctx context.Context, listen ListenFunc, host string) (*Front, error) {
	s := c.Settings
	ctrl, err := c.ControlAddr(ctx)
	if err != nil {
		return nil, fmt.Errorf("front: %w", err)
	}
	routes := []route{{s.ControlPort, ctrl}}
	if s.ImplicitPort != 0 {
		impl, err := c.ImplicitAddr(ctx)
		if err != nil {
			return nil, fmt.Errorf("front: %w", err)
		}
		routes = append(routes, route{s.ImplicitPort, impl})
	}
	for p := range s.Passive.All() {
		backend := net.JoinHostPort(c.dataHost(), strconv.Itoa(int(p)))
		if s.RandomPassiveMapping {
			if backend, err = c.hostAddr(ctx, int(p)); err != nil {
				return nil, fmt.Errorf("front: %w", err)
			}
		}
		routes = append(routes, route{int(p), backend})
	}
	return newFront(listen, host, s.ImplicitPort != 0, routes)
}

// route is one front port and the real address it relays to.
type route struct {
	port    int
	backend string
}

// newFront listens on host for each route: the first is the control port,
// then the implicit port if implicit, then the passive ports.
func newFront(listen ListenFunc, host string, implicit bool, routes []route) (*Front, error) {
	f := &Front{dialTimeout: 5 * time.Second, conns: map[net.Conn]struct{}{}}
	for i, r := range routes {
		ln, err := listen("tcp", net.JoinHostPort(host, strconv.Itoa(r.port)))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("front: listen %s:%d: %w", host, r.port, err)
		}
		switch {
		case i == 0:
			f.Control = ln
		case i == 1 && implicit:
			f.Implicit = ln
		default:
			f.Passive = append(f.Passive, ln)
		}
		f.serve(ln, r.backend)
	}
	return f, nil
}

// serve accepts on ln until it is closed, relaying to backend.
func (f *Front) serve(ln net.Listener, backend string) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return // closed (net.ErrClosed) or broken: either way, done
			}
			if !f.track(conn) {
				conn.Close()
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer f.untrack(conn)
				f.relay(conn, backend)
			}()
		}
	}()
}

// relay dials backend and copies both ways until both ends are done. If
// the backend refuses, the client's connection is closed at once, as the
// server's RST would close it.
func (f *Front) relay(conn net.Conn, backend string) {
	d := net.Dialer{Timeout: f.dialTimeout}
	up, err := d.Dial("tcp", backend)
	if err != nil {
		conn.Close()
		return
	}
	if !f.track(up) {
		up.Close()
		conn.Close()
		return
	}
	defer f.untrack(up)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); pipe(up, conn) }()
	go func() { defer wg.Done(); pipe(conn, up) }()
	wg.Wait()
	up.Close()
	conn.Close()
}

// pipe copies src to dst, then half-closes dst (or closes it if it
// cannot half-close). A read error other than EOF aborts both.
func pipe(dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		dst.Close()
		src.Close()
		return
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		if cw.CloseWrite() == nil {
			return
		}
	}
	dst.Close()
}

func (f *Front) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Front) untrack(c net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.conns, c)
}

// Close closes the listeners and every relayed connection, and waits for
// the relay's goroutines.
func (f *Front) Close() error {
	f.mu.Lock()
	f.closed = true
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	var errs []error
	for _, ln := range append([]net.Listener{f.Control, f.Implicit}, f.Passive...) {
		if ln != nil {
			if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	f.wg.Wait()
	return errors.Join(errs...)
}
