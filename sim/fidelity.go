package sim

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Limitation names a way in which a Server, built on Go's crypto/tls,
// cannot behave like the real program its persona stands for. When a
// client meets one, the server does not present crypto/tls's outcome as
// the real program's: it says so in the reply text, the transcript, the
// data evidence ([DataEvidence.NotReproducible]) and a warning event.
//
// The zero value is no limitation.
type Limitation string

// The limitations the server detects.
const (
	// LimitSessionIDResumption: a TLS 1.2 data connection that offered no
	// session ticket failed the reuse policy. The only way such a client
	// resumes is by session ID (RFC 5246 7.4.1.2), which OpenSSL-based
	// servers (vsftpd, ProFTPD, FileZilla Server) honour and crypto/tls
	// servers never offer: Go resumes TLS 1.2 only with tickets and sends
	// an empty session ID in every full handshake. curl 7.88 with OpenSSL
	// disables tickets and so resumes by session ID under
	// `--tls-max 1.2`; the real vsftpd accepts its data connection where
	// the simulator cannot tell whether it would.
	LimitSessionIDResumption Limitation = "tls12-session-id-resumption"
)

// LimitationInfo documents one [Limitation].
type LimitationInfo struct {
	Limitation Limitation
	// Detected is true when the server recognises the case at run time
	// and marks it; false when it is documented only (it cannot change
	// an outcome, or cannot be seen from the server).
	Detected bool
	// Summary says what Go cannot do.
	Summary string
	// Real says what the real programs do instead.
	Real string
	// Check says how to get the real program's verdict.
	Check string
}

// realProductCheck is how a user gets the real program's verdict.
const realProductCheck = "run the real product in a container: go test ./suites/docker -ginkgo.label-filter=not-reproducible (or docker.RunVsftpd / docker.RunProFTPD in your own test)"

// Limitations lists the known ways the simulator cannot reproduce the
// real servers, detected ones first. It is the list the README's
// "limitations" section and `ftpsim serve` refer to.
func Limitations() []LimitationInfo {
	return []LimitationInfo{
		{
			Limitation: LimitSessionIDResumption,
			Detected:   true,
			Summary:    "TLS 1.2 resumption by session ID: crypto/tls resumes TLS 1.2 only with session tickets",
			Real:       "vsftpd, ProFTPD and FileZilla Server (OpenSSL) resume by session ID, so a client without tickets (curl --tls-max 1.2) passes their session-reuse check",
			Check:      realProductCheck,
		},
		{
			Limitation: "tls13-cipher-order",
			Summary:    "TLS 1.3 cipher choice: crypto/tls picks its own order (AES-128-GCM first on AES hardware) and cannot be configured",
			Real:       "ProFTPD and pure-ftpd (OpenSSL 3.0) pick TLS_AES_256_GCM_SHA384 where Go picks TLS_AES_128_GCM_SHA256 (vsftpd and pyftpdlib agree with Go); no FTP outcome depends on it",
			Check:      "compare ConnectionState().CipherSuite against the container product if your client pins suites",
		},
		{
			Limitation: "tls12-cipher-order",
			Summary:    "TLS 1.2 cipher choice: crypto/tls ignores the configured order and prefers by its own rules",
			Real:       "OpenSSL servers follow their configured cipher list (ssl_ciphers, TLSCipherSuite): ProFTPD and pure-ftpd pick ECDHE-RSA-AES256-GCM-SHA384 where Go picks the AES-128 suite",
			Check:      "compare against the container product if your client offers a narrow cipher list",
		},
		{
			Limitation: "tls-legacy-versions",
			Summary:    "TLS 1.0 and 1.1: the simulator speaks TLS 1.2 and 1.3 only",
			Real:       "Debian 12's OpenSSL 3 refuses TLS 1.0/1.1 at its default security level too, so the outcome is the same there; older builds accept them",
			Check:      "test an older real product in a container",
		},
	}
}

// NotReproducibleMarker begins the text of every reply in which the
// server says its verdict is not the emulated program's, followed by the
// [Limitation] in parentheses, so a client that sees only the wire (a
// scenario run against a remote ftpsim serve) can tell:
//
//	522 Not reproducible in-process (tls12-session-id-resumption): vsftpd 3.0.3 would …
const NotReproducibleMarker = "Not reproducible in-process"

// helloFacts is what the server kept of a data connection's ClientHello.
type helloFacts struct {
	seen          bool
	ticketOffered bool // the session_ticket extension (RFC 5077) was present
	pskModes      bool // psk_key_exchange_modes (RFC 8446 4.2.9) was present
	versions      []uint16
}

// extensionSessionTicket is the session_ticket extension's number
// (RFC 5077 section 3.2).
const extensionSessionTicket = 35

// extensionPSKModes is psk_key_exchange_modes (RFC 8446 section 4.2.9).
const extensionPSKModes = 45

func factsOf(chi *tls.ClientHelloInfo) helloFacts {
	return helloFacts{
		seen:          true,
		ticketOffered: slices.Contains(chi.Extensions, extensionSessionTicket),
		pskModes:      slices.Contains(chi.Extensions, extensionPSKModes),
		versions:      slices.Clone(chi.SupportedVersions),
	}
}

// notReproducible reports the limitation a rejected data connection runs
// into, if any: the server emulates a real program, the connection is TLS
// 1.2, it did not resume, and its ClientHello offered no session ticket,
// so the client could only have resumed by session ID.
func (sess *Session) notReproducible(ev *DataEvidence, hello helloFacts) Limitation {
	if sess.srv.Emulates == "" || !hello.seen || hello.ticketOffered {
		return ""
	}
	if ev.TLS.Version != tls.VersionTLS12 || ev.TLS.Resumed {
		return ""
	}
	return LimitSessionIDResumption
}

// limitationReply is the reply that replaces a refusal the real program
// might not give: the same code, and text that says the verdict is not the
// real program's.
func (sess *Session) limitationReply(code int, lim Limitation) ftp.Reply {
	prog := sess.srv.Emulates
	var text string
	switch lim {
	case LimitSessionIDResumption:
		text = fmt.Sprintf(NotReproducibleMarker+" (%s): %s would resume this TLS 1.2 session by session ID, which Go's crypto/tls cannot; %s.", lim, prog, shortCheck)
	default:
		text = fmt.Sprintf(NotReproducibleMarker+" (%s): %s may answer otherwise; %s.", lim, prog, shortCheck)
	}
	return ftp.Reply{Code: code, Lines: []string{text}}
}

// shortCheck is realProductCheck cut to fit an FTP reply line.
const shortCheck = "run the real product: go test ./suites/docker"

// limitationNote is the transcript and event text for lim.
func limitationNote(prog string, lim Limitation) string {
	for _, l := range Limitations() {
		if l.Limitation == lim {
			return fmt.Sprintf("WARN not reproducible in-process (%s): %s; the real %s may differ: %s; %s",
				lim, l.Summary, prog, strings.TrimSuffix(l.Real, "."), l.Check)
		}
	}
	return fmt.Sprintf("WARN not reproducible in-process (%s)", lim)
}
