package ftp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets for everything that reads bytes from a peer. Each is seeded
// from its table test; run one with
//
//	go test -run='^$' -fuzz=FuzzReadReply -fuzztime=20s ./sim/ftp

// maxStreamInput bounds the inputs of the byte-stream targets. The fuzzer's
// minimizer is quadratic in input size and would otherwise spend a short
// run minimizing one large input (golang/go#48820). Lines of up to MaxLine
// bytes and replies of MaxReplyLines lines are covered by the table tests;
// here max is at most 255, so 512 bytes reach every branch.
const maxStreamInput = 512

func FuzzParseCommand(f *testing.F) {
	for _, tt := range parseCommandTests {
		f.Add(tt.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := ParseCommand(line)
		if err != nil {
			if cmd != (Command{}) {
				t.Fatalf("ParseCommand(%q) = %#v with error %v", line, cmd, err)
			}
			return
		}
		if n := len(cmd.Verb); n < 1 || n > 8 {
			t.Fatalf("ParseCommand(%q): verb %q has %d bytes", line, cmd.Verb, n)
		}
		for _, c := range []byte(cmd.Verb) {
			if !(c >= 'A' && c <= 'Z' || c == '-') {
				t.Fatalf("ParseCommand(%q): verb %q not upper-case letters", line, cmd.Verb)
			}
		}
		if strings.ContainsAny(cmd.Arg, "\r\n") {
			t.Fatalf("ParseCommand(%q): arg %q keeps CR or LF", line, cmd.Arg)
		}
		var b bytes.Buffer
		if err := WriteCommand(&b, cmd); err != nil {
			t.Fatalf("WriteCommand(%#v) = %v", cmd, err)
		}
		if strings.IndexByte(cmd.Arg, 0xFF) >= 0 {
			return // a decoded IAC IAC; WriteCommand does not re-escape it
		}
		again, err := ParseCommand(b.String())
		if err != nil || again != cmd {
			t.Fatalf("ParseCommand(%q) = %#v, re-parsed from %q as %#v, %v", line, cmd, b.String(), again, err)
		}
	})
}

func FuzzReadLine(f *testing.F) {
	for _, tt := range readLineTests {
		if len(tt.in) <= maxStreamInput {
			f.Add([]byte(tt.in), uint8(tt.max))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, m uint8) {
		if len(data) > maxStreamInput {
			return
		}
		max := int(m)
		if max == 0 {
			max = MaxLine
		}
		want := splitLinesModel(data, max)
		r := bufio.NewReaderSize(bytes.NewReader(data), 16)
		for i := 0; ; i++ {
			line, err := ReadLine(r, int(m))
			if len(line) > max {
				t.Fatalf("line %d: %d bytes, max %d", i, len(line), max)
			}
			if i >= len(want) {
				t.Fatalf("line %d: %q, %v beyond the model's %d results", i, line, err, len(want))
			}
			if line != want[i].line || err != want[i].err {
				t.Fatalf("line %d: %q, %v; want %q, %v", i, line, err, want[i].line, want[i].err)
			}
			if err != nil && err != ErrLineTooLong {
				return
			}
		}
	})
}

// splitLinesModel is the obvious, unbounded reference for ReadLine: split on
// LF, drop one CR before it, judge the length, and end with io.EOF or, for an
// unterminated tail, io.ErrUnexpectedEOF.
func splitLinesModel(data []byte, max int) []lineStep {
	var out []lineStep
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSuffix(string(data[:i]), "\r")
		data = data[i+1:]
		if len(line) > max {
			out = append(out, lineStep{"", ErrLineTooLong})
		} else {
			out = append(out, lineStep{line, nil})
		}
	}
	if len(data) > 0 {
		return append(out, lineStep{"", io.ErrUnexpectedEOF})
	}
	return append(out, lineStep{"", io.EOF})
}

func FuzzReadReply(f *testing.F) {
	for _, tt := range readReplyTests {
		if len(tt.in) <= maxStreamInput {
			f.Add([]byte(tt.in), uint8(0))
		}
	}
	f.Add([]byte(manyLines(5)), uint8(12))
	f.Add([]byte("211-a\r\n "+strings.Repeat("x", 40)+"\r\n211 b\r\n"), uint8(16))
	f.Fuzz(func(t *testing.T, data []byte, m uint8) {
		if len(data) > maxStreamInput {
			return
		}
		max := int(m)
		if max == 0 {
			max = MaxLine
		}
		rep, err := ReadReply(bufio.NewReader(bytes.NewReader(data)), max)
		if err != nil {
			for _, known := range []error{ErrMalformedReply, ErrLineTooLong, io.EOF, io.ErrUnexpectedEOF} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("ReadReply(%q): unexpected error %v", data, err)
		}
		if rep.Code < 100 || rep.Code > 699 || len(rep.Lines) < 1 || len(rep.Lines) > MaxReplyLines {
			t.Fatalf("ReadReply(%q) = code %d with %d lines", data, rep.Code, len(rep.Lines))
		}
		var b bytes.Buffer
		if err := WriteReply(&b, rep.Code, rep.Lines...); err != nil {
			t.Fatal(err)
		}
		// Re-encoding indents middle lines by one byte, hence max+1.
		again, err := ReadReply(bufio.NewReader(&b), max+1)
		if err != nil || again.Code != rep.Code || len(again.Lines) != len(rep.Lines) {
			t.Fatalf("ReadReply(%q) = %#v; re-encoded %q reads as %#v, %v", data, rep, b.String(), again, err)
		}
		if !reflect.DeepEqual(again.Lines, rep.Lines) {
			t.Fatalf("ReadReply(%q) lines %q; re-encoded they read as %q", data, rep.Lines, again.Lines)
		}
		if b.Len() != 0 {
			t.Fatalf("re-encoded reply left %q unread", b.String())
		}
	})
}

