package sim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// DataEvidence records one data connection: how it was made, what TLS did
// on it and how the transfer ended.
type DataEvidence struct {
	N           int            // 1-based transfer number within the session
	Command     string         // e.g. "RETR a.bin"
	Passive     bool           // accepted on a passive listener (else dialed, PORT/EPRT)
	Peer        netip.AddrPort // the client end of the data connection
	Protected   bool           // PROT P: TLS on the data connection
	TLS         TLSEvidence    // zero when not protected or the handshake failed
	TicketFrom  string         // session ID carried by the ticket the client presented
	Bytes       int64          // payload bytes moved
	CloseNotify bool           // upload: the client ended with TLS close_notify
	Reply       int            // final reply code (226, 426, 522, ...)
	Notes       []string       // policy decisions, in order
	// NotReproducible is set when the connection was refused in a way
	// the emulated real program might not refuse it, because crypto/tls
	// cannot do what that program does (see [Limitations]). The verdict
	// is then the simulator's, not the real program's.
	NotReproducible Limitation
}

// transfer is one running data transfer, owned by the session.
type transfer struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	bytes  atomic.Int64
}

// job is the body of a transfer, run once the data connection is up.
// It returns the final reply.
type job func(t *transfer, data net.Conn, ev *DataEvidence) ftp.Reply

func (sess *Session) transferRunning() bool {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	return sess.xfer != nil
}

func (sess *Session) transferBytes() (int64, bool) {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.xfer == nil {
		return 0, false
	}
	return sess.xfer.bytes.Load(), true
}

func (sess *Session) waitTransfer() {
	sess.mu.Lock()
	t := sess.xfer
	sess.mu.Unlock()
	if t != nil {
		<-t.done
	}
}

// abortTransfer cancels a running transfer and waits for its final reply.
func (sess *Session) abortTransfer() bool {
	sess.mu.Lock()
	t := sess.xfer
	sess.mu.Unlock()
	if t == nil {
		return false
	}
	t.cancel()
	<-t.done
	return true
}

// startTransfer checks the data-channel policy and runs fn in a goroutine
// owned by the session, so the control loop can still read ABOR and STAT.
func (sess *Session) startTransfer(command string, fn job) {
	if sess.srv.DataTLS == TLSRequired && sess.prot != 'P' {
		sess.transcript.Add(ftp.EntryNote, "%s refused: PROT %c but data TLS is required", command, sess.prot)
		sess.send(sess.srv.reply(ReplyDataNeedsTLS))
		sess.closePassive()
		return
	}
	sess.mu.Lock()
	noData := sess.pasv == nil && !sess.activeAddr.IsValid()
	sess.mu.Unlock()
	if noData {
		sess.reply(ftp.CodeCantOpenData, "Use PORT, EPRT, PASV or EPSV first.")
		return
	}
	sess.nTransfers++
	ev := &DataEvidence{N: sess.nTransfers, Command: command, Protected: sess.prot == 'P'}
	ctx, cancel := context.WithCancel(context.Background())
	t := &transfer{ctx: ctx, cancel: cancel, done: make(chan struct{})}
	sess.mu.Lock()
	sess.xfer = t
	sess.mu.Unlock()
	sess.rest = 0
	sess.srv.wg.Add(1)
	go func() {
		defer sess.srv.wg.Done()
		defer close(t.done)
		defer cancel()
		rep := sess.safeTransfer(t, ev, fn)
		ev.Reply = rep.Code
		sess.mu.Lock()
		sess.data = append(sess.data, *ev)
		sess.xfer = nil
		sess.ctrl.SetReadDeadline(time.Now().Add(sess.srv.idleTimeout())) // see armIdle
		sess.mu.Unlock()
		sess.send(rep)
		sess.srv.logger().Info("transfer", "session", sess.ID, "command", command, "bytes", ev.Bytes,
			"reply", rep.Code, "protected", ev.Protected, "resumed", ev.TLS.Resumed)
	}()
}

