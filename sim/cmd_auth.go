package sim

import (
	"crypto/subtle"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

func (sess *Session) tlsActive() bool {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	return sess.tlsConn != nil && sess.ctrl == sess.tlsConn
}

func (sess *Session) cmdUSER(arg string) bool {
	if sess.srv.ControlTLS == TLSRequired && !sess.tlsActive() {
		sess.transcript.Add(ftp.EntryNote, "USER refused: control channel is cleartext and TLS is required")
		sess.send(sess.srv.replyVars(ReplyTLSRequired, "{verb}", "USER"))
		return sess.srv.TLSRequiredCloses
	}
	if arg == "" {
		sess.reply(ftp.CodeSyntaxErrorArgs, "USER needs a user name.")
		return false
	}
	sess.loggedIn, sess.pendingUser = false, arg
	sess.mu.Lock()
	sess.user = ""
	sess.mu.Unlock()
	if sess.srv.Anonymous && isAnonymous(arg) {
		sess.reply(ftp.CodeNeedPassword, "Anonymous login ok, send your e-mail address as password.")
		return false
	}
	sess.send(sess.srv.replyVars(ReplyNeedPassword, "{user}", arg, "{arg}", arg))
	return false
}

func isAnonymous(name string) bool {
	n := strings.ToLower(name)
	return n == "anonymous" || n == "ftp"
}

func (sess *Session) cmdPASS(arg string) bool {
	if sess.srv.ControlTLS == TLSRequired && !sess.tlsActive() && !sess.srv.TLSRequiredUserOnly {
		sess.send(sess.srv.replyVars(ReplyTLSRequired, "{verb}", "PASS"))
		return false
	}
	if sess.pendingUser == "" {
		sess.send(sess.srv.reply(ReplyNeedUser))
		return false
	}
	name := sess.pendingUser
	sess.pendingUser = ""
	perm, ok := sess.srv.authenticate(name, arg)
	if !ok {
		sess.transcript.Add(ftp.EntryNote, "login failed for %q", name)
		sess.srv.logger().Info("login failed", "session", sess.ID, "user", name)
		sess.send(sess.srv.reply(ReplyLoginIncorrect))
		return false
	}
	sess.loggedIn, sess.perm, sess.cwd = true, perm, "/"
	sess.mu.Lock()
	sess.user = name
	sess.mu.Unlock()
	sess.srv.logger().Info("login", "session", sess.ID, "user", name, "tls", sess.tlsActive())
	sess.send(sess.srv.replyVars(ReplyLoggedIn, "{user}", name, "{arg}", name))
	return false
}

func (s *Server) authenticate(name, pass string) (Perm, bool) {
	if s.Anonymous && isAnonymous(name) {
		return PermReadOnly, true
	}
	for _, u := range s.users() {
		if u.Name == name && subtle.ConstantTimeCompare([]byte(u.Password), []byte(pass)) == 1 {
			return u.Perm, true
		}
	}
	return 0, false
}

func (sess *Session) cmdQUIT(string) bool {
	up, down := sess.transferredKiB()
	sess.send(sess.srv.replyVars(ReplyGoodbye, "{uploaded}", strconv.FormatInt(up, 10), "{downloaded}", strconv.FormatInt(down, 10)))
	return true
}

// transferredKiB returns the KiB the session's uploads (STOR, APPE, STOU)
// and downloads (RETR) moved, each rounded up, as pure-ftpd counts them
// for its goodbye; listings do not count.
func (sess *Session) transferredKiB() (up, down int64) {
	for _, d := range sess.Data() {
		verb, _, _ := strings.Cut(d.Command, " ")
		switch strings.ToUpper(verb) {
		case "STOR", "APPE", "STOU":
			up += d.Bytes
		case "RETR":
			down += d.Bytes
		}
	}
	return (up + 1023) / 1024, (down + 1023) / 1024
}

func (sess *Session) cmdAUTH(arg string) bool {
	if sess.srv.ControlTLS == TLSDisabled || sess.srv.tlsBase == nil {
		sess.send(sess.srv.reply(ReplyAuthDisabled))
		return false
	}
	mech := strings.ToUpper(strings.TrimSpace(arg))
	if sess.tlsConn != nil {
		sess.send(sess.srv.replyVars(ReplyAuthAgain, "{arg}", mech))
		return false
	}
	if !sess.srv.authMechanism(mech) {
		sess.send(sess.srv.replyVars(ReplyAuthUnknown, "{arg}", mech))
		return false
	}
	sess.send(sess.srv.replyVars(ReplyAuthOK, "{arg}", mech))
	ahead, _ := sess.r.Peek(sess.r.Buffered())
	if len(ahead) > 0 {
		sess.transcript.Add(ftp.EntryNote, "%d bytes arrived before the TLS handshake; treated as TLS, never as commands", len(ahead))
	}
	if err := sess.startTLS(append([]byte(nil), ahead...)); err != nil {
		return true
	}
	// RFC 4217 4: a new security exchange resets the login state.
	sess.loggedIn, sess.pendingUser, sess.pbsz = false, "", false
	if (mech == "SSL" || mech == "TLS-P") && !sess.srv.AuthSSLKeepsProtC {
		sess.prot = 'P' // as vsftpd: the legacy mechanisms imply PROT P
	}
	return false
}

// authMechanism reports whether AUTH mech (upper case) starts TLS.
func (s *Server) authMechanism(mech string) bool {
	if s.AuthMechanisms == nil {
		switch mech {
		case "TLS", "TLS-C", "SSL", "TLS-P":
			return true
		}
		return false
	}
	for _, m := range s.AuthMechanisms {
		if strings.EqualFold(m, mech) {
			return true
		}
	}
	return false
}

func (sess *Session) cmdPBSZ(arg string) bool {
	if !sess.tlsActive() {
		sess.send(sess.srv.reply(ReplyPBSZInsecure))
		return false
	}
	size, err := strconv.ParseUint(strings.TrimSpace(arg), 10, 32)
	if err != nil {
		sess.reply(ftp.CodeSyntaxErrorArgs, "PBSZ needs a number; TLS uses PBSZ 0.")
		return false
	}
	sess.pbsz = true
	if size != 0 {
		sess.send(sess.srv.orReply(ReplyPBSZAdjusted, ReplyPBSZ, "{arg}", strings.TrimSpace(arg)))
		return false
	}
	sess.send(sess.srv.reply(ReplyPBSZ))
	return false
}

func (sess *Session) cmdPROT(arg string) bool {
	if !sess.tlsActive() {
		sess.send(sess.srv.orReply(ReplyProtInsecure, ReplyPBSZInsecure))
		return false
	}
	if noPBSZ := sess.srv.reply(ReplyProtNoPBSZ); !sess.pbsz && !sess.Implicit && noPBSZ.Code != 0 {
		sess.send(noPBSZ)
		return false
	}
	level := strings.ToUpper(strings.TrimSpace(arg))
	switch level {
	case "C":
		if denied := sess.srv.reply(ReplyProtCDenied); sess.srv.DataTLS == TLSRequired && denied.Code != 0 {
			sess.send(denied)
			return false
		}
		sess.prot = 'C'
		sess.send(sess.srv.reply(ReplyProtC))
	case "P":
		sess.prot = 'P'
		sess.send(sess.srv.reply(ReplyProtP))
	case "S", "E":
		if sess.srv.ProtFallback {
			sess.prot = 'P'
		}
		sess.send(sess.srv.replyVars(ReplyProtSE, "{arg}", level))
	default:
		if sess.srv.ProtFallback {
			sess.prot = 'C'
		}
		sess.send(sess.srv.replyVars(ReplyProtUnknown, "{arg}", level))
	}
	return false
}

// cmdCCC implements RFC 4217 6: reply 200 under TLS, exchange close_notify
// alerts, then continue on the same TCP connection in cleartext.
func (sess *Session) cmdCCC(string) bool {
	switch {
	case sess.srv.DisableCCC:
		sess.send(sess.srv.replyVars(ReplyUnknownCommand, "{verb}", "CCC"))
		return false
	case !sess.tlsActive():
		sess.send(sess.srv.reply(ReplyCCCInsecure))
		return false
	case sess.srv.reply(ReplyCCCDenied).Code != 0 && (!sess.srv.CCCOnlyIfTLSOptional || sess.srv.ControlTLS == TLSRequired):
		sess.send(sess.srv.reply(ReplyCCCDenied))
		return false
	case !sess.loggedIn:
		sess.reply(ftp.CodeBadSequence, "CCC is allowed after login.")
		return false
	}
	tc := sess.tlsConn
	switch sess.srv.CCCCloseNotify {
	case CCCNotifyWithReply:
		if err := sess.sendWithCloseNotify(sess.srv.reply(ReplyCCCOK)); err != nil {
			sess.transcript.Add(ftp.EntryTLS, "CCC: sending the 200 and close_notify failed: %v", err)
			return true
		}
		sess.transcript.Add(ftp.EntryTLS, "CCC: close_notify sent in the same write as the 200")
	case CCCNotifyAfterClient:
		sess.send(sess.srv.reply(ReplyCCCOK))
	default:
		sess.send(sess.srv.reply(ReplyCCCOK))
		if err := tc.CloseWrite(); err != nil {
			sess.transcript.Add(ftp.EntryTLS, "CCC: sending close_notify failed: %v", err)
			return true
		}
	}
	sess.raw.SetReadDeadline(time.Now().Add(sess.srv.dataTimeout()))
	var b [1]byte
	if n, err := tc.Read(b[:]); n > 0 || !isEOF(err) {
		sess.transcript.Add(ftp.EntryTLS, "CCC: expected the client's close_notify, got %d bytes, %v", n, err)
		if sess.srv.CCCStallsWithoutCloseNotify && !isTimeout(err) {
			// Like pure-ftpd: no answer; wait for the close_notify that
			// will not come until the idle timeout (or the client leaves).
			sess.transcript.Add(ftp.EntryTLS, "CCC: no answer until the idle timeout (%s), as pure-ftpd does", sess.srv.idleTimeout())
			sess.raw.SetReadDeadline(time.Now().Add(sess.srv.idleTimeout()))
			io.Copy(io.Discard, sess.raw)
		}
		return true
	}
	if sess.srv.CCCCloseNotify == CCCNotifyAfterClient {
		if err := tc.CloseWrite(); err != nil {
			sess.transcript.Add(ftp.EntryTLS, "CCC: sending close_notify after the client's failed: %v", err)
			return true
		}
	}
	sess.transcript.Add(ftp.EntryTLS, "CCC: close_notify exchanged; control channel is cleartext")
	sess.mu.Lock()
	sess.ctrl = sess.raw
	sess.mu.Unlock()
	sess.r = newBufReader(sess.rec.src)
	return false
}

func (sess *Session) cmdHOST(arg string) bool {
	switch {
	case arg == "":
		sess.reply(ftp.CodeSyntaxErrorArgs, "HOST needs a host name.")
	case sess.loggedIn || sess.pendingUser != "":
		sess.reply(ftp.CodeBadSequence, "HOST must come before USER.")
	default:
		sess.transcript.Add(ftp.EntryNote, "virtual host %q", arg)
		sess.reply(ftp.CodeServiceReady, "HOST %s accepted.", arg)
	}
	return false
}

// sendWithCloseNotify writes rep and then the close_notify alert on the
// TLS control connection in one write to the network
// ([CCCNotifyWithReply]), so that the client reads both together.
func (sess *Session) sendWithCloseNotify(rep ftp.Reply) error {
	sess.wmu.Lock()
	defer sess.wmu.Unlock()
	sess.transcript.Add(ftp.EntryReply, "%s", rep.String())
	rc := sess.rec
	hold := &heldWrites{Conn: rc.Conn}
	rc.Conn = hold
	defer func() { rc.Conn = hold.Conn }()
	if err := ftp.WriteReply(sess.tlsConn, rep.Code, rep.Lines...); err != nil {
		return err
	}
	if err := sess.tlsConn.CloseWrite(); err != nil {
		return err
	}
	return hold.flush(sess.srv.dataTimeout())
}

// heldWrites keeps what is written to it until flush writes it all at
// once to the connection underneath.
type heldWrites struct {
	net.Conn
	buf []byte
}

func (h *heldWrites) Write(p []byte) (int, error) {
	h.buf = append(h.buf, p...)
	return len(p), nil
}

// flush writes the held bytes in one Write. crypto/tls sets the write
// deadline to now once its close_notify is out, so flush sets its own.
func (h *heldWrites) flush(timeout time.Duration) error {
	h.Conn.SetWriteDeadline(time.Now().Add(timeout))
	_, err := h.Conn.Write(h.buf)
	h.buf = nil
	return err
}
