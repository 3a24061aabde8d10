package sim

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

func (sess *Session) cmdRETR(arg string) bool {
	p := sess.path(arg)
	offset := sess.rest
	if offset > 0 {
		var ok bool
		if offset, ok = sess.restPastEOF(sess.srv.RetrPastEOF, p, arg, offset); !ok {
			sess.rest = 0
			sess.closePassive()
			return false
		}
	}
	rc, err := sess.srv.FS.Open(p, offset)
	if err != nil {
		sess.openFailed(err)
		return false
	}
	ascii := sess.ascii
	toSend := int64(-1)
	if sess.srv.reply(ReplyDownloadSize).Code != 0 {
		if fi, err := sess.srv.FS.Stat(p); err == nil {
			toSend = fi.Size() - offset
		}
	}
	sess.startTransferOf("RETR "+arg, toSend, func(t *transfer, data net.Conn, ev *DataEvidence) ftp.Reply {
		defer rc.Close()
		start := time.Now()
		var src io.Reader = rc
		if ascii {
			src = newToCRLF(rc)
		}
		if err := sess.pump(t, data, data, src, ev); err != nil {
			return sess.brokenTransfer(t, ev, err)
		}
		if err := data.Close(); err != nil {
			return sess.brokenTransfer(t, ev, err)
		}
		return sess.fileDone(sess.srv.replyFor(ReplyTransferComplete, "RETR", "{arg}", arg), ascii, ev.Bytes, time.Since(start))
	})
	return false
}

func (sess *Session) cmdSTOR(arg string) bool {
	if arg == "" {
		return sess.noFileName("STOR")
	}
	p := sess.path(arg)
	mode, offset, ok := sess.storeMode(p, arg)
	if !ok {
		sess.rest = 0
		sess.closePassive()
		return false
	}
	return sess.store("STOR "+arg, p, mode, offset)
}

func (sess *Session) cmdAPPE(arg string) bool {
	if arg == "" {
		return sess.noFileName("APPE")
	}
	if sess.srv.RestStore == RestStoreDenied {
		sess.rest = 0
		sess.closePassive()
		sess.send(sess.srv.replyVars(ReplyRestStoreDenied, "{arg}", arg))
		return false
	}
	return sess.store("APPE "+arg, sess.path(arg), WriteAppend, 0)
}

func (sess *Session) cmdSTOU(string) bool {
	var b [4]byte
	rand.Read(b[:])
	name := path.Join(sess.cwd, "ftpsim-"+hex.EncodeToString(b[:]))
	return sess.store("STOU "+path.Base(name), name, WriteNew, 0)
}

// store runs an upload to p. Every mode commits atomically ([WriteMode]):
// a failed transfer leaves the previous file as it was.
func (sess *Session) store(command, p string, mode WriteMode, offset int64) bool {
	if strings.HasSuffix(p, "/") || p == "/" || !sess.nameOK(p) {
		sess.rest = 0
		sess.closePassive()
		sess.reply(ftp.CodeBadFileName, "File name not allowed.")
		return false
	}
	up, err := sess.srv.FS.Create(p, mode, offset)
	if err != nil {
		sess.openFailed(err)
		return false
	}
	ascii := sess.ascii
	sess.startTransfer(command, func(t *transfer, data net.Conn, ev *DataEvidence) ftp.Reply {
		start := time.Now()
		store := &storageWriter{w: up}
		var dst io.Writer = store
		var conv *fromCRLF
		if ascii {
			conv = &fromCRLF{w: store}
			dst = conv
		}
		err := sess.pump(t, data, dst, data, ev)
		if err == nil && ev.Protected && !closeNotified(data) {
			// A TCP FIN without close_notify: crypto/tls calls it io.EOF
			// when it falls on a record boundary (S08).
			err = io.ErrUnexpectedEOF
		}
		if err == nil && conv != nil {
			err = conv.Flush()
		}
		if err != nil && store.err != nil {
			up.Abort()
			return sess.storageFailed(ev, store.err)
		}
		if err != nil {
			if sess.srv.LenientTLSEOF && errors.Is(err, io.ErrUnexpectedEOF) && ev.Protected && t.ctx.Err() == nil {
				ev.Notes = append(ev.Notes, "no close_notify; accepted (lenient TLS EOF)")
				sess.transcript.Add(ftp.EntryTLS, "data %d: ended without close_notify after %d bytes; accepted (lenient)", ev.N, ev.Bytes)
			} else if sess.srv.AcceptResetUploads && errors.Is(err, syscall.ECONNRESET) && ev.Protected && t.ctx.Err() == nil {
				ev.Notes = append(ev.Notes, "reset by the client; stored as complete anyway")
				sess.transcript.Add(ftp.EntryData, "data %d: reset by the client after %d bytes (bytes in flight are lost); stored and answered as complete, like pyftpdlib", ev.N, ev.Bytes)
			} else {
				up.Abort()
				return sess.brokenTransfer(t, ev, err)
			}
		} else {
			ev.CloseNotify = ev.Protected
		}
		if err := up.Commit(); err != nil {
			sess.transcript.Add(ftp.EntryNote, "commit failed: %v", err)
			return ftp.Reply{Code: ftp.CodeLocalError, Lines: []string{"Local error: upload could not be saved."}}
		}
		verb, arg, _ := strings.Cut(command, " ")
		rep := sess.srv.replyFor(ReplyTransferComplete, verb, "{arg}", arg)
		if strings.HasPrefix(command, "STOU") {
			rep = ftp.Reply{Code: rep.Code, Lines: []string{fmt.Sprintf("Transfer complete (unique file name: %s).", path.Base(p))}}
		}
		return sess.fileDone(rep, ascii, ev.Bytes, time.Since(start))
	})
	return false
}

