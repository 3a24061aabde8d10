package faults

import (
	"bytes"
	"net/netip"
	"regexp"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// isText reports whether a segment looks like cleartext FTP control
// traffic: it starts with a printable ASCII character and holds no
// control bytes but CR, LF and TAB (bytes of UTF-8 names are allowed).
// TLS records start with a content type of 20 to 23, so an FTP helper
// that only reads text is blind to them, as real ALGs are.
func isText(b []byte) bool {
	if len(b) == 0 || b[0] < 0x21 || b[0] > 0x7e {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\r' && c != '\n' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// splitLines splits a text segment into lines, each with its line
// terminator; the last line may have none.
func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i+1])
		b = b[i+1:]
	}
	return out
}

// rewriteAnnouncements passes each data-address announcement of a
// cleartext segment (see parseAnnouncement) to fn, which returns the line
// to forward, and reassembles the segment with the original line
// terminators. A segment that is not text, or that fn leaves alone, is
// returned as it is.
func rewriteAnnouncements(p []byte, dir Stream, fn func(line string, a announcement) string) []byte {
	if !isText(p) {
		return p
	}
	var out []byte
	changed := false
	for _, raw := range splitLines(p) {
		line := strings.TrimRight(string(raw), "\r\n")
		term := raw[len(line):]
		if a, ok := parseAnnouncement(line, dir); ok {
			if nl := fn(line, a); nl != line {
				line, changed = nl, true
			}
		}
		out = append(append(out, line...), term...)
	}
	if !changed {
		return p
	}
	return out
}

// lines returns the lines of a text segment without terminators.
func lines(b []byte) []string {
	var out []string
	for _, l := range splitLines(b) {
		out = append(out, strings.TrimRight(string(l), "\r\n"))
	}
	return out
}

// hostPortRE finds the six numbers of a 227 reply or PORT argument.
var hostPortRE = regexp.MustCompile(`\d{1,3} *, *\d{1,3} *, *\d{1,3} *, *\d{1,3} *, *\d{1,3} *, *\d{1,3}`)

// findHostPort locates and parses "h1,h2,h3,h4,p1,p2" in s.
func findHostPort(s string) (start, end int, ap netip.AddrPort, ok bool) {
	loc := hostPortRE.FindStringIndex(s)
	if loc == nil {
		return 0, 0, netip.AddrPort{}, false
	}
	ap, err := ftp.ParseHostPort(s[loc[0]:loc[1]])
	if err != nil {
		return 0, 0, netip.AddrPort{}, false
	}
	return loc[0], loc[1], ap, true
}

// replyCode returns the code of a reply line ("227 ..." or "227-...").
func replyCode(line string) string {
	if len(line) < 4 || line[3] != ' ' && line[3] != '-' {
		return ""
	}
	for i := 0; i < 3; i++ {
		if line[i] < '0' || line[i] > '9' {
			return ""
		}
	}
	return line[:3]
}

// commandArg returns the argument of a command line if its verb is verb.
func commandArg(line, verb string) (string, bool) {
	if len(line) <= len(verb) || line[len(verb)] != ' ' || !strings.EqualFold(line[:len(verb)], verb) {
		return "", false
	}
	return line[len(verb)+1:], true
}

// parseAnnouncement recognises a data-address announcement in one line
// of a control flow: 227 and 229 replies downstream, PORT and EPRT
// commands upstream.
func parseAnnouncement(line string, dir Stream) (announcement, bool) {
	if dir == Downstream {
		switch replyCode(line) {
		case "227":
			if _, _, ap, ok := findHostPort(line[4:]); ok {
				return announcement{cmd: "PASV", addr: ap, dir: dir}, true
			}
		case "229":
			if port, err := ftp.ParseEPSV(line[4:]); err == nil {
				return announcement{cmd: "EPSV", addr: netip.AddrPortFrom(netip.Addr{}, port), dir: dir}, true
			}
		}
		return announcement{}, false
	}
	if arg, ok := commandArg(line, "PORT"); ok {
		if ap, err := ftp.ParsePORT(arg); err == nil {
			return announcement{cmd: "PORT", addr: ap, dir: dir}, true
		}
	}
	if arg, ok := commandArg(line, "EPRT"); ok {
		if ap, err := ftp.ParseEPRT(arg); err == nil {
			return announcement{cmd: "EPRT", addr: ap, dir: dir}, true
		}
	}
	return announcement{}, false
}
