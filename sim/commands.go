package sim

// handler describes one command: its function and when it may run.
type handler struct {
	fn             func(sess *Session, arg string) (stop bool)
	needLogin      bool // 530 before login
	write          bool // 550 for read-only users
	duringTransfer bool // runs while a transfer is in progress
}

// commands is the dispatch table, grouped as in RFC 959 and its extensions.
var commands map[string]handler

func init() {
	commands = map[string]handler{
		// Access control (RFC 959 4.1.1) and security (RFC 2228, RFC 4217).
		"USER": {fn: (*Session).cmdUSER},
		"PASS": {fn: (*Session).cmdPASS},
		"QUIT": {fn: (*Session).cmdQUIT},
		"AUTH": {fn: (*Session).cmdAUTH},
		"PBSZ": {fn: (*Session).cmdPBSZ},
		"PROT": {fn: (*Session).cmdPROT},
		"CCC":  {fn: (*Session).cmdCCC},
		"HOST": {fn: (*Session).cmdHOST},

		// Informational and session parameters.
		"NOOP": {fn: (*Session).cmdNOOP, duringTransfer: true},
		"SYST": {fn: (*Session).cmdSYST},
		"FEAT": {fn: (*Session).cmdFEAT},
		"OPTS": {fn: (*Session).cmdOPTS},
		"PRET": {fn: (*Session).cmdPRET},
		"HELP": {fn: (*Session).cmdHELP},
		"STAT": {fn: (*Session).cmdSTAT, duringTransfer: true},
		"TYPE": {fn: (*Session).cmdTYPE, needLogin: true},
		"MODE": {fn: (*Session).cmdMODE, needLogin: true},
		"STRU": {fn: (*Session).cmdSTRU, needLogin: true},
		"ALLO": {fn: (*Session).cmdALLO, needLogin: true},
		"REST": {fn: (*Session).cmdREST, needLogin: true},
		"ABOR": {fn: (*Session).cmdABOR, duringTransfer: true},

		// Directories and files without a data connection.
		"CWD":  {fn: (*Session).cmdCWD, needLogin: true},
		"XCWD": {fn: (*Session).cmdCWD, needLogin: true},
		"CDUP": {fn: (*Session).cmdCDUP, needLogin: true},
		"XCUP": {fn: (*Session).cmdCDUP, needLogin: true},
		"PWD":  {fn: (*Session).cmdPWD, needLogin: true},
		"XPWD": {fn: (*Session).cmdPWD, needLogin: true},
		"MKD":  {fn: (*Session).cmdMKD, needLogin: true, write: true},
		"XMKD": {fn: (*Session).cmdMKD, needLogin: true, write: true},
		"RMD":  {fn: (*Session).cmdRMD, needLogin: true, write: true},
		"XRMD": {fn: (*Session).cmdRMD, needLogin: true, write: true},
		"DELE": {fn: (*Session).cmdDELE, needLogin: true, write: true},
		"RNFR": {fn: (*Session).cmdRNFR, needLogin: true, write: true},
		"RNTO": {fn: (*Session).cmdRNTO, needLogin: true, write: true},
		"SIZE": {fn: (*Session).cmdSIZE, needLogin: true},
		"MDTM": {fn: (*Session).cmdMDTM, needLogin: true},
		"MFMT": {fn: (*Session).cmdMFMT, needLogin: true, write: true},
		"MLST": {fn: (*Session).cmdMLST, needLogin: true},

		// Data connection set-up (RFC 959, RFC 2428).
		"PASV": {fn: (*Session).cmdPASV, needLogin: true},
		"EPSV": {fn: (*Session).cmdEPSV, needLogin: true},
		"PORT": {fn: (*Session).cmdPORT, needLogin: true},
		"EPRT": {fn: (*Session).cmdEPRT, needLogin: true},

		// Transfers.
		"RETR": {fn: (*Session).cmdRETR, needLogin: true},
		"STOR": {fn: (*Session).cmdSTOR, needLogin: true, write: true},
		"STOU": {fn: (*Session).cmdSTOU, needLogin: true, write: true},
		"APPE": {fn: (*Session).cmdAPPE, needLogin: true, write: true},
		"LIST": {fn: (*Session).cmdLIST, needLogin: true},
		"NLST": {fn: (*Session).cmdNLST, needLogin: true},
		"MLSD": {fn: (*Session).cmdMLSD, needLogin: true},
	}
}
