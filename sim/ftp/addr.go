package ftp

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ErrBadAddress is returned when a PASV, EPSV, PORT or EPRT address cannot
// be parsed or encoded.
var ErrBadAddress = errors.New("ftp: bad data address")

// FormatHostPort encodes an IPv4 address and port as the six numbers
// "h1,h2,h3,h4,p1,p2" used by PORT and the 227 reply (RFC 959 4.1.2).
// An IPv4-mapped IPv6 address is unmapped first; any other IPv6 address
// cannot be encoded and returns [ErrBadAddress].
func FormatHostPort(ap netip.AddrPort) (string, error) {
	a := ap.Addr().Unmap()
	if !a.Is4() {
		return "", fmt.Errorf("%w: %s is not IPv4", ErrBadAddress, ap.Addr())
	}
	b := a.As4()
	p := ap.Port()
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", b[0], b[1], b[2], b[3], p>>8, p&0xff), nil
}

// ParseHostPort decodes "h1,h2,h3,h4,p1,p2" (spaces around numbers allowed).
func ParseHostPort(s string) (netip.AddrPort, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 6 {
		return netip.AddrPort{}, fmt.Errorf("%w: %q needs six numbers", ErrBadAddress, s)
	}
	var n [6]byte
	for i, p := range parts {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 8)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("%w: %q: number %d out of range", ErrBadAddress, s, i+1)
		}
		n[i] = byte(v)
	}
	addr := netip.AddrFrom4([4]byte{n[0], n[1], n[2], n[3]})
	return netip.AddrPortFrom(addr, uint16(n[4])<<8|uint16(n[5])), nil
}

// FormatPASV returns the text of a 227 reply for ap:
// "Entering Passive Mode (h1,h2,h3,h4,p1,p2)."
func FormatPASV(ap netip.AddrPort) (string, error) {
	hp, err := FormatHostPort(ap)
	if err != nil {
		return "", err
	}
	return "Entering Passive Mode (" + hp + ").", nil
}

// ParsePASV extracts the address from the text of a 227 reply. As RFC 1123
// 4.1.2.6 advises, it scans for the first run of six comma-separated numbers
// instead of relying on parentheses, so "227 =h1,h2,h3,h4,p1,p2" also parses.
func ParsePASV(text string) (netip.AddrPort, error) {
	start := strings.IndexAny(text, "0123456789")
	for start >= 0 && start < len(text) {
		end := start
		for end < len(text) && (text[end] >= '0' && text[end] <= '9' || text[end] == ',' || text[end] == ' ') {
			end++
		}
		cand := strings.TrimRight(strings.TrimSpace(text[start:end]), ",")
		if strings.Count(cand, ",") == 5 {
			return ParseHostPort(cand)
		}
		next := strings.IndexAny(text[end:], "0123456789")
		if next < 0 {
			break
		}
		start = end + next
	}
	return netip.AddrPort{}, fmt.Errorf("%w: no h1,h2,h3,h4,p1,p2 in %q", ErrBadAddress, text)
}

// FormatEPSV returns the text of a 229 reply for port:
// "Entering Extended Passive Mode (|||port|)" (RFC 2428 3).
func FormatEPSV(port uint16) string {
	return fmt.Sprintf("Entering Extended Passive Mode (|||%d|)", port)
}

// ParseEPSV extracts the port from the text of a 229 reply. The delimiter is
// whatever character follows "(" (RFC 2428 allows any of ASCII 33-126);
// the network and address fields must be empty. The first "(" that opens a
// well-formed (|||port|) counts, so parentheses elsewhere in the text, before
// or after it, do not matter.
func ParseEPSV(text string) (uint16, error) {
	for rest := text; ; {
		open := strings.IndexByte(rest, '(')
		if open < 0 {
			return 0, fmt.Errorf("%w: no (|||port|) in %q", ErrBadAddress, text)
		}
		rest = rest[open+1:]
		if port, ok := epsvPort(rest); ok {
			return parsePort(port, text)
		}
	}
}

