package clientsim

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"sync/atomic"

	"github.com/ftpsim/ftpsim/internal/keylog"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// TLSEvidence records one TLS handshake of a session, successful or not.
type TLSEvidence struct {
	Channel          string // "control" or "data"
	Addr             string // remote address of the connection
	Version          uint16 // tls.VersionTLS12, ...; 0 if the handshake failed
	CipherSuite      uint16
	Resumed          bool   // the handshake resumed an earlier session
	ServerName       string // the name used for SNI and verification
	PeerCertificates []*x509.Certificate
	Err              error // the handshake error, nil on success
}

// perConnectionKey is the cache key of ReusePerConnection: the cache holds
// only this session's tickets, so one fixed key serves control and data.
const perConnectionKey = "clientsim-control-session"

// setupTLS builds the base tls.Config once per Conn. It is cloned for
// every handshake.
func (c *Conn) setupTLS() {
	cfg := &tls.Config{}
	if c.cfg.base != nil {
		cfg = c.cfg.base.Clone()
	}
	c.cfgName = cfg.ServerName
	if c.cfg.serverName != "" {
		c.cfgName = c.cfg.serverName
	}
	c.serverName = c.cfgName
	if c.serverName == "" {
		c.serverName = c.host
	}
	cfg.ServerName = c.serverName
	cfg.ClientSessionCache = nil
	if c.cfg.minVersion != 0 {
		cfg.MinVersion = c.cfg.minVersion
	}
	if c.cfg.maxVersion != 0 {
		cfg.MaxVersion = c.cfg.maxVersion
	}
	if c.cfg.noTickets {
		cfg.SessionTicketsDisabled = true
	}
	if c.cfg.clientCert != nil {
		cfg.Certificates = []tls.Certificate{*c.cfg.clientCert}
	}
	if c.cfg.rootCAs != nil {
		cfg.RootCAs = c.cfg.rootCAs
	}
	if c.cfg.clock != nil {
		cfg.Time = c.cfg.clock
	}
	if c.cfg.keyLog != nil {
		cfg.KeyLogWriter = c.cfg.keyLog
	}
	if c.cfg.insecure {
		cfg.InsecureSkipVerify = true
	}
	if c.cfg.pin != nil {
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = pinCheck(*c.cfg.pin, cfg.VerifyConnection)
	}
	c.tlsBase = cfg
	switch c.cfg.reuse.kind {
	case reusePerConnection, reuseOpenSSL:
		c.cache = tls.NewLRUClientSessionCache(4)
	case reuseShared:
		c.cache = c.cfg.reuse.cache
	}
}

// tlsConfigFor returns the config of one handshake on conn.
func (c *Conn) tlsConfigFor(channel string, conn net.Conn) *tls.Config {
	cfg := c.tlsBase.Clone()
	if c.cache == nil {
		// ReuseNone: offer the session_ticket extension with no ticket,
		// as an OpenSSL client without a saved session does (stock
		// ftplib). crypto/tls leaves the extension out without a cache,
		// which would make this client look like one that resumes by
		// session ID only (see WithoutSessionTickets).
		cfg.ClientSessionCache = noSessions{}
		return cfg
	}
	kc := &keyedCache{inner: c.cache, conn: c, channel: channel}
	switch c.cfg.reuse.kind {
	case reusePerConnection:
		kc.key, kc.readOnly = perConnectionKey, channel != "control"
	case reuseOpenSSL:
		kc.key, kc.onceTLS13 = perConnectionKey, true
	case reuseShared:
		// crypto/tls's own clientSessionCacheKey: the configured
		// ServerName, else the remote address.
		kc.key = c.cfgName
		if kc.key == "" {
			kc.key = conn.RemoteAddr().String()
		}
	}
	cfg.ClientSessionCache = kc
	return cfg
}

// noSessions is a session cache that holds nothing.
type noSessions struct{}

func (noSessions) Get(string) (*tls.ClientSessionState, bool) { return nil, false }
func (noSessions) Put(string, *tls.ClientSessionState)        {}

// keyedCache sits between one handshake and the session cache: it decides
// the key (crypto/tls would use the ServerName we set) and whether this
// connection may store or evict sessions.
type keyedCache struct {
	inner    tls.ClientSessionCache
	conn     *Conn
	channel  string
	key      string
	readOnly bool
	// onceTLS13 takes a TLS 1.3 session out of the cache when it is
	// offered (ReuseLikeOpenSSL).
	onceTLS13 bool
	// handshook is set once the handshake has returned: crypto/tls stores
	// a TLS 1.2 session during the handshake and a TLS 1.3 one only
	// after it, from a NewSessionTicket, so a Put after it is TLS 1.3.
	handshook atomic.Bool
}

