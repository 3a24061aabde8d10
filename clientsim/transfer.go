package clientsim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// xfer describes one transfer command.
type xfer struct {
	cmd    ftp.Command
	offset int64     // REST offset; 0 sends no REST
	src    io.Reader // set for uploads
	dst    io.Writer // set for downloads
}

// xferResult is what a transfer saw on the control connection.
type xferResult struct {
	n      int64
	prelim ftp.Reply
	final  ftp.Reply
}

// transfer runs one data-connection command: open the data path, REST,
// the command, its 1xx, connect or accept, handshake (as TLS client, also in
// active mode: RFC 4217 7), stream, close, final reply.
func (c *Conn) transfer(ctx context.Context, s xfer) (xferResult, error) {
	var res xferResult
	op := s.cmd.Redacted()
	end, err := c.begin()
	if err != nil {
		return res, &Error{Phase: PhaseTransfer, Op: op, Err: err}
	}
	defer end()
	x := c.startTransfer()
	defer c.finishTransfer(ctx, x)

	d, err := c.openData(ctx)
	if err != nil {
		return res, err
	}
	defer d.Close()
	if !x.add(d) {
		return res, &Error{Phase: PhaseTransfer, Op: op, Err: c.stopReason()}
	}
	if s.offset > 0 {
		rest := ftp.Command{Verb: "REST", Arg: strconv.FormatInt(s.offset, 10)}
		if _, err := c.do(ctx, PhaseTransfer, rest, ftp.CodePendingFurther); err != nil {
			return res, err
		}
	}
	if x.wasAborted() {
		return res, &Error{Phase: PhaseTransfer, Op: op, Err: ErrAborted}
	}
	res.prelim, err = c.roundTrip(ctx, s.cmd)
	if err != nil {
		return res, &Error{Phase: PhaseTransfer, Op: op, Err: err}
	}
	if ftp.Class(res.prelim.Code) != 1 {
		return res, &Error{Phase: prelimPhase(res.prelim.Code), Op: op, Err: replyCause(res.prelim)}
	}
	c.markRunning(ctx, x)
	o := c.runData(ctx, x, d, s)
	res.n = o.n
	res.final, o.readErr = c.readReply(ctx)
	o.final = res.final
	return res, c.verdict(op, x, o)
}

// prelimPhase classifies a negative answer to the transfer command itself.
func prelimPhase(code int) Phase {
	switch code {
	case ftp.CodeCantOpenData:
		return PhaseDataConnect
	case ftp.CodeProtNotAllowed, ftp.CodeTLSNegotiation:
		return PhaseDataTLS
	}
	return PhaseTransfer
}

// stream is one open data connection: the transport (observed for its
// EOF), and the TLS connection over it when PROT is P.
type stream struct {
	w    *watch
	data net.Conn // tc, or obs when clear
	tc   *tls.Conn
	obs  *eofConn
}

// runData connects (or accepts), secures and streams one data connection.
func (c *Conn) runData(ctx context.Context, x *activeTransfer, d *dataPath, s xfer) outcome {
	raw := d.conn
	if raw == nil {
		conn, err := c.accept(ctx, d)
		if err != nil {
			return outcome{phase: PhaseDataConnect, stream: err}
		}
		raw = conn
		if !x.add(raw) {
			raw.Close()
			return outcome{phase: PhaseTransfer, stream: c.stopReason()}
		}
		defer raw.Close()
	}
	st := &stream{obs: &eofConn{Conn: raw}}
	st.data = st.obs
	if c.dataProt == 'P' {
		tc, err := c.handshake(ctx, "data", st.obs)
		if err != nil {
			raw.Close()
			return outcome{phase: PhaseDataTLS, stream: err}
		}
		st.tc, st.data = tc, tc
	}
	st.w = watchConn(ctx, raw, true, true)
	defer st.w.stop()
	o := outcome{phase: PhaseTransfer}
	if s.src != nil {
		o.n, o.stream = c.upload(st, s.src)
	} else {
		o.n, o.stream = c.download(st, s.dst)
	}
	return o
}

