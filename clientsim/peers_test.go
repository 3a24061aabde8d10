package clientsim_test

// Interop tests: clientsim against real FTPS servers (vsftpd 3.0.3,
// ProFTPD 1.3.8 + mod_tls 2.9.2, pure-ftpd 1.0.50, pyftpdlib 1.5.7),
// started by internal/peers on 127.0.0.1 with the pki.Good certificate
// (ECDSA P-256, which vsftpd's rsa_cert_file and ProFTPD's
// TLSRSACertificateFile accept as well).
//
// Real-server behaviour observed here that differs from sim's, for the
// server personas (sim's own texts in brackets):
//
//   - Reuse refusal, vsftpd require_ssl_reuse=YES: "150 Here comes the
//     directory listing." (LIST), "150 Ok to send data." (STOR), "150
//     Opening BINARY mode data connection for seed.bin (1048576 bytes)."
//     (RETR); the data handshake completes (TLS 1.2 and 1.3); vsftpd logs
//     "No SSL session reuse on data channel.", sends close_notify, answers
//     "522 SSL connection failed: session reuse required" (Debian's text)
//     and ENDS THE SESSION (ftpdataio.c, vsf_cmdio_write_exit): the next
//     command reads EOF. [sim: "150 Opening data connection.", handshake,
//     close_notify, "522 TLS session of data connection not resumed;
//     session reuse required: ...", and the session goes on.]
//   - Reuse refusal, ProFTPD (mod_tls default): "150 Opening BINARY mode
//     data connection for file list", handshake completes, close_notify,
//     "425 Unable to build data connection: Operation not permitted"; the
//     session goes on ("200 NOOP command successful").
//   - pure-ftpd sends no TLS 1.3 session ticket (the client never stores
//     one; the binary calls SSL_CTX_set_num_tickets), so over TLS 1.3 no
//     data connection resumes, which it does not require; over TLS 1.2
//     they resume by session ID. [sim issues tickets in both versions and,
//     like every crypto/tls server, cannot resume by session ID.]
//   - pyftpdlib answers "125 Data connection already open. Transfer
//     starting." when the client connected before the command (clientsim
//     always does in passive mode), "150 File status okay. About to open
//     data connection." when the command won the race. [sim: always 150.]
//   - REST: vsftpd "350 Restart position accepted (N).", ProFTPD "350
//     Restarting at N. Send STORE or RETRIEVE to initiate transfer",
//     pure-ftpd "350 Restarting at N", pyftpdlib "350 Restarting at
//     position N." [sim: "350 Restarting at N. Send STOR or RETR."] After
//     REST, ProFTPD's 150 gives the remaining size "(511943 bytes)", vsftpd
//     the whole file's "(1048576 bytes)", pure-ftpd "150 499.9 kbytes to
//     download".
//   - pure-ftpd's multi-line replies: the greeting ("220---------- Welcome
//     to Pure-FTPd [privsep] [TLS] ----------" ... "220 You will be
//     disconnected after 2 minutes of inactivity."), "150-Accepted data
//     connection" / "150 1024.0 kbytes to download" (RETR), "226-File
//     successfully transferred" / "226 0.003 seconds (measured here),
//     ...", "226-Options: -l" / "226 N matches total" (LIST),
//     "221-Goodbye. You uploaded 1024 and downloaded 2548 kbytes." (QUIT).
//   - AUTH TLS: vsftpd "234 Proceed with negotiation.", ProFTPD "234 AUTH
//     TLS successful", pure-ftpd "234 AUTH TLS OK.", pyftpdlib "234 AUTH
//     TLS successful." [sim: "234 AUTH command ok; starting TLS
//     negotiation."] PBSZ 0: "200 PBSZ set to 0.", "200 PBSZ 0
//     successful", "200 PBSZ=0", "200 PBSZ=0 successful." [sim: "200
//     PBSZ=0"] PROT P: "200 PROT now Private.", "200 Protection set to
//     Private", "200 Data protection level set to "private"", "200
//     Protection set to Private" [sim: "200 Protection level set to
//     Private."] LIST done: vsftpd "226 Directory send OK.", ProFTPD "226
//     Transfer complete", pyftpdlib "226 Transfer complete." [sim: "226
//     Transfer complete."]

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// peerTLSVersions is the TLS matrix of every real-server test.
var peerTLSVersions = []uint16{tls.VersionTLS12, tls.VersionTLS13}

