package sim

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Session is one control connection and everything it opened. Its methods
// are safe to call from tests while it runs.
type Session struct {
	// ID names the session in logs, transcripts and TLS tickets ("s1", ...).
	ID string
	// RemoteAddr is the client's address as the server sees it.
	RemoteAddr netip.AddrPort
	// LocalAddr is the server's address on this connection.
	LocalAddr netip.AddrPort
	// Implicit is true for a session accepted on the implicit-FTPS listener.
	Implicit bool

	srv        *Server
	transcript *ftp.Transcript
	done       chan struct{}

	mu         sync.Mutex // guards what tests read, and conn swaps
	raw        net.Conn   // the TCP connection
	ctrl       net.Conn   // raw or the TLS connection on it
	tlsConn    *tls.Conn
	rec        *recordConn
	user       string
	controlTLS TLSEvidence
	data       []DataEvidence
	pasv       net.Listener
	xfer       *transfer

	wmu sync.Mutex // serializes replies
	r   *bufio.Reader

	// Protocol state, owned by the control goroutine.
	pendingUser string
	loggedIn    bool
	perm        Perm
	pbsz        bool
	prot        byte // 'C' or 'P'
	cwd         string
	ascii       bool
	rest        int64
	renameFrom  string
	epsvAll     bool
	activeAddr  netip.AddrPort
	nTransfers  int
}

func newSession(srv *Server, conn net.Conn, implicit bool, id string) *Session {
	sess := &Session{
		ID: id, Implicit: implicit, srv: srv,
		RemoteAddr: addrOf(conn.RemoteAddr()), LocalAddr: addrOf(conn.LocalAddr()),
		transcript: &ftp.Transcript{Now: srv.Now},
		done:       make(chan struct{}),
		raw:        conn, ctrl: conn, prot: 'C', cwd: "/",
	}
	if srv.OnTranscript != nil {
		sess.transcript.Tee = func(e ftp.Entry) { srv.OnTranscript(sess, e) }
	}
	sess.r = bufio.NewReaderSize(conn, 4096)
	return sess
}

// Transcript is a session's log of commands, replies, TLS and data events.
type Transcript = ftp.Transcript

// TranscriptEntry is one line of a [Transcript].
type TranscriptEntry = ftp.Entry

// Transcript returns the session's transcript: every command (PASS
// redacted), reply, TLS and data-connection event.
func (sess *Session) Transcript() *Transcript { return sess.transcript }

// Done is closed when the session has ended and released everything.
func (sess *Session) Done() <-chan struct{} { return sess.done }

// User returns the logged-in user name, or "".
func (sess *Session) User() string {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	return sess.user
}

// ControlTLS returns the control connection's TLS evidence (zero if the
// control connection never used TLS).
func (sess *Session) ControlTLS() TLSEvidence {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	return sess.controlTLS
}

// Data returns the evidence of every data connection so far.
func (sess *Session) Data() []DataEvidence {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	return append([]DataEvidence(nil), sess.data...)
}

// refuse sends a refusal reply and closes, for connections over a limit.
func (sess *Session) refuse(key ReplyKey) {
	defer sess.finish()
	sess.transcript.Add(ftp.EntryNote, "connection refused: %s", key)
	sess.raw.SetWriteDeadline(time.Now().Add(5 * time.Second))
	sess.send(sess.srv.reply(key))
}

func (sess *Session) run() {
	defer sess.finish()
	sess.srv.logger().Info("session start", "session", sess.ID, "peer", sess.RemoteAddr.String(), "implicit", sess.Implicit)
	if sess.Implicit {
		if err := sess.startTLS(nil); err != nil {
			return
		}
		sess.prot = 'P' // MS-FTPS: implicit FTPS protects data by default
	}
	sess.send(sess.srv.reply(ReplyGreeting))
	for {
		cmd, stop := sess.next()
		if stop {
			return
		}
		if cmd.Verb == "" {
			continue
		}
		if sess.dispatch(cmd) {
			return
		}
	}
}

// next reads one command. stop reports that the session must end.
func (sess *Session) next() (cmd ftp.Command, stop bool) {
	for {
		sess.armIdle()
		line, err := ftp.ReadLine(sess.r, sess.srv.MaxLine)
		switch {
		case err == nil:
		case errors.Is(err, ftp.ErrLineTooLong):
			sess.transcript.Add(ftp.EntryNote, "command line over %d bytes refused", sess.maxLine())
			sess.send(sess.srv.reply(ReplyLineTooLong))
			return ftp.Command{}, false
		case errors.Is(err, os.ErrDeadlineExceeded):
			if sess.transferRunning() {
				continue // the control connection may idle during a transfer
			}
			sess.transcript.Add(ftp.EntryNote, "idle for %s", sess.srv.idleTimeout())
			sess.send(sess.srv.reply(ReplyIdleTimeout))
			return ftp.Command{}, true
		default:
			sess.transcript.Add(ftp.EntryNote, "control connection ended: %v", err)
			return ftp.Command{}, true
		}
		cmd, err := ftp.ParseCommand(line)
		if errors.Is(err, ftp.ErrEmptyCommand) {
			return ftp.Command{}, false
		}
		if err != nil {
			sess.transcript.Add(ftp.EntryCommand, "%q", line)
			sess.reply(ftp.CodeSyntaxError, "Syntax error: %v.", err)
			return ftp.Command{}, false
		}
		sess.transcript.Add(ftp.EntryCommand, "%s", cmd.Redacted())
		return cmd, false
	}
}

