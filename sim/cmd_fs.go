package sim

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

func (sess *Session) path(arg string) string { return cleanPath(sess.cwd, arg) }

// fsError maps a storage error to a reply.
func (sess *Session) fsError(err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		sess.reply(ftp.CodeFileNotFound, "No such file or directory.")
	case errors.Is(err, fs.ErrExist):
		sess.reply(ftp.CodeFileNotFound, "File exists.")
	case errors.Is(err, ErrIsDir):
		sess.reply(ftp.CodeFileNotFound, "Is a directory.")
	case errors.Is(err, ErrNotDir), errors.Is(err, syscall.ENOTDIR):
		sess.reply(ftp.CodeFileNotFound, "Not a directory.")
	case errors.Is(err, ErrNotEmpty):
		sess.reply(ftp.CodeFileNotFound, "Directory not empty.")
	case errors.Is(err, fs.ErrPermission), pathEscapes(err):
		sess.transcript.Add(ftp.EntryNote, "storage refused: %v", err)
		sess.send(sess.srv.reply(ReplyDenied))
	default:
		sess.transcript.Add(ftp.EntryNote, "storage error: %v", err)
		sess.reply(ftp.CodeLocalError, "Local error in processing.")
	}
}

func (sess *Session) cmdCWD(arg string) bool {
	p := sess.path(arg)
	if !safeName(p) {
		// PWD would echo it on the control connection.
		sess.reply(ftp.CodeFileNotFound, "Directory name not allowed.")
		return false
	}
	st, err := sess.srv.FS.Stat(p)
	if err != nil {
		sess.fsError(err)
		return false
	}
	if !st.IsDir() {
		sess.fsError(ErrNotDir)
		return false
	}
	sess.cwd = p
	sess.reply(ftp.CodeFileActionOK, "Directory changed to %s.", p)
	return false
}

func (sess *Session) cmdCDUP(string) bool { return sess.cmdCWD("..") }

func quotePath(p string) string { return `"` + strings.ReplaceAll(p, `"`, `""`) + `"` }

func (sess *Session) cmdPWD(string) bool {
	sess.send(sess.srv.replyVars(ReplyPWD, "{path}", quotePath(sess.cwd)))
	return false
}

func (sess *Session) cmdMKD(arg string) bool {
	if arg == "" {
		sess.reply(ftp.CodeSyntaxErrorArgs, "MKD needs a directory name.")
		return false
	}
	p := sess.path(arg)
	if !sess.nameOK(p) {
		sess.reply(ftp.CodeBadFileName, "Directory name not allowed.")
		return false
	}
	if err := sess.srv.FS.Mkdir(p); err != nil {
		sess.fsError(err)
		return false
	}
	sess.reply(ftp.CodePathCreated, "%s created.", quotePath(p))
	return false
}

func (sess *Session) cmdRMD(arg string) bool {
	if err := sess.srv.FS.RemoveDir(sess.path(arg)); err != nil {
		sess.fsError(err)
		return false
	}
	sess.reply(ftp.CodeFileActionOK, "Directory removed.")
	return false
}

func (sess *Session) cmdDELE(arg string) bool {
	if err := sess.srv.FS.Remove(sess.path(arg)); err != nil {
		sess.fsError(err)
		return false
	}
	sess.reply(ftp.CodeFileActionOK, "File deleted.")
	return false
}

func (sess *Session) cmdRNFR(arg string) bool {
	p := sess.path(arg)
	if _, err := sess.srv.FS.Stat(p); err != nil {
		sess.fsError(err)
		return false
	}
	sess.renameFrom = p
	sess.reply(ftp.CodePendingFurther, "Ready for RNTO.")
	return false
}

func (sess *Session) cmdRNTO(arg string) bool {
	from := sess.renameFrom
	sess.renameFrom = ""
	if from == "" {
		sess.reply(ftp.CodeBadSequence, "RNFR required first.")
		return false
	}
	to := sess.path(arg)
	if !sess.nameOK(to) {
		sess.reply(ftp.CodeBadFileName, "File name not allowed.")
		return false
	}
	if err := sess.srv.FS.Rename(from, to); err != nil {
		sess.fsError(err)
		return false
	}
	sess.reply(ftp.CodeFileActionOK, "Rename successful.")
	return false
}

