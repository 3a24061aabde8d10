package clientsim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Option configures [Dial]. Options are applied in order; a later option
// overrides an earlier one that sets the same thing. An option given an
// invalid value makes Dial fail with [PhaseConnect] before any dial.
type Option func(*config)

// tlsMode says how the control connection gets protected.
type tlsMode int

const (
	modeExplicit tlsMode = iota // AUTH TLS after the greeting (default)
	modeImplicit                // TLS from the first byte
	modePlain                   // no TLS at all
)

func (m tlsMode) String() string {
	switch m {
	case modeImplicit:
		return "implicit"
	case modePlain:
		return "plain"
	}
	return "explicit"
}

// Timeouts bound every blocking step. A zero field takes its default.
// Each bound applies per step and is cut short by the context's deadline.
type Timeouts struct {
	Connect      time.Duration // control dial, data dial, active accept; default 10s
	Reply        time.Duration // waiting for one reply; default 10s
	Data         time.Duration // inactivity on a data connection; default 10s
	TLSHandshake time.Duration // one TLS handshake; default 10s
	// CloseNotify is how long an upload waits for the server's close_notify
	// after sending its own; the wait ends as soon as the server closes.
	// Default 2s.
	CloseNotify time.Duration
}

// DefaultTimeout is the default of every [Timeouts] field but CloseNotify.
const DefaultTimeout = 10 * time.Second

// DefaultCloseNotifyTimeout is the default of [Timeouts.CloseNotify].
const DefaultCloseNotifyTimeout = 2 * time.Second

func (t Timeouts) withDefaults() Timeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.Connect, DefaultTimeout)
	def(&t.Reply, DefaultTimeout)
	def(&t.Data, DefaultTimeout)
	def(&t.TLSHandshake, DefaultTimeout)
	def(&t.CloseNotify, DefaultCloseNotifyTimeout)
	return t
}

// DialFunc opens a connection; it is the seam through which the fault
// layer sees (and may refuse or rewrite) every dial of the client.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// ListenFunc opens the listener of an active-mode data connection.
type ListenFunc func(ctx context.Context, network, addr string) (net.Listener, error)

type config struct {
	mode       tlsMode
	authMechs  []string
	prot       byte
	sendPROT   bool
	ccc        bool
	minVersion uint16
	maxVersion uint16
	noTickets  bool
	noDrain    bool
	serverName string
	clientCert *tls.Certificate
	rootCAs    *x509.CertPool
	pin        *[32]byte
	insecure   bool
	base       *tls.Config
	clock      func() time.Time
	keyLog     io.Writer
	reuse      SessionReuse
	lenientEOF bool

	passive    PassiveMode
	active     ActiveMode
	listen     ListenFunc
	activeAddr string
	pasvPolicy PASVAddressPolicy
	dial       DialFunc

	cccShutdown CCCShutdown

	timeouts   Timeouts
	logger     *slog.Logger
	transcript *ftp.Transcript

	err error // first invalid option
}

func defaultConfig() *config {
	return &config{
		mode:      modeExplicit,
		authMechs: []string{"TLS"},
		prot:      'P',
		sendPROT:  true,
		reuse:     ReusePerConnection,
	}
}

func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("invalid option: "+format, args...)
	}
}

// WithExplicitTLS selects explicit FTPS (RFC 4217): connect in clear, read
// the 220 greeting, send AUTH (see [WithAuthMechanism]) and do the TLS
// handshake on 234. This is the default, and TLS is then required: the
// client never sends USER or PASS in clear ([ErrTLSRequired]).
func WithExplicitTLS() Option { return func(c *config) { c.mode = modeExplicit } }

// WithImplicitTLS selects implicit FTPS: the TLS handshake starts at connect
// and the greeting is read afterwards. PBSZ 0 and PROT are still sent after
// login unless [WithoutPROT] is given.
func WithImplicitTLS() Option { return func(c *config) { c.mode = modeImplicit } }

// WithPlain disables TLS entirely (plain FTP). TLS options are then ignored.
// Default: off (explicit TLS, required).
func WithPlain() Option { return func(c *config) { c.mode = modePlain } }

// WithAuthMechanism sets the AUTH argument for explicit TLS: "TLS" (the
// default) or "SSL" (a legacy synonym); other tokens such as "TLS-C" are
// sent as given, for tests of servers that must refuse them.
func WithAuthMechanism(mech string) Option {
	return func(c *config) {
		mech = strings.ToUpper(strings.TrimSpace(mech))
		if mech == "" || strings.ContainsAny(mech, " \r\n") {
			c.fail("auth mechanism %q", mech)
			return
		}
		c.authMechs = []string{mech}
	}
}

