package capture

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// TapSpec says how [Capture.Tap] shows a real connection.
type TapSpec struct {
	// Interface names the segment; empty means "loopback".
	Interface string
	// Dialed says the local end of the connection dialed it (a client's
	// connection); false means it was accepted.
	Dialed bool
	// Data marks a data connection (see [Capture.DataSnaplen]).
	Data bool
	// ListenerPort, if not zero, is the port shown for the listening
	// end instead of its real one: 21 for an FTP server on a loopback
	// port, so that Wireshark dissects FTP (and FTP over TLS after AUTH
	// TLS) without "Decode As". Its data connections' ports are
	// announced in the capture's own 227 and 229 replies and need none.
	ListenerPort uint16
}

// Tap returns nc with every byte it writes and reads recorded as a
// connection of this capture, on the real addresses of the socket: the
// handshake now, what the local end writes as it writes it, what it
// reads as it reads it, a FIN when either end closes or half-closes
// and an RST when the connection is reset. Use it where no virtual
// network carries the connection (a scenario on plain loopback); tap
// each connection at one end only. The returned conn has CloseWrite
// when nc has.
func (c *Capture) Tap(nc net.Conn, spec TapSpec) net.Conn {
	local, remote := addrPort(nc.LocalAddr()), addrPort(nc.RemoteAddr())
	dialer, listener := local, remote
	if !spec.Dialed {
		dialer, listener = remote, local
	}
	if spec.ListenerPort != 0 {
		listener = netip.AddrPortFrom(listener.Addr(), spec.ListenerPort)
	}
	name := spec.Interface
	if name == "" {
		name = "loopback"
	}
	c.Interface(name, "real sockets on loopback")
	k := c.Conn(name, dialer, listener, spec.Data)
	k.Open(time.Now())
	t := &tapConn{Conn: nc, k: k, local: spec.Dialed}
	if _, ok := nc.(interface{ CloseWrite() error }); ok {
		return &tapHalfConn{t}
	}
	return t
}

func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// tapConn records a real connection from its local end, which is the
// dialer when local is true.
type tapConn struct {
	net.Conn
	k     *Conn
	local bool
}

func (t *tapConn) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	now := time.Now()
	if n > 0 {
		t.k.Send(now, !t.local, p[:n])
		t.k.Ack(now, t.local)
	}
	switch {
	case errors.Is(err, io.EOF):
		t.k.Close(now, !t.local)
	case errors.Is(err, syscall.ECONNRESET):
		t.k.Reset(now, !t.local)
	}
	return n, err
}

func (t *tapConn) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	if n > 0 {
		now := time.Now()
		t.k.Send(now, t.local, p[:n])
		t.k.Ack(now, !t.local)
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		t.k.Reset(time.Now(), !t.local)
	}
	return n, err
}

func (t *tapConn) Close() error {
	t.k.Close(time.Now(), t.local)
	return t.Conn.Close()
}

// tapHalfConn is a tapConn whose conn can half-close.
type tapHalfConn struct{ *tapConn }

func (t *tapHalfConn) CloseWrite() error {
	t.k.Close(time.Now(), t.local)
	return t.Conn.(interface{ CloseWrite() error }).CloseWrite()
}

// TapListener returns ln with every connection it accepts recorded by
// [Capture.Tap] with spec (Dialed is ignored: the local end accepted).
func (c *Capture) TapListener(ln net.Listener, spec TapSpec) net.Listener {
	spec.Dialed = false
	return &tapListener{Listener: ln, c: c, spec: spec}
}

type tapListener struct {
	net.Listener
	c    *Capture
	spec TapSpec
}

func (l *tapListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.c.Tap(nc, l.spec), nil
}