// noFileName refuses a STOR or APPE (verb) without a file name.
func (sess *Session) noFileName(verb string) bool {
	sess.rest = 0
	sess.closePassive()
	sess.send(sess.srv.replyVars(ReplyNoFileName, "{verb}", verb))
	return false
}

// fileDone completes the 226 of a file transfer (RETR, STOR, APPE, STOU)
// that moved n bytes in d: ReplyTransferASCII goes first in TYPE A, and
// ReplyTransferRate last when any byte moved (pure-ftpd's "0.000 seconds
// (measured here), 3.19 Mbytes per second", measured here too).
func (sess *Session) fileDone(rep ftp.Reply, ascii bool, n int64, d time.Duration) ftp.Reply {
	var lines []string
	if w := sess.srv.reply(ReplyTransferASCII); ascii && w.Code != 0 {
		lines = append(lines, w.Lines...)
	}
	lines = append(lines, rep.Lines...)
	if rl := sess.srv.reply(ReplyTransferRate); rl.Code != 0 {
		if rate, ok := formatRate(n, d); ok {
			lines = append(lines, expand(rl, "{seconds}", fmt.Sprintf("%.3f", d.Seconds()), "{rate}", rate).Lines...)
		}
	}
	if len(lines) == len(rep.Lines) {
		return rep
	}
	// The added lines are pure-ftpd's, which writes every line with the
	// code: "226-File successfully transferred" in the middle too.
	prefix := fmt.Sprintf("%03d-", rep.Code)
	for i := 1; i < len(lines)-1; i++ {
		if !strings.HasPrefix(lines[i], prefix) {
			lines[i] = prefix + lines[i]
		}
	}
	return ftp.Reply{Code: rep.Code, Lines: lines}
}

// formatRate renders n bytes in d as pure-ftpd does: Mbytes (MiB) above
// half a MiB a second, Kbytes (KiB) above 512 bytes, else bytes, with two
// decimals; false when nothing moved or the rate is 0.1 byte a second or
// less (no rate line then).
func formatRate(n int64, d time.Duration) (string, bool) {
	if n <= 0 || d <= 0 {
		return "", false
	}
	speed := float64(n) / d.Seconds()
	switch {
	case speed > 512<<10:
		return fmt.Sprintf("%.2f Mbytes", speed/(1<<20)), true
	case speed > 512:
		return fmt.Sprintf("%.2f Kbytes", speed/(1<<10)), true
	case speed > 0.1:
		return fmt.Sprintf("%.2f bytes", speed), true
	}
	return "", false
}

// isUpload reports whether a transfer command writes to the server.
func isUpload(command string) bool {
	verb, _, _ := strings.Cut(command, " ")
	return verb == "STOR" || verb == "APPE" || verb == "STOU"
}