// WithAuthMechanisms sets the AUTH arguments to try in order: the next is
// sent when the server answers the previous one with 4xx or 5xx, as with
// [WithAuthFallback]. FileZilla sends TLS, then SSL.
func WithAuthMechanisms(mechs ...string) Option {
	return func(c *config) {
		if len(mechs) == 0 {
			c.fail("no auth mechanism")
			return
		}
		list := make([]string, len(mechs))
		for i, m := range mechs {
			m = strings.ToUpper(strings.TrimSpace(m))
			if m == "" || strings.ContainsAny(m, " \r\n") {
				c.fail("auth mechanism %q", m)
				return
			}
			list[i] = m
		}
		c.authMechs = list
	}
}

// WithAuthFallback makes explicit TLS behave like old curl: send AUTH SSL
// and, if the server answers 4xx or 5xx, AUTH TLS. Any other non-234
// answer still fails. Default: off (AUTH TLS only).
func WithAuthFallback() Option {
	return func(c *config) { c.authMechs = []string{"SSL", "TLS"} }
}

// WithProt sets the data-channel protection sent with PROT after login:
// 'P' (private, TLS on every data connection; the default) or 'C' (clear).
// Without TLS on the control connection data is always clear.
func WithProt(level byte) Option {
	return func(c *config) {
		if level != 'P' && level != 'C' {
			c.fail("PROT level %q (want 'P' or 'C')", level)
			return
		}
		c.prot = level
	}
}

// WithoutPROT skips PBSZ 0 and PROT after login, as MS-FTPS asks of
// implicit clients; the client then assumes the level of [WithProt]
// without telling the server. Default: PBSZ and PROT are sent.
func WithoutPROT() Option { return func(c *config) { c.sendPROT = false } }

// WithCCC sends CCC after login (and after PBSZ/PROT) and, on 200, clears
// the control connection: see the package documentation for the exact
// close_notify exchange, and [WithCCCShutdown] for lftp's. Data
// connections keep the PROT level. Default: off.
func WithCCC() Option { return func(c *config) { c.ccc = true } }

// WithTLSVersions bounds the TLS versions offered on control and data
// connections (tls.VersionTLS12, tls.VersionTLS13, ...). Zero leaves the
// crypto/tls default for that end. Default: crypto/tls defaults.
func WithTLSVersions(min, max uint16) Option {
	return func(c *config) {
		if min != 0 && max != 0 && min > max {
			c.fail("TLS versions min %#x > max %#x", min, max)
			return
		}
		c.minVersion, c.maxVersion = min, max
	}
}

// WithoutSessionTickets leaves the session_ticket extension out of every
// ClientHello (tls.Config.SessionTicketsDisabled), as curl 7.88 does with
// OpenSSL (SSL_OP_NO_TICKET). Such a client resumes TLS 1.2 only by
// session ID, which a real OpenSSL server (vsftpd, ProFTPD) honours and
// crypto/tls cannot do on either end: this client's TLS 1.2 data
// connections never resume, and a sim persona that requires reuse marks
// the refusal as not reproducible ([sim.LimitSessionIDResumption]) instead
// of presenting it as the real server's. Under TLS 1.3 it disables
// resumption altogether. Default: tickets offered.
func WithoutSessionTickets() Option { return func(c *config) { c.noTickets = true } }

// WithoutUploadDrain makes an upload end the way curl and
// github.com/jlaffaye/ftp end it: close_notify, then close at once,
// without reading what the server sent on the data connection. A server
// that sends its TLS 1.3 session ticket after the handshake (OpenSSL's
// vsftpd and ProFTPD; [sim.Server.LateTickets]) leaves that ticket
// unread, so the kernel answers the close with a reset instead of a FIN
// and the upload bytes still in flight are lost: vsftpd's "426 Failure
// reading network stream." on part of TLS 1.3 uploads, more often the
// longer the path. Default: the client reads until the server's
// close_notify or close (up to [Timeouts.CloseNotify]) before closing.
func WithoutUploadDrain() Option { return func(c *config) { c.noDrain = true } }

// WithServerName sets the name used for SNI and certificate verification on
// control and data connections, and (with [ReuseShared]) as the session
// cache key. Default: the host part of the address given to Dial.
func WithServerName(name string) Option { return func(c *config) { c.serverName = name } }

// WithClientCertificate presents cert on control and data connections.
// Default: no client certificate.
func WithClientCertificate(cert tls.Certificate) Option {
	return func(c *config) { c.clientCert = &cert }
}

