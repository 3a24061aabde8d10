package clientsim_test

// Integration tests: clientsim against the in-process server sim, over
// real loopback TCP and real crypto/tls, in TLS 1.2 and TLS 1.3. The
// unit tests of package clientsim use a scripted fake; these show that the
// two halves of ftpsim agree with each other on every command, mode,
// reuse policy and certificate failure, and that both sides record the
// same story (client TLSEvidence, server DataEvidence and transcripts).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// simVersions is the TLS matrix every integration test runs.
var simVersions = []uint16{tls.VersionTLS12, tls.VersionTLS13}

// simTimeouts keeps a failing step short without making a loaded -race
// run flaky.
var simTimeouts = clientsim.Timeouts{Connect: 5 * time.Second, Reply: 5 * time.Second,
	Data: 5 * time.Second, TLSHandshake: 5 * time.Second, CloseNotify: 5 * time.Second}

// checkLeaks fails t if, once t and its subtests are done and their
// cleanups (Conn.Close, Server.Close) have run, a goroutine started during
// t is still alive. Top-level tests using it must not call t.Parallel, so
// that no other test's goroutines are counted.
func checkLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func simCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// startSim starts a server after configure has changed its settings, and
// closes it when t ends.
func startSim(t testing.TB, configure func(*sim.Server)) *sim.Server {
	t.Helper()
	srv := sim.NewUnstartedServer()
	if configure != nil {
		configure(srv)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// dialSim dials srv's explicit address, trusting its CA; opts come after
// the defaults and may override them.
func dialSim(t testing.TB, srv *sim.Server, opts ...clientsim.Option) (*clientsim.Conn, error) {
	return dialSimAt(t, srv.Addr, srv, opts...)
}

func dialSimAt(t testing.TB, addr string, srv *sim.Server, opts ...clientsim.Option) (*clientsim.Conn, error) {
	base := []clientsim.Option{clientsim.WithRootCAs(srv.RootCAs()), clientsim.WithTimeouts(simTimeouts)}
	c, err := clientsim.Dial(simCtx(t), addr, append(base, opts...)...)
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// loginSim dials and logs in with the default account, failing t on error.
func loginSim(t testing.TB, srv *sim.Server, opts ...clientsim.Option) *clientsim.Conn {
	t.Helper()
	c, err := dialSim(t, srv, opts...)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	if err := c.Login(simCtx(t), sim.DefaultUser, sim.DefaultPassword); err != nil {
		t.Fatalf("Login: %v\n%s", err, c.Transcript())
	}
	return c
}

// randomBytes returns n deterministic pseudo-random bytes.
func randomBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

// lastSession returns the server's newest session.
func lastSession(t testing.TB, srv *sim.Server) *sim.Session {
	t.Helper()
	ss := srv.Sessions()
	if len(ss) == 0 {
		t.Fatal("server has no session")
	}
	return ss[len(ss)-1]
}

// simEnv is one logged-in client and its server, for the command tests.
type simEnv struct {
	t   *testing.T
	ctx context.Context
	srv *sim.Server
	mem *sim.MemFS
	c   *clientsim.Conn
	now time.Time // the server's and client's fixed clock
	ver uint16
}

// TestSimCommands runs the whole command set of clientsim against sim over
// explicit FTPS, in TLS 1.2 and 1.3, and checks every result on both ends:
// what the client returned, what the server stored, and the TLS evidence
// of every data connection.
func TestSimCommands(t *testing.T) {
	checkLeaks(t)
	for _, v := range simVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			t.Parallel()
			now := time.Now().UTC().Truncate(time.Second)
			clock := func() time.Time { return now }
			srv := startSim(t, func(s *sim.Server) { s.Now = clock })
			e := &simEnv{t: t, ctx: simCtx(t), srv: srv, mem: srv.FS.(*sim.MemFS), now: now, ver: v,
				c: loginSim(t, srv, clientsim.WithTLSVersions(v, v), clientsim.WithClock(clock))}
			big := randomBytes(4<<20, 1)
			e.session()
			e.dirsAndListings(big)
			e.resume(big)
			e.fileOps()
			e.typeA()
			e.dataEvidence()
			e.quit()
		})
	}
}

