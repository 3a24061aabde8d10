package sim

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// Server is an in-process FTP/FTPS server for tests, shaped like
// [net/http/httptest.Server]: [NewServer] returns one already listening on
// loopback; [NewUnstartedServer] returns one whose exported settings may be
// changed before [Server.Start]. Settings must not change after Start.
//
// Every zero value is a documented default, so
//
//	srv := &sim.Server{}
//	srv.Start()
//
// is a working server: explicit FTPS optional, plain FTP allowed, user
// [DefaultUser]/[DefaultPassword], in-memory storage, a certificate for
// localhost, 127.0.0.1 and ::1 from a fresh CA ([Server.RootCAs]).
type Server struct {
	// Addr is the control address ("127.0.0.1:port"), set by Start.
	Addr string
	// ImplicitAddr is the implicit-FTPS address, set by Start when
	// Implicit is true or ImplicitListener is given; empty otherwise.
	ImplicitAddr string
	// URL is the control address as a URL, "ftp://127.0.0.1:port" (the
	// form curl and lftp take for explicit FTPS with --ssl-reqd / ftp:ssl-force),
	// set by Start; empty when explicit FTP is disabled.
	URL string
	// ImplicitURL is "ftps://127.0.0.1:port" when ImplicitAddr is set.
	ImplicitURL string

	// Listener carries explicit-FTPS and plain control connections.
	// Nil means a new listener on 127.0.0.1:0 ([::1]:0 if IPv4 is absent).
	Listener net.Listener
	// ImplicitListener, if set, carries implicit-FTPS control connections
	// (TLS from the first byte). Implicit asks Start to create one on
	// loopback when this is nil.
	ImplicitListener net.Listener
	// Implicit enables an implicit-FTPS listener.
	Implicit bool
	// DisableExplicit stops Start from creating the explicit listener when
	// Listener is nil (an implicit-only server).
	DisableExplicit bool

	// TLSConfig is the base TLS configuration; it is cloned, never
	// modified. Nil means TLS 1.2 and 1.3 with Certificate.
	TLSConfig *tls.Config
	// Certificate is served when TLSConfig is nil. Nil means the [pki.Good]
	// certificate of PKI.
	Certificate *tls.Certificate
	// DataCertificate, if set, is served on data connections instead of the
	// control certificate, by what behaves as another TLS endpoint: tickets
	// from the control connection do not resume there (a field failure: S25).
	DataCertificate *tls.Certificate
	// PKI is the certificate set the server draws from. Nil means a fresh
	// ECDSA set made by Start, on the clock Now.
	PKI *pki.Set
	// KeyLogWriter receives the TLS secrets of every control and data
	// connection in the NSS key log format that Wireshark reads
	// (tls.Config.KeyLogWriter). Nil means the file named by the
	// SSLKEYLOGFILE environment variable, appended to, when it is set,
	// else none. A KeyLogWriter in TLSConfig is kept when this is nil.
	KeyLogWriter io.Writer

	// ControlTLS is the control-channel policy (zero: optional).
	ControlTLS TLSPolicy
	// DataTLS is the data-channel policy (zero: optional). Required means
	// PROT P is enforced; see [ReplyDataNeedsTLS] and [ReplyProtCDenied].
	DataTLS TLSPolicy
	// Reuse is the TLS session reuse policy for protected data connections
	// (zero: off).
	Reuse ReusePolicy
	// Tickets controls the session tickets issued and accepted (zero: one
	// ticket per handshake, any valid ticket accepted).
	Tickets TicketPolicy
	// LenientTLSEOF accepts a protected upload that ends with a TCP FIN
	// but no TLS close_notify, as ProFTPD 1.3.8 and pure-ftpd 1.0.50 do
	// (measured on Debian 12; vsftpd 3.0.3 there answers 426 despite
	// strict_ssl_read_eof=NO, its OpenSSL 3 reporting the missing
	// close_notify as an error). The zero value is strict: such an upload
	// is truncated, answered with [ReplyTruncated] and not committed.
	LenientTLSEOF bool
	// AcceptResetUploads stores a protected upload whose data connection
	// the client reset, with the bytes that arrived, and answers it as
	// complete, as pyftpdlib 1.5.7 does (measured: a TLS 1.3 upload by a
	// client that closes with the late ticket unread, such as
	// github.com/jlaffaye/ftp, is stored short and answered 226: silent
	// data loss). The zero value answers [ReplyUploadReset] and stores
	// nothing.
	AcceptResetUploads bool
	// DisableCCC answers CCC with 502. With DisableCCC false, CCC is
	// allowed after login unless [ReplyCCCDenied] has a code.
	DisableCCC bool
	// CCCStallsWithoutCloseNotify: after CCC, a client that sends
	// anything but its close_notify (curl 7.88 --ftp-ssl-ccc sends the
	// next command in cleartext) gets no answer: the server keeps waiting
	// until its idle timeout, then closes, as pure-ftpd 1.0.50 does
	// (measured: curl hangs until its own timeout, exit 28). The zero
	// value closes the connection at once.
	CCCStallsWithoutCloseNotify bool
	// CCCCloseNotify says when the server's close_notify follows its 200
	// to CCC: at once (the zero value, pure-ftpd's race with a client
	// that sends its own on the 200, such as lftp), in the same write as
	// the 200 (that client always loses) or after the client's (it always
	// wins). See [CCCNotify].
	CCCCloseNotify CCCNotify
	// PRET answers PRET, the extension pure-ftpd (and drftpd) take before
	// a transfer command and lftp sends when FEAT lists it: after login,
	// [ReplyPRETOK] for any argument but "RETR" of a file that does not
	// exist, which gets [ReplyPRETNoFile]. FEAT then lists PRET. The zero
	// value treats PRET as an unknown command.
	PRET bool

	// PassivePorts limits passive listeners to a range (zero: any port).
	PassivePorts PortRange
	// PassiveAddr is the address advertised in 227 replies (a NAT's
	// public address). The zero value advertises the control
	// connection's local address.
	PassiveAddr netip.Addr
	// AllowForeignData accepts passive data connections from an address
	// other than the control connection's peer (vsftpd pasv_promiscuous).
	AllowForeignData bool
	// AllowBounce accepts PORT/EPRT to an address other than the control
	// connection's peer (FXP; vsftpd port_promiscuous).
	AllowBounce bool
	// DisableActive answers PORT and EPRT with 502.
	DisableActive bool
	// ListenPassive opens passive listeners; nil means net.Listen. The
	// fault layer replaces it to put data connections on its network.
	ListenPassive func(network, address string) (net.Listener, error)
	// DialActive dials active-mode data connections; nil means a
	// net.Dialer. The fault layer replaces it.
	DialActive func(ctx context.Context, network, address string) (net.Conn, error)
	// ResolveActive, if set, says what the address of a PORT or EPRT
	// command read on the control connection control means, before the
	// foreign-address check and the dial; nil means the address as
	// announced. The fault layer sets it (faults.ResolveActive): under TLS
	// only the server can read the loopback address a real program
	// behind a faults.Entry announces, which stands for that program's
	// virtual host.
	ResolveActive func(control net.Conn, announced netip.AddrPort) netip.AddrPort

	// Users are the accounts. Empty means one read-write account,
	// DefaultUser with DefaultPassword.
	Users []User
	// Anonymous allows "anonymous" and "ftp" with any password, read-only.
	Anonymous bool
	// AllowIPs, when non-empty, admits only clients inside these prefixes.
	AllowIPs []netip.Prefix
	// DenyIPs refuses clients inside these prefixes (checked after AllowIPs).
	DenyIPs []netip.Prefix
	// MaxConnections limits concurrent control connections (zero: no limit).
	MaxConnections int
	// MaxConnectionsPerIP limits them per client address (zero: no limit).
	MaxConnectionsPerIP int

	// IdleTimeout closes a control connection idle this long with
	// [ReplyIdleTimeout] (zero: 5 minutes). It does not run during a transfer.
	IdleTimeout time.Duration
	// DataTimeout bounds waiting for, handshaking and stalling on a data
	// connection (zero: 30 seconds).
	DataTimeout time.Duration
	// MaxLine bounds a command line (zero: [ftp.MaxLine]).
	MaxLine int

	// FS is the storage (nil: a fresh [MemFS]).
	FS FS
	// Replies overrides [DefaultReplies] per key.
	Replies map[ReplyKey]ftp.Reply
	// Features are extra FEAT lines appended to the built-in ones.
	Features []string

	// The settings below reproduce how real servers differ on the TLS
	// paths; personas ([Vsftpd], [ProFTPD], ...) set them. Every zero
	// value keeps sim's own behaviour.

	// AuthMechanisms are the AUTH arguments answered with ReplyAuthOK
	// (compared in upper case); others get ReplyAuthUnknown. Nil means
	// TLS, TLS-C, SSL and TLS-P; pure-ftpd accepts only TLS.
	AuthMechanisms []string
	// AuthSSLKeepsProtC makes AUTH SSL and TLS-P leave the data protection
	// level at C, as pyftpdlib and FileZilla Server do. The zero value makes
	// them imply PROT P, as vsftpd and ProFTPD do.
	AuthSSLKeepsProtC bool
	// ProtFallback makes PROT S and E select P and an unknown level select
	// C (pure-ftpd: "200 Protection level S not understood. Fallback to
	// "private""), with ReplyProtSE and ReplyProtUnknown. The zero value
	// leaves the level unchanged.
	ProtFallback bool
	// PreTLSCommands, when ControlTLS is TLSRequired, are the only
	// commands served on a control connection that never used TLS; every
	// other command, known or not, gets ReplyTLSRequired (ProFTPD's
	// "TLSRequired on" lets AUTH, FEAT, SYST, HOST and QUIT through). Nil
	// means only USER and PASS are refused.
	PreTLSCommands []string
	// TLSRequiredUserOnly refuses only USER on a cleartext control
	// connection under TLSRequired; PASS then finds no user and gets
	// ReplyNeedUser (pure-ftpd). The zero value refuses PASS too.
	TLSRequiredUserOnly bool
	// TLSRequiredCloses closes the control connection after the
	// ReplyTLSRequired that refuses USER (vsftpd). The zero value keeps it.
	TLSRequiredCloses bool
	// PreLoginCommands, when set, are the only commands served before
	// login; every other command, known or not, gets ReplyNotLoggedIn
	// (vsftpd answers even NOOP and an unknown verb with "530 Please login
	// with USER and PASS."). Nil means the dispatch table decides.
	PreLoginCommands []string
	// DataTLSAtSetup refuses PASV, EPSV, PORT and EPRT under PROT C when
	// DataTLS is TLSRequired, with ReplyDataNeedsTLS (pyftpdlib). The zero
	// value refuses the transfer command instead (vsftpd, ProFTPD,
	// pure-ftpd).
	DataTLSAtSetup bool
	// CCCOnlyIfTLSOptional applies ReplyCCCDenied only while ControlTLS is
	// TLSRequired (ProFTPD refuses CCC under "TLSRequired on" and allows it
	// under "TLSRequired off"). The zero value lets ReplyCCCDenied alone
	// decide.
	CCCOnlyIfTLSOptional bool
	// DropForeignData closes a passive data connection from a foreign
	// address without a reply and keeps waiting for the client's own, as
	// pure-ftpd does (the client sees silence). The zero value answers it
	// with ReplyForeignData.
	DropForeignData bool
	// EagerAccept accepts passive data connections as they arrive, before
	// the transfer command, as pyftpdlib's event loop does: a foreign one is
	// answered with ReplyForeignData at once (unless DropForeignData) while
	// the listener keeps waiting; a transfer command that finds its
	// connection there gets ReplyDataAlreadyOpen (125), otherwise
	// ReplyOpeningData goes out before the connection is awaited. The zero
	// value accepts when the transfer command comes and replies after.
	EagerAccept bool
	// CloseEarlyData, with EagerAccept, closes (with a reset) a passive
	// data connection on which the client sends before the transfer
	// command, as pyftpdlib 1.5.7 does (its data handler has nowhere to
	// put the bytes; pyftpdlib issue #604). curl starts the data
	// connection's TLS handshake right after connecting, so real curl
	// fails against real pyftpdlib: "(13) Bad PASV/EPSV response" or
	// "(35) Connection reset by peer" (measured 10 of 10 runs). No reply
	// is sent; the listener is spent, as pyftpdlib's is after one
	// connection. The zero value keeps the connection for the transfer.
	CloseEarlyData bool
	// LateTickets sends the TLS 1.3 session ticket of a data connection
	// after the client's Finished, as OpenSSL servers do (vsftpd,
	// ProFTPD), instead of in the server's flight as crypto/tls does. A
	// client that never reads the data connection while uploading (curl,
	// github.com/jlaffaye/ftp) then closes it with the ticket unread, the
	// kernel resets the connection, and upload bytes still in flight may
	// be lost: "426 Failure reading network stream." from vsftpd on part
	// of TLS 1.3 uploads (measured with curl and 1 MiB: 2 to 4 in 10).
	// The zero value keeps crypto/tls's timing.
	LateTickets bool
	// TicketsOnFirstWrite holds the TLS 1.3 session ticket of a data
	// connection until the server first writes on it, as ProFTPD 1.3.8
	// does (measured: a listing or download carries a ticket, an upload
	// none, so no upload is reset for an unread ticket). A client that
	// offers each TLS 1.3 session only once (curl with OpenSSL) then has
	// no session left after an upload, and its next data connection is a
	// full handshake, which a reuse-requiring server refuses: curl's
	// "(18) transfer closed with N bytes remaining to read" on the
	// download after an upload (scenario proftpd-tls13-download-after-upload).
	// It takes precedence over LateTickets. The zero value keeps
	// crypto/tls's timing.
	TicketsOnFirstWrite bool
	// RestStore says how STOR after REST writes (zero: RestTruncate, the
	// file ends with the upload). See restart.go for what each real
	// server does.
	RestStore RestStorePolicy
	// StorPastEOF is what STOR does after REST beyond the end of the file
	// (zero: PastEOFClamp, the upload is appended).
	StorPastEOF PastEOFPolicy
	// RetrPastEOF is what RETR does after REST beyond the end of the file
	// (zero: PastEOFClamp, nothing is sent and the transfer ends 226).
	RetrPastEOF PastEOFPolicy
	// CurvePreferences are the TLS key-exchange groups the server accepts,
	// in order (tls.Config.CurvePreferences); nil is crypto/tls's default
	// (X25519MLKEM768 first). Personas set their real program's: vsftpd
	// and pure-ftpd accept only P-256 (a Go or curl client gets a
	// HelloRetryRequest), ProFTPD and pyftpdlib OpenSSL 3.0's list. It is
	// ignored when TLSConfig is set.
	CurvePreferences []tls.CurveID
	// Emulates names the real program this server stands in for, as
	// "vsftpd 3.0.3"; [Persona.Apply] sets it. When set, a refusal that
	// the real program might not give, because crypto/tls cannot do what
	// it does (see [Limitations]), is marked as not reproducible instead
	// of being presented as that program's. Empty: the server is itself,
	// and its verdicts are crypto/tls's.
	Emulates string
	// Logger receives structured events (nil: discarded).
	Logger *slog.Logger
	// OnTranscript, if set, is called with every transcript entry of every
	// session as it happens (ftpsim serve prints them).
	OnTranscript func(sess *Session, e TranscriptEntry)
	// Now is the clock for timestamps, certificate generation and ticket
	// checks (nil: time.Now).
	Now func() time.Time

	mu        sync.Mutex
	started   bool
	closed    bool
	listeners []net.Listener
	sessions  []*Session
	active    map[*Session]struct{}
	perIP     map[netip.Addr]int
	nextID    int
	wg        sync.WaitGroup
	tlsBase   *tls.Config
	tickets   ticketBook
}

