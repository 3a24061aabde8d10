package clientsim

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Phase names the step of a session in which an error happened. Scenario
// reports and matchers classify failures by phase first, then by the
// wrapped error.
type Phase string

// The phases of a session, in the order a transfer goes through them.
const (
	PhaseConnect     Phase = "connect"      // TCP dial of the control connection, greeting
	PhaseTLS         Phase = "tls"          // AUTH, control handshake, PBSZ/PROT, CCC
	PhaseLogin       Phase = "login"        // USER, PASS
	PhaseDataConnect Phase = "data-connect" // EPSV/PASV/PORT/EPRT, data dial or accept
	PhaseDataTLS     Phase = "data-tls"     // data handshake, or a 522 reply for the data connection
	PhaseTransfer    Phase = "transfer"     // the bytes of a transfer and its final reply
	PhaseReply       Phase = "reply"        // any other command
)

var (
	// ErrTruncated marks a data stream that ended without a TLS close_notify:
	// the server (or something between) closed TCP, so the client cannot know
	// whether it received everything. See [WithLenientTLSEOF].
	ErrTruncated = errors.New("data connection closed without TLS close_notify")

	// ErrTLSRequired is returned when the client requires TLS and the server
	// refuses AUTH, answers it with a code other than 234, or the client is
	// asked to log in on a control connection that is not protected.
	ErrTLSRequired = errors.New("tls required but not negotiated")

	// ErrUnexpectedReply marks a reply whose code the client did not expect
	// at that point, such as 200 to AUTH TLS or 226 without a preliminary
	// 150. The reply itself is wrapped next to it as a [*textproto.Error].
	ErrUnexpectedReply = errors.New("unexpected reply")

	// ErrPinMismatch is returned by the handshake when the server's leaf
	// certificate does not match the digest given to [WithPinnedCertificate].
	ErrPinMismatch = errors.New("server certificate does not match the pinned digest")

	// ErrAborted marks a transfer that [Conn.Abort] interrupted.
	ErrAborted = errors.New("transfer aborted")

	// ErrClosed is returned by operations on a [Conn] after [Conn.Close].
	ErrClosed = errors.New("connection closed")
)

// Error is the error every operation of this package returns. Err holds
// the cause unchanged: a [*textproto.Error] for an FTP reply, crypto/tls
// and crypto/x509 errors for TLS and certificates, [*net.OpError] for the
// network, and the sentinels of this package; [errors.As] and [errors.Is]
// see through Error to all of them.
type Error struct {
	Phase Phase  // where it happened
	Op    string // what was being done, e.g. "RETR a.bin" or "dial data 127.0.0.1:30001"
	Err   error  // the cause
}

// Error renders "clientsim: <phase>: <op>: <cause>".
func (e *Error) Error() string {
	if e.Op == "" {
		return fmt.Sprintf("clientsim: %s: %v", e.Phase, e.Err)
	}
	return fmt.Sprintf("clientsim: %s: %s: %v", e.Phase, e.Op, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ReplyCode returns the FTP reply code carried by err (the first
// [*textproto.Error] in its chain), or 0 when there is none.
func ReplyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// PhaseOf returns the phase of the first [*Error] in err's chain, or ""
// when err did not come from this package.
func PhaseOf(err error) Phase {
	var e *Error
	if errors.As(err, &e) {
		return e.Phase
	}
	return ""
}

// newError wraps cause into an *Error unless it already is one.
func newError(phase Phase, op string, cause error) error {
	if cause == nil {
		return nil
	}
	var e *Error
	if errors.As(cause, &e) {
		return cause
	}
	return &Error{Phase: phase, Op: op, Err: cause}
}

// replyError is a reply as an error: it reads like the wire ("550 no such
// file", where *textproto.Error would quote the text) and unwraps to the
// *textproto.Error that [ReplyCode] and errors.As look for.
type replyError struct{ te *textproto.Error }

func (e replyError) Error() string {
	return fmt.Sprintf("%03d %s", e.te.Code, strings.ReplaceAll(e.te.Msg, "\n", " "))
}

func (e replyError) Unwrap() error { return e.te }

// replyErr returns the reply as an error, or nil when it is positive.
func replyErr(r ftp.Reply) error {
	if ftp.Positive(r.Code) {
		return nil
	}
	return replyError{&textproto.Error{Code: r.Code, Msg: r.Message()}}
}

// unexpected builds the cause for a reply the client did not expect.
func unexpected(r ftp.Reply) error {
	return fmt.Errorf("%w: %w", ErrUnexpectedReply, replyError{&textproto.Error{Code: r.Code, Msg: r.Message()}})
}

// both joins a primary error (shown first) with a secondary cause; both
// stay reachable through errors.Is and errors.As.
func both(primary, secondary error) error {
	switch {
	case primary == nil:
		return secondary
	case secondary == nil:
		return primary
	}
	return fmt.Errorf("%w (%w)", primary, secondary)
}

// withContext puts the context's error in front of err when the context
// ended, so callers see context.Canceled or DeadlineExceeded and not only
// the i/o timeout it caused. A deadline that the connection reached a
// moment before the context's timer fired counts as the context's.
func withContext(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	cause := context.Cause(ctx)
	if cause == nil {
		dl, ok := ctx.Deadline()
		if !ok || time.Now().Before(dl) || !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		cause = context.DeadlineExceeded
	}
	if errors.Is(err, cause) {
		return err
	}
	return fmt.Errorf("%w: %w", cause, err)
}
