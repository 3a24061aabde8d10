package sim

import (
	"crypto/tls"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Key-exchange groups of the real servers, measured with a Go client
// (suites/fidelity TestTLSParametersFidelity): vsftpd and pure-ftpd set
// only P-256; ProFTPD and pyftpdlib keep OpenSSL 3.0's default list
// (X25519, P-256, X448, P-521, P-384; Go has no X448).
var (
	groupsP256Only  = []tls.CurveID{tls.CurveP256}
	groupsOpenSSL30 = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP521, tls.CurveP384}
)

// tlsPath sets every setting a persona owns, so that applying one persona
// after another leaves nothing of the first.
type tlsPath struct {
	control, data     TLSPolicy
	reuse             ReusePolicy
	lenientEOF        bool
	disableCCC        bool
	allowForeign      bool
	dropForeign       bool
	eagerAccept       bool
	closeEarlyData    bool
	lateTickets       bool
	ticketsOnWrite    bool
	acceptReset       bool
	cccStalls         bool
	withholdTickets   bool
	curves            []tls.CurveID
	authMechanisms    []string
	authSSLKeepsProtC bool
	protFallback      bool
	preTLS, preLogin  []string
	userOnly, closes  bool
	dataTLSAtSetup    bool
	cccOnlyIfOptional bool
	cccNotify         CCCNotify
	pret              bool
}

func (t tlsPath) apply(s *Server) {
	s.ControlTLS, s.DataTLS, s.Reuse = t.control, t.data, t.reuse
	s.LenientTLSEOF, s.DisableCCC = t.lenientEOF, t.disableCCC
	s.AllowForeignData, s.DropForeignData, s.EagerAccept = t.allowForeign, t.dropForeign, t.eagerAccept
	s.CloseEarlyData, s.LateTickets, s.AcceptResetUploads = t.closeEarlyData, t.lateTickets, t.acceptReset
	s.CCCStallsWithoutCloseNotify, s.TicketsOnFirstWrite = t.cccStalls, t.ticketsOnWrite
	s.Tickets.Withhold = t.withholdTickets
	s.CurvePreferences = t.curves
	s.AllowBounce = false
	s.AuthMechanisms, s.AuthSSLKeepsProtC, s.ProtFallback = t.authMechanisms, t.authSSLKeepsProtC, t.protFallback
	s.PreTLSCommands, s.PreLoginCommands = t.preTLS, t.preLogin
	s.TLSRequiredUserOnly, s.TLSRequiredCloses = t.userOnly, t.closes
	s.DataTLSAtSetup, s.CCCOnlyIfTLSOptional = t.dataTLSAtSetup, t.cccOnlyIfOptional
	s.CCCCloseNotify, s.PRET = t.cccNotify, t.pret
}

func one(code int, text string) ftp.Reply { return ftp.Reply{Code: code, Lines: []string{text}} }