// safeTransfer is runTransfer with a panic (in storage, a hook or the job)
// turned into a 451 for this transfer only: the transfer runs on its own
// goroutine, out of reach of dispatch's recover.
func (sess *Session) safeTransfer(t *transfer, ev *DataEvidence, fn job) (rep ftp.Reply) {
	defer func() {
		if p := recover(); p != nil {
			sess.srv.logger().Error("transfer panic", "session", sess.ID, "command", ev.Command, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			sess.transcript.Add(ftp.EntryNote, "internal error in %s: %v", ev.Command, p)
			rep = ftp.Reply{Code: ftp.CodeLocalError, Lines: []string{"Local error in processing; transfer aborted."}}
		}
	}()
	return sess.runTransfer(t, ev, fn)
}

func (sess *Session) runTransfer(t *transfer, ev *DataEvidence, fn job) ftp.Reply {
	opened := sess.openEarly(ev)
	conn, err := sess.dataConn(t.ctx, ev)
	var fe *foreignError
	switch {
	case errors.As(err, &fe):
		return sess.srv.replyVars(ReplyForeignData, sess.addrVars(fe.peer)...)
	case t.ctx.Err() != nil:
		if conn != nil {
			conn.Close()
		}
		return sess.srv.reply(ReplyTransferAborted)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		sess.transcript.Add(ftp.EntryData, "no data connection within %s", sess.srv.dataTimeout())
		return sess.srv.reply(ReplyDataTimeout)
	case err != nil:
		sess.transcript.Add(ftp.EntryData, "data connection failed: %v", err)
		return sess.srv.reply(ReplyCantOpenData)
	}
	defer conn.Close()
	stop := context.AfterFunc(t.ctx, func() { conn.Close() })
	defer stop()
	if !opened {
		sess.send(sess.openingReply(ev, ReplyOpeningData))
	}
	if ev.Protected {
		tc, rep, ok := sess.dataTLS(conn, ev)
		if !ok {
			return rep
		}
		conn = tc
	}
	rep := fn(t, conn, ev)
	// Close before the final reply. On a protected connection this sends
	// close_notify after uploads too, so a client that waits for it (to
	// read the server's session tickets first, S07) sees a clean end.
	conn.Close()
	return rep
}

// openingReply is the 1xx of a transfer: key (refined by the verb) or, for
// STOU, the file name.
func (sess *Session) openingReply(ev *DataEvidence, key ReplyKey) ftp.Reply {
	verb, arg, _ := strings.Cut(ev.Command, " ")
	open := sess.srv.replyFor(key, verb, "{arg}", arg)
	if name, ok := strings.CutPrefix(ev.Command, "STOU "); ok {
		// RFC 1123 4.1.2.9: the 1xx before an STOU transfer names the
		// file, as "FILE: name"; clients take the name from there.
		open = ftp.Reply{Code: open.Code, Lines: []string{"FILE: " + name}}
	}
	return open
}

// openEarly sends the 1xx before the data connection is accepted when the
// passive listener accepts eagerly ([Server.EagerAccept]): 125 when the
// connection is already there, else 150. It reports whether it did.
func (sess *Session) openEarly(ev *DataEvidence) bool {
	sess.mu.Lock()
	el, ok := sess.pasv.(*eagerListener)
	sess.mu.Unlock()
	if !ok {
		return false
	}
	el.stopWatch() // the command has come: later bytes are the transfer's
	if el.ready() && sess.srv.reply(ReplyDataAlreadyOpen).Code != 0 {
		sess.send(sess.openingReply(ev, ReplyDataAlreadyOpen))
	} else {
		sess.send(sess.openingReply(ev, ReplyOpeningData))
	}
	return true
}

// dataTLS runs the server handshake on a data connection and enforces the
// reuse policy.
func (sess *Session) dataTLS(conn net.Conn, ev *DataEvidence) (net.Conn, ftp.Reply, bool) {
	var hello helloFacts
	under := conn
	if sess.srv.LateTickets || sess.srv.TicketsOnFirstWrite {
		// crypto/tls sends a ticket when the client offers PSK
		// key-exchange modes (psk_dhe_ke, all clients in practice).
		under = &lateTicketConn{Conn: conn, ticket: func() bool { return hello.pskModes }, onWrite: sess.srv.TicketsOnFirstWrite}
	}
	tc := tls.Server(&eofConn{Conn: under}, sess.dataTLSConfig(ev, &hello))
	conn.SetDeadline(time.Now().Add(sess.srv.dataTimeout()))
	err := tc.Handshake()
	conn.SetDeadline(time.Time{})
	if err != nil {
		sess.transcript.Add(ftp.EntryTLS, "data %d: handshake failed: %v", ev.N, err)
		return nil, sess.srv.reply(ReplyDataTLSFailed), false
	}
	ev.TLS = evidenceOf(tc.ConnectionState())
	from := ""
	if ev.TicketFrom != "" {
		from = " (ticket of " + ev.TicketFrom + ")"
	}
	sess.transcript.Add(ftp.EntryTLS, "data %d: %s%s", ev.N, ev.TLS, from)
	if !sess.reuseOK(ev) {
		ev.Notes = append(ev.Notes, "rejected: reuse policy "+sess.srv.Reuse.String())
		sess.transcript.Add(ftp.EntryNote, "data %d rejected: reuse policy %q not met", ev.N, sess.srv.Reuse)
		tc.Close()
		refusal := sess.srv.reply(ReplyReuseRequired)
		if lim := sess.notReproducible(ev, hello); lim != "" {
			// Go's outcome is not the real program's: say so rather
			// than give the real program's refusal text.
			ev.NotReproducible = lim
			note := limitationNote(sess.srv.Emulates, lim)
			ev.Notes = append(ev.Notes, note)
			sess.transcript.Add(ftp.EntryNote, "data %d: %s", ev.N, note)
			sess.srv.logger().Warn("not reproducible in-process", "session", sess.ID, "data", ev.N,
				"limitation", string(lim), "emulates", sess.srv.Emulates, "check", realProductCheck)
			return nil, sess.limitationReply(refusal.Code, lim), false
		}
		return nil, refusal, false
	}
	return tc, ftp.Reply{}, true
}

func (sess *Session) reuseOK(ev *DataEvidence) bool {
	switch sess.srv.Reuse {
	case ReuseAny:
		return ev.TLS.Resumed
	case ReuseSame:
		return ev.TLS.Resumed && ev.TicketFrom == sess.ID
	}
	return true
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// copyBuffer is the transfer buffer size: large enough that TLS writes
// full 16 KiB records and syscalls stay few.
const copyBuffer = 256 << 10

// pump copies src to dst, extending the data connection's deadline before
// each chunk, counting bytes into t and ev.
func (sess *Session) pump(t *transfer, conn net.Conn, dst io.Writer, src io.Reader, ev *DataEvidence) error {
	buf := make([]byte, copyBuffer)
	for {
		conn.SetDeadline(time.Now().Add(sess.srv.dataTimeout()))
		n, rerr := src.Read(buf)
		if n > 0 {
			nw, werr := dst.Write(buf[:n])
			ev.Bytes += int64(nw) // a write cut short still moved nw bytes
			t.bytes.Add(int64(nw))
			if werr != nil {
				return werr
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}