// armIdle sets the control connection's idle deadline: none while a
// transfer runs, IdleTimeout otherwise. The end of a transfer arms it
// again, so idle time counts from there. A deadline never fires while a
// transfer runs: a timed-out read would drop a partly received command.
func (sess *Session) armIdle() {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	deadline := time.Now().Add(sess.srv.idleTimeout())
	if sess.xfer != nil {
		deadline = time.Time{}
	}
	sess.ctrl.SetReadDeadline(deadline)
}

func (sess *Session) maxLine() int {
	if sess.srv.MaxLine > 0 {
		return sess.srv.MaxLine
	}
	return ftp.MaxLine
}

// dispatch runs one command; a panic in a handler becomes a 500 for this
// session only. It reports whether the session must end.
func (sess *Session) dispatch(cmd ftp.Command) (stop bool) {
	defer func() {
		if p := recover(); p != nil {
			sess.srv.logger().Error("handler panic", "session", sess.ID, "command", cmd.Verb, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			sess.transcript.Add(ftp.EntryNote, "internal error in %s: %v", cmd.Verb, p)
			sess.reply(ftp.CodeSyntaxError, "Internal server error handling %s.", cmd.Verb)
			stop = false
		}
	}()
	if sess.gated(cmd.Verb) {
		return false
	}
	h, ok := commands[cmd.Verb]
	if !ok {
		sess.send(sess.srv.replyVars(ReplyUnknownCommand, "{verb}", cmd.Verb))
		return false
	}
	if !h.duringTransfer {
		sess.waitTransfer()
	}
	if h.needLogin && !sess.loggedIn {
		sess.send(sess.srv.reply(ReplyNotLoggedIn))
		return false
	}
	if h.write && sess.perm == PermReadOnly {
		sess.send(sess.srv.reply(ReplyDenied))
		return false
	}
	return h.fn(sess, cmd.Arg)
}

// gated answers a command that [Server.PreTLSCommands] or
// [Server.PreLoginCommands] keep out, and reports whether it did.
func (sess *Session) gated(verb string) bool {
	srv := sess.srv
	if srv.PreTLSCommands != nil && srv.ControlTLS == TLSRequired && sess.tlsConn == nil &&
		!slices.Contains(srv.PreTLSCommands, verb) {
		sess.transcript.Add(ftp.EntryNote, "%s refused: TLS is required first", verb)
		sess.send(srv.replyVars(ReplyTLSRequired, "{verb}", verb))
		return true
	}
	if srv.PreLoginCommands != nil && !sess.loggedIn && !slices.Contains(srv.PreLoginCommands, verb) {
		sess.send(srv.reply(ReplyNotLoggedIn))
		return true
	}
	return false
}

// send writes a reply and records it.
func (sess *Session) send(rep ftp.Reply) {
	rep.Lines = boundLines(rep.Lines)
	sess.wmu.Lock()
	defer sess.wmu.Unlock()
	sess.mu.Lock()
	c := sess.ctrl
	sess.mu.Unlock()
	sess.transcript.Add(ftp.EntryReply, "%s", rep.String())
	c.SetWriteDeadline(time.Now().Add(sess.srv.dataTimeout()))
	if err := ftp.WriteReply(c, rep.Code, rep.Lines...); err != nil {
		sess.transcript.Add(ftp.EntryNote, "reply not delivered: %v", err)
	}
}

// maxReplyText bounds the text of one reply line so that the line, code
// included, fits a reader bounded by ftp.MaxLine. Replies echo client
// input (a bad verb quoted with %q, a TYPE argument, a path), which may be
// up to MaxLine bytes long itself, or four times that once quoted.
const maxReplyText = ftp.MaxLine - len("123 ")

// boundLines cuts over-long reply lines, on a UTF-8 boundary, with "...".
func boundLines(lines []string) []string {
	var out []string
	for i, l := range lines {
		if len(l) <= maxReplyText {
			continue
		}
		if out == nil {
			out = append([]string(nil), lines...)
		}
		cut := maxReplyText - len("...")
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		out[i] = l[:cut] + "..."
	}
	if out == nil {
		return lines
	}
	return out
}

// reply sends a single-line reply built from a format.
func (sess *Session) reply(code int, format string, args ...any) {
	sess.send(ftp.Reply{Code: code, Lines: []string{fmt.Sprintf(format, args...)}})
}

// kill closes the connections so that the session's goroutines return.
func (sess *Session) kill() {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	sess.raw.Close()
	if sess.pasv != nil {
		sess.pasv.Close()
	}
	if sess.xfer != nil {
		sess.xfer.cancel()
	}
}

func (sess *Session) finish() {
	sess.kill()
	sess.waitTransfer()
	sess.srv.logger().Info("session end", "session", sess.ID, "peer", sess.RemoteAddr.String())
	close(sess.done)
}

// startTLS runs the server side of a TLS handshake on the control
// connection, replaying ahead (cleartext bytes the client sent after AUTH)
// into the TLS stream.
func (sess *Session) startTLS(ahead []byte) error {
	rc := newRecordConn(sess.raw, ahead)
	tc := tls.Server(rc, sess.controlTLSConfig())
	sess.raw.SetDeadline(time.Now().Add(sess.srv.dataTimeout()))
	err := tc.Handshake()
	sess.raw.SetDeadline(time.Time{})
	if err != nil {
		sess.transcript.Add(ftp.EntryTLS, "control handshake failed: %v", err)
		sess.srv.logger().Info("control TLS failed", "session", sess.ID, "err", err)
		return err
	}
	ev := evidenceOf(tc.ConnectionState())
	sess.transcript.Add(ftp.EntryTLS, "control: %s", ev)
	sess.mu.Lock()
	sess.ctrl, sess.tlsConn, sess.rec, sess.controlTLS = tc, tc, rc, ev
	sess.mu.Unlock()
	sess.r = bufio.NewReaderSize(tc, 4096)
	return nil
}