func (e *simEnv) session() {
	t, ctx, c := e.t, e.ctx, e.c
	if cs, ok := c.ControlTLS(); !ok || cs.Version != e.ver {
		t.Fatalf("client ControlTLS = %x, %v; want %x", cs.Version, ok, e.ver)
	}
	if got := lastSession(t, e.srv).ControlTLS(); got.Version != e.ver || got.ServerName != "" {
		t.Fatalf("server ControlTLS = %+v (no SNI expected when dialing an IP)", got)
	}
	feats, err := c.Features(ctx)
	if err != nil {
		t.Fatalf("Features: %v", err)
	}
	if !slices.Contains(strings.Split(feats["AUTH"], ";"), "TLS") {
		t.Errorf("Features AUTH = %q, want TLS among the mechanisms (all: %q)", feats["AUTH"], feats)
	}
	for _, f := range []string{"PBSZ", "PROT", "EPSV", "MLST", "SIZE", "MDTM"} {
		if _, ok := feats[f]; !ok {
			t.Errorf("Features lacks %s: %q", f, feats)
		}
	}
	if err := c.Noop(ctx); err != nil {
		t.Fatalf("Noop: %v", err)
	}
	if dir, err := c.Pwd(ctx); err != nil || dir != "/" {
		t.Fatalf("Pwd = %q, %v", dir, err)
	}
}

// dirsAndListings: MakeDir, Cwd, Pwd, Store, Retrieve, the listings, MLST,
// Size, ModTime, Cdup, RemoveDir.
func (e *simEnv) dirsAndListings(big []byte) {
	t, ctx, c := e.t, e.ctx, e.c
	must(t, "MakeDir dir", c.MakeDir(ctx, "dir"))
	must(t, "Cwd dir", c.Cwd(ctx, "dir"))
	if dir, err := c.Pwd(ctx); err != nil || dir != "/dir" {
		t.Fatalf("Pwd after Cwd = %q, %v", dir, err)
	}
	must(t, "MakeDir sub", c.MakeDir(ctx, "sub"))
	if n, err := c.Store(ctx, "big.bin", bytes.NewReader(big)); err != nil || n != int64(len(big)) {
		t.Fatalf("Store = %d, %v", n, err)
	}
	stored, err := e.mem.ReadFile("/dir/big.bin")
	if err != nil || sha256.Sum256(stored) != sha256.Sum256(big) {
		t.Fatalf("server copy: %d bytes, %v; SHA-256 differs from what was sent", len(stored), err)
	}
	h := sha256.New()
	if n, err := c.Retrieve(ctx, "big.bin", h); err != nil || n != int64(len(big)) {
		t.Fatalf("Retrieve = %d, %v", n, err)
	}
	if want := sha256.Sum256(big); !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("Retrieve: SHA-256 differs from what was stored")
	}
	e.listings(len(big))
	must(t, "Cdup", c.Cdup(ctx))
	if dir, err := c.Pwd(ctx); err != nil || dir != "/" {
		t.Fatalf("Pwd after Cdup = %q, %v", dir, err)
	}
	must(t, "RemoveDir", c.RemoveDir(ctx, "dir/sub"))
	if names, err := c.NameList(ctx, "dir"); err != nil || !slices.Equal(names, []string{"big.bin"}) {
		t.Fatalf("NameList after RemoveDir = %q, %v", names, err)
	}
}