func FuzzParsePASV(f *testing.F) {
	for _, tt := range parsePASVTests {
		f.Add(tt.text)
	}
	for _, tt := range parseHostPortTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, err := ParseHostPort(text); err == nil {
			s, err := FormatHostPort(got)
			if err != nil {
				t.Fatalf("ParseHostPort(%q) = %v, which FormatHostPort refuses: %v", text, got, err)
			}
			if again, err := ParseHostPort(s); err != nil || again != got {
				t.Fatalf("ParseHostPort(%q) = %v; %q re-parses as %v, %v", text, got, s, again, err)
			}
		}
		got, err := ParsePASV(text)
		if err != nil {
			if !errors.Is(err, ErrBadAddress) {
				t.Fatalf("ParsePASV(%q): error %v is not ErrBadAddress", text, err)
			}
			return
		}
		if !got.Addr().Is4() {
			t.Fatalf("ParsePASV(%q) = %v, not IPv4", text, got)
		}
		s, err := FormatPASV(got)
		if err != nil {
			t.Fatalf("ParsePASV(%q) = %v, which FormatPASV refuses: %v", text, got, err)
		}
		if again, err := ParsePASV(s); err != nil || again != got {
			t.Fatalf("ParsePASV(%q) = %v; %q re-parses as %v, %v", text, got, s, again, err)
		}
	})
}

func FuzzParseEPSV(f *testing.F) {
	for _, tt := range parseEPSVTests {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		port, err := ParseEPSV(text)
		if err != nil {
			if !errors.Is(err, ErrBadAddress) || port != 0 {
				t.Fatalf("ParseEPSV(%q) = %d, %v; want 0, ErrBadAddress", text, port, err)
			}
			return
		}
		if port == 0 {
			t.Fatalf("ParseEPSV(%q) = port 0", text)
		}
		if !strings.Contains(text, fmt.Sprint(port)) {
			t.Fatalf("ParseEPSV(%q) = %d, which is not in the text", text, port)
		}
		if again, err := ParseEPSV(FormatEPSV(port)); err != nil || again != port {
			t.Fatalf("ParseEPSV(%q) = %d; re-encoded it reads as %d, %v", text, port, again, err)
		}
	})
}

func FuzzParseEPRT(f *testing.F) {
	for _, tt := range parseEPRTTests {
		f.Add(tt.arg)
	}
	for _, a := range []string{"1.2.3.4", "::1", "::ffff:1.2.3.4", "fe80::1%eth0", "1080::8:800:200C:417A"} {
		f.Add(a)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		got, err := ParseEPRT(arg)
		if err == nil {
			checkEPRT(t, arg, got)
		} else if !errors.Is(err, ErrBadAddress) {
			t.Fatalf("ParseEPRT(%q): error %v is not ErrBadAddress", arg, err)
		}

		// Agreement with netip.ParseAddr: any address it accepts (no zone,
		// not IPv4-mapped, no delimiter inside) must pass inside EPRT.
		addr, err := netip.ParseAddr(arg)
		if err != nil || addr.Zone() != "" || addr.Is4In6() || strings.Contains(arg, "|") {
			return
		}
		af := 1
		if addr.Is6() {
			af = 2
		}
		eprt := fmt.Sprintf("|%d|%s|2121|", af, arg)
		got, err = ParseEPRT(eprt)
		if err != nil || got != netip.AddrPortFrom(addr, 2121) {
			t.Fatalf("ParseEPRT(%q) = %v, %v; netip.ParseAddr(%q) = %v", eprt, got, err, arg, addr)
		}
	})
}

// checkEPRT checks an address ParseEPRT accepted: it agrees with
// netip.ParseAddr on the address field and survives FormatEPRT.
func checkEPRT(t *testing.T, arg string, got netip.AddrPort) {
	t.Helper()
	s := strings.TrimSpace(arg)
	fields := strings.Split(s, s[:1])
	want, err := netip.ParseAddr(fields[2])
	if err != nil || want != got.Addr() || got.Port() == 0 {
		t.Fatalf("ParseEPRT(%q) = %v; netip.ParseAddr(%q) = %v, %v", arg, got, fields[2], want, err)
	}
	if got.Addr().Zone() != "" || got.Addr().Is4In6() {
		t.Fatalf("ParseEPRT(%q) = %v: zone or IPv4-mapped accepted", arg, got)
	}
	if !utf8.ValidString(fields[2]) {
		t.Fatalf("ParseEPRT(%q) accepted a non-UTF-8 address", arg)
	}
	s = FormatEPRT(got)
	if again, err := ParseEPRT(s); err != nil || again != got {
		t.Fatalf("ParseEPRT(%q) = %v; %q re-parses as %v, %v", arg, got, s, again, err)
	}
}
