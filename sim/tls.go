package sim

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/ftpsim/ftpsim/internal/keylog"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// ticketTag prefixes the control-session ID that every ticket issued by a
// session carries in [tls.SessionState.Extra]. It binds data-connection
// resumption to the control connection (ReuseSame), the Go counterpart of
// ProFTPD's ticket appdata check.
const ticketTag = "ftpsim-session="

func (s *Server) setupTLS() error {
	if s.ControlTLS == TLSDisabled && s.DataTLS == TLSDisabled && !s.Implicit && s.ImplicitListener == nil {
		return nil
	}
	if s.TLSConfig != nil {
		s.tlsBase = s.TLSConfig.Clone()
	} else {
		if s.Certificate == nil {
			if s.PKI == nil {
				set, err := pki.NewSet(pki.SetOptions{Now: s.Now})
				if err != nil {
					return fmt.Errorf("sim: certificates: %w", err)
				}
				s.PKI = set
			}
			c := s.PKI.Get(pki.Good).TLSCertificate()
			s.Certificate = &c
		}
		s.tlsBase = &tls.Config{
			MinVersion:       tls.VersionTLS12,
			Certificates:     []tls.Certificate{*s.Certificate},
			CurvePreferences: slices.Clone(s.CurvePreferences),
		}
	}
	if s.Now != nil && s.tlsBase.Time == nil {
		s.tlsBase.Time = s.Now
	}
	if err := s.setupKeyLog(); err != nil {
		return err
	}
	// Explicit keys, so every per-session clone encrypts and decrypts
	// tickets with the same key.
	s.tlsBase.SetSessionTicketKeys([][32]byte{randomTicketKey()})
	return nil
}

// controlTLSConfig returns the per-session configuration for the control
// connection: tickets it issues are tagged with the session's ID.
func (sess *Session) controlTLSConfig() *tls.Config {
	cfg := sess.srv.tlsBase.Clone()
	cfg.WrapSession = sess.wrapTicket(cfg)
	if sess.srv.Tickets.Withhold {
		cfg.SessionTicketsDisabled = true
	}
	return cfg
}

// dataTLSConfig returns the per-session configuration for data
// connections. It records which session a presented ticket came from and
// refuses to resume a foreign session's ticket under ReuseSame. It keeps
// what the fidelity guard needs of the ClientHello in hello.
func (sess *Session) dataTLSConfig(ev *DataEvidence, hello *helloFacts) *tls.Config {
	cfg := sess.srv.tlsBase.Clone()
	next := cfg.GetConfigForClient
	cfg.GetConfigForClient = func(chi *tls.ClientHelloInfo) (*tls.Config, error) {
		*hello = factsOf(chi)
		if next != nil {
			return next(chi)
		}
		return nil, nil
	}
	if sess.srv.DataCertificate != nil {
		// Another TLS endpoint (a second server, a load balancer): its
		// own certificate and its own ticket keys, so the control
		// session cannot be resumed there and the client must verify
		// the data certificate.
		cfg.Certificates = []tls.Certificate{*sess.srv.DataCertificate}
		cfg.SetSessionTicketKeys([][32]byte{randomTicketKey()})
	}
	cfg.WrapSession = sess.wrapTicket(cfg)
	if sess.srv.Tickets.Withhold {
		cfg.SessionTicketsDisabled = true
	}
	cfg.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := cfg.DecryptTicket(identity, cs)
		if err != nil || ss == nil {
			return ss, err
		}
		from := ticketSession(ss)
		ev.TicketFrom = from
		if why := sess.srv.ticketRefusal(identity, ss); why != "" {
			ev.Notes = append(ev.Notes, why)
			return nil, nil // full handshake; a reuse policy then rejects it
		}
		if sess.srv.Reuse == ReuseSame && from != sess.ID {
			ev.Notes = append(ev.Notes, fmt.Sprintf("refused to resume a session of %q", from))
			return nil, nil // full handshake; the reuse check then rejects it
		}
		return ss, nil
	}
	return cfg
}

func (sess *Session) wrapTicket(cfg *tls.Config) func(tls.ConnectionState, *tls.SessionState) ([]byte, error) {
	return func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		ss.Extra = append(ss.Extra, []byte(ticketTag+sess.ID),
			[]byte(ticketIssued+strconv.FormatInt(sess.srv.now().UnixNano(), 10)))
		return cfg.EncryptTicket(cs, ss)
	}
}

func ticketSession(ss *tls.SessionState) string {
	for _, e := range ss.Extra {
		if id, ok := strings.CutPrefix(string(e), ticketTag); ok {
			return id
		}
	}
	return ""
}

