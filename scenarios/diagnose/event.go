package diagnose

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Format names a log format ParseLog recognises.
type Format string

// The formats, clients first.
const (
	FormatCurl            Format = "curl -v"
	FormatLftp            Format = "lftp debug"
	FormatFtplib          Format = "Python ftplib debug"
	FormatFileZilla       Format = "FileZilla client"
	FormatWinSCP          Format = "WinSCP"
	FormatVsftpd          Format = "vsftpd log"
	FormatProFTPD         Format = "ProFTPD log"
	FormatProFTPDTLS      Format = "ProFTPD mod_tls log"
	FormatPureFTPd        Format = "pure-ftpd log"
	FormatFileZillaServer Format = "FileZilla Server log"
)

// Kind says what an event is.
type Kind string

// The kinds of event.
const (
	Command Kind = "command" // a command the client sent ("PASV")
	Reply   Kind = "reply"   // a reply the server sent (Code, Text)
	Note    Kind = "note"    // anything else the program wrote (TLS, connections, errors)
)

// Pos is where a line is: file name and 1-based line number.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// String renders "file:line".
func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Event is one line of a log that says something about the FTP exchange.
// Text never holds a password.
type Event struct {
	Kind Kind `json:"kind"`
	// Code is the reply code of a Reply; 0 otherwise.
	Code int `json:"code,omitempty"`
	// Text is the command with its argument, the reply text after the
	// code, or the note, as the log wrote it (passwords masked).
	Text string `json:"text"`
	// Facts are what the line tells in the package's vocabulary
	// (FactTimeout, FactUnknownAuthority ...), from its words.
	Facts []Fact `json:"facts,omitempty"`
	// Time is the line's timestamp; zero when the format has none.
	Time time.Time `json:"time,omitzero"`
	Pos  Pos       `json:"pos"`
	// Raw is the whole line, password masked.
	Raw string `json:"-"`
}

// Verb is a command's upper-cased first word ("PASS").
func (e Event) Verb() string {
	if e.Kind != Command {
		return ""
	}
	v, _, _ := strings.Cut(strings.TrimSpace(e.Text), " ")
	return strings.ToUpper(v)
}

// Arg is a command's argument.
func (e Event) Arg() string {
	_, a, _ := strings.Cut(strings.TrimSpace(e.Text), " ")
	return strings.TrimSpace(a)
}

// Has reports whether the event carries fact f.
func (e Event) Has(f Fact) bool {
	for _, g := range e.Facts {
		if g == f {
			return true
		}
	}
	return false
}

// Fact is one thing a log line can tell, whatever program wrote it.
type Fact string

// The facts the line vocabulary knows.
const (
	FactTLSEstablished     Fact = "tls-established"      // a TLS handshake completed
	FactTLSResumed         Fact = "tls-resumed"          // a TLS session was resumed
	FactTLSNotResumed      Fact = "tls-not-resumed"      // a server says a handshake was full
	FactReuseRefused       Fact = "reuse-refused"        // a server refused a data connection that did not resume
	FactAlert              Fact = "tls-alert"            // a TLS alert was sent or received
	FactHandshakeFailed    Fact = "tls-handshake-failed" // a TLS handshake failed
	FactUnknownAuthority   Fact = "unknown-authority"    // certificate: no chain to a trusted root
	FactExpired            Fact = "expired"              // certificate: past NotAfter
	FactNotYetValid        Fact = "not-yet-valid"        // certificate: before NotBefore
	FactHostname           Fact = "hostname"             // certificate: not for the name dialed
	FactIncompatibleUsage  Fact = "incompatible-usage"   // certificate: wrong key usage
	FactNotTLS             Fact = "not-tls"              // the peer did not speak TLS
	FactReset              Fact = "reset"                // connection reset by peer
	FactRefused            Fact = "refused"              // connection refused
	FactTimeout            Fact = "timeout"              // a wait ran out
	FactTruncated          Fact = "truncated"            // data ended early or without close_notify
	FactConnecting         Fact = "connecting"           // the program dials an address
	FactConnected          Fact = "connected"            // a TCP connection was made
	FactPassiveAddrFixed   Fact = "pasv-address-fixed"   // the client replaced the 227 address
	FactTLSRequiredRefusal Fact = "tls-required"         // the client refused to go on without TLS
	FactCleartextRefused   Fact = "cleartext-refused"    // the server refused a cleartext session
)

