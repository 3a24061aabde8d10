package sim

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// This file holds the tiny raw FTP client the sim tests drive the server
// with. It is deliberately dumb: it writes exactly the bytes a test asks for
// and reads replies with sim/ftp, so the tests see the server's wire
// behaviour and nothing a smarter client would paper over.

// ioTimeout bounds every read and write a test makes, so a server bug shows
// up as a failed test instead of a hung binary.
const ioTimeout = 10 * time.Second

// startSim starts a server on loopback after configure has changed its
// settings, and closes it when the test ends.
func startSim(t testing.TB, configure func(*Server)) *Server {
	t.Helper()
	srv := NewUnstartedServer()
	if configure != nil {
		configure(srv)
	}
	if srv.PKI == nil && srv.Now == nil {
		srv.PKI = sharedPKI(t)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// sharedPKI is one certificate set for every test server on the real
// clock: building a set per server would dominate the package's run time.
var sharedPKI = func() func(testing.TB) *pki.Set {
	once := sync.OnceValues(func() (*pki.Set, error) { return pki.NewSet(pki.SetOptions{}) })
	return func(t testing.TB) *pki.Set {
		t.Helper()
		set, err := once()
		if err != nil {
			t.Fatalf("pki: %v", err)
		}
		return set
	}
}()

// memFS returns the server's storage as the default MemFS.
func memFS(t testing.TB, srv *Server) *MemFS {
	t.Helper()
	m, ok := srv.FS.(*MemFS)
	if !ok {
		t.Fatalf("server FS is %T, want *MemFS", srv.FS)
	}
	return m
}

// rawClient is one control connection.
type rawClient struct {
	t    testing.TB
	srv  *Server
	raw  net.Conn // the TCP connection
	conn net.Conn // raw, or the TLS connection on it
	tls  *tls.Conn
	r    *bufio.Reader
}

// dialRaw connects to addr without reading the greeting.
func dialRaw(t testing.TB, srv *Server, addr string) *rawClient {
	t.Helper()
	return dialRawFrom(t, srv, addr, nil)
}

// dialRawFrom connects from a chosen local address (nil: any).
func dialRawFrom(t testing.TB, srv *Server, addr string, local net.Addr) *rawClient {
	t.Helper()
	d := net.Dialer{Timeout: ioTimeout, LocalAddr: local}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial control %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(ioTimeout))
	return &rawClient{t: t, srv: srv, raw: c, conn: c, r: bufio.NewReader(c)}
}

// dialCtl connects to the explicit listener and reads the 220 greeting.
func dialCtl(t testing.TB, srv *Server) *rawClient {
	t.Helper()
	c := dialRaw(t, srv, srv.Addr)
	c.expect(220)
	return c
}

// dialImplicit connects to the implicit listener, runs the TLS handshake at
// once and reads the greeting.
func dialImplicit(t testing.TB, srv *Server, cfg *tls.Config) *rawClient {
	t.Helper()
	c := dialRaw(t, srv, srv.ImplicitAddr)
	c.startTLS(cfg)
	c.expect(220)
	return c
}

// clientTLS returns the server's client configuration limited to one TLS
// version (0: both) with a session cache (nil: no resumption).
func clientTLS(srv *Server, version uint16, cache tls.ClientSessionCache) *tls.Config {
	cfg := srv.ClientTLSConfig()
	cfg.ClientSessionCache = cache
	if version != 0 {
		cfg.MinVersion, cfg.MaxVersion = version, version
	}
	return cfg
}

// tlsVersions is the version axis of every TLS matrix.
var tlsVersions = []struct {
	name string
	v    uint16
}{{"TLS1.2", tls.VersionTLS12}, {"TLS1.3", tls.VersionTLS13}}

func (c *rawClient) startTLS(cfg *tls.Config) {
	c.t.Helper()
	tc := tls.Client(c.raw, cfg)
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("control TLS handshake: %v", err)
	}
	c.tls, c.conn, c.r = tc, tc, bufio.NewReader(tc)
}

// send writes line and CRLF verbatim: no checks, so tests can send
// anything.
func (c *rawClient) send(line string) {
	c.t.Helper()
	c.write(line + "\r\n")
}

// write writes bytes verbatim on the control connection.
func (c *rawClient) write(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("write %q: %v", trunc(s), err)
	}
}

// read reads one reply.
func (c *rawClient) read() ftp.Reply {
	c.t.Helper()
	rep, err := c.readErr()
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return rep
}

func (c *rawClient) readErr() (ftp.Reply, error) { return ftp.ReadReply(c.r, 0) }

// expect reads one reply and fails the test unless it has code.
func (c *rawClient) expect(code int) ftp.Reply {
	c.t.Helper()
	rep := c.read()
	if rep.Code != code {
		c.t.Fatalf("got %q, want code %d", rep.String(), code)
	}
	return rep
}