// WithRootCAs verifies the server against pool instead of the system roots
// (the default).
func WithRootCAs(pool *x509.CertPool) Option { return func(c *config) { c.rootCAs = pool } }

// WithPinnedCertificate accepts only a server whose leaf certificate has
// this SHA-256 digest (of its DER bytes), on control and data connections,
// resumed or not. Chain, name and validity are not checked: the pin replaces
// verification. A mismatch fails with [ErrPinMismatch]. Default: no pin.
func WithPinnedCertificate(sum [32]byte) Option { return func(c *config) { c.pin = &sum } }

// WithInsecureSkipVerify accepts any server certificate. Default: off.
func WithInsecureSkipVerify() Option { return func(c *config) { c.insecure = true } }

// WithTLSConfig sets the base TLS configuration; it is cloned, and the other
// TLS options are applied on top of the clone. Its ServerName, if set,
// counts as configured (see [WithServerName]). Its ClientSessionCache is
// ignored: session caching is decided by [WithSessionReuse]. Default: a
// zero tls.Config.
func WithTLSConfig(cfg *tls.Config) Option { return func(c *config) { c.base = cfg } }

// WithKeyLog writes the TLS secrets of the control connection and of
// every data connection to w in the NSS key log format that Wireshark
// and tshark read (tls.Config.KeyLogWriter). Without it the client
// appends them to the file named by the SSLKEYLOGFILE environment
// variable when that is set, unless [WithTLSConfig]'s configuration has
// its own KeyLogWriter.
func WithKeyLog(w io.Writer) Option { return func(c *config) { c.keyLog = w } }

// WithClock sets tls.Config.Time, the clock that decides certificate
// validity and ticket age. Deadlines still use the real clock.
// Default: time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithSessionReuse decides how data connections resume the TLS session.
// Default: [ReusePerConnection].
func WithSessionReuse(mode SessionReuse) Option {
	return func(c *config) {
		if mode.kind == reuseShared && mode.cache == nil {
			c.fail("ReuseShared with a nil cache")
			return
		}
		c.reuse = mode
	}
}

// WithLenientTLSEOF accepts a download that ends without close_notify (a
// bare TCP close) as complete when the final reply is positive. Default:
// off, such a download fails with [ErrTruncated].
func WithLenientTLSEOF() Option { return func(c *config) { c.lenientEOF = true } }

// WithPassive selects passive data connections (the default) in the given
// mode. Default: [EPSVFirst].
func WithPassive(mode PassiveMode) Option {
	return func(c *config) {
		if mode != EPSVFirst && mode != PASVOnly {
			c.fail("passive mode %d", mode)
			return
		}
		c.passive, c.active = mode, 0
	}
}

// WithActive selects active data connections announced with PORT or EPRT.
// The server connects to a listener opened with [WithActiveListener] on
// [WithActiveAddr]. Default: passive.
func WithActive(mode ActiveMode) Option {
	return func(c *config) {
		if mode != PORT && mode != EPRT {
			c.fail("active mode %d", mode)
			return
		}
		c.active = mode
	}
}

// WithActiveListener sets how active mode listens. Default:
// net.ListenConfig.Listen.
func WithActiveListener(listen ListenFunc) Option { return func(c *config) { c.listen = listen } }

// WithActiveAddr sets the address active mode listens on, such as
// "127.0.0.1:0". Default: the local IP of the control connection, port 0.
func WithActiveAddr(addr string) Option { return func(c *config) { c.activeAddr = addr } }

// WithPASVAddress sets what the client does with the address in a 227
// reply. Default: [SkipLikeCurl].
func WithPASVAddress(policy PASVAddressPolicy) Option {
	return func(c *config) {
		if policy < SkipLikeCurl || policy > FallbackUnroutableLikeFileZilla {
			c.fail("PASV address policy %d", policy)
			return
		}
		c.pasvPolicy = policy
	}
}

// WithDialer sets the dial function used for the control connection and
// for every passive data connection. Default: net.Dialer.DialContext.
func WithDialer(dial DialFunc) Option { return func(c *config) { c.dial = dial } }

// WithTimeouts bounds each blocking step; zero fields keep their defaults.
func WithTimeouts(t Timeouts) Option { return func(c *config) { c.timeouts = t } }

// WithLogger logs every transcript entry at debug level. Default: nil,
// which discards.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithTranscript records the session into t. Default: a new transcript,
// available from [Conn.Transcript].
func WithTranscript(t *ftp.Transcript) Option { return func(c *config) { c.transcript = t } }
