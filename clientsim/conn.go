package clientsim

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Conn is one FTP or FTPS control connection and the data connections it
// opens. Its methods are not safe for concurrent use, with two exceptions:
// [Conn.Abort] may be called from another goroutine while a transfer runs,
// and [Conn.Close] may be called at any time (it interrupts whatever runs).
// Accessors ([Conn.Transcript], [Conn.Evidence], [Conn.ControlTLS]) are
// safe at any time.
type Conn struct {
	cfg *config
	t   Timeouts
	tr  *ftp.Transcript

	addr       string     // as given to Dial
	host       string     // host part of addr
	remoteIP   netip.Addr // control peer, when its address parses
	localIP    netip.Addr // control local end, when its address parses
	serverName string     // name for SNI and verification
	cfgName    string     // the name the user configured, "" if none
	tlsBase    *tls.Config
	cache      tls.ClientSessionCache // nil with ReuseNone

	raw        *eofConn // the control transport
	ctrl       net.Conn // raw, or the TLS conn over it
	tconn      *tls.Conn
	r          *bufio.Reader
	dataProt   byte // 'P' or 'C'
	epsvFailed bool

	opMu sync.Mutex // one operation at a time
	wMu  sync.Mutex // one command write at a time (Abort writes during a transfer)

	mu       sync.Mutex // guards the fields below
	closed   bool
	secured  bool  // control currently protected by TLS
	broken   error // set when the control stream lost sync
	evidence []TLSEvidence
	ctlState *tls.ConnectionState
	// tls13Sessions are the saved sessions known to be TLS 1.3
	// (ReuseLikeOpenSSL offers those once).
	tls13Sessions map[*tls.ClientSessionState]bool
	xfer          *activeTransfer
}

// Dial connects to addr ("host:port"), reads the greeting and, unless
// [WithPlain] is given, protects the control connection with TLS: explicit
// (default; AUTH then handshake) or implicit ([WithImplicitTLS]). When TLS
// is required and cannot be had, Dial closes the connection and fails; it
// never leaves a Conn on which USER could go out in clear. On error the Conn
// is nil; pass [WithTranscript] to keep the record of a failed dial.
func Dial(ctx context.Context, addr string, opts ...Option) (*Conn, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(cfg)
	}
	if cfg.err != nil {
		return nil, &Error{Phase: PhaseConnect, Op: "dial " + addr, Err: cfg.err}
	}
	if err := cfg.envKeyLog(); err != nil {
		return nil, &Error{Phase: PhaseConnect, Op: "dial " + addr, Err: err}
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &Error{Phase: PhaseConnect, Op: "dial " + addr, Err: err}
	}
	c := &Conn{cfg: cfg, t: cfg.timeouts.withDefaults(), tr: cfg.transcript, addr: addr, host: host}
	if c.tr == nil {
		c.tr = &ftp.Transcript{}
	}
	c.setupTLS()
	if err := c.connect(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Conn) connect(ctx context.Context) error {
	op := "dial " + c.addr
	dial := c.cfg.dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	dctx, cancel := context.WithTimeout(ctx, c.t.Connect)
	conn, err := dial(dctx, "tcp", c.addr)
	cancel()
	if err != nil {
		c.note(ftp.EntryNote, "dial control %s failed: %v", c.addr, err)
		return &Error{Phase: PhaseConnect, Op: op, Err: withContext(ctx, err)}
	}
	c.raw = &eofConn{Conn: conn}
	c.ctrl = c.raw
	c.r = bufio.NewReaderSize(c.raw, ftp.MaxLine+2)
	c.remoteIP = parseIP(conn.RemoteAddr())
	c.localIP = parseIP(conn.LocalAddr())
	c.note(ftp.EntryNote, "control connected %s -> %s (%s mode)", addrString(conn.LocalAddr()), addrString(conn.RemoteAddr()), c.cfg.mode)
	if c.cfg.mode == modeImplicit {
		if err := c.secureControl(ctx, "implicit TLS"); err != nil {
			return err
		}
	}
	if err := c.greeting(ctx); err != nil {
		return err
	}
	if c.cfg.mode == modeExplicit {
		return c.auth(ctx)
	}
	return nil
}

// greeting reads 220, skipping any 120 ("ready in nnn minutes") before it.
func (c *Conn) greeting(ctx context.Context) error {
	for {
		r, err := c.readReply(ctx)
		if err != nil {
			return &Error{Phase: PhaseConnect, Op: "greeting", Err: err}
		}
		switch {
		case r.Code == ftp.CodeServiceReady:
			return nil
		case r.Code == ftp.CodeServiceReadyIn:
			continue
		case !ftp.Positive(r.Code):
			return &Error{Phase: PhaseConnect, Op: "greeting", Err: replyErr(r)}
		default:
			return &Error{Phase: PhaseConnect, Op: "greeting", Err: unexpected(r)}
		}
	}
}