func (e *simEnv) listings(size int) {
	t, ctx, c := e.t, e.ctx, e.c
	lines, err := c.List(ctx, "")
	if err != nil || len(lines) != 2 || !strings.HasPrefix(lines[0], "-") || !strings.HasSuffix(lines[0], " big.bin") ||
		!strings.HasPrefix(lines[1], "d") || !strings.HasSuffix(lines[1], " sub") {
		t.Fatalf("List = %q, %v", lines, err)
	}
	if names, err := c.NameList(ctx, ""); err != nil || !slices.Equal(names, []string{"big.bin", "sub"}) {
		t.Fatalf("NameList = %q, %v", names, err)
	}
	ents, err := c.MLSD(ctx, "")
	if err != nil || len(ents) != 2 {
		t.Fatalf("MLSD = %+v, %v", ents, err)
	}
	if f, d := ents[0], ents[1]; f.Name != "big.bin" || f.Type != "file" || f.Size != int64(size) ||
		!f.ModTime.Equal(e.now) || d.Name != "sub" || d.Type != "dir" {
		t.Fatalf("MLSD entries = %+v", ents)
	}
	ent, err := c.MLST(ctx, "big.bin")
	if err != nil || ent.Name != "/dir/big.bin" || ent.Type != "file" || ent.Size != int64(size) || !ent.ModTime.Equal(e.now) {
		t.Fatalf("MLST = %+v, %v", ent, err)
	}
	if n, err := c.Size(ctx, "big.bin"); err != nil || n != int64(size) {
		t.Fatalf("Size = %d, %v", n, err)
	}
	if mt, err := c.ModTime(ctx, "big.bin"); err != nil || !mt.Equal(e.now) {
		t.Fatalf("ModTime = %v, %v; want %v", mt, err, e.now)
	}
}

// resume: RetrieveFrom (REST then RETR) and StoreFrom (upload half, then
// REST and STOR of the rest).
func (e *simEnv) resume(big []byte) {
	t, ctx, c := e.t, e.ctx, e.c
	const off = 1<<20 + 17
	var tail bytes.Buffer
	if n, err := c.RetrieveFrom(ctx, "dir/big.bin", off, &tail); err != nil || n != int64(len(big)-off) {
		t.Fatalf("RetrieveFrom = %d, %v", n, err)
	}
	if !bytes.Equal(tail.Bytes(), big[off:]) {
		t.Fatal("RetrieveFrom: bytes differ from the file's tail")
	}
	half := len(big) / 2
	if _, err := c.Store(ctx, "resume.bin", bytes.NewReader(big[:half])); err != nil {
		t.Fatalf("Store first half: %v", err)
	}
	if n, err := c.StoreFrom(ctx, "resume.bin", int64(half), bytes.NewReader(big[half:])); err != nil || n != int64(len(big)-half) {
		t.Fatalf("StoreFrom = %d, %v", n, err)
	}
	got, err := e.mem.ReadFile("/resume.bin")
	if err != nil || sha256.Sum256(got) != sha256.Sum256(big) {
		t.Fatalf("resumed upload: %d bytes, %v; SHA-256 of the whole differs", len(got), err)
	}
}

// fileOps: Append, StoreUnique, Rename, Delete.
func (e *simEnv) fileOps() {
	t, ctx, c := e.t, e.ctx, e.c
	if _, err := c.Store(ctx, "app.txt", strings.NewReader("hello, ")); err != nil {
		t.Fatalf("Store: %v", err)
	}
	if n, err := c.Append(ctx, "app.txt", strings.NewReader("world")); err != nil || n != 5 {
		t.Fatalf("Append = %d, %v", n, err)
	}
	if got, _ := e.mem.ReadFile("/app.txt"); string(got) != "hello, world" {
		t.Fatalf("after Append the server holds %q", got)
	}
	name, n, err := c.StoreUnique(ctx, strings.NewReader("unique"))
	if err != nil || n != 6 || name == "" {
		t.Fatalf("StoreUnique = %q, %d, %v\n%s", name, n, err, c.Transcript())
	}
	if got, err := e.mem.ReadFile("/" + name); err != nil || string(got) != "unique" {
		t.Fatalf("STOU file %q on the server = %q, %v", name, got, err)
	}
	must(t, "Rename", c.Rename(ctx, "app.txt", "renamed.txt"))
	if _, err := e.mem.ReadFile("/app.txt"); !errors.Is(err, sim.ErrNotFound) {
		t.Fatalf("old name after Rename: %v", err)
	}
	if got, _ := e.mem.ReadFile("/renamed.txt"); string(got) != "hello, world" {
		t.Fatalf("new name after Rename holds %q", got)
	}
	must(t, "Delete", c.Delete(ctx, "renamed.txt"))
	if _, err := e.mem.ReadFile("/renamed.txt"); !errors.Is(err, sim.ErrNotFound) {
		t.Fatalf("after Delete: %v", err)
	}
	err = c.Delete(ctx, "renamed.txt")
	if clientsim.PhaseOf(err) != clientsim.PhaseReply || clientsim.ReplyCode(err) != 550 {
		t.Fatalf("Delete of a missing file = %v, want phase reply and 550", err)
	}
}

