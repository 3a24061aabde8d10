package sim

import "github.com/ftpsim/ftpsim/internal/ftp"

// ReplyKey names a reply whose code and text differ between real servers.
// [Server.Replies] overrides the defaults per key; personas are built on it.
type ReplyKey string

// The replies a server persona can override. The default text of each is in
// [DefaultReplies].
const (
	ReplyGreeting          ReplyKey = "greeting"            // 220 on connect
	ReplyAuthOK            ReplyKey = "auth-ok"             // 234 to AUTH TLS/SSL
	ReplyAuthUnknown       ReplyKey = "auth-unknown"        // unknown AUTH mechanism
	ReplyAuthDisabled      ReplyKey = "auth-disabled"       // AUTH when TLS is off
	ReplyAuthAgain         ReplyKey = "auth-again"          // AUTH on a protected connection
	ReplyTLSRequired       ReplyKey = "tls-required"        // USER/PASS before AUTH when TLS is required
	ReplyPBSZ              ReplyKey = "pbsz-ok"             // 200 to PBSZ 0
	ReplyPBSZInsecure      ReplyKey = "pbsz-insecure"       // PBSZ before AUTH
	ReplyProtNoPBSZ        ReplyKey = "prot-no-pbsz"        // PROT before PBSZ
	ReplyProtC             ReplyKey = "prot-c"              // 200 to PROT C
	ReplyProtP             ReplyKey = "prot-p"              // 200 to PROT P
	ReplyProtSE            ReplyKey = "prot-unsupported"    // PROT S or E
	ReplyProtUnknown       ReplyKey = "prot-unknown"        // any other PROT level
	ReplyProtCDenied       ReplyKey = "prot-c-denied"       // PROT C under required data TLS; code 0 = accept it and refuse at transfer
	ReplyDataNeedsTLS      ReplyKey = "data-needs-tls"      // transfer under PROT C when data TLS is required
	ReplyReuseRequired     ReplyKey = "reuse-required"      // data TLS did not resume as the reuse policy demands
	ReplyDataTLSFailed     ReplyKey = "data-tls-failed"     // data TLS handshake failed
	ReplyCCCOK             ReplyKey = "ccc-ok"              // 200 to CCC
	ReplyCCCInsecure       ReplyKey = "ccc-insecure"        // CCC on a cleartext control connection
	ReplyCCCDenied         ReplyKey = "ccc-denied"          // CCC refused by policy; code 0 = CCC allowed
	ReplyForeignData       ReplyKey = "foreign-data"        // passive data connection from a foreign address
	ReplyBounce            ReplyKey = "bounce"              // PORT/EPRT to a foreign address
	ReplyTruncated         ReplyKey = "truncated"           // data TLS ended without close_notify
	ReplyNotLoggedIn       ReplyKey = "not-logged-in"       // a command that needs login
	ReplyLoginIncorrect    ReplyKey = "login-incorrect"     // bad user or password
	ReplyDenied            ReplyKey = "permission-denied"   // write by a read-only user
	ReplyTooManyConns      ReplyKey = "too-many-conns"      // connection limit reached
	ReplyAddressDenied     ReplyKey = "address-denied"      // client address not allowed
	ReplyIdleTimeout       ReplyKey = "idle-timeout"        // control connection idle too long
	ReplyDataTimeout       ReplyKey = "data-timeout"        // data connection never arrived
	ReplyLineTooLong       ReplyKey = "line-too-long"       // command line over the bound
	ReplyUnknownCommand    ReplyKey = "unknown-command"     // verb not implemented
	ReplyEPSVAll           ReplyKey = "epsv-all"            // PASV/PORT/EPRT after EPSV ALL
	ReplyOpeningData       ReplyKey = "opening-data"        // 150 before a transfer
	ReplyTransferComplete  ReplyKey = "transfer-complete"   // 226 after a transfer
	ReplyTransferAborted   ReplyKey = "transfer-aborted"    // 426 after ABOR or a broken data connection
	ReplyCantOpenData      ReplyKey = "cant-open-data"      // 425: dial/listen failure
	ReplyPassiveListenFail ReplyKey = "passive-listen-fail" // no free port in the passive range
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
	ReplyCantOpenData:      r(425, "Can't open data connection."),
	ReplyPassiveListenFail: r(425, "Can't open passive listener: no free port in the passive range."),
}

func r(code int, text string) ftp.Reply { return ftp.Reply{Code: code, Lines: []string{text}} }