// NewServer starts and returns a server with default settings. The caller
// must Close it. It panics if it cannot listen, like httptest.NewServer.
func NewServer() *Server {
	s := NewUnstartedServer()
	s.Start()
	return s
}

// NewUnstartedServer returns a server that is not yet listening. Change its
// settings, then call [Server.Start].
func NewUnstartedServer() *Server { return &Server{} }

// Start begins serving. It panics on error (for tests); use [Server.Listen]
// for an error return.
func (s *Server) Start() {
	if err := s.Listen(); err != nil {
		panic(err)
	}
}

// Listen is Start with an error return, for programs.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("sim: server already started")
	}
	s.started = true
	s.active = map[*Session]struct{}{}
	s.perIP = map[netip.Addr]int{}
	if s.FS == nil {
		s.FS = NewMemFS(s.Now)
	}
	if err := s.setupTLS(); err != nil {
		return err
	}
	if s.Listener == nil && !s.DisableExplicit {
		ln, err := listenLoopback()
		if err != nil {
			return fmt.Errorf("sim: listen: %w", err)
		}
		s.Listener = ln
	}
	if s.ImplicitListener == nil && s.Implicit {
		ln, err := listenLoopback()
		if err != nil {
			s.closeListenersLocked()
			return fmt.Errorf("sim: listen implicit: %w", err)
		}
		s.ImplicitListener = ln
	}
	if s.Listener != nil {
		s.Addr = s.Listener.Addr().String()
		s.URL = "ftp://" + s.Addr
		s.serve(s.Listener, false)
	}
	if s.ImplicitListener != nil {
		s.ImplicitAddr = s.ImplicitListener.Addr().String()
		s.ImplicitURL = "ftps://" + s.ImplicitAddr
		s.serve(s.ImplicitListener, true)
	}
	s.logger().Info("server started", "addr", s.Addr, "implicit_addr", s.ImplicitAddr,
		"control_tls", s.ControlTLS.String(), "data_tls", s.DataTLS.String(), "reuse", s.Reuse.String())
	return nil
}