// storageWriter passes an upload's bytes to storage and keeps the first
// error storage returned, so that a failed upload is answered for what
// failed: the storage (451, 452) or the data connection (426).
type storageWriter struct {
	w   io.Writer
	err error
}

func (s *storageWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil && s.err == nil {
		s.err = err
	}
	return n, err
}

// storageFailed answers an upload whose bytes storage refused: 452 when it
// is full, 451 for any other error. Nothing is stored.
func (sess *Session) storageFailed(ev *DataEvidence, err error) ftp.Reply {
	ev.Notes = append(ev.Notes, "storage write failed: "+err.Error())
	sess.transcript.Add(ftp.EntryData, "data %d: storage write failed after %d bytes: %v; nothing stored", ev.N, ev.Bytes, err)
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return sess.srv.reply(ReplyStorageFull)
	}
	return sess.srv.reply(ReplyStorageWrite)
}

// brokenTransfer classifies why a transfer stopped and picks the reply.
func (sess *Session) brokenTransfer(t *transfer, ev *DataEvidence, err error) ftp.Reply {
	switch {
	case t.ctx.Err() != nil:
		sess.transcript.Add(ftp.EntryData, "data %d: aborted after %d bytes", ev.N, ev.Bytes)
		return sess.srv.reply(ReplyTransferAborted)
	case ev.Protected && errors.Is(err, io.ErrUnexpectedEOF):
		ev.Notes = append(ev.Notes, "truncated: no close_notify")
		sess.transcript.Add(ftp.EntryTLS, "data %d: ended without close_notify after %d bytes: truncated", ev.N, ev.Bytes)
		return sess.srv.reply(ReplyTruncated)
	case errors.Is(err, syscall.ECONNRESET) && isUpload(ev.Command):
		ev.Notes = append(ev.Notes, "reset by the client")
		sess.transcript.Add(ftp.EntryData, "data %d: reset by the client after %d bytes (bytes in flight are lost)", ev.N, ev.Bytes)
		return sess.srv.reply(ReplyUploadReset)
	case isTimeout(err):
		sess.transcript.Add(ftp.EntryData, "data %d: stalled for %s after %d bytes", ev.N, sess.srv.dataTimeout(), ev.Bytes)
		return sess.srv.reply(ReplyTransferAborted)
	default:
		sess.transcript.Add(ftp.EntryData, "data %d: broken after %d bytes: %v", ev.N, ev.Bytes, err)
		return sess.srv.reply(ReplyTransferAborted)
	}
}

func (sess *Session) cmdLIST(arg string) bool { return sess.listing("LIST", arg, formatLIST) }
func (sess *Session) cmdNLST(arg string) bool { return sess.listing("NLST", arg, formatNLST) }
func (sess *Session) cmdMLSD(arg string) bool { return sess.listing("MLSD", arg, nil) }

func (sess *Session) listing(verb, arg string, format lineFormat) bool {
	arg = stripListFlags(arg)
	var lines []string
	var err error
	if format == nil {
		lines, err = sess.mlsdLines(arg)
	} else {
		lines, err = sess.listLines(arg, format)
	}
	if err != nil {
		sess.closePassive()
		sess.fsError(err)
		return false
	}
	body := strings.Join(lines, "\r\n")
	if len(lines) > 0 {
		body += "\r\n"
	}
	sess.startTransfer(strings.TrimSpace(verb+" "+arg), func(t *transfer, data net.Conn, ev *DataEvidence) ftp.Reply {
		if err := sess.pump(t, data, data, strings.NewReader(body), ev); err != nil {
			return sess.brokenTransfer(t, ev, err)
		}
		if err := data.Close(); err != nil {
			return sess.brokenTransfer(t, ev, err)
		}
		return sess.srv.replyFor(ReplyTransferComplete, verb, "{arg}", arg, "{count}", strconv.Itoa(len(lines)))
	})
	return false
}

// stripListFlags drops ls-style options ("-a", "-la") that clients send.
func stripListFlags(arg string) string {
	fields := strings.Fields(arg)
	for len(fields) > 0 && strings.HasPrefix(fields[0], "-") {
		fields = fields[1:]
	}
	return strings.Join(fields, " ")
}

// openFailed ends a transfer command whose file could not be opened: the
// restart offset and the passive listener go, and the error is answered.
func (sess *Session) openFailed(err error) {
	sess.rest = 0
	sess.closePassive()
	sess.fsError(err)
}
