package clientsim

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// TestCommands runs every non-transfer operation against the fake.
func TestCommands(t *testing.T) {
	s := newFakeServer(t, fakeOpts{})
	s.setFile("a.txt", []byte("hello"))
	s.setFile("b.txt", []byte("hi"))
	c := loginFake(t, s)
	ctx := testCtx(t)
	feats, err := c.Features(ctx)
	if err != nil || feats["AUTH"] != "TLS" || feats["MLST"] != "type*;size*;modify*;" || feats["REST"] != "STREAM" {
		t.Fatalf("Features = %q, %v", feats, err)
	}
	if _, ok := feats["PBSZ"]; !ok {
		t.Errorf("PBSZ missing from %q", feats)
	}
	if dir, err := c.Pwd(ctx); err != nil || dir != `/a "quoted" dir` {
		t.Fatalf("Pwd = %q, %v", dir, err)
	}
	for name, f := range map[string]func() error{
		"Noop":      func() error { return c.Noop(ctx) },
		"Type":      func() error { return c.Type(ctx, "A") },
		"Cwd":       func() error { return c.Cwd(ctx, "/x") },
		"Cdup":      func() error { return c.Cdup(ctx) },
		"MakeDir":   func() error { return c.MakeDir(ctx, "d") },
		"RemoveDir": func() error { return c.RemoveDir(ctx, "d") },
		"Rename":    func() error { return c.Rename(ctx, "b.txt", "c.txt") },
	} {
		if err := f(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n, err := c.Size(ctx, "a.txt"); err != nil || n != 5 {
		t.Errorf("Size = %d, %v", n, err)
	}
	want := time.Date(2024, 1, 2, 3, 4, 5, 250e6, time.UTC)
	if mt, err := c.ModTime(ctx, "a.txt"); err != nil || !mt.Equal(want) {
		t.Errorf("ModTime = %v, %v", mt, err)
	}
	if e, err := c.MLST(ctx, "a.txt"); err != nil || e.Name != "a.txt" || e.Size != 5 || e.Type != "file" {
		t.Errorf("MLST = %+v, %v", e, err)
	}
	checkListings(t, c)
	if err := c.Delete(ctx, "a.txt"); err != nil {
		t.Errorf("Delete: %v", err)
	}
	_, err = c.Size(ctx, "a.txt")
	if ReplyCode(err) != 550 || PhaseOf(err) != PhaseReply || err.Error() != "clientsim: reply: SIZE a.txt: 550 a.txt: no such file" {
		t.Errorf("Size of deleted file: %v", err)
	}
	r, err := c.Quote(ctx, "SITE CHMOD 644 x")
	if err != nil || r.Code != 502 {
		t.Errorf("Quote = %v, %v", r, err)
	}
}

func checkListings(t *testing.T, c *Conn) {
	t.Helper()
	ctx := testCtx(t)
	if names, err := c.NameList(ctx, ""); err != nil || strings.Join(names, ",") != "a.txt,c.txt" {
		t.Errorf("NameList = %q, %v", names, err)
	}
	if lines, err := c.List(ctx, "/"); err != nil || len(lines) != 2 || !strings.HasSuffix(lines[0], " a.txt") {
		t.Errorf("List = %q, %v", lines, err)
	}
	entries, err := c.MLSD(ctx, "")
	if err != nil || len(entries) != 2 {
		t.Fatalf("MLSD = %+v, %v", entries, err)
	}
	if e := entries[0]; e.Name != "a.txt" || e.Size != 5 || e.Perm != "r" || e.Unique != "u5" || e.ModTime.Year() != 2024 {
		t.Errorf("MLSD[0] = %+v", e)
	}
}

// TestLoginFailures checks wrong credentials and the TLS-required guard.
func TestLoginFailures(t *testing.T) {
	s := newFakeServer(t, fakeOpts{})
	c, err := dialFake(t, s)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Login(testCtx(t), "ftpsim", "wrong")
	if PhaseOf(err) != PhaseLogin || ReplyCode(err) != 530 {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(c.Transcript().String(), "wrong") {
		t.Fatalf("password in transcript:\n%s", c.Transcript())
	}
	// A Conn whose control connection is not protected refuses to log in
	// when TLS is required (cannot come out of Dial; forced here).
	c.mu.Lock()
	c.secured = false
	c.mu.Unlock()
	before := len(s.commands())
	err = c.Login(testCtx(t), "ftpsim", "ftpsim")
	if !errors.Is(err, ErrTLSRequired) || len(s.commands()) != before {
		t.Fatalf("err = %v, commands %q", err, s.commands()[before:])
	}
}

// TestTranscriptAndLogger checks the transcript's content and the logger.
func TestTranscriptAndLogger(t *testing.T) {
	s := newFakeServer(t, fakeOpts{})
	s.setFile("f", []byte("x"))
	var logs bytes.Buffer
	tr := &ftp.Transcript{}
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := loginFake(t, s, WithTranscript(tr), WithLogger(logger))
	if c.Transcript() != tr {
		t.Fatal("Transcript() is not the one given")
	}
	c.Retrieve(testCtx(t), "f", &bytes.Buffer{})
	text := tr.String()
	for _, want := range []string{"> PASS ****", "< 230", "~ control handshake done: TLS 1.3", "= dialed data", "with close_notify", "~ data handshake done"} {
		if !strings.Contains(text, want) {
			t.Errorf("transcript lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(logs.String(), "PASS ****") || strings.Contains(logs.String(), "PASS ftpsim") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

// TestCloseAndBroken checks Close idempotence, ErrClosed afterwards, and
// that a reply timeout leaves the Conn refusing further operations.
func TestCloseAndBroken(t *testing.T) {
	s := newFakeServer(t, fakeOpts{})
	c := loginFake(t, s)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := c.Noop(testCtx(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Noop after Close: %v", err)
	}

	// A context that ended before anything was sent leaves the Conn usable.
	c = loginFake(t, s)
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	if err := c.Noop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Noop with cancelled ctx: %v", err)
	}
	if err := c.Noop(testCtx(t)); err != nil {
		t.Fatalf("Noop after a cancelled one: %v", err)
	}

	// A reply that never comes leaves the stream out of step: the Conn
	// refuses further operations.
	s2 := newFakeServer(t, fakeOpts{silent: "SYST"})
	c = loginFake(t, s2, WithTimeouts(Timeouts{Reply: 300 * time.Millisecond}))
	if _, err := c.Quote(testCtx(t), "SYST"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("SYST: %v", err)
	}
	if err := c.Noop(testCtx(t)); err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Fatalf("Noop after failure: %v", err)
	}
}

// TestCloseInterruptsTransfer closes the Conn from another goroutine in the
// middle of a download and checks that the download returns.
func TestCloseInterruptsTransfer(t *testing.T) {
	s := newFakeServer(t, fakeOpts{stallRetr: true})
	s.setFile("big", randomBytes(t, 1<<20))
	c := loginFake(t, s)
	started := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		_, err := c.Retrieve(testCtx(t), "big", &signalWriter{first: started})
		errc <- err
	}()
	<-started
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-errc:
		if err == nil || PhaseOf(err) != PhaseTransfer {
			t.Fatalf("Retrieve err = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("transfer still running after Close")
	}
}
