package clientsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// CCCShutdown says how the client ends TLS on the control connection
// after the server's 200 to CCC ([WithCCC]), and so what it makes of a
// server that sends its close_notify without waiting for the client's.
type CCCShutdown int

const (
	// CCCAnyOrder sends the client's close_notify and then waits for the
	// server's, which may have come before or after: RFC 4217's exchange,
	// whatever the order. Default.
	CCCAnyOrder CCCShutdown = iota
	// CCCLikeLftp is lftp 4.9.2 (GnuTLS) with ftp:ssl-use-ccc: it sends
	// its close_notify only once it has read the 200, and a close_notify
	// of the server's that is already there by then (in the same read as
	// the 200, or arrived within [CCCRaceWindow] of it) ends the session
	// as a hang-up: Login fails with a [*CCCRaceError] ("Peer closed
	// connection"). lftp then reconnects and retries; this client does
	// not. A server that waits for the client's close_notify always
	// passes (sim.CCCNotifyAfterClient); one that sends its own with the
	// 200 always fails (sim.CCCNotifyWithReply); one that sends it right
	// after the 200 (pure-ftpd 1.0.50, sim.CCCNotifyAtOnce) fails when its
	// close_notify wins the race, which depends on timing.
	CCCLikeLftp
)

// CCCRaceWindow is how long after reading the 200 to CCC a [CCCLikeLftp]
// client looks for a close_notify of the server's before it sends its
// own: the time lftp takes to act on the 200. A close_notify that
// arrives within it counts as the server hanging up. The window only has
// to outlast the gap between a server's 200 and its close_notify: against
// sim.CCCNotifyAtOnce this client lost 80 of 80 logins on an idle machine
// with a window of 20 µs, 100 µs or 1 ms alike (real lftp against real
// pure-ftpd 1.0.50 loses 6 to 9 of 10: its reading of the 200 is faster),
// so a scenario that needs a known outcome sets sim.CCCNotifyWithReply or
// sim.CCCNotifyAfterClient.
const CCCRaceWindow = time.Millisecond

// String names the mode.
func (s CCCShutdown) String() string {
	switch s {
	case CCCAnyOrder:
		return "CCCAnyOrder"
	case CCCLikeLftp:
		return "CCCLikeLftp"
	}
	return fmt.Sprintf("CCCShutdown(%d)", int(s))
}

// WithCCCShutdown sets how the client ends TLS on the control connection
// after the 200 to CCC. It matters only with [WithCCC]. Default:
// [CCCAnyOrder]. The [Lftp] persona sets [CCCLikeLftp].
func WithCCCShutdown(s CCCShutdown) Option {
	return func(c *config) {
		if s < CCCAnyOrder || s > CCCLikeLftp {
			c.fail("CCC shutdown %d", s)
			return
		}
		c.cccShutdown = s
	}
}

// CCCRaceError is the cause (inside an [*Error] of [PhaseTLS], Op "CCC")
// when a [CCCLikeLftp] client found the server's close_notify after the
// 200 to CCC before it had sent its own, and took it, as lftp does, for
// the server closing the connection. The server did nothing wrong by RFC
// 4217; the client lost the race between the two close_notify alerts.
type CCCRaceError struct {
	// WithReply is true when the close_notify came in the same read as
	// the 200, false when it arrived after it but before the client's.
	WithReply bool
}

// Error reads like lftp's message and says what to do.
func (e *CCCRaceError) Error() string {
	when := "arrived right after the 200 to CCC"
	if e.WithReply {
		when = "came in the same read as the 200 to CCC"
	}
	return "peer closed connection: the server's close_notify " + when +
		", before the client sent its own, and an lftp-style client takes that for a hang-up;" +
		" leave the control channel encrypted (lftp: set ftp:ssl-use-ccc no)," +
		" or use a server that waits for the client's close_notify"
}

// lftpCCCRace looks, for at most [CCCRaceWindow], for the server's
// close_notify after the 200 to CCC, before the client sends its own
// ([CCCLikeLftp]). It returns a [*CCCRaceError] when one is there, nil
// when the window passed quietly, and any other error of the read.
func (c *Conn) lftpCCCRace(ctx context.Context, w *watch) error {
	before := c.raw.bytesIn.Load()
	if err := w.arm(CCCRaceWindow); err != nil {
		return err
	}
	// The reply was read through c.r: a close_notify in the same read is
	// held there as io.EOF (TLS 1.2) or waits in the TLS layer (TLS 1.3);
	// either way Peek returns it without reading the network.
	_, err := c.r.Peek(1)
	var ne interface{ Timeout() bool }
	switch {
	case err == nil:
		return fmt.Errorf("%w: data instead of close_notify after 200 to CCC", ErrUnexpectedReply)
	case errors.Is(err, io.EOF):
		if c.raw.transportEOF() {
			return fmt.Errorf("server closed the connection instead of sending close_notify: %w", io.ErrUnexpectedEOF)
		}
		return &CCCRaceError{WithReply: c.raw.bytesIn.Load() == before}
	case errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil:
		return nil
	}
	return fmt.Errorf("looking for close_notify: %w", withContext(ctx, err))
}
