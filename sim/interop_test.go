package sim_test

// Interop tests: real FTPS clients (curl 7.88/OpenSSL, lftp 4.9/GnuTLS,
// Python ftplib) against the in-process server, through internal/peers.
//
// What they showed on Debian 12 (and now assert):
//
//   - Every client logs in, lists, uploads 1 MiB and downloads it back with
//     equal SHA-256, explicit and implicit, TLS 1.2 and TLS 1.3, when sim
//     does not require session reuse.
//   - The TLS 1.3 upload problem that internal/peers sees against vsftpd,
//     ProFTPD and pyftpdlib (the client closes the upload data connection
//     with the server's NewSessionTicket unread, the kernel sends RST, the
//     end of the file is lost) does NOT happen against sim. crypto/tls
//     sends its TLS 1.3 ticket in the server's first flight, right after
//     its Finished (handshake_server_tls13.go: sendServerFinished calls
//     sendSessionTickets when no client certificate is requested), so it is
//     already waiting when the client ends the upload; curl's close path
//     reads it (one SSL_read, then close_notify, then close: seen with
//     strace, a 159-byte record consumed before the 24-byte close_notify),
//     lftp (GnuTLS) also ends with close_notify, and ftplib calls unwrap().
//     Every TLS 1.3 upload ends with close_notify, so sim, strict by default
//     (LenientTLSEOF false: no close_notify means 426 and nothing stored),
//     stores it. The tests assert DataEvidence.CloseNotify on every STOR
//     instead of avoiding TLS 1.3 uploads.
//   - Reuse required (sim.ReuseAny, sim.ReuseSame): stock ftplib does a
//     full handshake on the data connection and gets sim's 522; the
//     reusing ftplib subclass, lftp (1.2 and 1.3) and curl over TLS 1.3
//     resume and pass. curl over TLS 1.2 does NOT pass against sim, while
//     it passes against vsftpd require_ssl_reuse=YES and ProFTPD: curl
//     7.88's TLS 1.2 ClientHello carries no session_ticket extension
//     (observed with a crypto/tls listener: extensions 11 10 16 22 23 13
//     only), so it can resume only by session ID, which OpenSSL servers
//     cache and crypto/tls servers do not implement. sim sees a full handshake with
//     no ticket offered (DataEvidence.TicketFrom "") and answers 522. This
//     is a real difference between sim and OpenSSL-based servers.
//   - lftp sends MFMT after every upload when FEAT lists it, as sim's does
//     on MemFS (TestMFMTLftp); to a FEAT without MFMT it sends SITE UTIME
//     (twice, two syntaxes), which sim answers 502, and lftp carries on.