// epsvPort returns the port field of s, which follows an opening
// parenthesis and must read "dddport)" for a delimiter d in ASCII 33-126.
func epsvPort(s string) (string, bool) {
	if len(s) < 3 || s[0] < 33 || s[0] > 126 || s[1] != s[0] || s[2] != s[0] {
		return "", false
	}
	port, after, ok := strings.Cut(s[3:], s[:1])
	if !ok || !strings.HasPrefix(after, ")") {
		return "", false
	}
	return port, true
}

// FormatPORT returns the argument of a PORT command for ap.
func FormatPORT(ap netip.AddrPort) (string, error) { return FormatHostPort(ap) }

// ParsePORT parses the argument of a PORT command.
func ParsePORT(arg string) (netip.AddrPort, error) { return ParseHostPort(strings.TrimSpace(arg)) }

// FormatEPRT returns the argument of an EPRT command (RFC 2428 2):
// "|1|132.235.1.2|6275|" for IPv4, "|2|1080::8:800:200c:417a|5282|" for IPv6.
func FormatEPRT(ap netip.AddrPort) string {
	a := ap.Addr()
	if a.Is4In6() {
		a = a.Unmap()
	}
	af := 1
	if a.Is6() {
		af = 2
	}
	return fmt.Sprintf("|%d|%s|%d|", af, a.WithZone(""), ap.Port())
}

// ParseEPRT parses the argument of an EPRT command. The network protocol
// must be 1 (IPv4) or 2 (IPv6) and agree with the address; an IPv4-mapped
// address must be sent as protocol 1 in its IPv4 form, as [FormatEPRT] does.
// Anything else is [ErrBadAddress]; a protocol number other than 1 or 2 also
// matches [ErrUnknownNetwork] (a server answers 522 for that, 501 for the rest).
func ParseEPRT(arg string) (netip.AddrPort, error) {
	arg = strings.TrimSpace(arg)
	if len(arg) < 2 || arg[0] < 33 || arg[0] > 126 {
		return netip.AddrPort{}, fmt.Errorf("%w: %q", ErrBadAddress, arg)
	}
	fields := strings.Split(arg, arg[:1])
	if len(fields) != 5 || fields[0] != "" || fields[4] != "" {
		return netip.AddrPort{}, fmt.Errorf("%w: %q is not |af|addr|port|", ErrBadAddress, arg)
	}
	// The protocol decides the address syntax, so an unknown one is
	// reported before the address is looked at.
	switch af := fields[1]; {
	case af == "1" || af == "2":
	case af != "" && strings.Trim(af, "0123456789") == "":
		return netip.AddrPort{}, fmt.Errorf("%w: %q: %w", ErrBadAddress, arg, ErrUnknownNetwork)
	default:
		return netip.AddrPort{}, fmt.Errorf("%w: %q: bad network protocol %q", ErrBadAddress, arg, af)
	}
	addr, err := netip.ParseAddr(fields[2])
	if err != nil || addr.Zone() != "" {
		return netip.AddrPort{}, fmt.Errorf("%w: %q: bad address", ErrBadAddress, arg)
	}
	if fields[1] == "1" && !addr.Is4() {
		return netip.AddrPort{}, fmt.Errorf("%w: %q: protocol 1 needs IPv4", ErrBadAddress, arg)
	}
	if fields[1] == "2" && (!addr.Is6() || addr.Is4In6()) {
		return netip.AddrPort{}, fmt.Errorf("%w: %q: protocol 2 needs IPv6 (not IPv4-mapped)", ErrBadAddress, arg)
	}
	port, err := parsePort(fields[3], arg)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr, port), nil
}

// ErrUnknownNetwork marks an EPRT/EPSV network protocol other than 1 or 2.
var ErrUnknownNetwork = errors.New("network protocol not supported")

func parsePort(s, whole string) (uint16, error) {
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil || p == 0 {
		return 0, fmt.Errorf("%w: %q: bad port %q", ErrBadAddress, whole, s)
	}
	return uint16(p), nil
}
