package ftp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
)

// MaxLine is the default bound on one command or reply line, CRLF excluded.
// RFC 959 sets no limit; real servers use 512 to 4096 bytes.
const MaxLine = 4096

// MaxReplyLines bounds how many lines one multi-line reply may have before
// the reader gives up with [ErrMalformedReply].
const MaxReplyLines = 1000

var (
	// ErrLineTooLong is returned when a line exceeds the reader's bound.
	ErrLineTooLong = errors.New("ftp: line too long")
	// ErrMalformedReply is returned for a reply that is not RFC 959 shaped.
	ErrMalformedReply = errors.New("ftp: malformed reply")
)

// Reply is one server reply: a three-digit code and its text lines.
// A single-line reply has one line. The lines hold the text only, without
// the code prefix of the first and last line. A middle line may carry its
// own prefix, "220-text", as some servers write every line; it is kept as
// read and written as it is.
type Reply struct {
	Code  int
	Lines []string
}

// Message returns the reply text, lines joined with "\n".
func (r Reply) Message() string { return strings.Join(r.Lines, "\n") }

// String renders the reply the way it appears on the wire, without the
// final CRLF and with lines separated by "\n".
func (r Reply) String() string {
	var b strings.Builder
	writeReply(&b, r.Code, r.Lines, "\n")
	return b.String()
}

// Err returns the reply as a [*textproto.Error] (the standard library's type
// for a protocol-level error reply) when its code is a negative completion
// (4yz or 5yz), and nil otherwise: positive replies, and the protected 6yz
// replies of RFC 2228, whose meaning is in the reply they wrap.
func (r Reply) Err() error {
	if c := Class(r.Code); c != 4 && c != 5 {
		return nil
	}
	return &textproto.Error{Code: r.Code, Msg: r.Message()}
}

// WriteReply writes a reply in RFC 959 form: "code text" for one line, or
// "code-first", middle lines indented by one space, "code last" for several.
// An empty text list writes the code and a space ("200 "). Text containing
// "\n" or "\r\n" is split into lines.
func WriteReply(w io.Writer, code int, lines ...string) error {
	var b strings.Builder
	writeReply(&b, code, splitLines(lines), "\r\n")
	b.WriteString("\r\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func splitLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, strings.Split(strings.ReplaceAll(l, "\r\n", "\n"), "\n")...)
	}
	return out
}

func writeReply(b *strings.Builder, code int, lines []string, eol string) {
	if len(lines) == 0 {
		lines = []string{""}
	}
	for i, l := range lines {
		switch {
		case i == len(lines)-1:
			fmt.Fprintf(b, "%03d %s", code, l)
		case i == 0:
			fmt.Fprintf(b, "%03d-%s%s", code, l, eol)
		case codedContinuation(l, code):
			// Already in the form "123-text" of this reply's own code,
			// which cannot end the reply (pure-ftpd writes every line so;
			// ReadReply keeps such lines as they are): as it is.
			fmt.Fprintf(b, "%s%s", l, eol)
		default:
			// A middle line must not look like the end of the reply.
			fmt.Fprintf(b, " %s%s", l, eol)
		}
	}
}

// ReadLine reads one CRLF- or LF-terminated line of at most max bytes
// (0 means [MaxLine]) and returns it without the terminator. A longer line
// is consumed to its end and reported as [ErrLineTooLong], so the stream
// stays in sync and the caller can answer and keep serving. At most max+2
// bytes are held at a time. End of input before the first byte is [io.EOF];
// end of input inside a line, before its LF, is [io.ErrUnexpectedEOF].
func ReadLine(r *bufio.Reader, max int) (string, error) {
	if max <= 0 {
		max = MaxLine
	}
	var buf []byte
	seen, tooLong := false, false
	for {
		chunk, err := r.ReadSlice('\n')
		seen = seen || len(chunk) > 0
		if !tooLong {
			// Keep room for max bytes and a CRLF; more cannot fit.
			if len(buf)+len(chunk) > max+2 {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err == nil {
			break
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if errors.Is(err, io.EOF) && seen {
			return "", io.ErrUnexpectedEOF
		}
		return "", err
	}
	if tooLong {
		return "", ErrLineTooLong
	}
	buf = buf[:len(buf)-1] // the LF
	if n := len(buf); n > 0 && buf[n-1] == '\r' {
		buf = buf[:n-1]
	}
	if len(buf) > max {
		return "", ErrLineTooLong
	}
	return string(buf), nil
}

// ReadReply reads one complete reply (single- or multi-line, RFC 959 4.2)
// with each line bounded by max bytes (0 means [MaxLine]). A reply whose
// code is negative is still returned without error: callers decide what a
// code means. Use [Reply.Err] to turn it into a [*textproto.Error].
func ReadReply(r *bufio.Reader, max int) (Reply, error) {
	line, err := ReadLine(r, max)
	if err != nil {
		return Reply{}, err
	}
	code, sep, text, err := parseReplyLine(line)
	if err != nil {
		return Reply{}, err
	}
	rep := Reply{Code: code, Lines: []string{text}}
	if sep != '-' {
		return rep, nil
	}
	for {
		if len(rep.Lines) >= MaxReplyLines {
			return Reply{}, fmt.Errorf("%w: more than %d lines", ErrMalformedReply, MaxReplyLines)
		}
		line, err := ReadLine(r, max)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return Reply{}, err
		}
		if c, s, t, err := parseReplyLine(line); err == nil && c == code && s == ' ' {
			rep.Lines = append(rep.Lines, t)
			return rep, nil
		}
		rep.Lines = append(rep.Lines, strings.TrimPrefix(line, " "))
	}
}

// codedContinuation reports whether line starts with code and a hyphen,
// "220-".
func codedContinuation(line string, code int) bool {
	return len(line) >= 4 && line[3] == '-' && line[:3] == fmt.Sprintf("%03d", code)
}

// parseReplyLine splits "123 text", "123-text" or "123" into its parts.
func parseReplyLine(line string) (code int, sep byte, text string, err error) {
	if len(line) < 3 {
		return 0, 0, "", fmt.Errorf("%w: %q", ErrMalformedReply, line)
	}
	for i := 0; i < 3; i++ {
		if line[i] < '0' || line[i] > '9' {
			return 0, 0, "", fmt.Errorf("%w: %q", ErrMalformedReply, line)
		}
	}
	code, _ = strconv.Atoi(line[:3])
	if code < 100 || code > 699 {
		return 0, 0, "", fmt.Errorf("%w: code %d out of range", ErrMalformedReply, code)
	}
	if len(line) == 3 {
		return code, ' ', "", nil
	}
	if line[3] != ' ' && line[3] != '-' {
		return 0, 0, "", fmt.Errorf("%w: %q", ErrMalformedReply, line)
	}
	return code, line[3], line[4:], nil
}