// peerTimeouts bound every step of clientsim against a real server.
var peerTimeouts = clientsim.Timeouts{Connect: 10 * time.Second, Reply: 10 * time.Second,
	Data: 10 * time.Second, TLSHandshake: 10 * time.Second, CloseNotify: 2 * time.Second}

// peerSeed is a file each server has in its data directory from the start.
const peerSeed = "seed.bin"

// peerEnv is what every server case shares.
type peerEnv struct {
	set               *pki.Set
	certFile, keyFile string
	data              []byte // 1 MiB to upload
	sum               [32]byte
}

func newPeerEnv(t *testing.T) *peerEnv {
	t.Helper()
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatalf("pki: %v", err)
	}
	dir := t.TempDir()
	if err := set.Get(pki.Good).WriteFiles(dir, "server"); err != nil {
		t.Fatal(err)
	}
	e := &peerEnv{set: set, certFile: filepath.Join(dir, "server.crt"), keyFile: filepath.Join(dir, "server.key")}
	e.data = peerRandom(t, 1<<20)
	e.sum = sha256.Sum256(e.data)
	return e
}

func peerRandom(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// peerServer is one real server configuration.
type peerServer struct {
	name  string
	start func(peers.Config) func(context.Context) (*peers.Server, error)
	// refusal is how the server refuses a data connection that does not
	// resume the control session; nil means it does not require reuse.
	refusal *peerRefusal
	// noTLS13Tickets: the server issues no TLS 1.3 tickets, so no data
	// connection can resume over TLS 1.3.
	noTLS13Tickets bool
}

// peerRefusal is a server's answer to a data connection that did not
// resume: it completes the handshake, sends close_notify, then replies.
type peerRefusal struct {
	code int
	text string
	// endsSession: the server closes the control connection after the
	// reply (vsftpd's vsf_cmdio_write_exit).
	endsSession bool
}

var (
	vsftpdRefusal  = &peerRefusal{code: 522, text: "SSL connection failed: session reuse required", endsSession: true}
	proftpdRefusal = &peerRefusal{code: 425, text: "Unable to build data connection: Operation not permitted"}
)

var peerServers = []peerServer{
	{name: "vsftpd", refusal: vsftpdRefusal, start: func(c peers.Config) func(context.Context) (*peers.Server, error) {
		return peers.Vsftpd{Config: c}.Start
	}},
	{name: "vsftpd-implicit", refusal: vsftpdRefusal, start: func(c peers.Config) func(context.Context) (*peers.Server, error) {
		return peers.Vsftpd{Config: c, Implicit: true}.Start
	}},
	{name: "proftpd", refusal: proftpdRefusal, start: func(c peers.Config) func(context.Context) (*peers.Server, error) {
		return peers.ProFTPD{Config: c}.Start
	}},
	{name: "proftpd-implicit", refusal: proftpdRefusal, start: func(c peers.Config) func(context.Context) (*peers.Server, error) {
		return peers.ProFTPD{Config: c, Implicit: true}.Start
	}},
	{name: "pure-ftpd", noTLS13Tickets: true, start: func(c peers.Config) func(context.Context) (*peers.Server, error) {
		return peers.PureFTPd{Config: c, TLS: 3}.Start
	}},
	{name: "pyftpdlib", start: func(c peers.Config) func(context.Context) (*peers.Server, error) {
		return peers.Pyftpdlib{Config: c}.Start
	}},
}

// peerOps are the transfers tried without session reuse, each on a fresh
// control connection (vsftpd ends the session after refusing one).
var peerOps = []struct {
	name string
	run  func(context.Context, *clientsim.Conn, *peerEnv) error
}{
	{"List", func(ctx context.Context, c *clientsim.Conn, _ *peerEnv) error {
		_, err := c.List(ctx, "")
		return err
	}},
	{"Store", func(ctx context.Context, c *clientsim.Conn, e *peerEnv) error {
		_, err := c.Store(ctx, "noreuse.bin", bytes.NewReader(e.data))
		return err
	}},
	{"Retrieve", func(ctx context.Context, c *clientsim.Conn, _ *peerEnv) error {
		_, err := c.Retrieve(ctx, peerSeed, io.Discard)
		return err
	}},
}

// TestPeersRealServers runs clientsim against every real server, all
// servers at once: login, List, Store, Retrieve and RetrieveFrom with
// SHA-256 checks in TLS 1.2 and 1.3, then each transfer again with
// ReuseNone: refused by the servers that require reuse (with their reply,
// classified as a data-TLS failure), accepted by the others.
func TestPeersRealServers(t *testing.T) {
	env := newPeerEnv(t)
	var wg sync.WaitGroup
	for _, ps := range peerServers {
		wg.Go(func() {
			t.Run(ps.name, func(t *testing.T) { runPeerServer(t, env, ps) })
		})
	}
	wg.Wait()
}

func runPeerServer(t *testing.T, env *peerEnv, ps peerServer) {
	srv := startPeer(t, env, ps)
	seed := peerRandom(t, 1<<20)
	if err := os.WriteFile(filepath.Join(srv.DataDir, peerSeed), seed, 0o644); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, v := range peerTLSVersions {
		wg.Go(func() {
			t.Run(tls.VersionName(v), func(t *testing.T) { peerTransfers(t, env, srv, ps, v, seed) })
		})
		for _, op := range peerOps {
			wg.Go(func() {
				t.Run(tls.VersionName(v)+"/ReuseNone/"+op.name, func(t *testing.T) {
					c := peerLogin(t, env, targetOf(srv), v, clientsim.WithSessionReuse(clientsim.ReuseNone))
					ctx := peerCtx(t)
					err := op.run(ctx, c, env)
					if ps.refusal == nil {
						if err != nil {
							t.Fatalf("%s without reuse: %v", op.name, err)
						}
						checkPeerData(t, c, v, false)
						return
					}
					checkPeerRefusal(t, c, ps.refusal, v, op.name, err)
				})
			})
		}
	}
	wg.Wait()
}

// startPeer starts a server, skipping when it is not installed, and stops
// it when t ends.
func startPeer(t *testing.T, env *peerEnv, ps peerServer) *peers.Server {
	t.Helper()
	cfg := peers.Config{Dir: t.TempDir(), CertFile: env.certFile, KeyFile: env.keyFile}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, err := ps.start(cfg)(ctx)
	var nie *peers.NotInstalledError
	if errors.As(err, &nie) {
		t.Skip(nie.Error())
	}
	if srv != nil { // also returned, stopped, when the start failed
		t.Cleanup(func() {
			if err := srv.Close(); err != nil {
				t.Errorf("close %s: %v", srv.Name, err)
			}
			if t.Failed() {
				t.Logf("%s logs:\n%s", srv.Name, srv.Logs())
			}
		})
	}
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	return srv
}

func peerCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// peerTarget is where peerLogin connects and who it logs in as.
type peerTarget struct {
	addr           string
	implicit       bool
	user, password string
}

func targetOf(srv *peers.Server) peerTarget {
	return peerTarget{addr: srv.Addr, implicit: srv.Implicit(), user: srv.User, password: srv.Password}
}

// peerLogin dials the target (implicit TLS if it is implicit) with exactly
// TLS version v, trusting the pki CA for "localhost", and logs in.
func peerLogin(t *testing.T, env *peerEnv, to peerTarget, v uint16, opts ...clientsim.Option) *clientsim.Conn {
	t.Helper()
	base := []clientsim.Option{
		clientsim.WithRootCAs(env.set.CA.Pool()), clientsim.WithServerName("localhost"),
		clientsim.WithTLSVersions(v, v), clientsim.WithTimeouts(peerTimeouts),
	}
	if to.implicit {
		base = append(base, clientsim.WithImplicitTLS())
	}
	ctx := peerCtx(t)
	c, err := clientsim.Dial(ctx, to.addr, append(base, opts...)...)
	if err != nil {
		t.Fatalf("Dial %s: %v", to.addr, err)
	}
	t.Cleanup(func() {
		c.Close()
		if t.Failed() || testing.Verbose() {
			t.Logf("transcript:\n%s", c.Transcript())
		}
	})
	if err := c.Login(ctx, to.user, to.password); err != nil {
		t.Fatalf("Login: %v", err)
	}
	if cs, ok := c.ControlTLS(); !ok || cs.Version != v {
		t.Fatalf("control connection: TLS %s, want %s", tls.VersionName(cs.Version), tls.VersionName(v))
	}
	return c
}

// peerTransfers is the success path: List, Store, Retrieve, Retrieve of a
// file the server had, RetrieveFrom the middle, Quit.
func peerTransfers(t *testing.T, env *peerEnv, srv *peers.Server, ps peerServer, v uint16, seed []byte) {
	c := peerLogin(t, env, targetOf(srv), v)
	ctx := peerCtx(t)
	lines, err := c.List(ctx, "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasSuffix(l, " "+peerSeed) }) {
		t.Errorf("listing lacks %s: %q", peerSeed, lines)
	}
	name := fmt.Sprintf("up-%x.bin", v)
	n, err := c.Store(ctx, name, bytes.NewReader(env.data))
	if err != nil || n != int64(len(env.data)) {
		t.Fatalf("Store: %d bytes, %v", n, err)
	}
	stored, err := os.ReadFile(filepath.Join(srv.DataDir, name))
	if err != nil || sha256.Sum256(stored) != env.sum {
		t.Errorf("server stored %d bytes (%v); SHA-256 differs from the %d sent", len(stored), err, len(env.data))
	}
	checks := []struct {
		name   string
		offset int64
		want   []byte
	}{
		{name, 0, env.data},
		{peerSeed, 0, seed},
		{name, int64(len(env.data)/2 + 12345), env.data[len(env.data)/2+12345:]},
	}
	for _, ck := range checks {
		var back bytes.Buffer
		n, err := c.RetrieveFrom(ctx, ck.name, ck.offset, &back)
		if err != nil {
			t.Fatalf("RetrieveFrom %s at %d: %v", ck.name, ck.offset, err)
		}
		if n != int64(len(ck.want)) || sha256.Sum256(back.Bytes()) != sha256.Sum256(ck.want) {
			t.Errorf("RetrieveFrom %s at %d: %d bytes, SHA-256 differs from the %d expected", ck.name, ck.offset, n, len(ck.want))
		}
	}
	if err := c.Quit(ctx); err != nil {
		t.Errorf("Quit: %v", err)
	}
	resumes := !(ps.noTLS13Tickets && v == tls.VersionTLS13)
	if got := checkPeerData(t, c, v, resumes); got != 5 {
		t.Errorf("%d data handshakes, want 5", got)
	}
}

// checkPeerData checks every data handshake: version v, no error, and
// resumed or not as wanted. It returns how many there were.
func checkPeerData(t *testing.T, c *clientsim.Conn, v uint16, resumed bool) int {
	t.Helper()
	n := 0
	for _, ev := range c.Evidence() {
		if ev.Channel != "data" {
			continue
		}
		n++
		if ev.Err != nil || ev.Version != v || ev.Resumed != resumed {
			t.Errorf("data handshake with %s: %s resumed=%t err=%v; want %s resumed=%t",
				ev.Addr, tls.VersionName(ev.Version), ev.Resumed, ev.Err, tls.VersionName(v), resumed)
		}
	}
	return n
}

// checkPeerRefusal checks a transfer refused for not resuming: the
// server's code and text, phase data-tls, a completed full handshake
// after the 150, and whether the session survived.
func checkPeerRefusal(t *testing.T, c *clientsim.Conn, r *peerRefusal, v uint16, op string, err error) {
	t.Helper()
	want := fmt.Sprintf("%d %s", r.code, r.text)
	if clientsim.PhaseOf(err) != clientsim.PhaseDataTLS || clientsim.ReplyCode(err) != r.code || !strings.Contains(fmt.Sprint(err), want) {
		t.Fatalf("%s without reuse: %v (phase %q); want phase %q, %q", op, err, clientsim.PhaseOf(err), clientsim.PhaseDataTLS, want)
	}
	if n := checkPeerData(t, c, v, false); n != 1 {
		t.Errorf("%d data handshakes, want 1", n)
	}
	replies := c.Transcript().Lines(ftp.EntryReply)
	if k := len(replies); k < 2 || !strings.HasPrefix(replies[k-2], "150") || !strings.HasPrefix(replies[k-1], want) {
		t.Errorf("replies end %q; want a 150 then %q", replies[max(k-2, 0):], want)
	}
	if op != "Store" && !slices.ContainsFunc(c.Transcript().Lines(ftp.EntryData), func(l string) bool {
		return strings.HasPrefix(l, "data stream ended after 0 bytes with close_notify")
	}) {
		// (On an upload, whether the close_notify arrives before the
		// client's writes fail is a race.)
		t.Errorf("server did not end the refused data connection with close_notify")
	}
	err = c.Noop(peerCtx(t))
	switch {
	case r.endsSession && err == nil:
		t.Errorf("NOOP after the refusal succeeded; the server should have ended the session")
	case !r.endsSession && err != nil:
		t.Errorf("NOOP after the refusal: %v", err)
	}
}

// TestPeersRefusalOnSim reproduces the two real refusals with sim, which
// completes the handshake and sends close_notify before its reply as
// vsftpd and ProFTPD do: with its own 522, and with ProFTPD's 425. Both
// must be data-TLS failures for List, Store and Retrieve alike (the 425
// one was a transfer failure for List and Retrieve, and either for Store,
// before clientsim stopped letting the close_notify decide). Unlike
// vsftpd, sim keeps the session after its 522.
func TestPeersRefusalOnSim(t *testing.T) {
	def := sim.DefaultReplies[sim.ReplyReuseRequired]
	env := newPeerEnv(t)
	for _, persona := range []struct {
		name  string
		reply ftp.Reply
	}{
		{"sim", def},
		{"proftpd-like", ftp.Reply{Code: proftpdRefusal.code, Lines: []string{proftpdRefusal.text}}},
	} {
		for _, v := range peerTLSVersions {
			for _, op := range peerOps {
				t.Run(persona.name+"/"+tls.VersionName(v)+"/"+op.name, func(t *testing.T) {
					srv := sim.NewUnstartedServer()
					srv.PKI = env.set
					srv.ControlTLS, srv.DataTLS, srv.Reuse = sim.TLSRequired, sim.TLSRequired, sim.ReuseSame
					srv.Replies = map[sim.ReplyKey]ftp.Reply{sim.ReplyReuseRequired: persona.reply}
					fs := sim.NewMemFS(nil)
					fs.WriteFile(peerSeed, []byte("seed"))
					srv.FS = fs
					srv.Start()
					t.Cleanup(srv.Close)
					to := peerTarget{addr: srv.Addr, user: sim.DefaultUser, password: sim.DefaultPassword}
					c := peerLogin(t, env, to, v, clientsim.WithSessionReuse(clientsim.ReuseNone))
					err := op.run(peerCtx(t), c, env)
					checkPeerRefusal(t, c, &peerRefusal{code: persona.reply.Code, text: persona.reply.Lines[0]}, v, op.name, err)
				})
			}
		}
	}
}