// Vsftpd is vsftpd 3.0.3 (Debian 12) with ssl_enable=YES and the upstream
// defaults force_local_logins_ssl=YES, force_local_data_ssl=YES,
// require_ssl_reuse=YES, pasv_promiscuous=NO, port_promiscuous=NO and
// strict_ssl_read_eof=NO (see below for what that means with OpenSSL 3).
//
// It refuses USER in clear with 530 and hangs up; before login it answers
// every command but USER, PASS, AUTH, PBSZ, PROT, FEAT, OPTS and QUIT with
// "530 Please login with USER and PASS." (a second AUTH too); PROT needs no
// PBSZ; AUTH SSL and TLS-P imply PROT P; PROT C is accepted and the
// transfer refused ("522 Data connections must be encrypted."); a data
// connection that does not resume a session gets 150, then "522 SSL
// connection failed: session reuse required" (Debian's wording); CCC is an
// unknown command. An upload that ends with a FIN but no close_notify gets
// "426 Failure reading network stream." despite strict_ssl_read_eof=NO:
// linked with OpenSSL 3, vsftpd sees the missing close_notify as a read
// error (measured; it keeps the bytes on disk, sim keeps the previous
// file). REST then STOR writes over the file in place and keeps its tail;
// past the end it pads with zero bytes; REST past the end then RETR sends
// nothing (restart.go). Under TLS 1.3 it sends the data connection's
// session ticket after the client's Finished (LateTickets), so a client
// that uploads without ever reading the data connection (curl,
// jlaffaye/ftp) closes it with the ticket unread, the kernel resets it,
// and part of such uploads end "426 Failure reading network stream."
// (measured with curl, 1 MiB: 2 to 4 in 10; never under TLS 1.2).
//
// Variants: require_ssl_reuse=NO is Reuse = ReuseOff; force_local_*_ssl=NO
// are ControlTLS/DataTLS = TLSOptional; pasv_address is PassiveAddr.
func Vsftpd() Persona {
	login := one(530, "Please login with USER and PASS.")
	return Persona{
		Name: "vsftpd", Version: "3.0.3", Verified: true,
		Setup: "ssl_enable=YES force_local_logins_ssl=YES force_local_data_ssl=YES require_ssl_reuse=YES",
		settings: tlsPath{
			control: TLSRequired, data: TLSRequired, reuse: ReuseAny,
			disableCCC: true, closes: true, lateTickets: true, curves: groupsP256Only,
			preLogin: []string{"USER", "PASS", "AUTH", "PBSZ", "PROT", "FEAT", "OPTS", "QUIT"},
		}.apply,
		restart: restartPolicy{store: RestOverwrite, storEOF: PastEOFZeroFill, retrEOF: PastEOFClamp},
		replies: map[ReplyKey]ftp.Reply{
			ReplyGreeting:                     one(220, "(vsFTPd 3.0.3)"),
			ReplyTruncated:                    one(426, "Failure reading network stream."),
			ReplyUploadReset:                  one(426, "Failure reading network stream."),
			ReplyAuthOK:                       one(234, "Proceed with negotiation."),
			ReplyAuthUnknown:                  one(504, "Unknown AUTH type."),
			ReplyAuthAgain:                    login,
			ReplyTLSRequired:                  one(530, "Non-anonymous sessions must use encryption."),
			ReplyNotLoggedIn:                  login,
			ReplyUnknownCommand:               one(500, "Unknown command."),
			ReplyLoginIncorrect:               one(530, "Login incorrect."),
			ReplyPBSZ:                         one(200, "PBSZ set to 0."),
			ReplyPBSZInsecure:                 one(503, "PBSZ needs a secure connection."),
			ReplyProtInsecure:                 one(503, "PROT needs a secure connection."),
			ReplyProtNoPBSZ:                   {},
			ReplyProtC:                        one(200, "PROT now Clear."),
			ReplyProtP:                        one(200, "PROT now Private."),
			ReplyProtSE:                       one(536, "PROT not supported."),
			ReplyProtUnknown:                  one(504, "PROT not recognized."),
			ReplyDataNeedsTLS:                 one(522, "Data connections must be encrypted."),
			ReplyReuseRequired:                one(522, "SSL connection failed: session reuse required"),
			ReplyDataTLSFailed:                one(522, "SSL connection failed."),
			ReplyForeignData:                  one(425, "Security: Bad IP connecting."),
			ReplyBounce:                       one(500, "Illegal {verb} command."),
			ReplyActiveOK:                     one(200, "{verb} command successful. Consider using PASV."),
			ReplyDataTimeout:                  one(425, "Failed to establish connection."),
			ReplyCantOpenData:                 one(425, "Failed to establish connection."),
			ReplyIdleTimeout:                  one(421, "Timeout."),
			ReplyOpeningData:                  one(150, "Opening BINARY mode data connection for {arg}."),
			ReplyOpeningData.For("LIST"):      one(150, "Here comes the directory listing."),
			ReplyOpeningData.For("NLST"):      one(150, "Here comes the directory listing."),
			ReplyOpeningData.For("STOR"):      one(150, "Ok to send data."),
			ReplyOpeningData.For("APPE"):      one(150, "Ok to send data."),
			ReplyTransferComplete:             one(226, "Transfer complete."),
			ReplyTransferComplete.For("LIST"): one(226, "Directory send OK."),
			ReplyTransferComplete.For("NLST"): one(226, "Directory send OK."),
			ReplyFeatures: lines(211, "Features:", "AUTH TLS", "EPRT", "EPSV", "MDTM", "PASV", "PBSZ",
				"PROT", "REST STREAM", "SIZE", "TVFS", "End"),
		},
	}
}