// TLSEvidence describes one TLS handshake as the server saw it.
type TLSEvidence struct {
	Version     uint16 // tls.VersionTLS12, tls.VersionTLS13
	CipherSuite uint16
	Resumed     bool   // ConnectionState().DidResume
	ServerName  string // SNI sent by the client
}

// String renders "TLS1.3 TLS_AES_128_GCM_SHA256 resumed".
func (e TLSEvidence) String() string {
	if e.Version == 0 {
		return "no TLS"
	}
	s := tls.VersionName(e.Version) + " " + tls.CipherSuiteName(e.CipherSuite)
	if e.Resumed {
		s += " resumed"
	} else {
		s += " full handshake"
	}
	return s
}

func evidenceOf(cs tls.ConnectionState) TLSEvidence {
	return TLSEvidence{Version: cs.Version, CipherSuite: cs.CipherSuite, Resumed: cs.DidResume, ServerName: cs.ServerName}
}

// eofConn is a data connection under TLS that remembers whether the peer
// ended the TCP stream. crypto/tls reports a FIN at a record boundary as
// io.EOF, exactly like a close_notify alert, so this is the only way to
// tell a clean end of upload from a truncation (S08): after close_notify
// crypto/tls stops reading and never sees the FIN.
//
// Once a connection has carried readAheadAfter bytes (a large upload), it
// reads ahead through a readAheadBuffer: one syscall then fetches what
// the socket holds, many TLS records, where crypto/tls alone asks for
// about one record per read (on loopback the read syscalls were half of
// the server's CPU on a 256 MiB curl STOR). Small transfers and the
// handshake never allocate the buffer, and the records a reader above
// sees, and when it sees the end of the stream, are the same either way:
// an error the read-ahead met is returned only after the bytes before it.
type eofConn struct {
	net.Conn
	eof  atomic.Bool
	seen int64         // bytes read so far, until ahead is made
	rd   *bufio.Reader // the read-ahead, from readAheadAfter bytes on
}

const (
	// readAheadAfter is how many bytes a data connection carries before
	// it reads ahead.
	readAheadAfter = 1 << 20
	// readAheadBuffer is the read-ahead's size.
	readAheadBuffer = 256 << 10
)

// Read is called by crypto/tls only, from one goroutine at a time.
func (c *eofConn) Read(p []byte) (int, error) {
	var n int
	var err error
	if c.rd != nil {
		n, err = c.rd.Read(p)
	} else {
		n, err = c.Conn.Read(p)
		if c.seen += int64(n); c.seen >= readAheadAfter && err == nil {
			c.rd = bufio.NewReaderSize(c.Conn, readAheadBuffer)
		}
	}
	if err == io.EOF {
		c.eof.Store(true)
	}
	return n, err
}

// closeNotified reports whether a protected data connection, read to
// io.EOF, ended with the peer's close_notify rather than a bare TCP FIN.
func closeNotified(c net.Conn) bool {
	tc, ok := c.(*tls.Conn)
	if !ok {
		return false
	}
	ec, ok := tc.NetConn().(*eofConn)
	return ok && !ec.eof.Load()
}

// recordConn is the control connection under TLS. Its Read never returns
// bytes past the end of the current TLS record, so when the TLS layer stops
// (CCC) no cleartext that follows has been swallowed by crypto/tls. It also
// replays bytes the cleartext reader had buffered before AUTH: they belong
// to the TLS stream, and must never be run as commands (the STARTTLS
// command-injection attack).
type recordConn struct {
	net.Conn
	src  io.Reader // the buffered-ahead bytes, then Conn
	left int       // bytes left in the current record
	hdr  []byte    // header bytes not yet handed out
}

func newRecordConn(c net.Conn, ahead []byte) *recordConn {
	return &recordConn{Conn: c, src: io.MultiReader(bytes.NewReader(ahead), c)}
}

func (c *recordConn) Read(p []byte) (int, error) {
	if len(c.hdr) > 0 {
		n := copy(p, c.hdr)
		c.hdr = c.hdr[n:]
		return n, nil
	}
	if c.left == 0 {
		var h [5]byte
		if _, err := io.ReadFull(c.src, h[:]); err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			return 0, err
		}
		c.left = int(h[3])<<8 | int(h[4])
		n := copy(p, h[:])
		c.hdr = append(c.hdr[:0], h[n:]...)
		return n, nil
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.src.Read(p)
	c.left -= n
	return n, err
}

// setupKeyLog points the base configuration's key log at KeyLogWriter,
// else at SSLKEYLOGFILE's file when that is set.
func (s *Server) setupKeyLog() error {
	if s.KeyLogWriter != nil {
		s.tlsBase.KeyLogWriter = s.KeyLogWriter
		return nil
	}
	if s.tlsBase.KeyLogWriter != nil {
		return nil
	}
	w, err := keylog.Env()
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	s.tlsBase.KeyLogWriter = w
	return nil
}