func listenLoopback() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if ln6, err6 := net.Listen("tcp6", "[::1]:0"); err6 == nil {
			return ln6, nil
		}
	}
	return ln, err
}

func (s *Server) serve(ln net.Listener, implicit bool) {
	s.listeners = append(s.listeners, ln)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) || s.isClosed() {
					return
				}
				s.logger().Warn("accept failed", "err", err)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			s.admit(conn, implicit)
		}
	}()
}

// admit applies address and connection limits, then starts a session.
func (s *Server) admit(conn net.Conn, implicit bool) {
	peer := addrOf(conn.RemoteAddr())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return
	}
	refusal := ReplyKey("")
	switch {
	case len(s.AllowIPs) > 0 && !prefixContains(s.AllowIPs, peer.Addr()),
		prefixContains(s.DenyIPs, peer.Addr()):
		refusal = ReplyAddressDenied
	case s.MaxConnections > 0 && len(s.active) >= s.MaxConnections,
		s.MaxConnectionsPerIP > 0 && s.perIP[peer.Addr()] >= s.MaxConnectionsPerIP:
		refusal = ReplyTooManyConns
	}
	s.nextID++
	sess := newSession(s, conn, implicit, fmt.Sprintf("s%d", s.nextID))
	s.sessions = append(s.sessions, sess)
	if len(s.sessions) > maxKeptSessions {
		s.sessions = s.sessions[len(s.sessions)-maxKeptSessions:]
	}
	if refusal == "" {
		s.active[sess] = struct{}{}
		s.perIP[peer.Addr()]++
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		if refusal != "" {
			sess.refuse(refusal)
		} else {
			sess.run()
		}
		s.mu.Lock()
		if _, ok := s.active[sess]; ok {
			delete(s.active, sess)
			s.perIP[peer.Addr()]--
		}
		s.mu.Unlock()
	}()
}