// regularFile stats the file SIZE or MDTM (verb) names and answers when it
// cannot: no argument, no such file, a directory. ok is false when it
// answered.
func (sess *Session) regularFile(verb, arg string) (p string, st fs.FileInfo, ok bool) {
	if arg == "" {
		sess.send(sess.srv.replyVars(ReplyMissingArgument, "{verb}", verb))
		return "", nil, false
	}
	p = sess.path(arg)
	st, err := sess.srv.FS.Stat(p)
	key := ReplyNoSuchFile
	if err == nil && st.IsDir() {
		err, key = ErrIsDir, ReplyNotRegularFile
	}
	if err != nil {
		if rep := sess.srv.replyVars(key, "{verb}", verb, "{arg}", arg); rep.Code != 0 && (key == ReplyNotRegularFile || errors.Is(err, fs.ErrNotExist)) {
			sess.send(rep)
		} else {
			sess.fsError(err)
		}
		return "", nil, false
	}
	return p, st, true
}

// cmdSIZE answers with the size of the file in the current representation
// type (RFC 3659 4): in TYPE A every bare LF counts as CRLF.
func (sess *Session) cmdSIZE(arg string) bool {
	p, st, ok := sess.regularFile("SIZE", arg)
	if !ok {
		return false
	}
	size := st.Size()
	if sess.ascii {
		rc, err := sess.srv.FS.Open(p, 0)
		if err != nil {
			sess.fsError(err)
			return false
		}
		size, err = io.Copy(io.Discard, newToCRLF(rc))
		rc.Close()
		if err != nil {
			sess.fsError(err)
			return false
		}
	}
	sess.reply(ftp.CodeFileStatus, "%d", size)
	return false
}

// cmdMDTM answers with a file's modification time in UTC (RFC 3659 3).
func (sess *Session) cmdMDTM(arg string) bool {
	_, st, ok := sess.regularFile("MDTM", arg)
	if !ok {
		return false
	}
	sess.reply(ftp.CodeFileStatus, "%s", st.ModTime().UTC().Format(mfmtLayout))
	return false
}

// mfmtLayout is the time-val of MDTM and MFMT: YYYYMMDDHHMMSS, in UTC.
const mfmtLayout = "20060102150405"

// parseMFMTTime parses MFMT's time-val (draft-somers-ftp-mfxx 3):
// YYYYMMDDHHMMSS in UTC, with an optional fraction of a second after a
// dot. A field out of range (month 13, second 61) does not parse.
func parseMFMTTime(s string) (time.Time, bool) {
	whole, frac, dotted := strings.Cut(s, ".")
	if len(whole) != len(mfmtLayout) || !allDigits(whole) || (dotted && (frac == "" || !allDigits(frac))) {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(mfmtLayout, whole, time.UTC)
	if err != nil {
		return time.Time{}, false
	}
	if dotted {
		n, _ := strconv.ParseFloat("0."+frac, 64)
		t = t.Add(time.Duration(n * float64(time.Second)))
	}
	return t, true
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cmdMFMT sets a file's modification time (draft-somers-ftp-mfxx 3):
// "MFMT YYYYMMDDHHMMSS path", answered "213 Modify=YYYYMMDDHHMMSS; path".
// It needs storage that implements [ChtimesFS] and a FEAT that lists MFMT;
// without either it is an unknown command.
func (sess *Session) cmdMFMT(arg string) bool {
	chfs, ok := sess.srv.FS.(ChtimesFS)
	if !ok || !sess.srv.hasFeature("MFMT") {
		sess.send(sess.srv.replyVars(ReplyUnknownCommand, "{verb}", "MFMT"))
		return false
	}
	stamp, name, _ := strings.Cut(strings.TrimSpace(arg), " ")
	name = strings.TrimLeft(name, " ")
	if stamp == "" || name == "" {
		sess.send(sess.srv.replyVars(ReplyMissingArgument, "{verb}", "MFMT"))
		return false
	}
	t, ok := parseMFMTTime(stamp)
	if !ok {
		sess.send(sess.srv.reply(ReplyMFMTBadTime))
		return false
	}
	if err := chfs.Chtimes(sess.path(name), t); err != nil {
		if rep := sess.srv.replyVars(ReplyMFMTNoFile, "{arg}", name); rep.Code != 0 && errors.Is(err, fs.ErrNotExist) {
			sess.send(rep)
		} else {
			sess.fsError(err)
		}
		return false
	}
	sess.send(sess.srv.replyVars(ReplyMFMT, "{time}", t.UTC().Format(mfmtLayout), "{arg}", name))
	return false
}

func (sess *Session) cmdMLST(arg string) bool {
	p := sess.path(arg)
	if !safeName(p) {
		// The facts line echoes the name on the control connection.
		sess.reply(ftp.CodeFileNotFound, "File name not allowed.")
		return false
	}
	st, err := sess.srv.FS.Stat(p)
	if err != nil {
		sess.fsError(err)
		return false
	}
	fact := formatMLSx(st, sess.perm)
	fact = strings.TrimSuffix(fact, st.Name()) + path.Clean(p)
	sess.send(ftp.Reply{Code: ftp.CodeFileActionOK, Lines: []string{"Listing " + p, fact, "End"}})
	return false
}