// typeA: TYPE A converts CRLF to the server's LF on upload and back on
// download; SIZE counts the wire form.
func (e *simEnv) typeA() {
	t, ctx, c := e.t, e.ctx, e.c
	const wire, stored = "one\r\ntwo\r\n\r\nthree\r\n", "one\ntwo\n\nthree\n"
	must(t, "Type A", c.Type(ctx, "A"))
	if _, err := c.Store(ctx, "text.txt", strings.NewReader(wire)); err != nil {
		t.Fatalf("Store in TYPE A: %v", err)
	}
	if got, _ := e.mem.ReadFile("/text.txt"); string(got) != stored {
		t.Fatalf("server stored %q, want %q (CRLF to LF)", got, stored)
	}
	if n, err := c.Size(ctx, "text.txt"); err != nil || n != int64(len(wire)) {
		t.Fatalf("Size in TYPE A = %d, %v; want %d", n, err, len(wire))
	}
	var back bytes.Buffer
	if _, err := c.Retrieve(ctx, "text.txt", &back); err != nil || back.String() != wire {
		t.Fatalf("Retrieve in TYPE A = %q, %v; want %q", back.String(), err, wire)
	}
	must(t, "Type I", c.Type(ctx, "I"))
	if n, err := c.Size(ctx, "text.txt"); err != nil || n != int64(len(stored)) {
		t.Fatalf("Size in TYPE I = %d, %v; want %d", n, err, len(stored))
	}
}

// dataEvidence: every data connection of the session was protected with
// the session's TLS version, resumed the control session's ticket, and
// ended with 226; every upload ended with the client's close_notify.
func (e *simEnv) dataEvidence() {
	t := e.t
	sess := lastSession(t, e.srv)
	data := sess.Data()
	if len(data) != 14 {
		t.Fatalf("server saw %d data connections, want 14", len(data))
	}
	for _, d := range data {
		if !d.Protected || d.TLS.Version != e.ver || !d.TLS.Resumed || d.TicketFrom != sess.ID || d.Reply != 226 {
			t.Errorf("data connection %d (%s): %+v", d.N, d.Command, d)
		}
		upload := strings.HasPrefix(d.Command, "STOR") || strings.HasPrefix(d.Command, "APPE") || strings.HasPrefix(d.Command, "STOU")
		if upload && !d.CloseNotify {
			t.Errorf("upload %d (%s) did not end with close_notify", d.N, d.Command)
		}
	}
	for _, l := range e.c.Transcript().Lines(ftp.EntryData) {
		if strings.HasPrefix(l, "uploaded ") && !strings.Contains(l, "server's close_notify seen") {
			t.Errorf("upload did not end with the server's close_notify: %q", l)
		}
	}
	for _, ev := range e.c.Evidence()[1:] {
		if ev.Channel != "data" || ev.Err != nil || !ev.Resumed || ev.Version != e.ver {
			t.Errorf("client data evidence %+v", ev)
		}
	}
}

func (e *simEnv) quit() {
	t := e.t
	sess := lastSession(t, e.srv)
	if err := e.c.Quit(e.ctx); err != nil {
		t.Fatalf("Quit: %v", err)
	}
	select {
	case <-sess.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("server session still running after QUIT")
	}
	if cmds := sess.Transcript().Lines(ftp.EntryCommand); cmds[len(cmds)-1] != "QUIT" {
		t.Fatalf("last command the server saw = %q", cmds[len(cmds)-1])
	}
	if err := e.c.Noop(e.ctx); !errors.Is(err, clientsim.ErrClosed) {
		t.Fatalf("Noop after Quit = %v, want ErrClosed", err)
	}
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
