package clientsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// dataPath is a data connection in the making: dialed already (passive) or
// waiting to be accepted (active).
type dataPath struct {
	conn net.Conn     // passive: the dialed connection
	ln   net.Listener // active: the listener the server connects to
	addr string       // where the data goes, for messages
}

// Close closes the dialed connection or the listener.
func (d *dataPath) Close() error {
	if d.conn != nil {
		d.conn.Close()
	}
	if d.ln != nil {
		d.ln.Close()
	}
	return nil
}

// openData prepares the data connection of one transfer: EPSV/PASV and a
// dial (passive, before the transfer command, like curl and lftp), or a
// listener announced with PORT/EPRT (active).
func (c *Conn) openData(ctx context.Context) (*dataPath, error) {
	if c.cfg.active != 0 {
		return c.listenActive(ctx)
	}
	addr, err := c.passiveAddr(ctx)
	if err != nil {
		return nil, err
	}
	dial := c.cfg.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	op := "dial data " + addr
	dctx, cancel := context.WithTimeout(ctx, c.t.Connect)
	conn, err := dial(dctx, "tcp", addr)
	cancel()
	if err != nil {
		c.note(ftp.EntryData, "dial data %s failed: %v", addr, err)
		return nil, &Error{Phase: PhaseDataConnect, Op: op, Err: withContext(ctx, err)}
	}
	c.note(ftp.EntryData, "dialed data %s -> %s", addrString(conn.LocalAddr()), addrString(conn.RemoteAddr()))
	return &dataPath{conn: conn, addr: addr}, nil
}

// passiveAddr asks for a passive port and returns the address to dial.
func (c *Conn) passiveAddr(ctx context.Context) (string, error) {
	if c.cfg.passive == EPSVFirst && !c.epsvFailed {
		cmd := ftp.Command{Verb: "EPSV"}
		r, err := c.roundTrip(ctx, cmd)
		if err != nil {
			return "", &Error{Phase: PhaseDataConnect, Op: "EPSV", Err: err}
		}
		switch {
		case r.Code == ftp.CodeExtendedPassive:
			port, err := ftp.ParseEPSV(r.Message())
			if err != nil {
				return "", &Error{Phase: PhaseDataConnect, Op: "EPSV", Err: err}
			}
			return net.JoinHostPort(c.controlHost(), strconv.Itoa(int(port))), nil
		case ftp.Class(r.Code) == 5:
			c.epsvFailed = true
			c.note(ftp.EntryNote, "EPSV refused with %d; using PASV for the rest of the session", r.Code)
		default:
			return "", &Error{Phase: PhaseDataConnect, Op: "EPSV", Err: replyCause(r)}
		}
	}
	r, err := c.do(ctx, PhaseDataConnect, ftp.Command{Verb: "PASV"}, ftp.CodePassive)
	if err != nil {
		return "", err
	}
	ap, err := ftp.ParsePASV(r.Message())
	if err != nil {
		return "", &Error{Phase: PhaseDataConnect, Op: "PASV", Err: err}
	}
	return c.pasvTarget(ap), nil
}

// controlHost is the host to use for the data connection when the server
// gives no usable address: the control connection's remote IP, or the
// dialed host if the transport's address does not parse.
func (c *Conn) controlHost() string {
	if c.remoteIP.IsValid() {
		return c.remoteIP.String()
	}
	return c.host
}

// pasvTarget applies the PASV address policy to a 227 address.
func (c *Conn) pasvTarget(ap netip.AddrPort) string {
	given := ap.String()
	port := strconv.Itoa(int(ap.Port()))
	replaced := net.JoinHostPort(c.controlHost(), port)
	switch c.cfg.pasvPolicy {
	case Trust:
		return given
	case FixBogusLikeLftp:
		if !c.remoteIP.IsValid() || !bogusDataIP(c.remoteIP, ap.Addr()) {
			return given
		}
	case FixReservedLikeLftp:
		if !c.remoteIP.IsValid() || !lftpFixes(c.remoteIP, ap.Addr()) {
			return given
		}
	case FallbackUnroutableLikeFileZilla:
		if !c.remoteIP.IsValid() || routable(ap.Addr()) || !routable(c.remoteIP) {
			return given
		}
	}
	if replaced != given {
		c.note(ftp.EntryNote, "PASV address %s replaced by %s (%s)", given, replaced, c.cfg.pasvPolicy)
	}
	return replaced
}