// download copies the data connection into dst and decides how it ended:
// with close_notify (complete), or with a bare TCP close (truncated).
func (c *Conn) download(st *stream, dst io.Writer) (int64, error) {
	w, data, secure, obs := st.w, st.data, st.tc != nil, st.obs
	defer data.Close() // on TLS this answers the server's close_notify with ours
	buf := make([]byte, 32<<10)
	var n int64
	for {
		if err := w.arm(c.t.Data); err != nil {
			return n, err
		}
		nr, rerr := data.Read(buf)
		if nr > 0 {
			nw, werr := dst.Write(buf[:nr])
			n += int64(nw)
			if werr == nil && nw < nr {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				return n, fmt.Errorf("write local: %w", werr)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if secure && errors.Is(rerr, io.ErrUnexpectedEOF) {
				c.note(ftp.EntryData, "data stream cut inside a TLS record after %d bytes", n)
				return n, fmt.Errorf("%w after %d bytes: %w", ErrTruncated, n, rerr)
			}
			return n, withContext(w.ctx, rerr)
		}
	}
	if !secure {
		c.note(ftp.EntryData, "data stream ended after %d bytes (clear, end of stream is TCP close)", n)
		return n, nil
	}
	if obs.transportEOF() {
		c.note(ftp.EntryData, "data stream ended after %d bytes without close_notify", n)
		if c.cfg.lenientEOF {
			return n, nil
		}
		return n, fmt.Errorf("%w after %d bytes", ErrTruncated, n)
	}
	c.note(ftp.EntryData, "data stream ended after %d bytes with close_notify", n)
	return n, nil
}

// upload copies src to the data connection, then ends it properly.
func (c *Conn) upload(st *stream, src io.Reader) (int64, error) {
	w, data, obs := st.w, st.data, st.obs
	buf := make([]byte, 32<<10)
	var n int64
	for {
		nr, rerr := src.Read(buf)
		if nr > 0 {
			if err := w.arm(c.t.Data); err != nil {
				obs.Conn.Close()
				return n, err
			}
			nw, werr := data.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				obs.Conn.Close()
				return n, withContext(w.ctx, werr)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			// Close TCP without close_notify: a strict server must not
			// take the partial file for a complete one.
			obs.Conn.Close()
			c.note(ftp.EntryData, "upload source failed after %d bytes; data closed without close_notify", n)
			return n, fmt.Errorf("read local: %w", rerr)
		}
	}
	return n, c.closeUpload(st, n)
}

// closeUpload ends an upload: on TLS it sends close_notify, then waits
// (at most CloseNotify) for the server's close_notify or close, so nothing
// the server sent is answered with a reset (S07), then closes TCP.
func (c *Conn) closeUpload(st *stream, n int64) error {
	w, data, tc, obs := st.w, st.data, st.tc, st.obs
	if tc == nil {
		c.note(ftp.EntryData, "uploaded %d bytes; closing clear data connection", n)
		return data.Close()
	}
	defer tc.Close()
	if c.cfg.noDrain {
		c.takeBufferedTickets(tc)
	}
	if err := w.arm(c.t.CloseNotify); err != nil {
		return err
	}
	if err := tc.CloseWrite(); err != nil {
		c.note(ftp.EntryData, "uploaded %d bytes; sending close_notify failed: %v", n, err)
		return fmt.Errorf("send close_notify: %w", err)
	}
	if c.cfg.noDrain {
		c.note(ftp.EntryData, "uploaded %d bytes; close_notify sent, closing without reading the server's data (like curl)", n)
		return nil
	}
	extra, err := io.Copy(io.Discard, tc)
	switch {
	case err == nil && !obs.transportEOF():
		c.note(ftp.EntryData, "uploaded %d bytes; close_notify sent, server's close_notify seen", n)
	case err == nil:
		c.note(ftp.EntryData, "uploaded %d bytes; close_notify sent, server closed without close_notify", n)
	default:
		c.note(ftp.EntryData, "uploaded %d bytes; close_notify sent, server's close_notify not seen: %v", n, err)
	}
	if extra > 0 {
		c.note(ftp.EntryData, "server sent %d bytes of data on an upload connection", extra)
	}
	if isTLSFailure(err) {
		// An alert instead of close_notify: the server refused the
		// connection (TLS 1.3 refusals arrive after the handshake).
		return err
	}
	return nil
}

// takeBufferedTickets processes what the handshake already read past
// its own messages (a session ticket sent in the server's flight, as
// crypto/tls sends it) without reading the socket: the read deadline is
// in the past, so nothing that is still in the kernel is taken, and the
// kernel's reset-on-close (an unread late ticket) stays as it was. A
// client that never reads an upload's data connection still learns such
// a ticket, as real curl does (measured against sim's default server:
// the download after an upload resumes); a ticket sent after the
// client's Finished (sim.Server.LateTickets, TicketsOnFirstWrite) is not
// learnt this way.
func (c *Conn) takeBufferedTickets(tc *tls.Conn) {
	tc.SetReadDeadline(time.Unix(1, 0))
	var b [1]byte
	if n, _ := tc.Read(b[:]); n > 0 {
		c.note(ftp.EntryData, "server sent data on an upload connection")
	}
	tc.SetReadDeadline(time.Time{})
}

// outcome is what happened to a transfer after its 1xx.
type outcome struct {
	phase   Phase // PhaseTransfer, or where the data connection failed
	n       int64
	stream  error // data connection failure, nil if it ended cleanly
	final   ftp.Reply
	readErr error // failure to read the final reply
}

// verdict turns an outcome into the transfer's error. A transfer is
// complete only if the final reply is 226 or 250 and the stream ended
// cleanly. A final 522 or 521 is a data-TLS failure; so is a 4xx or 5xx
// after the data connection saw a TLS alert, and a 425 after the handshake
// of a protected data connection: the server refused the secured
// connection, whether it then closed TCP bare (FileZilla Server) or with
// close_notify (ProFTPD mod_tls: "425 Unable to build data connection:
// Operation not permitted" for a session that was not resumed). Whether
// the server's close_notify reached the client before the refusal is a
// race on uploads, so it must not decide the phase.
func (c *Conn) verdict(op string, x *activeTransfer, o outcome) error {
	var err error
	phase := o.phase
	switch code := o.final.Code; {
	case o.readErr != nil:
		err = both(o.stream, o.readErr)
	case code == ftp.CodeTLSNegotiation || code == ftp.CodeProtNotAllowed:
		phase, err = PhaseDataTLS, both(replyErr(o.final), o.stream)
	case !ftp.Positive(code):
		refused := code == ftp.CodeCantOpenData && c.dataProt == 'P'
		if phase == PhaseTransfer && (isTLSFailure(o.stream) || refused) {
			phase = PhaseDataTLS
		}
		err = both(replyErr(o.final), o.stream)
	case code != ftp.CodeClosingData && code != ftp.CodeFileActionOK:
		err = both(unexpected(o.final), o.stream)
	default:
		err = o.stream
	}
	if err == nil {
		return nil
	}
	if x.wasAborted() {
		// Whatever broke, it broke because the caller asked for it.
		phase = PhaseTransfer
		if !errors.Is(err, ErrAborted) {
			err = fmt.Errorf("%w: %w", ErrAborted, err)
		}
	}
	return &Error{Phase: phase, Op: op, Err: err}
}

// isTLSFailure reports whether err comes from the TLS layer of the peer:
// crypto/tls reports an alert received on TCP as *net.OpError with Op
// "remote error" (tls.AlertError is only used with QUIC), and clear text
// where a record was expected as tls.RecordHeaderError.
func isTLSFailure(err error) bool {
	if err == nil {
		return false
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" {
		return true
	}
	var rh tls.RecordHeaderError
	return errors.As(err, &rh)
}
