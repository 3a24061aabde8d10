package ftp

// Reply codes, grouped by series. Each constant names the RFC section that
// defines it. Servers in the field reuse some codes for other meanings; the
// comments say where.
const (
	// 1yz: positive preliminary replies.

	CodeRestartMarker   = 110 // RFC 959 4.2: restart marker reply
	CodeServiceReadyIn  = 120 // RFC 959 4.2: service ready in nnn minutes
	CodeDataOpenStarted = 125 // RFC 959 4.2: data connection already open; transfer starting
	CodeFileStatusOK    = 150 // RFC 959 4.2: file status okay; about to open data connection

	// 2yz: positive completion replies.

	CodeOK                = 200 // RFC 959 4.2: command okay
	CodeSuperfluous       = 202 // RFC 959 4.2: command not implemented, superfluous at this site
	CodeSystemStatus      = 211 // RFC 959 4.2: system status, or help reply (FEAT, RFC 2389)
	CodeDirectoryStatus   = 212 // RFC 959 4.2: directory status
	CodeFileStatus        = 213 // RFC 959 4.2: file status (SIZE and MDTM, RFC 3659)
	CodeHelp              = 214 // RFC 959 4.2: help message
	CodeSystemType        = 215 // RFC 959 4.2: NAME system type
	CodeServiceReady      = 220 // RFC 959 4.2: service ready for new user (also HOST accepted, RFC 7151)
	CodeClosing           = 221 // RFC 959 4.2: service closing control connection
	CodeDataOpen          = 225 // RFC 959 4.2: data connection open; no transfer in progress
	CodeClosingData       = 226 // RFC 959 4.2: closing data connection; requested file action successful
	CodePassive           = 227 // RFC 959 4.2: entering passive mode (h1,h2,h3,h4,p1,p2)
	CodeExtendedPassive   = 229 // RFC 2428 3: entering extended passive mode (|||port|)
	CodeLoggedIn          = 230 // RFC 959 4.2: user logged in, proceed
	CodeLoggedInSecurity  = 232 // RFC 2228 4: user logged in, authorized by security data exchange
	CodeAuthOK            = 234 // RFC 2228 4: security data exchange complete (AUTH TLS accepted, RFC 4217 4)
	CodeFileActionOK      = 250 // RFC 959 4.2: requested file action okay, completed
	CodePathCreated       = 257 // RFC 959 4.2: "PATHNAME" created (also the PWD reply)
	CodeNeedPassword      = 331 // RFC 959 4.2: user name okay, need password
	CodeNeedADAT          = 334 // RFC 2228 4: ADAT required (a wrong answer to AUTH TLS)
	CodeNeedAccount       = 332 // RFC 959 4.2: need account for login
	CodePendingFurther    = 350 // RFC 959 4.2: requested file action pending further information (REST, RNFR)
	CodeServiceNotAvail   = 421 // RFC 959 4.2: service not available, closing control connection
	CodeCantOpenData      = 425 // RFC 959 4.2: can't open data connection
	CodeTransferAborted   = 426 // RFC 959 4.2: connection closed; transfer aborted
	CodeNeedResource      = 431 // RFC 2228 4: need some unavailable resource to process security
	CodeFileUnavailable   = 450 // RFC 959 4.2: requested file action not taken; file unavailable
	CodeLocalError        = 451 // RFC 959 4.2: requested action aborted: local error in processing
	CodeInsufficientSpace = 452 // RFC 959 4.2: requested action not taken; insufficient storage space

	// 5yz: permanent negative completion replies.

	CodeSyntaxError         = 500 // RFC 959 4.2: syntax error, command unrecognized (also line too long)
	CodeSyntaxErrorArgs     = 501 // RFC 959 4.2: syntax error in parameters or arguments
	CodeNotImplemented      = 502 // RFC 959 4.2: command not implemented
	CodeBadSequence         = 503 // RFC 959 4.2: bad sequence of commands
	CodeNotImplementedParam = 504 // RFC 959 4.2: command not implemented for that parameter (unknown AUTH or PROT)
	CodeNotLoggedIn         = 530 // RFC 959 4.2: not logged in
	CodeNeedAccountStore    = 532 // RFC 959 4.2: need account for storing files
	CodeProtDenied          = 533 // RFC 2228 4: command protection level denied for policy reasons (CCC)
	CodePolicyDenied        = 534 // RFC 2228 4: request denied for policy reasons
	CodeFailedSecurityCheck = 535 // RFC 2228 4: failed security check
	CodeProtNotSupported    = 536 // RFC 2228 4: requested PROT level not supported by mechanism
	CodeProtNotAllowed      = 521 // RFC 4217 9: data connection cannot be opened with this PROT setting
	CodeTLSNegotiation      = 522 // RFC 4217 10: TLS negotiation failed on the data connection (also RFC 2428: network protocol not supported)
	CodeFileNotFound        = 550 // RFC 959 4.2: requested action not taken; file unavailable
	CodePageTypeUnknown     = 551 // RFC 959 4.2: requested action aborted: page type unknown
	CodeExceededStorage     = 552 // RFC 959 4.2: requested file action aborted; exceeded storage allocation
	CodeBadFileName         = 553 // RFC 959 4.2: requested action not taken; file name not allowed
)

// CodeNetworkProtocol is EPSV's and EPRT's reply when the requested network
// protocol is not supported (RFC 2428 2 and 3). It shares its number with
// [CodeTLSNegotiation].
const CodeNetworkProtocol = 522

// Class returns the first digit of a reply code: 1 preliminary, 2 completion,
// 3 intermediate, 4 transient negative, 5 permanent negative.
func Class(code int) int { return code / 100 }

// Positive reports whether code is a positive (1yz, 2yz or 3yz) reply.
func Positive(code int) bool { return code >= 100 && code < 400 }
