package ftp

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrEmptyCommand is returned by [ParseCommand] for a blank line.
var ErrEmptyCommand = errors.New("ftp: empty command")

// Command is one client command: an upper-cased verb and its raw argument.
type Command struct {
	Verb string // upper case, e.g. "RETR"
	Arg  string // everything after the first space, unmodified
}

// String renders the command as sent on the wire, without CRLF.
func (c Command) String() string {
	if c.Arg == "" {
		return c.Verb
	}
	return c.Verb + " " + c.Arg
}

// Redacted renders the command for logs and transcripts with the password
// of PASS replaced, so transcripts can be shared. The verb is matched without
// regard to case, so a hand-built Command{Verb: "pass"} is redacted too.
func (c Command) Redacted() string {
	if strings.EqualFold(c.Verb, "PASS") && c.Arg != "" {
		return c.Verb + " ****"
	}
	return c.String()
}

// ParseCommand parses one command line (a trailing CR or LF is ignored). The
// verb is the text up to the first space, upper-cased; it must be 1 to 8
// ASCII letters or dashes (RFC 959 allows 3 or 4; extensions use up to 4,
// TLS-C has a dash). Telnet IAC sequences that some clients put before ABOR
// are stripped, IAC IAC becomes the data byte 0xFF, and control bytes other
// than tab are dropped; every other byte of the argument, UTF-8 included,
// is kept.
func ParseCommand(line string) (Command, error) {
	line = stripTelnet(line) // also drops the CR and LF of a terminator
	if strings.TrimSpace(line) == "" {
		return Command{}, ErrEmptyCommand
	}
	verb, arg, _ := strings.Cut(line, " ")
	if len(verb) == 0 || len(verb) > 8 {
		return Command{}, fmt.Errorf("ftp: bad verb %q", verb)
	}
	for i := 0; i < len(verb); i++ {
		c := verb[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-') {
			return Command{}, fmt.Errorf("ftp: bad verb %q", verb)
		}
	}
	return Command{Verb: strings.ToUpper(verb), Arg: arg}, nil
}

// Telnet bytes that matter on a control connection (RFC 854).
const (
	telnetIAC  = 0xFF // interpret as command
	telnetWILL = 0xFB // WILL, WONT, DO and DONT (0xFB-0xFE) take an option byte
)

// stripTelnet removes Telnet IAC command sequences (IP, DM, ... and option
// negotiation), turns IAC IAC into a 0xFF data byte, and drops control bytes
// other than tab. Bytes of UTF-8 file names are kept.
func stripTelnet(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		clean = s[i] != telnetIAC && (s[i] >= 0x20 || s[i] == '\t')
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == telnetIAC && i+1 < len(s) && s[i+1] == telnetIAC:
			b = append(b, telnetIAC)
			i++
		case c == telnetIAC && i+1 < len(s) && s[i+1] >= telnetWILL:
			i += 2 // IAC WILL/WONT/DO/DONT option
		case c == telnetIAC:
			i++ // IAC and its command byte; a lone trailing IAC is dropped
		case c < 0x20 && c != '\t':
			// a control byte: dropped
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// WriteCommand writes cmd followed by CRLF. It refuses a command whose verb
// or argument contains CR or LF, which would smuggle a second command.
func WriteCommand(w io.Writer, cmd Command) error {
	s := cmd.String()
	if strings.ContainsAny(s, "\r\n") {
		return fmt.Errorf("ftp: command %q contains CR or LF", cmd.Verb)
	}
	_, err := io.WriteString(w, s+"\r\n")
	return err
}