// cmd sends line and returns the reply.
func (c *rawClient) cmd(line string) ftp.Reply {
	c.t.Helper()
	c.send(line)
	return c.read()
}

// must sends line and fails unless the reply has code.
func (c *rawClient) must(line string, code int) ftp.Reply {
	c.t.Helper()
	c.send(line)
	rep := c.read()
	if rep.Code != code {
		c.t.Fatalf("%s: got %q, want code %d", redact(line), rep.String(), code)
	}
	return rep
}

// expectClosed reads until the server closes, failing on a reply.
func (c *rawClient) expectClosed() {
	c.t.Helper()
	if rep, err := c.readErr(); err == nil {
		c.t.Fatalf("got reply %q, want the connection closed", rep.String())
	}
}

func redact(line string) string {
	if len(line) >= 4 && strings.EqualFold(line[:4], "PASS") {
		return "PASS ****"
	}
	return line
}

// authTLS runs AUTH TLS and the handshake.
func (c *rawClient) authTLS(cfg *tls.Config) {
	c.t.Helper()
	c.must("AUTH TLS", 234)
	c.startTLS(cfg)
}

// login logs in with the default account.
func (c *rawClient) login() {
	c.t.Helper()
	c.loginAs(DefaultUser, DefaultPassword)
}

func (c *rawClient) loginAs(user, pass string) {
	c.t.Helper()
	c.must("USER "+user, 331)
	c.must("PASS "+pass, 230)
}

// secure runs AUTH TLS, login, PBSZ 0 and PROT P.
func (c *rawClient) secure(cfg *tls.Config) {
	c.t.Helper()
	c.authTLS(cfg)
	c.login()
	c.must("PBSZ 0", 200)
	c.must("PROT P", 200)
}

// session returns the server's session for this client.
func (c *rawClient) session() *Session {
	c.t.Helper()
	return findSession(c.t, c.srv, addrOf(c.raw.LocalAddr()))
}