// lftpFixes is lftp 4.9's test (ftpclass.cc, network.cc): its is_loopback
// means exactly 127.0.0.1, and the rest of 127.0.0.0/8 is reserved.
func lftpFixes(control, data netip.Addr) bool {
	control, data = control.Unmap(), data.Unmap()
	loopback := func(a netip.Addr) bool {
		return a == netip.AddrFrom4([4]byte{127, 0, 0, 1}) || a == netip.IPv6Loopback()
	}
	reserved := false
	if data.Is4() {
		b := data.As4()
		reserved = b[0] == 0 || b[0] >= 240 || (b[0] == 127 && !loopback(data))
	}
	return reserved || data.IsMulticast() ||
		(data.IsPrivate() && !control.IsPrivate()) ||
		(loopback(data) && !loopback(control))
}

// routable is FileZilla's is_routable_address, for what netip can tell.
func routable(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() && !a.IsUnspecified()
}

// bogusDataIP is lftp's test of a 227 address against the control peer.
func bogusDataIP(control, data netip.Addr) bool {
	data = data.Unmap()
	control = control.Unmap()
	return data.IsMulticast() || data.IsUnspecified() ||
		control.IsPrivate() != data.IsPrivate() ||
		control.IsLoopback() != data.IsLoopback()
}

// listenActive opens the active-mode listener and announces it.
func (c *Conn) listenActive(ctx context.Context) (*dataPath, error) {
	laddr := c.cfg.activeAddr
	if laddr == "" {
		laddr = ":0"
		if c.localIP.IsValid() {
			laddr = net.JoinHostPort(c.localIP.String(), "0")
		}
	}
	listen := c.cfg.listen
	if listen == nil {
		listen = (&net.ListenConfig{}).Listen
	}
	ln, err := listen(ctx, "tcp", laddr)
	if err != nil {
		return nil, &Error{Phase: PhaseDataConnect, Op: "listen " + laddr, Err: err}
	}
	ap, err := netip.ParseAddrPort(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, &Error{Phase: PhaseDataConnect, Op: "listen " + laddr, Err: err}
	}
	if ap.Addr().IsUnspecified() && c.localIP.IsValid() {
		ap = netip.AddrPortFrom(c.localIP, ap.Port())
	}
	cmd := ftp.Command{Verb: "EPRT", Arg: ftp.FormatEPRT(ap)}
	if c.cfg.active == PORT {
		arg, err := ftp.FormatPORT(ap)
		if err != nil {
			ln.Close()
			return nil, &Error{Phase: PhaseDataConnect, Op: "PORT", Err: err}
		}
		cmd = ftp.Command{Verb: "PORT", Arg: arg}
	}
	c.note(ftp.EntryData, "listening for data on %s", ap)
	if _, err := c.do(ctx, PhaseDataConnect, cmd); err != nil {
		ln.Close()
		return nil, err
	}
	return &dataPath{ln: ln, addr: ap.String()}, nil
}

// accept waits for the server's data connection, bounded by the Connect
// timeout and ctx, then closes the listener. The accepting goroutine is
// always joined before accept returns.
func (c *Conn) accept(ctx context.Context, d *dataPath) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		conn, err := d.ln.Accept()
		ch <- result{conn, err}
	}()
	timer := time.NewTimer(c.t.Connect)
	defer timer.Stop()
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		d.ln.Close()
		r = <-ch
		r.err = both(context.Cause(ctx), r.err)
	case <-timer.C:
		d.ln.Close()
		r = <-ch
		r.err = fmt.Errorf("accept data on %s: %w", d.addr, os.ErrDeadlineExceeded)
	}
	d.ln.Close()
	if r.err != nil {
		if r.conn != nil {
			r.conn.Close()
			r.conn = nil
		}
		if errors.Is(r.err, net.ErrClosed) {
			r.err = fmt.Errorf("accept data on %s: %w", d.addr, r.err)
		}
		c.note(ftp.EntryData, "accept data on %s failed: %v", d.addr, r.err)
		return nil, r.err
	}
	c.note(ftp.EntryData, "accepted data %s <- %s", addrString(r.conn.LocalAddr()), addrString(r.conn.RemoteAddr()))
	return r.conn, nil
}