// maxKeptSessions bounds how many finished sessions Sessions remembers.
const maxKeptSessions = 1000

// Sessions returns the sessions so far (the last 1000), oldest first,
// including finished ones, for assertions on transcripts and TLS evidence.
func (s *Server) Sessions() []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Session(nil), s.sessions...)
}

// RootCAs returns a pool that trusts the server's certificate: the PKI's CA.
// It is nil before Start when PKI is nil.
func (s *Server) RootCAs() *x509.CertPool {
	if s.PKI == nil {
		return nil
	}
	return s.PKI.CA.Pool()
}

// ClientTLSConfig returns a client configuration that trusts the server,
// with ServerName "localhost" (the default certificate also covers
// 127.0.0.1 and ::1).
func (s *Server) ClientTLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.RootCAs(), ServerName: "localhost", Time: s.Now}
}

// ControlAddr returns where a client connects: Addr, or ImplicitAddr when
// explicit FTP is disabled. With [Server.ClientTLSConfig] it lets
// clientsim.DialServer connect to the server with nothing else to set.
func (s *Server) ControlAddr() string {
	if s.Addr == "" {
		return s.ImplicitAddr
	}
	return s.Addr
}

// CloseClientConnections closes every control and data connection without
// stopping the listeners: a fault for tests.
func (s *Server) CloseClientConnections() {
	s.mu.Lock()
	list := make([]*Session, 0, len(s.active))
	for sess := range s.active {
		list = append(list, sess)
	}
	s.mu.Unlock()
	for _, sess := range list {
		sess.kill()
	}
}