// auth sends AUTH with each configured mechanism in turn until one gets 234,
// then handshakes. A 4xx or 5xx moves on to the next mechanism; anything
// else, or running out of mechanisms, fails with ErrTLSRequired.
func (c *Conn) auth(ctx context.Context) error {
	for i, mech := range c.cfg.authMechs {
		op := "AUTH " + mech
		r, err := c.roundTrip(ctx, ftp.Command{Verb: "AUTH", Arg: mech})
		if err != nil {
			return &Error{Phase: PhaseTLS, Op: op, Err: err}
		}
		if r.Code == ftp.CodeAuthOK {
			if n := c.r.Buffered(); n > 0 {
				// Bytes after 234 and before the handshake were injected
				// in clear (the STARTTLS command-injection pattern).
				err := fmt.Errorf("%w: %d bytes of clear text after 234", ErrUnexpectedReply, n)
				return &Error{Phase: PhaseTLS, Op: op, Err: err}
			}
			return c.secureControl(ctx, op)
		}
		if r.Code >= 400 && i+1 < len(c.cfg.authMechs) {
			c.note(ftp.EntryNote, "%s refused with %d; trying the next mechanism", op, r.Code)
			continue
		}
		c.note(ftp.EntryNote, "server did not accept %s; TLS is required, closing", op)
		return &Error{Phase: PhaseTLS, Op: op, Err: fmt.Errorf("%w: %w", ErrTLSRequired, replyCause(r))}
	}
	return &Error{Phase: PhaseTLS, Op: "AUTH", Err: ErrTLSRequired}
}

// secureControl runs the control handshake and switches the reader and
// writer to the TLS connection.
func (c *Conn) secureControl(ctx context.Context, op string) error {
	tc, err := c.handshake(ctx, "control", c.raw)
	if err != nil {
		return &Error{Phase: PhaseTLS, Op: op, Err: err}
	}
	st := tc.ConnectionState()
	c.mu.Lock()
	c.tconn, c.ctrl, c.ctlState, c.secured = tc, tc, &st, true
	c.mu.Unlock()
	c.r = bufio.NewReaderSize(tc, ftp.MaxLine+2)
	return nil
}

// Transcript returns the session's transcript: commands (PASS redacted),
// replies, TLS events and data-connection events.
func (c *Conn) Transcript() *ftp.Transcript { return c.tr }

// Evidence returns one record per TLS handshake the Conn attempted,
// control connection first, in order; failed handshakes included.
func (c *Conn) Evidence() []TLSEvidence {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]TLSEvidence(nil), c.evidence...)
}

// ControlTLS returns the state of the control connection's handshake, and
// false if the control connection never completed one. After CCC it still
// returns the state the session had while protected.
func (c *Conn) ControlTLS() (tls.ConnectionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctlState == nil {
		return tls.ConnectionState{}, false
	}
	return *c.ctlState, true
}

// Close closes the control connection and any data connection or listener,
// without QUIT (see [Conn.Quit]); a protected control connection gets a
// close_notify first. It interrupts an operation running in another
// goroutine and waits for that operation to return, so no goroutine of the
// Conn survives Close. Close is idempotent.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	x, tc, secured := c.xfer, c.tconn, c.secured
	c.mu.Unlock()
	var err error
	switch {
	case c.raw == nil:
	case tc != nil && secured:
		err = tc.Close()
	default:
		err = c.raw.Close()
	}
	if x != nil {
		x.closeAll()
	}
	c.opMu.Lock() // wait for an interrupted operation to wind down
	c.opMu.Unlock()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// begin starts an operation: it takes the operation lock and checks that
// the Conn is usable. The returned func ends the operation.
func (c *Conn) begin() (func(), error) {
	c.opMu.Lock()
	c.mu.Lock()
	closed, broken := c.closed, c.broken
	c.mu.Unlock()
	switch {
	case closed:
		c.opMu.Unlock()
		return nil, ErrClosed
	case broken != nil:
		c.opMu.Unlock()
		return nil, fmt.Errorf("control connection unusable after earlier error: %w", broken)
	}
	return c.opMu.Unlock, nil
}

// note adds a transcript entry and logs it.
func (c *Conn) note(kind ftp.EntryKind, format string, args ...any) {
	c.tr.Add(kind, format, args...)
	if c.cfg.logger != nil {
		c.cfg.logger.Debug(fmt.Sprintf(format, args...), "entry", kind.String(), "addr", c.addr)
	}
}

func parseIP(a net.Addr) netip.Addr {
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func addrString(a net.Addr) string {
	if a == nil {
		return "?"
	}
	return a.String()
}