// factWords maps lower-case phrases to facts. The phrases are those of
// OpenSSL, GnuTLS, Python, curl, lftp, FileZilla, WinSCP and the servers.
var factWords = []struct {
	words []string
	fact  Fact
}{
	{[]string{"ssl connection using", "tls connection established", "ssl version:", "connection accepted, using cipher",
		"tls: enabled", "tls session established", "tls handshake successful", "negotiated tlsv", "using tlsv1"}, FactTLSEstablished},
	{[]string{"re-using session", "reusing session", "session resumed", ", reused,", "tls session resumed", "resumed tls session",
		"session reuse ok", "resumed the session"}, FactTLSResumed},
	{[]string{", not reused,"}, FactTLSNotResumed},
	{[]string{"client did not reuse", "session reuse required", "not resumed", "has not resumed", "tls session resumption on data connection failed"}, FactReuseRefused},
	{[]string{"tls alert", "ssl alert", "alert received", "alert write", "alert read", "sslv3 alert", "tlsv1 alert", "tlsv13 alert"}, FactAlert},
	{[]string{"handshake failure", "handshake failed", "ssl_connect", "ssl_accept", "negotiation failed", "tls handshake failed",
		"ssl/tls handshake failed", "could not negotiate", "bad record mac", "decryption failed", "decrypt error"}, FactHandshakeFailed},
	{[]string{"unable to get local issuer", "self-signed certificate", "self signed certificate", "unknown ca", "unknown authority",
		"issuer is unknown", "issuer is not known", "not trusted", "untrusted", "certificate_verify_failed",
		"unable to verify the first certificate", "certificate chain", "invalid according to the validation procedure"}, FactUnknownAuthority},
	{[]string{"certificate has expired", "certificate expired", "has expired", "expired certificate"}, FactExpired},
	{[]string{"not yet valid", "is not yet activated", "not yet activated"}, FactNotYetValid},
	{[]string{"no alternative certificate subject name", "hostname mismatch", "doesn't match", "does not match the host",
		"ip address mismatch", "not valid for", "doesn't contain any ip sans", "certificate owner does not match",
		"common name doesn't match", "altnames"}, FactHostname},
	{[]string{"unsuitable certificate purpose", "unsupported certificate purpose", "incompatible usage", "incompatible key usage"}, FactIncompatibleUsage},
	{[]string{"wrong version number", "unexpected tls packet", "packet length too long", "record header", "http request",
		"unexpected message", "first record does not look like a tls handshake", "unknown protocol"}, FactNotTLS},
	{[]string{"connection reset", "econnreset", "reset by peer", "broken pipe"}, FactReset},
	{[]string{"connection refused", "econnrefused", "couldn't connect to server", "actively refused"}, FactRefused},
	{[]string{"timed out", "timeout", "time out", "timeouterror"}, FactTimeout},
	{[]string{"transfer closed with", "non-properly terminated", "unexpected eof", "eof occurred in violation", "did not properly shut down",
		"truncat", "without tls close_notify", "transfer aborted", "connection closed; transfer aborted"}, FactTruncated},
	{[]string{"trying ", "connecting to ", "connect to ", "connecting data", "opening data connection to"}, FactConnecting},
	{[]string{"connected to ", "connection established", "connect: client", "new connection from"}, FactConnected},
	{[]string{"seemed to be incorrect and has been fixed", "unroutable address. using server address instead", "skipping pasv ip", "for data connection, re-use"}, FactPassiveAddrFixed},
	{[]string{"requested ssl level failed", "ssl-force is set", "server does not support or allow ssl", "tls is not enabled"}, FactTLSRequiredRefusal},
	{[]string{"cleartext sessions", "must use encryption", "ssl/tls required", "requires tls", "tls is required", "does not allow plain ftp"}, FactCleartextRefused},
}

// factsOf returns the facts a line's words say.
func factsOf(text string) []Fact {
	fields := strings.Fields(strings.ToLower(text))
	kept := fields[:0]
	for _, f := range fields {
		if !strings.HasPrefix(f, "/") && !strings.Contains(f, "://") && !strings.HasPrefix(f, "./") {
			kept = append(kept, f) // paths and URLs are names, not words
		}
	}
	low := strings.Join(kept, " ")
	var out []Fact
	for _, fw := range factWords {
		for _, w := range fw.words {
			if strings.Contains(low, w) {
				out = append(out, fw.fact)
				break
			}
		}
	}
	return out
}

// urlSecret and userFlag match a password in a URL and in curl's -u.
var (
	urlSecret = regexp.MustCompile(`(://[^:/@\s]+:)[^@\s]+@`)
	userFlag  = regexp.MustCompile(`((?:^|\s)(?:-u|--user)\s+[^:\s]+:)\S+`)
)

// mask replaces the argument of a PASS command, and a password in a URL
// or a curl -u option, with "****".
func mask(line string) string {
	line = urlSecret.ReplaceAllString(line, "${1}****@")
	line = userFlag.ReplaceAllString(line, "${1}****")
	up := asciiUpper(line) // same length as line, whatever its bytes
	for i := 0; ; {
		j := strings.Index(up[i:], "PASS ")
		if j < 0 {
			return line
		}
		j += i
		i = j + 5
		if j > 0 && isWordByte(up[j-1]) {
			continue
		}
		end := len(line)
		if k := strings.IndexAny(line[i:], "'\""); k >= 0 {
			end = i + k
		}
		if strings.TrimSpace(line[i:end]) == "" {
			continue
		}
		line = line[:i] + "****" + line[end:]
		up = asciiUpper(line)
	}
}

// asciiUpper upper-cases ASCII letters only, so byte offsets stay valid.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func isWordByte(b byte) bool {
	return b == '_' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
}

// tlsVersion finds a TLS version ("1.2", "1.3") in a line.
var tlsVersionRe = regexp.MustCompile(`(?i)\bTLS\s?v?(1\.[0-3])\b|\bTLS1[._]([0-3])\b`)

func tlsVersion(text string) string {
	m := tlsVersionRe.FindStringSubmatch(text)
	switch {
	case m == nil:
		return ""
	case m[1] != "":
		return m[1]
	}
	return "1." + m[2]
}
