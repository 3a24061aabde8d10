package sim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

func isEOF(err error) bool { return errors.Is(err, io.EOF) }

func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 4096) }

func (sess *Session) cmdNOOP(string) bool {
	sess.send(sess.srv.reply(ReplyNOOP))
	return false
}

func (sess *Session) cmdSYST(string) bool {
	sess.reply(ftp.CodeSystemType, "UNIX Type: L8")
	return false
}

// features returns the FEAT lines (RFC 2389), without the leading space.
// MFMT is listed when the storage can set times ([ChtimesFS]).
func (s *Server) features() []string {
	var f []string
	if s.ControlTLS != TLSDisabled && s.tlsBase != nil {
		f = append(f, "AUTH TLS", "AUTH SSL", "PBSZ", "PROT")
		if !s.DisableCCC {
			f = append(f, "CCC")
		}
	}
	if s.PRET {
		f = append(f, "PRET")
	}
	f = append(f, "EPRT", "EPSV", "HOST", "MDTM")
	if _, ok := s.FS.(ChtimesFS); ok {
		f = append(f, "MFMT")
	}
	f = append(f, "MLST type*;size*;modify*;perm*;", "REST STREAM", "SIZE", "TVFS", "UTF8")
	return append(f, s.Features...)
}

// featReply is the FEAT reply: ReplyFeatures when set, else built from the
// settings. A persona's MFMT line is dropped when the storage cannot set
// times, so that FEAT lists only what the server does.
func (s *Server) featReply() ftp.Reply {
	if rep := s.reply(ReplyFeatures); rep.Code != 0 {
		if _, ok := s.FS.(ChtimesFS); ok {
			return rep
		}
		out := ftp.Reply{Code: rep.Code}
		for i, l := range rep.Lines {
			if i > 0 && i < len(rep.Lines)-1 && strings.EqualFold(strings.TrimSpace(l), "MFMT") {
				continue
			}
			out.Lines = append(out.Lines, l)
		}
		return out
	}
	lines := append([]string{"Features:"}, s.features()...)
	return ftp.Reply{Code: ftp.CodeSystemStatus, Lines: append(lines, "End")}
}

// hasFeature reports whether FEAT lists the extension named by its first
// word (e.g. "MFMT").
func (s *Server) hasFeature(name string) bool {
	for _, l := range s.featReply().Lines {
		if word, _, _ := strings.Cut(strings.TrimSpace(l), " "); strings.EqualFold(word, name) {
			return true
		}
	}
	return false
}

func (sess *Session) cmdFEAT(string) bool {
	sess.send(sess.srv.featReply())
	return false
}

func (sess *Session) cmdOPTS(arg string) bool {
	opt := strings.ToUpper(strings.TrimSpace(arg))
	switch {
	case opt == "UTF8 ON", opt == "UTF8", opt == "UTF-8 ON":
		sess.send(sess.srv.reply(ReplyOptsUTF8))
	case opt == "":
		sess.send(sess.srv.reply(ReplyOptsMissing))
	case opt == "MLST" || strings.HasPrefix(opt, "MLST "):
		sess.send(sess.srv.orReply(ReplyOptsMLST, ReplyOptsUnknown))
	default:
		sess.send(sess.srv.reply(ReplyOptsUnknown))
	}
	return false
}

// cmdPRET answers PRET under Server.PRET (pure-ftpd's pre-transfer
// announcement); without it PRET is an unknown command.
func (sess *Session) cmdPRET(arg string) bool {
	switch {
	case !sess.srv.PRET:
		sess.send(sess.srv.replyVars(ReplyUnknownCommand, "{verb}", "PRET"))
	case !sess.loggedIn:
		sess.send(sess.srv.reply(ReplyNotLoggedIn))
	default:
		verb, name, _ := strings.Cut(strings.TrimSpace(arg), " ")
		if strings.EqualFold(verb, "RETR") {
			if _, err := sess.srv.FS.Stat(sess.path(name)); err != nil {
				sess.send(sess.srv.replyVars(ReplyPRETNoFile, "{arg}", name))
				return false
			}
		}
		sess.send(sess.srv.replyVars(ReplyPRETOK, "{arg}", strings.TrimSpace(arg)))
	}
	return false
}

func (sess *Session) cmdHELP(string) bool {
	verbs := make([]string, 0, len(commands))
	for v := range commands {
		verbs = append(verbs, v)
	}
	sort.Strings(verbs)
	lines := []string{"The following commands are recognized."}
	for i := 0; i < len(verbs); i += 10 {
		end := min(i+10, len(verbs))
		lines = append(lines, strings.Join(verbs[i:end], " "))
	}
	lines = append(lines, "Help OK.")
	sess.send(ftp.Reply{Code: ftp.CodeHelp, Lines: lines})
	return false
}