// ProFTPD is ProFTPD 1.3.8 with mod_tls 2.9.2 (Debian 12): TLSEngine on,
// TLSRequired on, session reuse required (the default) and
// AllowForeignAddress off.
//
// With TLSRequired on it answers every command but AUTH, FEAT, SYST, HOST
// and QUIT with "550 SSL/TLS required on the control channel" until AUTH;
// AUTH echoes the mechanism ("234 AUTH TLS successful"), an unknown one
// gets "500 AUTH not understood"; PROT needs no PBSZ; AUTH SSL and TLS-P
// imply PROT P; PROT C is refused at once with 534; CCC is refused with
// 534 under TLSRequired on and allowed under off; a data connection that
// does not resume the control session gets 150, then "425 Unable to build
// data connection: Operation not permitted". Passive data connections from
// another address are accepted (mod_tls's session check is what binds
// them); PORT and EPRT to another address are refused. An upload that ends
// without close_notify is stored and answered 226 (measured). REST then
// STOR, and APPE, get "451 <name>: Append/Restart not permitted, try
// again" (AllowStoreRestart off); REST past the end then RETR gets 554
// (restart.go).
//
// Variants: TLSRequired off is ControlTLS and DataTLS = TLSOptional;
// TLSOptions NoSessionReuseRequired is Reuse = ReuseOff; MasqueradeAddress
// is PassiveAddr.
func ProFTPD() Persona {
	denied := one(534, "Unwilling to accept security parameters")
	listing := one(150, "Opening ASCII mode data connection for file list")
	return Persona{
		Name: "proftpd", Version: "1.3.8", Verified: true,
		Setup: "mod_tls: TLSEngine on, TLSRequired on, session reuse required (default)",
		settings: tlsPath{
			control: TLSRequired, data: TLSRequired, reuse: ReuseSame,
			allowForeign: true, cccOnlyIfOptional: true, lenientEOF: true, curves: groupsOpenSSL30,
			ticketsOnWrite: true,
			preTLS:         []string{"AUTH", "FEAT", "SYST", "HOST", "QUIT"},
		}.apply,
		restart: restartPolicy{store: RestStoreDenied, retrEOF: PastEOFRefused},
		replies: map[ReplyKey]ftp.Reply{
			ReplyRestStoreDenied:         one(451, "{arg}: Append/Restart not permitted, try again"),
			ReplyRestPastEOF:             one(554, "REST: invalid {arg} argument"),
			ReplyGreeting:                one(220, "ProFTPD Server (ProFTPD) [127.0.0.1]"),
			ReplyAuthOK:                  one(234, "AUTH {arg} successful"),
			ReplyAuthUnknown:             one(500, "AUTH not understood"),
			ReplyAuthAgain:               one(503, "Unwilling to accept second AUTH"),
			ReplyTLSRequired:             one(550, "SSL/TLS required on the control channel"),
			ReplyNotLoggedIn:             one(530, "Please login with USER and PASS"),
			ReplyUnknownCommand:          one(500, "{verb} not understood"),
			ReplyNeedPassword:            one(331, "Password required for {user}"),
			ReplyLoggedIn:                one(230, "User {user} logged in"),
			ReplyLoginIncorrect:          one(530, "Login incorrect."),
			ReplyPBSZ:                    one(200, "PBSZ 0 successful"),
			ReplyPBSZAdjusted:            one(200, "PBSZ=0 successful"),
			ReplyPBSZInsecure:            one(500, "PBSZ not understood"),
			ReplyProtInsecure:            one(500, "PROT not understood"),
			ReplyProtNoPBSZ:              {},
			ReplyProtC:                   one(200, "Protection set to Clear"),
			ReplyProtP:                   one(200, "Protection set to Private"),
			ReplyProtSE:                  one(536, "PROT {arg} unsupported"),
			ReplyProtUnknown:             one(504, "PROT {arg} unsupported"),
			ReplyProtCDenied:             denied,
			ReplyDataNeedsTLS:            one(522, "SSL/TLS required on the data channel"),
			ReplyReuseRequired:           one(425, "Unable to build data connection: Operation not permitted"),
			ReplyDataTLSFailed:           one(425, "Unable to build data connection: Operation not permitted"),
			ReplyCCCOK:                   one(200, "Clearing control channel protection"),
			ReplyCCCInsecure:             one(530, "Please login with USER and PASS"),
			ReplyCCCDenied:               denied,
			ReplyBounce:                  one(500, "Illegal {verb} command"),
			ReplyActiveOK:                one(200, "{verb} command successful"),
			ReplyOpeningData:             one(150, "Opening BINARY mode data connection for {arg}"),
			ReplyOpeningData.For("LIST"): listing,
			ReplyOpeningData.For("NLST"): listing,
			ReplyOpeningData.For("MLSD"): one(150, "Opening ASCII mode data connection for MLSD"),
			ReplyTransferComplete:        one(226, "Transfer complete"),
			ReplyFeatures: lines(211, "Features:", "AUTH TLS", "CCC", "CLNT", "CSID", "EPRT", "EPSV", "HOST",
				"LANG en-US*", "MDTM", "MFF modify;UNIX.group;UNIX.mode;", "MFMT",
				"MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;",
				"PBSZ", "PROT", "RANG STREAM", "REST STREAM", "SIZE", "SSCN", "TVFS", "UTF8", "End"),
		},
	}
}