func (k *keyedCache) Get(string) (*tls.ClientSessionState, bool) {
	cs, ok := k.inner.Get(k.key)
	if ok && k.onceTLS13 && k.conn.takeTLS13Session(cs) {
		k.inner.Put(k.key, nil)
		k.conn.note(ftp.EntryTLS, "%s offers the saved TLS 1.3 session and drops it from the cache (offered once, as OpenSSL clients do)", k.channel)
	}
	return cs, ok
}

func (k *keyedCache) Put(_ string, cs *tls.ClientSessionState) {
	what := "stored"
	if cs == nil {
		what = "evicted"
	}
	if k.readOnly {
		k.conn.note(ftp.EntryTLS, "%s session not %s (data connections only read the cache)", k.channel, what)
		return
	}
	k.conn.note(ftp.EntryTLS, "%s session %s under key %q", k.channel, what, k.key)
	if cs != nil && k.onceTLS13 && k.handshook.Load() {
		k.conn.markTLS13Session(cs)
	}
	k.inner.Put(k.key, cs)
}

// markTLS13Session records that cs is a TLS 1.3 session (ReuseLikeOpenSSL).
func (c *Conn) markTLS13Session(cs *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tls13Sessions == nil {
		c.tls13Sessions = map[*tls.ClientSessionState]bool{}
	}
	c.tls13Sessions[cs] = true
}

// takeTLS13Session reports whether cs is a TLS 1.3 session, forgetting it.
func (c *Conn) takeTLS13Session(cs *tls.ClientSessionState) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ok := c.tls13Sessions[cs]
	delete(c.tls13Sessions, cs)
	return ok
}

// pinCheck accepts only a leaf with the given SHA-256 digest, then runs the
// base config's own VerifyConnection if it had one.
func pinCheck(want [32]byte, next func(tls.ConnectionState) error) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return ErrPinMismatch
		}
		if got := sha256.Sum256(cs.PeerCertificates[0].Raw); got != want {
			return fmt.Errorf("%w: leaf sha256 %x", ErrPinMismatch, got)
		}
		if next != nil {
			return next(cs)
		}
		return nil
	}
}

// handshake runs a client handshake on conn, bounded by the TLSHandshake
// timeout and ctx, and records its evidence.
func (c *Conn) handshake(ctx context.Context, channel string, conn net.Conn) (*tls.Conn, error) {
	cfg := c.tlsConfigFor(channel, conn)
	tc := tls.Client(conn, cfg)
	hctx, cancel := context.WithTimeout(ctx, c.t.TLSHandshake)
	err := tc.HandshakeContext(hctx)
	cancel()
	if kc, ok := cfg.ClientSessionCache.(*keyedCache); ok {
		kc.handshook.Store(true)
	}
	ev := TLSEvidence{Channel: channel, Addr: addrString(conn.RemoteAddr()), ServerName: cfg.ServerName, Err: err}
	if err != nil {
		c.note(ftp.EntryTLS, "%s handshake with %s failed: %v", channel, ev.Addr, err)
		c.addEvidence(ev)
		return tc, withContext(ctx, err)
	}
	cs := tc.ConnectionState()
	ev.Version, ev.CipherSuite, ev.Resumed, ev.PeerCertificates = cs.Version, cs.CipherSuite, cs.DidResume, cs.PeerCertificates
	c.addEvidence(ev)
	c.note(ftp.EntryTLS, "%s handshake done: %s %s resumed=%t server_name=%q",
		channel, tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite), cs.DidResume, cfg.ServerName)
	return tc, nil
}

func (c *Conn) addEvidence(ev TLSEvidence) {
	c.mu.Lock()
	c.evidence = append(c.evidence, ev)
	c.mu.Unlock()
}

// envKeyLog takes SSLKEYLOGFILE's file as the key log when no option and
// no base configuration names one.
func (c *config) envKeyLog() error {
	if c.keyLog != nil || c.base != nil && c.base.KeyLogWriter != nil {
		return nil
	}
	w, err := keylog.Env()
	if err != nil {
		return err
	}
	c.keyLog = w
	return nil
}
