package sim

import (
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// ReplyKey names a reply whose code and text differ between real servers.
// [Server.Replies] overrides the defaults per key; personas are built on it.
//
// A reply text may hold placeholders that the server fills in where the
// reply is sent (a text without braces is sent as is):
//
//	{arg}      the command's argument: the AUTH mechanism or PROT level in
//	           upper case, the user name as given, the transfer's argument
//	{verb}     the command's verb, e.g. PORT or EPRT
//	{user}     the user name (331, 230)
//	{hostport} h1,h2,h3,h4,p1,p2 of a 227 reply
//	{port}     the port of a 229 reply
//	{ip}       the foreign address of a bounce or foreign-data refusal
//	{addr}     the same with its port, ip:port
//	{peer}     the IP of the control connection's client
//	{count}    the number of entries of a listing (226 to LIST, NLST, MLSD)
//	{offset}   the REST offset; {size} the file's size (ReplyRestPastEOF)
//	{path}     the current directory, quoted as in a 257 reply
//	{uploaded}, {downloaded}  KiB stored and retrieved in the session,
//	           rounded up (ReplyGoodbye)
//	{seconds}  a file transfer's duration, as 0.000 (ReplyTransferRate)
//	{rate}     its rate with a unit: "3.19 Mbytes", "65.45 Kbytes", "12.00 bytes"
//	{time}     the time MFMT set, as YYYYMMDDHHMMSS (ReplyMFMT)
//	{kbytes}   KiB a RETR is to send, as 4.9 (ReplyDownloadSize)
//	{name}     the name STOU chose (ReplyUniqueName)
type ReplyKey string

// For refines a key by a command verb: Replies[ReplyOpeningData.For("LIST")]
// is sent for LIST instead of Replies[ReplyOpeningData]. Refined keys apply
// to [ReplyOpeningData], [ReplyDataAlreadyOpen] and [ReplyTransferComplete].
func (k ReplyKey) For(verb string) ReplyKey { return k + "/" + ReplyKey(strings.ToUpper(verb)) }

// The replies a server persona can override. The default text of each is in
// [DefaultReplies].
const (
	ReplyGreeting          ReplyKey = "greeting"            // 220 on connect
	ReplyAuthOK            ReplyKey = "auth-ok"             // 234 to AUTH TLS/SSL; {arg} is the mechanism
	ReplyAuthUnknown       ReplyKey = "auth-unknown"        // unknown AUTH mechanism ({arg})
	ReplyAuthDisabled      ReplyKey = "auth-disabled"       // AUTH when TLS is off
	ReplyAuthAgain         ReplyKey = "auth-again"          // AUTH on a protected connection
	ReplyTLSRequired       ReplyKey = "tls-required"        // USER/PASS ({verb}) before AUTH when TLS is required
	ReplyPBSZ              ReplyKey = "pbsz-ok"             // 200 to PBSZ 0
	ReplyPBSZInsecure      ReplyKey = "pbsz-insecure"       // PBSZ before AUTH
	ReplyProtNoPBSZ        ReplyKey = "prot-no-pbsz"        // PROT before PBSZ; code 0 = PROT needs no PBSZ
	ReplyProtC             ReplyKey = "prot-c"              // 200 to PROT C
	ReplyProtP             ReplyKey = "prot-p"              // 200 to PROT P
	ReplyProtSE            ReplyKey = "prot-unsupported"    // PROT S or E ({arg})
	ReplyProtUnknown       ReplyKey = "prot-unknown"        // any other PROT level ({arg})
	ReplyProtCDenied       ReplyKey = "prot-c-denied"       // PROT C under required data TLS; code 0 = accept it and refuse at transfer
	ReplyDataNeedsTLS      ReplyKey = "data-needs-tls"      // transfer under PROT C when data TLS is required
	ReplyReuseRequired     ReplyKey = "reuse-required"      // data TLS did not resume as the reuse policy demands
	ReplyDataTLSFailed     ReplyKey = "data-tls-failed"     // data TLS handshake failed
	ReplyCCCOK             ReplyKey = "ccc-ok"              // 200 to CCC
	ReplyCCCInsecure       ReplyKey = "ccc-insecure"        // CCC on a cleartext control connection
	ReplyCCCDenied         ReplyKey = "ccc-denied"          // CCC refused by policy; code 0 = CCC allowed
	ReplyForeignData       ReplyKey = "foreign-data"        // passive data connection from a foreign address ({ip}, {addr}, {peer})
	ReplyBounce            ReplyKey = "bounce"              // PORT/EPRT ({verb}) to a foreign address ({ip}, {addr}, {peer})
	ReplyTruncated         ReplyKey = "truncated"           // data TLS ended without close_notify
	ReplyNotLoggedIn       ReplyKey = "not-logged-in"       // a command that needs login
	ReplyLoginIncorrect    ReplyKey = "login-incorrect"     // bad user or password
	ReplyDenied            ReplyKey = "permission-denied"   // write by a read-only user
	ReplyTooManyConns      ReplyKey = "too-many-conns"      // connection limit reached
	ReplyAddressDenied     ReplyKey = "address-denied"      // client address not allowed
	ReplyIdleTimeout       ReplyKey = "idle-timeout"        // control connection idle too long
	ReplyDataTimeout       ReplyKey = "data-timeout"        // data connection never arrived
	ReplyLineTooLong       ReplyKey = "line-too-long"       // command line over the bound
	ReplyUnknownCommand    ReplyKey = "unknown-command"     // verb ({verb}) not implemented
	ReplyEPSVAll           ReplyKey = "epsv-all"            // PASV/PORT/EPRT after EPSV ALL
	ReplyOpeningData       ReplyKey = "opening-data"        // 150 before a transfer
	ReplyTransferComplete  ReplyKey = "transfer-complete"   // 226 after a transfer
	ReplyTransferAborted   ReplyKey = "transfer-aborted"    // 426 after ABOR or a broken data connection
	ReplyUploadReset       ReplyKey = "upload-reset"        // 426: the client reset the data connection of an upload
	ReplyStorageWrite      ReplyKey = "storage-write"       // 451: storage refused an upload's bytes (an I/O error)
	ReplyStorageFull       ReplyKey = "storage-full"        // 452: storage is full (ENOSPC, EDQUOT)
	ReplyCantOpenData      ReplyKey = "cant-open-data"      // 425: dial/listen failure
	ReplyPassiveListenFail ReplyKey = "passive-listen-fail" // no free port in the passive range

	ReplyFeatures        ReplyKey = "features"          // the whole FEAT reply, header and footer lines included; code 0 = built from the settings
	ReplyProtInsecure    ReplyKey = "prot-insecure"     // PROT before AUTH; code 0 = ReplyPBSZInsecure
	ReplyPBSZAdjusted    ReplyKey = "pbsz-adjusted"     // PBSZ with a size other than 0; code 0 = ReplyPBSZ
	ReplyNeedPassword    ReplyKey = "need-password"     // 331 to USER
	ReplyLoggedIn        ReplyKey = "logged-in"         // 230 to PASS
	ReplyNeedUser        ReplyKey = "need-user"         // PASS without USER
	ReplyPassive         ReplyKey = "passive"           // 227 to PASV, with {hostport}
	ReplyExtendedPassive ReplyKey = "extended-passive"  // 229 to EPSV, with {port}
	ReplyActiveOK        ReplyKey = "active-ok"         // 200 to PORT and EPRT
	ReplyDataAlreadyOpen ReplyKey = "data-already-open" // 125 when the data connection was there first (EagerAccept); code 0 = ReplyOpeningData
	ReplyRestPastEOF     ReplyKey = "rest-past-eof"     // REST ({offset}) beyond the file ({arg}, {size} bytes) under PastEOFRefused
	ReplyRestStoreDenied ReplyKey = "rest-store-denied" // STOR after REST, or APPE ({arg}), under RestStoreDenied
	ReplyOptsUTF8        ReplyKey = "opts-utf8"         // OPTS UTF8 ON
	ReplyOptsMLST        ReplyKey = "opts-mlst"         // OPTS MLST facts; code 0 = ReplyOptsUnknown
	ReplyOptsUnknown     ReplyKey = "opts-unknown"      // OPTS with an option the server lacks
	ReplyOptsMissing     ReplyKey = "opts-missing"      // OPTS without an option
	ReplyPRETOK          ReplyKey = "pret-ok"           // PRET before a transfer command ({arg}), under Server.PRET
	ReplyPRETNoFile      ReplyKey = "pret-no-file"      // PRET RETR of a file that does not exist ({arg}: the file)
	ReplyGoodbye         ReplyKey = "goodbye"           // 221 to QUIT ({uploaded}, {downloaded})
	ReplyPWD             ReplyKey = "pwd"               // 257 to PWD ({path}: the directory, quoted)
	ReplyTypeASCII       ReplyKey = "type-ascii"        // 200 to TYPE A
	ReplyTypeBinary      ReplyKey = "type-binary"       // 200 to TYPE I
	ReplyNOOP            ReplyKey = "noop"              // 200 to NOOP

	ReplyTransferRate    ReplyKey = "transfer-rate"    // last line of the 226 of a file transfer ({seconds}, {rate}); code 0 = none; left out when no byte moved
	ReplyTransferASCII   ReplyKey = "transfer-ascii"   // first line of the 226 of a file transfer in TYPE A; code 0 = none
	ReplyStatus          ReplyKey = "status"           // 211 to STAT without an argument, no transfer running; code 0 = the session's status
	ReplyStatPath        ReplyKey = "stat-path"        // 213 to STAT with a path ({arg}): its first and last lines, the listing between them
	ReplyStatNoFile      ReplyKey = "stat-no-file"     // STAT of a path that does not exist ({arg}); code 0 = the storage error
	ReplyMissingArgument ReplyKey = "missing-argument" // SIZE, MDTM or MFMT ({verb}) without its argument
	ReplyNoFileName      ReplyKey = "no-file-name"     // STOR or APPE ({verb}) without a file name
	ReplyNoSuchFile      ReplyKey = "no-such-file"     // SIZE or MDTM ({verb}) of a name that does not exist ({arg}); code 0 = the storage error
	ReplyNotRegularFile  ReplyKey = "not-regular-file" // SIZE or MDTM ({verb}) of a directory ({arg}); code 0 = the storage error
	ReplyMFMT            ReplyKey = "mfmt"             // 213 to MFMT ({time}, {arg}: the path as given)
	ReplyMFMTBadTime     ReplyKey = "mfmt-bad-time"    // MFMT whose time stamp does not parse
	ReplyMFMTNoFile      ReplyKey = "mfmt-no-file"     // MFMT of a name that does not exist ({arg}); code 0 = the storage error
	ReplyDownloadSize    ReplyKey = "download-size"    // last line of a RETR's 1xx when more than 4 KiB are to be sent ({kbytes}); code 0 = none
	ReplyUniqueName      ReplyKey = "unique-name"      // the 1xx of STOU ({name}; RFC 1123 4.1.2.9: "FILE: name"); code 0 = "FILE: name" alone
)

// DefaultReplies holds the code and text of every [ReplyKey] used when
// [Server.Replies] does not override it. The texts are written to say what
// happened and what fixes it.
var DefaultReplies = map[ReplyKey]ftp.Reply{
	ReplyGreeting:          r(220, "ftpsim FTPS simulator ready."),
	ReplyAuthOK:            r(234, "AUTH command ok; starting TLS negotiation."),
	ReplyAuthUnknown:       r(504, "Unknown AUTH mechanism; use AUTH TLS."),
	ReplyAuthDisabled:      r(502, "TLS is not enabled on this server."),
	ReplyAuthAgain:         r(503, "Already using TLS."),
	ReplyTLSRequired:       r(530, "TLS is required on the control channel: send AUTH TLS before USER."),
	ReplyPBSZ:              r(200, "PBSZ=0"),
	ReplyPBSZInsecure:      r(503, "PBSZ requires a TLS-protected control connection (send AUTH TLS first)."),
	ReplyProtNoPBSZ:        r(503, "PBSZ must precede PROT."),
	ReplyProtC:             r(200, "Protection level set to Clear."),
	ReplyProtP:             r(200, "Protection level set to Private."),
	ReplyProtSE:            r(536, "Protection level not supported by TLS; use C or P."),
	ReplyProtUnknown:       r(504, "Unknown protection level; use C or P."),
	ReplyProtCDenied:       {},
	ReplyDataNeedsTLS:      r(521, "Data connection cannot be opened with this PROT setting: send PROT P."),
	ReplyReuseRequired:     r(522, "TLS session of data connection not resumed; session reuse required: the client must resume the control connection's TLS session."),
	ReplyDataTLSFailed:     r(522, "TLS negotiation on the data connection failed."),
	ReplyCCCOK:             r(200, "Control connection is now in clear text."),
	ReplyCCCInsecure:       r(533, "CCC needs a TLS-protected control connection."),
	ReplyCCCDenied:         {},
	ReplyForeignData:       r(425, "Security: data connection came from a different address than the control connection."),
	ReplyBounce:            r(500, "Illegal PORT command: data address must be the control connection's address."),
	ReplyTruncated:         r(426, "Data connection closed without TLS close_notify; transfer truncated."),
	ReplyNotLoggedIn:       r(530, "Please login with USER and PASS."),
	ReplyLoginIncorrect:    r(530, "Login incorrect."),
	ReplyDenied:            r(550, "Permission denied."),
	ReplyTooManyConns:      r(421, "Too many connections; try again later."),
	ReplyAddressDenied:     r(421, "Service not available for your address."),
	ReplyIdleTimeout:       r(421, "Idle timeout: closing control connection."),
	ReplyDataTimeout:       r(425, "Can't open data connection: the client never connected."),
	ReplyLineTooLong:       r(500, "Command line too long."),
	ReplyUnknownCommand:    r(502, "Command not implemented."),
	ReplyEPSVAll:           r(503, "EPSV ALL in effect: only EPSV may set up data connections."),
	ReplyOpeningData:       r(150, "Opening data connection."),
	ReplyTransferComplete:  r(226, "Transfer complete."),
	ReplyTransferAborted:   r(426, "Connection closed; transfer aborted."),
	ReplyUploadReset:       r(426, "Connection reset by the client; upload aborted and not stored."),
	ReplyStorageWrite:      r(451, "Local error: could not write the file; upload aborted and not stored."),
	ReplyStorageFull:       r(452, "Insufficient storage space; upload aborted and not stored."),
	ReplyCantOpenData:      r(425, "Can't open data connection."),
	ReplyPassiveListenFail: r(425, "Can't open passive listener: no free port in the passive range."),
	ReplyFeatures:          {},
	ReplyProtInsecure:      {},
	ReplyPBSZAdjusted:      {},
	ReplyNeedPassword:      r(331, "Please specify the password."),
	ReplyLoggedIn:          r(230, "Login successful."),
	ReplyNeedUser:          r(503, "Login with USER first."),
	ReplyPassive:           r(227, "Entering Passive Mode ({hostport})."),
	ReplyExtendedPassive:   r(229, "Entering Extended Passive Mode (|||{port}|)"),
	ReplyActiveOK:          r(200, "{verb} command successful. Consider using EPSV."),
	ReplyDataAlreadyOpen:   {},
	ReplyRestPastEOF:       r(554, "Restart offset {offset} is past the end of {arg} ({size} bytes)."),
	ReplyRestStoreDenied:   r(451, "Resuming or appending uploads is not allowed here."),
	ReplyOptsUTF8:          r(200, "UTF8 mode enabled."),
	ReplyOptsMLST:          {},
	ReplyOptsUnknown:       r(501, "Option not understood."),
	ReplyOptsMissing:       r(501, "OPTS needs an option."),
	ReplyPRETOK:            r(200, "Ready for {arg}."),
	ReplyPRETNoFile:        r(550, "{arg}: no such file."),
	ReplyGoodbye:           r(221, "Goodbye."),
	ReplyPWD:               r(257, "{path} is the current directory."),
	ReplyTypeASCII:         r(200, "Switching to ASCII mode."),
	ReplyTypeBinary:        r(200, "Switching to Binary mode."),
	ReplyNOOP:              r(200, "NOOP ok."),
	ReplyTransferRate:      {},
	ReplyDownloadSize:      {},
	ReplyUniqueName:        {},
	ReplyTransferASCII:     {},
	ReplyStatus:            {},
	ReplyStatPath:          {Code: 213, Lines: []string{"Status of {arg}:", "End of status"}},
	ReplyStatNoFile:        {},
	ReplyMissingArgument:   r(501, "{verb} needs an argument."),
	ReplyNoFileName:        r(501, "{verb} needs a file name."),
	ReplyNoSuchFile:        {},
	ReplyNotRegularFile:    {},
	ReplyMFMT:              r(213, "Modify={time}; {arg}"),
	ReplyMFMTBadTime:       r(501, "MFMT needs a time stamp YYYYMMDDHHMMSS (UTC) and a path."),
	ReplyMFMTNoFile:        {},
}

func r(code int, text string) ftp.Reply { return ftp.Reply{Code: code, Lines: []string{text}} }

// replyFor returns the reply of key, refined by verb when Replies has a
// key.For(verb), with its placeholders filled from vars (pairs of
// placeholder and value, "{arg}", "TLS", ...). A zero-code override of a
// refined key does not count.
func (s *Server) replyFor(key ReplyKey, verb string, vars ...string) ftp.Reply {
	rep := s.reply(key)
	if verb != "" {
		if v, ok := s.Replies[key.For(verb)]; ok && v.Code != 0 {
			rep = v
		}
	}
	return expand(rep, vars...)
}

// replyVars is reply with placeholders filled from vars.
func (s *Server) replyVars(key ReplyKey, vars ...string) ftp.Reply {
	return expand(s.reply(key), vars...)
}

// orReply returns the reply of key, or of fallback when key's code is 0.
func (s *Server) orReply(key, fallback ReplyKey, vars ...string) ftp.Reply {
	rep := s.reply(key)
	if rep.Code == 0 {
		rep = s.reply(fallback)
	}
	return expand(rep, vars...)
}

// expand fills the placeholders of a reply's lines. The reply's own slice
// is never modified: it may be shared through DefaultReplies or Replies.
func expand(rep ftp.Reply, vars ...string) ftp.Reply {
	if len(vars) < 2 {
		return rep
	}
	var rp *strings.Replacer
	out := rep
	for i, l := range rep.Lines {
		if !strings.Contains(l, "{") {
			continue
		}
		if rp == nil {
			rp = strings.NewReplacer(vars...)
			out.Lines = append([]string(nil), rep.Lines...)
		}
		out.Lines[i] = rp.Replace(l)
	}
	return out
}