// PureFTPd is pure-ftpd 1.0.50 (Debian 12) with -Y 3 (--tls=3): TLS
// required for login and data.
//
// It accepts only AUTH TLS ("500 This security scheme is not implemented"
// for SSL, TLS-C, TLS-P and anything else) and answers a second AUTH TLS
// with 234 again; USER in clear gets a two-line 421 but the connection
// stays open, and PASS then "530 Please tell me who you are"; PROT needs no
// PBSZ, but PROT before AUTH says it does; PROT S and E fall back to P with
// 200, an unknown level to C with 534; PROT C is accepted and the transfer
// refused with 521; session reuse is not required, and a Go client gets no
// session ticket at all, on control or data (Tickets.Withhold); CCC is
// allowed after login, and its close_notify follows the 200 at once
// (CCCNotifyAtOnce: lftp, which sends its own on the 200, loses that race
// part of the time, on the real server as on the persona); OPTS is "504
// Unknown command" but for OPTS MLST; PRET is "200 Ready to proceed"
// after login (550 for PRET RETR of a missing file); a passive data connection from
// another address is closed without a word while the server keeps waiting
// for the client's own. An upload
// that ends without close_notify is stored and answered 226 (measured).
// REST then STOR keeps the first offset bytes and ends the file with the
// upload, past the end it appends; REST past the end then RETR gets a
// two-line 554 (restart.go).
//
// Before login it serves only USER, PASS, QUIT, AUTH, PBSZ, PROT, CCC,
// NOOP, SYST, FEAT, OPTS, HELP and PRET; anything else, STAT and unknown
// verbs included, is "530 You aren't logged in". The 226 of a file
// transfer has two lines, the second with the time and rate it measured
// ("226 0.012 seconds (measured here), 217.22 Mbytes per second"; the
// persona measures its own), and none when no byte moved; in TYPE A a
// warning line comes first. STAT is "211 https://www.pureftpd.org/", STAT
// with a path a listing between "213-STAT" and "213 End." (empty when the
// path does not exist). MFMT sets the time and answers "213 UTIME OK";
// real pure-ftpd also takes time stamps that are short or out of range
// (MFMT 2020 sets 2019-11-30, as mktime normalises month 0 and day 0),
// which the persona refuses with "501 Can't get a time stamp". Not
// reproduced: the RETR 150 of more than 4096 bytes has a second line,
// "150 N.N kbytes to download", and the STOU 150 puts "150-FILE: name"
// before "Accepted data connection"; the session starts in TYPE A (the
// persona in TYPE I); HELP lists SITE commands.
//
// Variants: -Y 2 is DataTLS = TLSOptional; -Y 1 is ControlTLS =
// TLSOptional too; -P (forcepassiveip) is PassiveAddr.
func PureFTPd() Persona {
	return Persona{
		Name: "pure-ftpd", Version: "1.0.50", Verified: true,
		Setup: "-Y 3 (--tls=3): TLS required for login and data",
		settings: tlsPath{
			control: TLSRequired, data: TLSRequired, reuse: ReuseOff,
			dropForeign: true, authMechanisms: []string{"TLS"}, protFallback: true, userOnly: true,
			lenientEOF: true, curves: groupsP256Only, withholdTickets: true, cccStalls: true, pret: true,
			preLogin: []string{"USER", "PASS", "QUIT", "AUTH", "PBSZ", "PROT", "CCC", "NOOP", "SYST", "FEAT", "OPTS", "HELP", "PRET"},
		}.apply,
		restart: restartPolicy{store: RestTruncate, storEOF: PastEOFClamp, retrEOF: PastEOFRefused},
		replies: map[ReplyKey]ftp.Reply{
			ReplyRestPastEOF: lines(554, "Restart offset {offset} is too large for file size {size}.", "Restart offset reset to 0"),
			// Every line but the last starts with "220-" on the wire
			// (recorded: TestGreetingPureFTPd); the counts, time and port
			// are the defaults of a pure-ftpd on port 21.
			ReplyGreeting: lines(220, "--------- Welcome to Pure-FTPd [privsep] [TLS] ----------",
				"220-You are user number 1 of 50 allowed.", "220-Local time is now 00:00. Server port: 21.",
				"220-This is a private system - No anonymous login",
				"You will be disconnected after 15 minutes of inactivity."),
			// Debian's build has no RFC 2640 (OPTS UTF8): every option but
			// MLST is "504 Unknown command"; OPTS MLST lists all facts,
			// whatever was asked, after two spaces (recorded).
			ReplyOptsUTF8:    one(504, "Unknown command"),
			ReplyOptsUnknown: one(504, "Unknown command"),
			ReplyOptsMissing: one(504, "Unknown command"),
			ReplyOptsMLST:    one(200, " MLST OPTS type;size;sizd;modify;UNIX.mode;UNIX.uid;UNIX.gid;unique;"),
			ReplyPRETOK:      one(200, "Ready to proceed"),
			ReplyGoodbye:     lines(221, "Goodbye. You uploaded {uploaded} and downloaded {downloaded} kbytes.", "Logout."),
			ReplyPWD:         one(257, "{path} is your current location"),
			ReplyTypeASCII:   one(200, "TYPE is now ASCII"),
			ReplyTypeBinary:  one(200, "TYPE is now 8-bit binary"),
			ReplyNOOP:        one(200, "Zzz..."),
			ReplyPRETNoFile:  one(550, "Sorry, but that file doesn't exist"),
			ReplyAuthOK:      one(234, "AUTH TLS OK."),
			ReplyAuthUnknown: one(500, "This security scheme is not implemented"),
			ReplyAuthAgain:   one(234, "AUTH TLS OK."),
			ReplyTLSRequired: lines(421, "Sorry, cleartext sessions and weak ciphers are not accepted on this server.",
				"Please reconnect using TLS security mechanisms."),
			ReplyNeedUser:                     one(530, "Please tell me who you are"),
			ReplyNotLoggedIn:                  one(530, "You aren't logged in"),
			ReplyUnknownCommand:               one(500, "Unknown command"),
			ReplyNeedPassword:                 one(331, "User {user} OK. Password required"),
			ReplyLoggedIn:                     one(230, "OK. Current directory is /"),
			ReplyLoginIncorrect:               one(530, "Login authentication failed"),
			ReplyPBSZ:                         one(200, "PBSZ=0"),
			ReplyPBSZInsecure:                 one(503, "PBSZ=0"),
			ReplyProtInsecure:                 one(503, "PROT must be preceded by a successful PBSZ command"),
			ReplyProtNoPBSZ:                   {},
			ReplyProtC:                        one(200, `Data protection level set to "clear"`),
			ReplyProtP:                        one(200, `Data protection level set to "private"`),
			ReplyProtSE:                       one(200, `Protection level {arg} not understood. Fallback to "private"`),
			ReplyProtUnknown:                  one(534, "Fallback to [C]"),
			ReplyDataNeedsTLS:                 one(521, "Data connection cannot be opened with this PROT setting."),
			ReplyCCCOK:                        one(200, "Control connection unencrypted"),
			ReplyCCCInsecure:                  one(534, "CCC not allowed at this point"),
			ReplyBounce:                       one(500, "I won't open a connection to {ip} (only to {peer})"),
			ReplyActiveOK:                     one(200, "PORT command successful"),
			ReplyPassive:                      one(227, "Entering Passive Mode ({hostport})"),
			ReplyExtendedPassive:              one(229, "Extended Passive mode OK (|||{port}|)"),
			ReplyOpeningData:                  one(150, "Accepted data connection"),
			ReplyDownloadSize:                 one(150, "{kbytes} kbytes to download"),
			ReplyUniqueName:                   lines(150, "FILE: {name}", "Accepted data connection"),
			ReplyTransferComplete:             one(226, "File successfully transferred"),
			ReplyTransferRate:                 one(226, "{seconds} seconds (measured here), {rate} per second"),
			ReplyTransferASCII:                one(226, "Warning: client is in ASCII mode - Assuming data is plain text"),
			ReplyStatus:                       one(211, "https://www.pureftpd.org/"),
			ReplyStatPath:                     lines(213, "STAT", "End."),
			ReplyStatNoFile:                   lines(213, "STAT", "End."),
			ReplyMissingArgument:              one(501, "Missing argument"),
			ReplyNoFileName:                   one(501, "No file name"),
			ReplyNoSuchFile:                   one(550, "Can't check for file existence"),
			ReplyNotRegularFile:               one(550, "I can only retrieve regular files"),
			ReplyMFMT:                         one(213, "UTIME OK"),
			ReplyMFMTBadTime:                  one(501, "Can't get a time stamp"),
			ReplyMFMTNoFile:                   one(550, "utime({arg}): No such file or directory"),
			ReplyTransferComplete.For("LIST"): lines(226, "Options: -l ", "{count} matches total"),
			ReplyTransferComplete.For("NLST"): lines(226, "{count} matches total"),
			ReplyFeatures: lines(211, "Extensions supported:", "UTF8", "EPRT", "IDLE", "MDTM", "SIZE", "MFMT",
				"REST STREAM", "MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;",
				"MLSD", "PRET", "AUTH TLS", "PBSZ", "PROT", "TVFS", "ESTA", "PASV", "EPSV", "ESTP", "End."),
		},
	}
}

