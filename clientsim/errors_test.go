package clientsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

func TestErrorFormatAndHelpers(t *testing.T) {
	reply := replyErr(ftp.Reply{Code: 522, Lines: []string{"SSL connection failed; session reuse required"}})
	err := error(&Error{Phase: PhaseDataTLS, Op: "RETR a.bin", Err: reply})
	if got, want := err.Error(), "clientsim: data-tls: RETR a.bin: 522 SSL connection failed; session reuse required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 522 || ReplyCode(err) != 522 || PhaseOf(err) != PhaseDataTLS {
		t.Errorf("helpers: code %d phase %q", ReplyCode(err), PhaseOf(err))
	}
	wrapped := fmt.Errorf("scenario: %w", err)
	if ReplyCode(wrapped) != 522 || PhaseOf(wrapped) != PhaseDataTLS {
		t.Error("helpers do not see through wrapping")
	}
	if ReplyCode(io.EOF) != 0 || PhaseOf(io.EOF) != "" {
		t.Error("helpers on a foreign error")
	}
	if (&Error{Phase: PhaseConnect, Err: io.EOF}).Error() != "clientsim: connect: EOF" {
		t.Error("Error() without Op")
	}
	multi := replyErr(ftp.Reply{Code: 550, Lines: []string{"first", "second"}})
	if multi.Error() != "550 first second" {
		t.Errorf("multi-line reply = %q", multi)
	}
	if replyErr(ftp.Reply{Code: 226}) != nil {
		t.Error("positive reply as error")
	}
	u := unexpected(ftp.Reply{Code: 200, Lines: []string{"AUTH ok; starting SSL"}})
	if !errors.Is(u, ErrUnexpectedReply) || ReplyCode(u) != 200 {
		t.Errorf("unexpected() = %v", u)
	}
}

// TestPrelimReplyPhases checks how a negative answer to the transfer
// command is classified.
func TestPrelimReplyPhases(t *testing.T) {
	cases := map[int]Phase{425: PhaseDataConnect, 521: PhaseDataTLS, 522: PhaseDataTLS, 550: PhaseTransfer, 451: PhaseTransfer}
	for code, want := range cases {
		if got := prelimPhase(code); got != want {
			t.Errorf("prelimPhase(%d) = %q, want %q", code, got, want)
		}
	}
	s := newFakeServer(t, fakeOpts{})
	c := loginFake(t, s)
	_, err := c.Retrieve(testCtx(t), "missing", &bytes.Buffer{})
	if PhaseOf(err) != PhaseTransfer || ReplyCode(err) != 550 {
		t.Fatalf("err = %v", err)
	}
	if err := c.Noop(testCtx(t)); err != nil {
		t.Fatalf("Noop: %v", err)
	}
}

// TestContextBoundsDial checks that a dial to a server that never greets
// ends with the context, not the (longer) Reply timeout.
func TestContextBoundsDial(t *testing.T) {
	s := newFakeServer(t, fakeOpts{implicit: true}) // waits for a ClientHello
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Dial(ctx, s.addr, WithRootCAs(s.cert.pool))
	if !errors.Is(err, context.DeadlineExceeded) || PhaseOf(err) != PhaseConnect {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

// TestNoGoroutineSurvivesClose runs a busy session (passive, active,
// failed data handshakes, ABOR) and checks that the goroutine count comes
// back to where it was once the Conn and the server are closed.
func TestNoGoroutineSurvivesClose(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		s := newFakeServer(t, fakeOpts{requireReuse: true})
		defer s.Close()
		s.setFile("f", randomBytes(t, 100<<10))
		for _, opts := range [][]Option{nil, {WithActive(PORT)}, {WithSessionReuse(ReuseNone)}} {
			c := loginFake(t, s, opts...)
			c.Retrieve(testCtx(t), "f", io.Discard)
			c.Store(testCtx(t), "g", strings.NewReader("x"))
			c.Abort(testCtx(t))
			c.Close()
		}
	}()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), clientGoroutines())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
