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
	"sync"
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
	batch  *batchConn // under the data connection's TLS; nil in clear
	toSend int64      // bytes a RETR is to send (ReplyDownloadSize); -1 unknown
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
	sess.startTransferOf(command, -1, fn)
}

// startTransferOf is startTransfer for a download of toSend bytes (-1:
// unknown), which the 1xx may announce (ReplyDownloadSize).
func (sess *Session) startTransferOf(command string, toSend int64, fn job) {
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
	t := &transfer{ctx: ctx, cancel: cancel, done: make(chan struct{}), toSend: toSend}
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
	opened := sess.openEarly(t, ev)
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
		sess.send(sess.openingReply(t, ev, ReplyOpeningData))
	}
	if ev.Protected {
		t.batch = &batchConn{Conn: conn}
		tc, rep, ok := sess.dataTLS(t.batch, ev)
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

// openingReply is the 1xx of a transfer: key (refined by the verb); for
// STOU, the file name (ReplyUniqueName); for a RETR of more than 4 KiB,
// with ReplyDownloadSize's line last (pure-ftpd: "150-Accepted data
// connection", "150 4.9 kbytes to download").
func (sess *Session) openingReply(t *transfer, ev *DataEvidence, key ReplyKey) ftp.Reply {
	verb, arg, _ := strings.Cut(ev.Command, " ")
	open := sess.srv.replyFor(key, verb, "{arg}", arg)
	if name, ok := strings.CutPrefix(ev.Command, "STOU "); ok {
		// RFC 1123 4.1.2.9: the 1xx before an STOU transfer names the
		// file, as "FILE: name"; clients take the name from there.
		if u := sess.srv.reply(ReplyUniqueName); u.Code != 0 {
			return ftp.Reply{Code: open.Code, Lines: expand(u, "{name}", name).Lines}
		}
		return ftp.Reply{Code: open.Code, Lines: []string{"FILE: " + name}}
	}
	if ds := sess.srv.reply(ReplyDownloadSize); ds.Code != 0 && verb == "RETR" && t.toSend > 4096 {
		more := expand(ds, "{kbytes}", fmt.Sprintf("%.1f", float64(t.toSend)/1024)).Lines
		open = ftp.Reply{Code: open.Code, Lines: append(append([]string(nil), open.Lines...), more...)}
	}
	return open
}

// openEarly sends the 1xx before the data connection is accepted when the
// passive listener accepts eagerly ([Server.EagerAccept]): 125 when the
// connection is already there, else 150. It reports whether it did.
func (sess *Session) openEarly(t *transfer, ev *DataEvidence) bool {
	sess.mu.Lock()
	el, ok := sess.pasv.(*eagerListener)
	sess.mu.Unlock()
	if !ok {
		return false
	}
	el.stopWatch() // the command has come: later bytes are the transfer's
	if el.ready() && sess.srv.reply(ReplyDataAlreadyOpen).Code != 0 {
		sess.send(sess.openingReply(t, ev, ReplyDataAlreadyOpen))
	} else {
		sess.send(sess.openingReply(t, ev, ReplyOpeningData))
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

// copyBuffer is the size of one chunk of a transfer: what is read from
// the source before it is written, and the most one write hands to
// crypto/tls or to storage. 64 KiB is four full TLS records (crypto/tls
// splits every write into records of at most 16 KiB anyway) and one
// loopback TCP segment. BenchmarkTransfer showed no difference between
// 64, 128 and 256 KiB beyond the noise of a shared machine; each running
// transfer holds one chunk (and one batch, see batchConn).
const copyBuffer = 64 << 10

// copyBuffers recycles the chunk buffers of finished transfers, so a
// server with many short transfers does not allocate one per transfer.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBuffer); return &b }}

// memSource is a transfer source whose content is already in memory
// ([MemFS] files): pump writes its chunks as they are, with no copy into a
// buffer.
type memSource interface {
	// nextChunk returns the next at most n bytes, empty at the end. The
	// bytes must not be modified, by anyone, while the transfer runs.
	nextChunk(n int) []byte
}

// pump copies src to dst in chunks of copyBuffer, extending the data
// connection's deadline before each read and each write, counting bytes
// into t (as they arrive: what STAT reports) and ev (as they are written).
// A chunk is written once it is full or the source ends or fails; the
// bytes read before a read error are written before pump returns it, so
// every byte that came in has reached dst unless dst's error is returned.
func (sess *Session) pump(t *transfer, conn net.Conn, dst io.Writer, src io.Reader, ev *DataEvidence) error {
	if t.batch != nil && dst == conn {
		t.batch.start()
		defer t.batch.stop()
	}
	if ms, ok := src.(memSource); ok {
		return sess.pumpMem(t, conn, dst, ms, ev)
	}
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	for {
		n, rerr := sess.fill(t, conn, src, buf)
		if n > 0 {
			if werr := sess.write(t, conn, dst, buf[:n], ev); werr != nil {
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

// pumpMem is pump for a source in memory: each chunk is written from the
// source's own bytes.
func (sess *Session) pumpMem(t *transfer, conn net.Conn, dst io.Writer, src memSource, ev *DataEvidence) error {
	for {
		p := src.nextChunk(copyBuffer)
		if len(p) == 0 {
			return nil
		}
		t.bytes.Add(int64(len(p)))
		if err := sess.write(t, conn, dst, p, ev); err != nil {
			return err
		}
	}
}

// fill reads from src until buf is full or src returns an error (io.EOF
// included), extending the deadline before every read: a slow client
// that keeps sending never times out while a chunk fills. A source that
// returns no bytes and no error 100 times in a row counts as
// io.ErrNoProgress.
func (sess *Session) fill(t *transfer, conn net.Conn, src io.Reader, buf []byte) (int, error) {
	n, empty := 0, 0
	for n < len(buf) {
		conn.SetDeadline(time.Now().Add(sess.srv.dataTimeout()))
		m, err := src.Read(buf[n:])
		n += m
		t.bytes.Add(int64(m))
		if err != nil {
			return n, err
		}
		if m > 0 {
			empty = 0
		} else if empty++; empty >= 100 {
			return n, io.ErrNoProgress
		}
	}
	return n, nil
}

// write writes one chunk to dst (and, on a batched data connection, to the
// socket) and counts it into ev: the bytes written, even when the write
// was cut short, none when the batched records could not be sent.
func (sess *Session) write(t *transfer, conn net.Conn, dst io.Writer, p []byte, ev *DataEvidence) error {
	conn.SetDeadline(time.Now().Add(sess.srv.dataTimeout()))
	nw, err := dst.Write(p)
	if err == nil && t.batch != nil && dst == conn {
		if err = t.batch.flush(); err != nil {
			nw = 0 // the client got an unknown part of the chunk
		}
	}
	ev.Bytes += int64(nw)
	return err
}

// batchConn sits under crypto/tls on a protected data connection. While a
// download runs (between start and stop) it gathers the TLS records of
// one chunk, which crypto/tls writes one by one, and flush sends them in
// one write: one syscall and one loopback segment per chunk instead of
// one per 16 KiB record (BenchmarkTransfer: a third less time in write
// syscalls on RETR). Outside a download (handshake, close_notify,
// uploads) writes pass straight through. It sits below lateTicketConn,
// which must see the records one by one.
//
// flush runs outside crypto/tls's Write, so a tls.Conn.Close from another
// goroutine (ABOR, a cancelled transfer) does not wait for it: Close's
// close_notify, written while a flush is under way, fails at once with
// errFlushing instead of queueing behind a flush that may be stuck on a
// client that does not read, and Close then closes the socket, which ends
// the flush.
type batchConn struct {
	net.Conn
	mu       sync.Mutex
	on       bool
	flushing bool
	buf      *[]byte // from batchBuffers while on
}

// errFlushing is what a write gets while batchConn is sending a batch.
var errFlushing = errors.New("sim: data connection busy sending a batch of records; closing it")

// batchBuffer holds one chunk's records: copyBuffer of payload plus the
// header, tag and content type of each record (at most 22 bytes in TLS
// 1.3, 29 in TLS 1.2 with AES-GCM), with room to spare for the small
// records crypto/tls sends first.
const batchBuffer = copyBuffer + 8<<10

var batchBuffers = sync.Pool{New: func() any { b := make([]byte, 0, batchBuffer); return &b }}

// start gathers writes until stop.
func (c *batchConn) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = true
	c.buf = batchBuffers.Get().(*[]byte)
	*c.buf = (*c.buf)[:0]
}

// stop lets writes pass through again. Records still gathered (a write
// failed before its flush) are dropped: the transfer has failed.
func (c *batchConn) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	batchBuffers.Put(c.buf)
	c.buf = nil
}

// Write gathers p while on; a full batch is sent first. It runs inside
// crypto/tls's Write, whose Close does not wait for it.
func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.flushing:
		return 0, errFlushing
	case !c.on:
		return c.Conn.Write(p)
	}
	if len(*c.buf)+len(p) > cap(*c.buf) {
		_, err := c.Conn.Write(*c.buf)
		*c.buf = (*c.buf)[:0]
		if err != nil {
			return 0, err
		}
		if len(p) > cap(*c.buf) {
			return c.Conn.Write(p)
		}
	}
	*c.buf = append(*c.buf, p...)
	return len(p), nil
}

// flush sends the gathered records in one write, without holding the
// lock while it writes (see errFlushing).
func (c *batchConn) flush() error {
	c.mu.Lock()
	if !c.on || len(*c.buf) == 0 {
		c.mu.Unlock()
		return nil
	}
	c.flushing = true
	p := *c.buf
	c.mu.Unlock()
	_, err := c.Conn.Write(p)
	c.mu.Lock()
	c.flushing = false
	*c.buf = (*c.buf)[:0]
	c.mu.Unlock()
	return err
}
