package sim

import (
	"errors"
	"io/fs"
	"strconv"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// What the real servers do with REST, measured on Debian 12 by
// suites/fidelity (TestStorageFidelity, TYPE I, TLS 1.3) against a 3-byte
// file "abc" and a 10,000-byte file:
//
//	                   REST 10, STOR "XY"        REST 2, STOR "XXX"         REST 10, RETR
//	vsftpd 3.0.3       226, "abc"+7 NULs+"XY"    226, 10,000 bytes "01XXX5…" 150, 0 bytes, 226
//	ProFTPD 1.3.8      451 "rest1: Append/Restart not permitted, try again" 554 "REST: invalid rest2 argument"
//	                   (APPE too: AllowStoreRestart is off by default)
//	pure-ftpd 1.0.50   226, "abcXY"              226, "01XXX" (5 bytes)      554 "Restart offset 10 is too
//	                                                                         large for file size 3." | "Restart offset reset to 0"
//	pyftpdlib 1.5.7    554 "REST position (10) > file size (3)"  226, "01XXX5…"  554 (same text)
//
// REST at the end exactly (REST 3, RETR) sends nothing and ends 226 on all
// four (pure-ftpd: "226 Nothing left to download"). The settings below
// reproduce these; personas set them.

// RestStorePolicy says how STOR after REST writes. The zero value is
// [RestTruncate].
type RestStorePolicy int

const (
	// RestTruncate keeps the first offset bytes and ends the file with the
	// upload ([WriteAt]; pure-ftpd).
	RestTruncate RestStorePolicy = iota
	// RestOverwrite writes the upload over the file from the offset and
	// keeps the bytes after it ([WriteOver]; vsftpd, pyftpdlib).
	RestOverwrite
	// RestStoreDenied refuses STOR after REST, and APPE, with
	// [ReplyRestStoreDenied] (ProFTPD without AllowStoreRestart).
	RestStoreDenied
)

// String returns "truncate", "overwrite" or "denied".
func (p RestStorePolicy) String() string {
	switch p {
	case RestTruncate:
		return "truncate"
	case RestOverwrite:
		return "overwrite"
	case RestStoreDenied:
		return "denied"
	}
	return "RestStorePolicy(" + strconv.Itoa(int(p)) + ")"
}

// PastEOFPolicy says what a transfer does after REST beyond the end of the
// file. The zero value is [PastEOFClamp].
type PastEOFPolicy int

const (
	// PastEOFClamp treats the offset as the end of the file: STOR appends
	// (pure-ftpd), RETR sends nothing and ends 226 (vsftpd).
	PastEOFClamp PastEOFPolicy = iota
	// PastEOFZeroFill pads the gap with zero bytes before STOR writes
	// (vsftpd: "abc", 7 NULs, "XY"). For RETR it is [PastEOFClamp].
	PastEOFZeroFill
	// PastEOFRefused answers the transfer command with [ReplyRestPastEOF]
	// before any data connection is used (RETR on ProFTPD and pure-ftpd;
	// STOR and RETR on pyftpdlib).
	PastEOFRefused
)

// String returns "clamp", "zero-fill" or "refused".
func (p PastEOFPolicy) String() string {
	switch p {
	case PastEOFClamp:
		return "clamp"
	case PastEOFZeroFill:
		return "zero-fill"
	case PastEOFRefused:
		return "refused"
	}
	return "PastEOFPolicy(" + strconv.Itoa(int(p)) + ")"
}

// restartPolicy is the part of a persona that decides REST: every persona
// sets all of it, so applying one after another leaves nothing of the first.
type restartPolicy struct {
	store   RestStorePolicy
	storEOF PastEOFPolicy
	retrEOF PastEOFPolicy
}

func (p restartPolicy) apply(s *Server) {
	s.RestStore, s.StorPastEOF, s.RetrPastEOF = p.store, p.storEOF, p.retrEOF
}

// restPastEOF answers a transfer whose REST offset lies beyond the file,
// under policy: it returns the offset to use and whether to go on. A
// missing file has size 0 for STOR.
func (sess *Session) restPastEOF(policy PastEOFPolicy, p, arg string, offset int64) (int64, bool) {
	st, err := sess.srv.FS.Stat(p)
	var size int64
	switch {
	case err == nil && !st.IsDir():
		size = st.Size()
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return offset, true // the transfer command reports it
	}
	if offset <= size {
		return offset, true
	}
	switch policy {
	case PastEOFRefused:
		sess.transcript.Add(ftp.EntryNote, "REST %d is past the end of %s (%d bytes): refused", offset, p, size)
		sess.send(sess.srv.replyVars(ReplyRestPastEOF, "{arg}", arg,
			"{offset}", strconv.FormatInt(offset, 10), "{size}", strconv.FormatInt(size, 10)))
		return 0, false
	case PastEOFZeroFill:
		return offset, true
	}
	return size, true
}

// storeMode picks the write mode and offset of STOR after REST, or answers
// the command itself and returns ok false.
func (sess *Session) storeMode(p, arg string) (WriteMode, int64, bool) {
	if sess.rest == 0 {
		return WriteNew, 0, true
	}
	if sess.srv.RestStore == RestStoreDenied {
		sess.send(sess.srv.replyVars(ReplyRestStoreDenied, "{arg}", arg))
		return 0, 0, false
	}
	offset, ok := sess.restPastEOF(sess.srv.StorPastEOF, p, arg, sess.rest)
	if !ok {
		return 0, 0, false
	}
	if sess.srv.RestStore == RestOverwrite {
		return WriteOver, offset, true
	}
	return WriteAt, offset, true
}