// FileZillaServer is FileZilla Server 1.x (1.7.3 source) in "require
// explicit FTP over TLS" mode. It is written from the source
// (src/filezilla/ftp/commander.cpp, session.cpp), not checked against the
// program: there is no FileZilla Server on Linux test machines.
//
// AUTH TLS and SSL (in any case) get "234 Using authentication type TLS.",
// others 504, a second AUTH 534; AUTH SSL does not imply PROT P; USER
// before AUTH gets "503 Use AUTH first."; PBSZ and PROT before AUTH are
// not implemented for that authentication type (502); PROT C is refused at
// once with 534; a data connection that does not resume the control
// session gets 150, then "425 Unable to build data connection: TLS session
// of data connection not resumed."; CCC is an unknown command.
//
// Variants: the passive host override is PassiveAddr.
func FileZillaServer() Persona {
	return Persona{
		Name: "filezilla-server", Version: "1.7.3", Verified: false,
		Setup: "require explicit FTP over TLS; TLS session resumption mandatory (1.x)",
		settings: tlsPath{
			control: TLSRequired, data: TLSRequired, reuse: ReuseSame,
			disableCCC: true, authMechanisms: []string{"TLS", "SSL"}, authSSLKeepsProtC: true, userOnly: true,
		}.apply,
		replies: map[ReplyKey]ftp.Reply{
			ReplyGreeting:         lines(220, "FileZilla Server 1.7.3", "Please visit https://filezilla-project.org/"),
			ReplyAuthOK:           one(234, "Using authentication type TLS."),
			ReplyAuthUnknown:      one(504, "Auth type not supported."),
			ReplyAuthAgain:        one(534, "Authentication type already set to TLS"),
			ReplyTLSRequired:      one(503, "Use AUTH first."),
			ReplyNeedUser:         one(503, "Login with USER first."),
			ReplyNotLoggedIn:      one(530, "Please log in with USER and PASS first."),
			ReplyUnknownCommand:   one(500, "Wrong command."),
			ReplyNeedPassword:     one(331, "Please, specify the password."),
			ReplyLoggedIn:         one(230, "Login successful."),
			ReplyLoginIncorrect:   one(530, "Login incorrect."),
			ReplyPBSZ:             one(200, "PBSZ=0"),
			ReplyPBSZInsecure:     one(502, "Command PBSZ not implemented for this authentication type"),
			ReplyProtInsecure:     one(502, "Command PROT not implemented for this authentication type"),
			ReplyProtNoPBSZ:       {},
			ReplyProtC:            one(200, "Protection level set to C"),
			ReplyProtP:            one(200, "Protection level set to P"),
			ReplyProtSE:           one(536, "Protection level {arg} not supported"),
			ReplyProtUnknown:      one(504, "Unknown protection level"),
			ReplyProtCDenied:      one(534, "Protection level C not allowed"),
			ReplyDataNeedsTLS:     one(425, "Error while transfering data: PROT C is not allowed when the control connection is secure. Use PROT P."),
			ReplyReuseRequired:    one(425, "Unable to build data connection: TLS session of data connection not resumed."),
			ReplyDataTLSFailed:    one(425, "Unable to build data connection: TLS handshake failed."),
			ReplyEPSVAll:          one(500, "Illegal PORT command, EPSV ALL in effect."),
			ReplyBounce:           one(500, "Illegal {verb} command."),
			ReplyActiveOK:         one(200, "{verb} command successful."),
			ReplyPassive:          one(227, "Entering Passive Mode ({hostport})"),
			ReplyOpeningData:      one(150, "Starting data transfer."),
			ReplyTransferComplete: one(226, "Operation successful"),
			ReplyFeatures: lines(211, "Features:", "MDTM", "REST STREAM", "SIZE", "MLST type*;size*;modify*;perm*;",
				"MLSD", "AUTH SSL", "AUTH TLS", "PROT", "PBSZ", "UTF8", "TVFS", "EPSV", "EPRT", "MFMT", "End"),
		},
	}
}