import (
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

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// The account every interop server has; the clients log in with it.
const (
	interopUser     = "interop"
	interopPassword = "interop-pass"
	interopSeed     = "seed.bin" // in every server's MemFS from the start
)

// interopConcurrency is how many client runs go at once. They mostly wait
// (curl idles about 200 ms per transfer), so more than GOMAXPROCS.
const interopConcurrency = 4

// interopEnv is what every case shares: one certificate set, its CA as a
// file for the clients, and the file to upload.
type interopEnv struct {
	set     *pki.Set
	caFile  string
	local   string   // 1 MiB of random bytes
	data    []byte   // its content
	sum     [32]byte // its SHA-256
	seed    []byte   // content of interopSeed
	seedSum [32]byte
}

func newInteropEnv(t *testing.T) *interopEnv {
	t.Helper()
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatalf("pki: %v", err)
	}
	dir := t.TempDir()
	e := &interopEnv{set: set, caFile: filepath.Join(dir, "ca.crt"), local: filepath.Join(dir, "local.bin")}
	if err := set.CA.WriteCertFile(e.caFile); err != nil {
		t.Fatal(err)
	}
	e.data, e.seed = interopRandom(t, 1<<20), interopRandom(t, 1<<20)
	e.sum, e.seedSum = sha256.Sum256(e.data), sha256.Sum256(e.seed)
	if err := os.WriteFile(e.local, e.data, 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

func interopRandom(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// interopServer is one sim configuration.
type interopServer struct {
	name     string
	reuse    sim.ReusePolicy
	implicit bool
}

var interopServers = []interopServer{
	{name: "explicit", reuse: sim.ReuseOff},
	{name: "explicit-reuse-any", reuse: sim.ReuseAny},
	{name: "explicit-reuse-same", reuse: sim.ReuseSame},
	{name: "implicit-reuse-same", reuse: sim.ReuseSame, implicit: true},
}

// interopClient is one client run against a fresh server.
type interopClient struct {
	name string
	kind string // "curl", "lftp", "ftplib"
	opts peers.ClientOptions
	// op is "session" (login, LIST, STOR, RETR on one control connection)
	// or "download" (RETR of interopSeed).
	op string
	// refused says the server must refuse the first data connection with
	// its reuse-required reply, and why.
	refused string
}

// Why some clients cannot meet a reuse requirement of sim.
const (
	stockFTPLib = "stock ftplib.FTP_TLS wraps data sockets without session=: full handshake"
	curlTLS12   = "curl 7.88 over TLS 1.2 sends no session_ticket extension, and sim, like every crypto/tls server, cannot resume by session ID"
)

// clients returns the runs for one server configuration.
func (sc interopServer) clients() []interopClient {
	reuseRequired := sc.reuse != sim.ReuseOff
	when := func(cond bool, why string) string {
		if cond {
			return why
		}
		return ""
	}
	cs := []interopClient{
		{name: "curl", kind: "curl", op: "session"},
		{name: "curl tls1.2", kind: "curl", opts: peers.ClientOptions{TLS12: true}, op: "session", refused: when(reuseRequired, curlTLS12)},
		{name: "curl download", kind: "curl", op: "download"},
		{name: "lftp", kind: "lftp", op: "session"},
		{name: "lftp tls1.2", kind: "lftp", opts: peers.ClientOptions{TLS12: true}, op: "session"},
		{name: "ftplib reuse", kind: "ftplib", opts: peers.ClientOptions{Reuse: true}, op: "session"},
		{name: "ftplib reuse tls1.2", kind: "ftplib", opts: peers.ClientOptions{Reuse: true, TLS12: true}, op: "session"},
		{name: "ftplib", kind: "ftplib", op: "session", refused: when(reuseRequired, stockFTPLib)},
		{name: "ftplib tls1.2", kind: "ftplib", opts: peers.ClientOptions{TLS12: true}, op: "session", refused: when(reuseRequired, stockFTPLib)},
	}
	if !sc.implicit && !reuseRequired {
		// sim dials the client (PORT); ftplib listens on 127.0.0.1.
		cs = append(cs, interopClient{name: "ftplib reuse active", kind: "ftplib", opts: peers.ClientOptions{Reuse: true, Active: true}, op: "session"})
	}
	return cs
}

// TestInteropRealClients runs curl, lftp and ftplib against sim, each run
// on its own server: see the file comment for what it shows.
func TestInteropRealClients(t *testing.T) {
	env := newInteropEnv(t)
	// t.Run from goroutines, bounded by sem, rather than t.Parallel:
	// -parallel defaults to GOMAXPROCS (2 here) and the runs mostly wait.
	sem := make(chan struct{}, interopConcurrency)
	var outer sync.WaitGroup
	for _, sc := range interopServers {
		outer.Go(func() {
			t.Run(sc.name, func(t *testing.T) {
				var inner sync.WaitGroup
				for _, cc := range sc.clients() {
					inner.Go(func() {
						sem <- struct{}{}
						defer func() { <-sem }()
						t.Run(cc.name, func(t *testing.T) { runInterop(t, env, sc, cc) })
					})
				}
				inner.Wait()
			})
		})
	}
	outer.Wait()
}

// startInteropServer starts sim with TLS required on both channels, the
// interop account and the seed file.
func startInteropServer(t *testing.T, env *interopEnv, sc interopServer) (*sim.Server, *sim.MemFS) {
	t.Helper()
	srv := sim.NewUnstartedServer()
	srv.PKI = env.set
	srv.ControlTLS, srv.DataTLS = sim.TLSRequired, sim.TLSRequired
	srv.Reuse = sc.reuse
	srv.Implicit = sc.implicit
	srv.DisableExplicit = sc.implicit
	srv.Users = []sim.User{{Name: interopUser, Password: interopPassword}}
	fs := sim.NewMemFS(nil)
	fs.WriteFile(interopSeed, env.seed)
	srv.FS = fs
	srv.Start()
	t.Cleanup(srv.Close)
	if srv.LenientTLSEOF {
		t.Fatal("sim must stay strict about close_notify")
	}
	return srv, fs
}

func newPeerClient(kind string, o peers.ClientOptions) (peers.Client, error) {
	switch kind {
	case "curl":
		return peers.NewCurl(o)
	case "lftp":
		return peers.NewLftp(o)
	case "ftplib":
		return peers.NewFtplib(o)
	}
	return nil, fmt.Errorf("unknown client %q", kind)
}

// runInterop runs one client against a fresh server and checks the result
// on both sides: the client's exit status, output and files, and sim's
// stored bytes, data-connection evidence and transcript.
func runInterop(t *testing.T, env *interopEnv, sc interopServer, cc interopClient) {
	srv, fs := startInteropServer(t, env, sc)
	o := cc.opts
	o.Addr, o.Implicit = srv.Addr, sc.implicit
	if sc.implicit {
		o.Addr = srv.ImplicitAddr
	}
	o.CAFile, o.Dir = env.caFile, t.TempDir()
	o.User, o.Password = interopUser, interopPassword
	o.Timeout = 20 * time.Second
	c, err := newPeerClient(cc.kind, o)
	var nie *peers.NotInstalledError
	if errors.As(err, &nie) {
		t.Skip(nie.Error())
	}
	if err != nil {
		t.Fatalf("%s: %v", cc.name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	back := filepath.Join(o.Dir, "back.bin")
	var r *peers.Result
	if cc.op == "download" {
		r, err = c.Download(ctx, interopSeed, back)
	} else {
		r, err = c.Session(ctx, env.local, "up.bin", back)
	}
	if err != nil {
		t.Fatalf("%s: %v", cc.name, err)
	}
	t.Logf("%s: exit %d in %v, replies %v", r.Client, r.ExitCode, r.Duration.Round(time.Millisecond), r.Replies())
	defer func() {
		if t.Failed() {
			t.Logf("client:\n%s\nserver:\n%s", r, interopTranscripts(srv))
		}
	}()
	sess := interopSession(t, srv)
	if cc.refused != "" {
		checkRefused(t, r, sess, fs, sc, cc)
		return
	}
	if !r.OK() {
		t.Fatalf("%s failed", cc.name)
	}
	checkTransfers(t, env, r, sess, fs, sc, cc, back)
}

// interopSession returns the one session the client opened, once it has
// ended (the client process has exited, so sim sees the close shortly).
func interopSession(t *testing.T, srv *sim.Server) *sim.Session {
	t.Helper()
	ss := srv.Sessions()
	if len(ss) != 1 {
		t.Fatalf("%d control connections, want 1", len(ss))
	}
	select {
	case <-ss[0].Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("session %s still running after the client exited", ss[0].ID)
	}
	return ss[0]
}

// checkTransfers checks a successful run: listing, bytes on both sides and
// the evidence of every data connection.
func checkTransfers(t *testing.T, env *interopEnv, r *peers.Result, sess *sim.Session, fs *sim.MemFS, sc interopServer, cc interopClient, back string) {
	t.Helper()
	wantBack, verbs := env.sum, []string{"LIST", "STOR", "RETR"}
	if cc.op == "download" {
		wantBack, verbs = env.seedSum, []string{"RETR"}
	} else {
		if !strings.Contains(r.Stdout, interopSeed) {
			t.Errorf("listing lacks %s:\n%s", interopSeed, r.Stdout)
		}
		stored, err := fs.ReadFile("up.bin")
		if err != nil || sha256.Sum256(stored) != env.sum {
			t.Errorf("sim stored %d bytes (err %v), SHA-256 differs from the %d uploaded", len(stored), err, len(env.data))
		}
	}
	got, err := os.ReadFile(back)
	if err != nil || sha256.Sum256(got) != wantBack {
		t.Errorf("downloaded %d bytes (err %v), SHA-256 differs from the server's file", len(got), err)
	}
	version := uint16(tls.VersionTLS13)
	if cc.opts.TLS12 {
		version = tls.VersionTLS12
	}
	if got := sess.ControlTLS().Version; got != version {
		t.Errorf("control TLS %s, want %s", tls.VersionName(got), tls.VersionName(version))
	}
	evs := sess.Data()
	var seen []string
	for _, ev := range evs {
		verb, _, _ := strings.Cut(ev.Command, " ")
		seen = append(seen, verb)
		switch {
		case ev.Reply != 226 || !ev.Protected || ev.TLS.Version != version:
			t.Errorf("data %d %q: reply %d, protected %t, %s; want 226 over %s", ev.N, ev.Command, ev.Reply, ev.Protected, ev.TLS, tls.VersionName(version))
		case verb == "STOR" && (!ev.CloseNotify || ev.Bytes != int64(len(env.data))):
			t.Errorf("data %d %q: %d bytes, close_notify %t; want %d bytes ended by close_notify", ev.N, ev.Command, ev.Bytes, ev.CloseNotify, len(env.data))
		case cc.opts.Active == ev.Passive:
			t.Errorf("data %d %q: passive %t, want %t", ev.N, ev.Command, ev.Passive, !cc.opts.Active)
		}
		if sc.reuse != sim.ReuseOff && (!ev.TLS.Resumed || ev.TicketFrom != sess.ID) {
			t.Errorf("data %d %q: %s with a ticket of %q; reuse %s wants this session %q resumed",
				ev.N, ev.Command, ev.TLS, ev.TicketFrom, sc.reuse, sess.ID)
		}
	}
	if !slices.Equal(seen, verbs) {
		t.Errorf("data connections for %v, want %v", seen, verbs)
	}
}

// checkRefused checks that the first data connection was refused for not
// resuming, with sim's reply, and that the client reported that reply.
func checkRefused(t *testing.T, r *peers.Result, sess *sim.Session, fs *sim.MemFS, sc interopServer, cc interopClient) {
	t.Helper()
	want := sim.DefaultReplies[sim.ReplyReuseRequired]
	if r.OK() {
		t.Fatalf("%s succeeded; want the %d refusal (%s)", cc.name, want.Code, cc.refused)
	}
	if !r.HasReply(want.Code) || !strings.Contains(r.Trace, want.Lines[0]) {
		t.Errorf("client trace lacks %d %q; replies %v", want.Code, want.Lines[0], r.Replies())
	}
	if cc.kind == "ftplib" && !strings.Contains(r.Output, fmt.Sprintf("RESULT: FAIL list: ftplib.error_perm: %d ", want.Code)) {
		t.Errorf("ftplib did not fail LIST with error_perm %d:\n%s", want.Code, r.Output)
	}
	evs := sess.Data()
	if len(evs) != 1 {
		t.Fatalf("%d data connections, want 1 (the refused LIST)", len(evs))
	}
	ev := evs[0]
	note := "rejected: reuse policy " + sc.reuse.String()
	if ev.Reply != want.Code || ev.TLS.Resumed || ev.TicketFrom != "" || !slices.Contains(ev.Notes, note) {
		t.Errorf("data 1 %q: reply %d, %s, ticket of %q, notes %q; want %d, full handshake, no ticket, %q",
			ev.Command, ev.Reply, ev.TLS, ev.TicketFrom, ev.Notes, want.Code, note)
	}
	if _, err := fs.ReadFile("up.bin"); err == nil {
		t.Error("up.bin was stored although the session failed at LIST")
	}
}

// interopTranscripts renders every session's transcript, for failures.
func interopTranscripts(srv *sim.Server) string {
	var b strings.Builder
	for _, s := range srv.Sessions() {
		fmt.Fprintf(&b, "session %s:\n%s", s.ID, s.Transcript())
		for _, ev := range s.Data() {
			fmt.Fprintf(&b, "  data %d %q: reply %d, %s, %d bytes, close_notify %t, notes %q\n",
				ev.N, ev.Command, ev.Reply, ev.TLS, ev.Bytes, ev.CloseNotify, ev.Notes)
		}
	}
	return b.String()
}
