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
// of PASS replaced, so transcripts can be shared.
func (c Command) Redacted() string {
	if c.Verb == "PASS" && c.Arg != "" {
		return "PASS ****"
	}
	return c.String()
}

// ParseCommand parses one command line (without CRLF). The verb is the text
// up to the first space, upper-cased; it must be 1 to 8 printable ASCII
// letters (RFC 959 allows 3 or 4; extensions use up to 4, TLS-C has a dash).
// Telnet IAC sequences that some clients put before ABOR are stripped.
func ParseCommand(line string) (Command, error) {
	line = stripTelnet(line)
	line = strings.TrimRight(line, "\r\n")
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

// stripTelnet removes Telnet IAC command pairs (IP, DM, ...) and control
// bytes other than tab. Bytes of UTF-8 file names are kept.
func stripTelnet(s string) string {
	if !strings.ContainsRune(s, 0xFF) && (len(s) == 0 || s[0] >= 0x20) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0xFF && i+1 < len(s) {
			i++
			continue
		}
		if c < 0x20 && c != '\t' {
			continue
		}
		b = append(b, c)
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