// Pyftpdlib is pyftpdlib 1.5.7 (Debian 12, pyOpenSSL 23) with
// TLS_FTPHandler, tls_control_required=True and tls_data_required=True.
//
// Its event loop accepts data connections as soon as they arrive: one from
// another address is refused at once ("425 Rejected data connection from
// foreign address ip:port.") while the listener keeps waiting, and a
// transfer command answers 125 when its connection is already there, 150
// before waiting otherwise. A data connection on which the client sends
// before the transfer command is reset without a reply (CloseEarlyData),
// so curl, which starts its TLS handshake at once, always fails against
// it. AUTH echoes the mechanism; AUTH SSL does not
// imply PROT P; PROT needs PBSZ; PROT S and E get 521; under PROT C the
// data-connection commands (PASV, EPSV, PORT, EPRT) are refused with "550
// SSL/TLS required on the data channel."; session reuse is not required;
// CCC is an unknown command.
//
// Variants: tls_control_required/tls_data_required=False are
// ControlTLS/DataTLS = TLSOptional; masquerade_address is PassiveAddr;
// permit_foreign_addresses is AllowForeignData.
func Pyftpdlib() Persona {
	return Persona{
		Name: "pyftpdlib", Version: "1.5.7", Verified: true,
		Setup: "TLS_FTPHandler with tls_control_required=True, tls_data_required=True",
		settings: tlsPath{
			control: TLSRequired, data: TLSRequired, reuse: ReuseOff,
			eagerAccept: true, closeEarlyData: true, curves: groupsOpenSSL30, disableCCC: true, authSSLKeepsProtC: true, dataTLSAtSetup: true,
			lateTickets: true, acceptReset: true,
		}.apply,
		restart: restartPolicy{store: RestOverwrite, storEOF: PastEOFRefused, retrEOF: PastEOFRefused},
		replies: map[ReplyKey]ftp.Reply{
			ReplyRestPastEOF:      one(554, "REST position ({offset}) > file size ({size})"),
			ReplyGreeting:         one(220, "pyftpdlib 1.5.7 ready."),
			ReplyAuthOK:           one(234, "AUTH {arg} successful."),
			ReplyAuthUnknown:      one(502, "Unrecognized encryption type (use TLS or SSL)."),
			ReplyAuthAgain:        one(503, "Already using TLS."),
			ReplyTLSRequired:      one(550, "SSL/TLS required on the control channel."),
			ReplyNotLoggedIn:      one(530, "Log in with USER and PASS first."),
			ReplyUnknownCommand:   one(500, `Command "{verb}" not understood.`),
			ReplyNeedPassword:     one(331, "Username ok, send password."),
			ReplyLoggedIn:         one(230, "Login successful."),
			ReplyLoginIncorrect:   one(530, "Authentication failed."),
			ReplyPBSZ:             one(200, "PBSZ=0 successful."),
			ReplyPBSZInsecure:     one(503, "PBSZ not allowed on insecure control connection."),
			ReplyProtInsecure:     one(503, "PROT not allowed on insecure control connection."),
			ReplyProtNoPBSZ:       one(503, "You must issue the PBSZ command prior to PROT."),
			ReplyProtC:            one(200, "Protection set to Clear"),
			ReplyProtP:            one(200, "Protection set to Private"),
			ReplyProtSE:           one(521, "PROT {arg} unsupported (use C or P)."),
			ReplyProtUnknown:      one(502, "Unrecognized PROT type (use C or P)."),
			ReplyDataNeedsTLS:     one(550, "SSL/TLS required on the data channel."),
			ReplyForeignData:      one(425, "Rejected data connection from foreign address {addr}."),
			ReplyBounce:           one(501, "Rejected data connection to foreign address {addr}."),
			ReplyActiveOK:         one(200, "Active data connection established."),
			ReplyPassive:          one(227, "Entering passive mode ({hostport})."),
			ReplyExtendedPassive:  one(229, "Entering extended passive mode (|||{port}|)."),
			ReplyOpeningData:      one(150, "File status okay. About to open data connection."),
			ReplyDataAlreadyOpen:  one(125, "Data connection already open. Transfer starting."),
			ReplyTransferComplete: one(226, "Transfer complete."),
			ReplyDataTimeout:      one(421, "Passive data channel timed out."),
			ReplyFeatures: lines(211, "Features supported:", "AUTH SSL", "AUTH TLS", "EPRT", "EPSV", "MDTM", "MFMT",
				"MLST type*;perm*;size*;modify*;unique*;unix.mode;unix.uid;unix.gid;", "PBSZ", "PROT",
				"REST STREAM", "SIZE", "TVFS", "UTF8", "End FEAT."),
		},
	}
}
