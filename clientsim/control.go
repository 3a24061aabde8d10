package clientsim

import (
	"context"
	"fmt"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// send writes one command, bounded by the Reply timeout and ctx.
func (c *Conn) send(ctx context.Context, cmd ftp.Command) error {
	if strings.ContainsAny(cmd.String(), "\r\n") {
		return fmt.Errorf("command %q contains CR or LF", cmd.Verb)
	}
	c.wMu.Lock()
	defer c.wMu.Unlock()
	w := watchConn(ctx, c.raw, false, true)
	defer w.stop()
	if err := w.arm(c.t.Reply); err != nil {
		return err
	}
	c.note(ftp.EntryCommand, "%s", cmd.Redacted())
	if err := ftp.WriteCommand(c.ctrl, cmd); err != nil {
		err = withContext(ctx, err)
		c.markBroken(err)
		return err
	}
	return nil
}

// readReply reads one reply, bounded by the Reply timeout and ctx. A
// failure, even a context that ended before the read, leaves a reply
// unread and the control stream out of step, so it marks the Conn broken.
func (c *Conn) readReply(ctx context.Context) (ftp.Reply, error) {
	w := watchConn(ctx, c.raw, true, false)
	defer w.stop()
	err := w.arm(c.t.Reply)
	var r ftp.Reply
	if err == nil {
		r, err = ftp.ReadReply(c.r, ftp.MaxLine)
	}
	if err != nil {
		err = withContext(ctx, err)
		c.note(ftp.EntryNote, "reading reply: %v", err)
		c.markBroken(err)
		return ftp.Reply{}, err
	}
	c.note(ftp.EntryReply, "%s", r.String())
	return r, nil
}

// roundTrip sends cmd and reads one reply.
func (c *Conn) roundTrip(ctx context.Context, cmd ftp.Command) (ftp.Reply, error) {
	if err := c.send(ctx, cmd); err != nil {
		return ftp.Reply{}, err
	}
	return c.readReply(ctx)
}

// do sends cmd and checks the reply against accept: values below 10 are
// reply classes (2 means any 2yz), others exact codes; no values means
// class 2. Any other reply is an *Error of the given phase.
func (c *Conn) do(ctx context.Context, phase Phase, cmd ftp.Command, accept ...int) (ftp.Reply, error) {
	r, err := c.roundTrip(ctx, cmd)
	if err != nil {
		return r, &Error{Phase: phase, Op: cmd.Redacted(), Err: err}
	}
	if acceptable(r.Code, accept) {
		return r, nil
	}
	return r, &Error{Phase: phase, Op: cmd.Redacted(), Err: replyCause(r)}
}

// simple runs one command as a whole operation.
func (c *Conn) simple(ctx context.Context, phase Phase, verb, arg string, accept ...int) (ftp.Reply, error) {
	cmd := ftp.Command{Verb: verb, Arg: arg}
	end, err := c.begin()
	if err != nil {
		return ftp.Reply{}, &Error{Phase: phase, Op: cmd.Redacted(), Err: err}
	}
	defer end()
	return c.do(ctx, phase, cmd, accept...)
}

func acceptable(code int, accept []int) bool {
	if len(accept) == 0 {
		return ftp.Class(code) == 2
	}
	for _, a := range accept {
		if a < 10 && ftp.Class(code) == a || a == code {
			return true
		}
	}
	return false
}

// replyCause turns a reply that was not wanted into an error: the reply
// itself when negative, ErrUnexpectedReply next to it when positive.
func replyCause(r ftp.Reply) error {
	if err := replyErr(r); err != nil {
		return err
	}
	return unexpected(r)
}

func (c *Conn) markBroken(err error) {
	c.mu.Lock()
	if c.broken == nil {
		c.broken = err
	}
	c.mu.Unlock()
}

func (c *Conn) isSecured() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.secured
}