// cmdSTAT answers STAT (RFC 959 4.1.3): with a path, a listing of it on
// the control connection; without, the session's status (or ReplyStatus,
// but for the progress of a running transfer).
func (sess *Session) cmdSTAT(arg string) bool {
	if arg != "" && !sess.transferRunning() {
		if !sess.loggedIn {
			sess.send(sess.srv.reply(ReplyNotLoggedIn))
			return false
		}
		lines, err := sess.listLines(stripListFlags(arg), formatLIST)
		if err != nil {
			if rep := sess.srv.replyVars(ReplyStatNoFile, "{arg}", arg); rep.Code != 0 && errors.Is(err, fs.ErrNotExist) {
				sess.send(rep)
			} else {
				sess.fsError(err)
			}
			return false
		}
		rep := sess.srv.replyVars(ReplyStatPath, "{arg}", arg)
		if len(rep.Lines) < 2 {
			rep.Lines = append(rep.Lines, "")
		}
		last := len(rep.Lines) - 1
		body := append(append(append([]string(nil), rep.Lines[:last]...), lines...), rep.Lines[last])
		sess.send(ftp.Reply{Code: rep.Code, Lines: body})
		return false
	}
	if rep := sess.srv.reply(ReplyStatus); rep.Code != 0 && !sess.transferRunning() {
		sess.send(rep)
		return false
	}
	lines := []string{"ftpsim status:", "Connected to " + sess.RemoteAddr.String()}
	if u := sess.User(); u != "" {
		lines = append(lines, "Logged in as "+u)
	}
	typ := "BINARY"
	if sess.ascii {
		typ = "ASCII"
	}
	lines = append(lines, "TYPE: "+typ, "Control: "+sess.ControlTLS().String(),
		fmt.Sprintf("Data protection: %c; reuse policy: %s", sess.prot, sess.srv.Reuse))
	if n, ok := sess.transferBytes(); ok {
		lines = append(lines, fmt.Sprintf("Transfer in progress: %d bytes", n))
	}
	lines = append(lines, "End of status")
	sess.send(ftp.Reply{Code: ftp.CodeSystemStatus, Lines: lines})
	return false
}

func (sess *Session) cmdTYPE(arg string) bool {
	switch strings.ToUpper(strings.Join(strings.Fields(arg), " ")) {
	case "A", "A N":
		sess.ascii = true
		sess.send(sess.srv.reply(ReplyTypeASCII))
	case "I", "L 8":
		sess.ascii = false
		sess.send(sess.srv.reply(ReplyTypeBinary))
	default:
		sess.reply(ftp.CodeNotImplementedParam, "TYPE %s not supported; use A or I.", arg)
	}
	return false
}

func (sess *Session) cmdMODE(arg string) bool {
	if strings.EqualFold(strings.TrimSpace(arg), "S") {
		sess.reply(ftp.CodeOK, "Mode set to S.")
	} else {
		sess.reply(ftp.CodeNotImplementedParam, "Only MODE S is supported.")
	}
	return false
}

func (sess *Session) cmdSTRU(arg string) bool {
	if strings.EqualFold(strings.TrimSpace(arg), "F") {
		sess.reply(ftp.CodeOK, "Structure set to F.")
	} else {
		sess.reply(ftp.CodeNotImplementedParam, "Only STRU F is supported.")
	}
	return false
}

func (sess *Session) cmdALLO(string) bool {
	sess.reply(ftp.CodeSuperfluous, "ALLO is not needed.")
	return false
}

func (sess *Session) cmdREST(arg string) bool {
	n, err := strconv.ParseInt(strings.TrimSpace(arg), 10, 64)
	if err != nil || n < 0 {
		sess.reply(ftp.CodeSyntaxErrorArgs, "REST needs a non-negative byte offset.")
		return false
	}
	sess.rest = n
	sess.reply(ftp.CodePendingFurther, "Restarting at %d. Send STOR or RETR.", n)
	return false
}

func (sess *Session) cmdABOR(string) bool {
	if sess.abortTransfer() {
		sess.reply(ftp.CodeClosingData, "ABOR successful.")
		return false
	}
	sess.closePassive()
	sess.reply(ftp.CodeDataOpen, "No transfer to abort.")
	return false
}