// findSession returns the server's session for a client address.
func findSession(t testing.TB, srv *Server, client netip.AddrPort) *Session {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for time.Now().Before(deadline) {
		for _, s := range srv.Sessions() {
			if s.RemoteAddr == client {
				return s
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no session for client %s", client)
	return nil
}

// epsv asks for a passive port and returns the address to dial: the
// control connection's server address with the announced port.
func (c *rawClient) epsv() netip.AddrPort {
	c.t.Helper()
	rep := c.must("EPSV", 229)
	port, err := ftp.ParseEPSV(rep.Message())
	if err != nil {
		c.t.Fatalf("parse 229: %v", err)
	}
	return netip.AddrPortFrom(addrOf(c.raw.RemoteAddr()).Addr(), port)
}

// epsvConn sends EPSV and dials the announced port in clear; the
// connection is closed when the test ends.
func (c *rawClient) epsvConn() net.Conn {
	c.t.Helper()
	dc, err := net.Dial("tcp", c.epsv().String())
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { dc.Close() })
	return dc
}

// pasv asks for a passive port with PASV and returns the advertised address.
func (c *rawClient) pasv() netip.AddrPort {
	c.t.Helper()
	rep := c.must("PASV", 227)
	ap, err := ftp.ParsePASV(rep.Message())
	if err != nil {
		c.t.Fatalf("parse 227: %v", err)
	}
	return ap
}

// xfer describes one transfer for rawClient.transfer.
type xfer struct {
	cmd    string         // "RETR f", "STOR f", "LIST"
	data   []byte         // upload payload; nil for a download
	tls    *tls.Config    // nil: cleartext data connection
	local  net.Addr       // data dialer's local address (nil: any)
	dial   netip.AddrPort // data address; zero: EPSV first
	noDial bool           // send the command without connecting
	// finish ends an upload; nil sends close_notify (if TLS) then a FIN.
	finish func(tc *tls.Conn, raw net.Conn)
}

// xferResult is what a transfer produced.
type xferResult struct {
	prelim ftp.Reply // the 150 (zero when the command failed at once)
	final  ftp.Reply
	data   []byte // downloaded bytes
	tlsErr error  // data TLS handshake error, if any
	state  tls.ConnectionState
}

// transfer runs one data transfer: EPSV (unless x.dial is set), connect,
// command, 150, optional TLS, payload, final reply.
func (c *rawClient) transfer(x xfer) xferResult {
	c.t.Helper()
	var res xferResult
	var dc net.Conn
	if !x.noDial {
		ap := x.dial
		if !ap.IsValid() {
			ap = c.epsv()
		}
		d := net.Dialer{Timeout: ioTimeout, LocalAddr: x.local}
		var err error
		dc, err = d.Dial("tcp", ap.String())
		if err != nil {
			c.t.Fatalf("dial data %s: %v", ap, err)
		}
		defer dc.Close()
		dc.SetDeadline(time.Now().Add(ioTimeout))
	}
	c.send(x.cmd)
	rep := c.read()
	if rep.Code >= 200 {
		res.final = rep
		return res
	}
	res.prelim = rep
	if dc == nil {
		res.final = c.read()
		return res
	}
	var conn net.Conn = dc
	var tc *tls.Conn
	if x.tls != nil {
		tc = tls.Client(dc, x.tls)
		if err := tc.Handshake(); err != nil {
			res.tlsErr = err
			res.final = c.read()
			return res
		}
		res.state = tc.ConnectionState()
		conn = tc
	}
	if x.data != nil {
		if _, err := conn.Write(x.data); err != nil {
			c.t.Logf("%s: write data: %v", x.cmd, err)
		}
		finish := x.finish
		if finish == nil {
			finish = cleanFinish
		}
		finish(tc, dc)
	} else {
		res.data, _ = io.ReadAll(conn)
	}
	res.final = c.read()
	return res
}

// cleanFinish ends an upload properly: close_notify (under TLS) then FIN.
func cleanFinish(tc *tls.Conn, raw net.Conn) {
	if tc != nil {
		tc.CloseWrite()
	}
	raw.(*net.TCPConn).CloseWrite()
}

// truncFinish ends an upload with a TCP FIN but no TLS close_notify: the
// forged-FIN truncation of S08.
func truncFinish(_ *tls.Conn, raw net.Conn) { raw.(*net.TCPConn).CloseWrite() }

// get downloads with RETR or a listing command and fails unless it ends 226.
func (c *rawClient) get(cmd string, cfg *tls.Config) []byte {
	c.t.Helper()
	res := c.transfer(xfer{cmd: cmd, tls: cfg})
	if res.final.Code != 226 {
		c.t.Fatalf("%s: got %q (prelim %q, tls %v), want 226", cmd, res.final.String(), res.prelim.String(), res.tlsErr)
	}
	return res.data
}

// put uploads data and fails unless the transfer ends 226.
func (c *rawClient) put(cmd string, data []byte, cfg *tls.Config) {
	c.t.Helper()
	res := c.transfer(xfer{cmd: cmd, data: data, tls: cfg})
	if res.final.Code != 226 {
		c.t.Fatalf("%s: got %q (prelim %q, tls %v), want 226", cmd, res.final.String(), res.prelim.String(), res.tlsErr)
	}
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// hookFS is a MemFS whose Stat and Open can be intercepted, for panics,
// endless files and the like.
type hookFS struct {
	*MemFS
	stat func(name string) // called first; may panic
	open func(name string, offset int64) (io.ReadCloser, bool)
}

func (h *hookFS) Stat(name string) (fs.FileInfo, error) {
	if h.stat != nil {
		h.stat(name)
	}
	return h.MemFS.Stat(name)
}

func (h *hookFS) Open(name string, offset int64) (io.ReadCloser, error) {
	if h.open != nil {
		if rc, ok := h.open(name, offset); ok {
			return rc, nil
		}
	}
	return h.MemFS.Open(name, offset)
}

// endless is a file that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
func (endless) Close() error { return nil }

// endlessFS serves "/endless" as a file that never ends.
func endlessFS() *hookFS {
	return &hookFS{MemFS: NewMemFS(nil), open: func(name string, _ int64) (io.ReadCloser, bool) {
		return endless{}, name == "/endless"
	}}
}

// waitDone waits until the session has ended.
func waitDone(t testing.TB, sess *Session) {
	t.Helper()
	select {
	case <-sess.Done():
	case <-time.After(ioTimeout):
		t.Fatalf("session %s did not end", sess.ID)
	}
}

// transcriptHas reports whether a transcript line of one of the kinds
// contains sub.
func transcriptHas(sess *Session, sub string, kinds ...ftp.EntryKind) bool {
	for _, l := range sess.Transcript().Lines(kinds...) {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// settleGoroutines waits until the goroutine count drops to at most want
// and returns the last count, with a stack dump if it never did.
func settleGoroutines(want int, within time.Duration) (int, string) {
	deadline := time.Now().Add(within)
	n := runtime.NumGoroutine()
	for n > want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	if n <= want {
		return n, ""
	}
	buf := make([]byte, 1<<20)
	return n, string(buf[:runtime.Stack(buf, true)])
}

// within fails the test if fn takes longer than d.
func within(t testing.TB, d time.Duration, what string, fn func()) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s took more than %s", what, d)
	}
	return time.Since(start)
}

// mustSame fails unless got equals want, showing short forms.
func mustSame(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %q, want %q", what, trunc(string(got)), trunc(string(want)))
	}
}
