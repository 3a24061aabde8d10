package clientsim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Login sends USER and, when asked (331), PASS; 230, 232 and 202 count as
// logged in. Then, on a protected control connection, it sends PBSZ 0 and
// PROT P or C (unless [WithoutPROT]), TYPE I, and CCC if [WithCCC] is
// given. When TLS is required but the control connection is not protected,
// Login fails with [ErrTLSRequired] without sending anything.
func (c *Conn) Login(ctx context.Context, user, pass string) error {
	end, err := c.begin()
	if err != nil {
		return &Error{Phase: PhaseLogin, Op: "USER " + user, Err: err}
	}
	defer end()
	secured := c.isSecured()
	if c.cfg.mode != modePlain && !secured {
		return &Error{Phase: PhaseLogin, Op: "USER " + user, Err: ErrTLSRequired}
	}
	if err := c.login(ctx, user, pass); err != nil {
		// With TLS 1.3 the server judges the client's certificate after
		// the client's handshake is done: a refusal arrives as an alert
		// on the first read, which is USER's reply.
		var e *Error
		if errors.As(err, &e) && isTLSFailure(e.Err) {
			e.Phase = PhaseTLS
		}
		return err
	}
	c.dataProt = 'C'
	if secured {
		c.dataProt = c.cfg.prot
		if c.cfg.sendPROT {
			if _, err := c.do(ctx, PhaseTLS, ftp.Command{Verb: "PBSZ", Arg: "0"}); err != nil {
				return err
			}
			if _, err := c.do(ctx, PhaseTLS, ftp.Command{Verb: "PROT", Arg: string(c.cfg.prot)}); err != nil {
				return err
			}
		}
	}
	if _, err := c.do(ctx, PhaseReply, ftp.Command{Verb: "TYPE", Arg: "I"}); err != nil {
		return err
	}
	if c.cfg.ccc {
		return c.clearControl(ctx)
	}
	return nil
}

func (c *Conn) login(ctx context.Context, user, pass string) error {
	r, err := c.do(ctx, PhaseLogin, ftp.Command{Verb: "USER", Arg: user}, 2, ftp.CodeNeedPassword)
	if err != nil {
		return err
	}
	if r.Code == ftp.CodeNeedPassword {
		_, err = c.do(ctx, PhaseLogin, ftp.Command{Verb: "PASS", Arg: pass}, 2)
	}
	return err
}

// clearControl sends CCC and, on 200, takes the control connection back to
// clear text (RFC 4217 6), actively: the client sends its close_notify
// first, then waits (Reply timeout) for the server's close_notify, then
// reads and writes the TCP connection directly. The server may send its
// close_notify before or after the client's; it must send nothing else
// until the next command, because bytes that follow its close_notify in
// the same read are lost inside crypto/tls. A server that closes TCP
// instead, or sends data, fails the operation. With [CCCLikeLftp] the
// client first looks for the server's close_notify, and fails with a
// [*CCCRaceError] if it came before its own.
func (c *Conn) clearControl(ctx context.Context) error {
	if _, err := c.do(ctx, PhaseTLS, ftp.Command{Verb: "CCC"}, ftp.CodeOK); err != nil {
		return err
	}
	fail := func(err error) error {
		c.markBroken(err)
		return &Error{Phase: PhaseTLS, Op: "CCC", Err: err}
	}
	if n := c.r.Buffered(); n > 0 {
		return fail(fmt.Errorf("%w: %d bytes after 200 to CCC", ErrUnexpectedReply, n))
	}
	w := watchConn(ctx, c.raw, true, true)
	defer w.stop()
	if c.cfg.cccShutdown == CCCLikeLftp {
		if err := c.lftpCCCRace(ctx, w); err != nil {
			return fail(err)
		}
		c.note(ftp.EntryTLS, "CCC: no close_notify from the server within %v of the 200; sending ours", CCCRaceWindow)
	}
	if err := w.arm(c.t.Reply); err != nil {
		return fail(err)
	}
	c.mu.Lock()
	tc := c.tconn
	c.mu.Unlock()
	if err := tc.CloseWrite(); err != nil {
		return fail(fmt.Errorf("send close_notify: %w", err))
	}
	buf := make([]byte, 512)
	n, err := tc.Read(buf)
	switch {
	case n > 0:
		return fail(fmt.Errorf("%w: %d bytes of data instead of close_notify", ErrUnexpectedReply, n))
	case errors.Is(err, io.EOF) && c.raw.transportEOF():
		return fail(fmt.Errorf("server closed the connection instead of sending close_notify: %w", io.ErrUnexpectedEOF))
	case !errors.Is(err, io.EOF):
		return fail(fmt.Errorf("waiting for close_notify: %w", withContext(ctx, err)))
	}
	c.mu.Lock()
	c.ctrl, c.secured = c.raw, false
	c.mu.Unlock()
	c.r = bufio.NewReaderSize(c.raw, ftp.MaxLine+2)
	c.note(ftp.EntryTLS, "CCC: close_notify exchanged; control connection continues in clear text")
	return nil
}