// Close stops the listeners, closes every connection and waits until every
// goroutine of the server has returned. If that takes more than five
// seconds it logs the sessions still running.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.closeListenersLocked()
	s.mu.Unlock()
	s.CloseClientConnections()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.mu.Lock()
		for sess := range s.active {
			s.logger().Error("close: session still running", "session", sess.ID, "peer", sess.RemoteAddr)
		}
		s.mu.Unlock()
		<-done
	}
	s.logger().Info("server closed", "addr", s.Addr)
}

func (s *Server) closeListenersLocked() {
	for _, ln := range s.listeners {
		ln.Close()
	}
	if s.Listener != nil {
		s.Listener.Close()
	}
	if s.ImplicitListener != nil {
		s.ImplicitListener.Close()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s.Logger
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) reply(key ReplyKey) ftp.Reply {
	if rep, ok := s.Replies[key]; ok {
		return rep
	}
	return DefaultReplies[key]
}

func (s *Server) users() []User {
	if len(s.Users) == 0 {
		return []User{{Name: DefaultUser, Password: DefaultPassword}}
	}
	return s.Users
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return 5 * time.Minute
}

func (s *Server) dataTimeout() time.Duration {
	if s.DataTimeout > 0 {
		return s.DataTimeout
	}
	return 30 * time.Second
}

// addrOf extracts an address and port from any net.Addr, virtual ones
// included, by parsing its string form.
func addrOf(a net.Addr) netip.AddrPort {
	if a == nil {
		return netip.AddrPort{}
	}
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

func randomTicketKey() [32]byte {
	var k [32]byte
	rand.Read(k[:])
	return k
}
