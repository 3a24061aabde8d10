package ftp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

type lineStep struct {
	line string
	err  error
}

var readLineTests = []struct {
	name  string
	in    string
	max   int
	steps []lineStep
}{
	{"LF", "abc\n", 0, []lineStep{{"abc", nil}, {"", io.EOF}}},
	{"CRLF", "abc\r\n", 0, []lineStep{{"abc", nil}, {"", io.EOF}}},
	{"mixed terminators", "a\r\nb\nc\r\n", 0, []lineStep{{"a", nil}, {"b", nil}, {"c", nil}, {"", io.EOF}}},
	{"empty lines", "\r\n\n", 0, []lineStep{{"", nil}, {"", nil}, {"", io.EOF}}},
	{"CR inside a line kept", "a\rb\r\n", 0, []lineStep{{"a\rb", nil}}},
	{"only one CR dropped", "a\r\r\n", 0, []lineStep{{"a\r", nil}}},
	{"UTF-8 kept", "257 \"/日本語\"\r\n", 0, []lineStep{{"257 \"/日本語\"", nil}}},
	{"exactly max, CRLF", strings.Repeat("x", 8) + "\r\n", 8, []lineStep{{strings.Repeat("x", 8), nil}, {"", io.EOF}}},
	{"exactly max, LF", strings.Repeat("x", 8) + "\n", 8, []lineStep{{strings.Repeat("x", 8), nil}, {"", io.EOF}}},
	{"max+1 then next line", strings.Repeat("x", 9) + "\r\nnext\r\n", 8,
		[]lineStep{{"", ErrLineTooLong}, {"next", nil}, {"", io.EOF}}},
	{"max+1 with CR as the extra byte", strings.Repeat("x", 8) + "\r\r\nnext\n", 8,
		[]lineStep{{"", ErrLineTooLong}, {"next", nil}, {"", io.EOF}}},
	{"far too long then next line", strings.Repeat("x", 10000) + "\r\nok\r\n", 16,
		[]lineStep{{"", ErrLineTooLong}, {"ok", nil}, {"", io.EOF}}},
	{"two too long in a row", strings.Repeat("x", 40) + "\n" + strings.Repeat("y", 40) + "\nok\n", 16,
		[]lineStep{{"", ErrLineTooLong}, {"", ErrLineTooLong}, {"ok", nil}, {"", io.EOF}}},
	{"default max, exactly MaxLine", strings.Repeat("x", MaxLine) + "\r\n", 0, []lineStep{{strings.Repeat("x", MaxLine), nil}}},
	{"default max, MaxLine+1", strings.Repeat("x", MaxLine+1) + "\r\nok\r\n", 0, []lineStep{{"", ErrLineTooLong}, {"ok", nil}}},
	{"negative max means default", strings.Repeat("x", 100) + "\n", -1, []lineStep{{strings.Repeat("x", 100), nil}}},
	{"empty input", "", 0, []lineStep{{"", io.EOF}}},
	{"EOF mid-line", "abc", 0, []lineStep{{"", io.ErrUnexpectedEOF}}},
	{"EOF after CR", "abc\r", 0, []lineStep{{"", io.ErrUnexpectedEOF}}},
	{"EOF mid-line after a full line", "ok\nab", 0, []lineStep{{"ok", nil}, {"", io.ErrUnexpectedEOF}}},
	{"EOF inside a too-long line", strings.Repeat("x", 100), 8, []lineStep{{"", io.ErrUnexpectedEOF}}},
}

// lineReaders returns the shapes of reader ReadLine must handle the same:
// a default buffer, the smallest buffer (lines straddle refills and CRLF
// splits across them) and one byte per Read.
func lineReaders(in string) map[string]*bufio.Reader {
	return map[string]*bufio.Reader{
		"default": bufio.NewReader(strings.NewReader(in)),
		"size16":  bufio.NewReaderSize(strings.NewReader(in), 16),
		"onebyte": bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(in)), 16),
	}
}

func TestReadLine(t *testing.T) {
	for _, tt := range readLineTests {
		for rname, r := range lineReaders(tt.in) {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				for i, st := range tt.steps {
					got, err := ReadLine(r, tt.max)
					if !errors.Is(err, st.err) || (st.err == nil) != (err == nil) {
						t.Fatalf("step %d: err = %v, want %v", i, err, st.err)
					}
					if got != st.line {
						t.Fatalf("step %d: line = %q, want %q", i, got, st.line)
					}
				}
			})
		}
	}
}

var readReplyTests = []struct {
	name string
	in   string
	want Reply
	err  error
}{
	{"single line", "200 Command okay.\r\n", Reply{200, []string{"Command okay."}}, nil},
	{"LF only", "220 ready\n", Reply{220, []string{"ready"}}, nil},
	{"code only", "200\r\n", Reply{200, []string{""}}, nil},
	{"code and space", "200 \r\n", Reply{200, []string{""}}, nil},
	{"negative reply is not an error", "550 No such file.\r\n", Reply{550, []string{"No such file."}}, nil},
	{"protected reply", "631 ZmFrZQ==\r\n", Reply{631, []string{"ZmFrZQ=="}}, nil},
	{"UTF-8 text", "257 \"/café\" is current directory\r\n", Reply{257, []string{`"/café" is current directory`}}, nil},
	{"multi-line", "211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n",
		Reply{211, []string{"Features:", "EPSV", "MDTM", "End"}}, nil},
	{"multi-line of two", "230-Welcome\r\n230 Logged in\r\n", Reply{230, []string{"Welcome", "Logged in"}}, nil},
	{"RFC 959 4.2 example", "123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n",
		Reply{123, []string{"First line", "Second line", " 234 A line beginning with numbers", "The last line"}}, nil},
	{"middle line with another code", "150-Opening\r\n226 not the end\r\n150 end\r\n",
		Reply{150, []string{"Opening", "226 not the end", "end"}}, nil},
	{"middle line with same code and dash", "226-a\r\n226-b\r\n226 c\r\n", Reply{226, []string{"a", "226-b", "c"}}, nil},
	{"middle line that is just the code with dash", "211-a\r\n211-\r\n211 b\r\n", Reply{211, []string{"a", "211-", "b"}}, nil},
	{"last line is the code alone", "211-a\r\n211\r\n", Reply{211, []string{"a", ""}}, nil},
	{"empty middle lines", "211-a\r\n\r\n \r\n211 b\r\n", Reply{211, []string{"a", "", "", "b"}}, nil},
	{"garbage", "hello\r\n", Reply{}, ErrMalformedReply},
	{"empty line", "\r\n", Reply{}, ErrMalformedReply},
	{"two digits", "20\r\n", Reply{}, ErrMalformedReply},
	{"letter in code", "2a0 ok\r\n", Reply{}, ErrMalformedReply},
	{"four digits", "2000 ok\r\n", Reply{}, ErrMalformedReply},
	{"bad separator", "200x ok\r\n", Reply{}, ErrMalformedReply},
	{"leading space", " 200 ok\r\n", Reply{}, ErrMalformedReply},
	{"code 000", "000 x\r\n", Reply{}, ErrMalformedReply},
	{"code 099", "099 x\r\n", Reply{}, ErrMalformedReply},
	{"code 700", "700 x\r\n", Reply{}, ErrMalformedReply},
	{"code 999", "999 x\r\n", Reply{}, ErrMalformedReply},
	{"EOF before reply", "", Reply{}, io.EOF},
	{"EOF mid first line", "200 ok", Reply{}, io.ErrUnexpectedEOF},
	{"EOF mid-reply", "211-a\r\n b\r\n", Reply{}, io.ErrUnexpectedEOF},
	{"EOF after first line", "211-a\r\n", Reply{}, io.ErrUnexpectedEOF},
	{"EOF mid last line", "211-a\r\n211 end", Reply{}, io.ErrUnexpectedEOF},
	{"first line too long", "200 " + strings.Repeat("x", MaxLine) + "\r\n", Reply{}, ErrLineTooLong},
	{"middle line too long", "211-a\r\n " + strings.Repeat("x", MaxLine) + "\r\n211 b\r\n", Reply{}, ErrLineTooLong},
}

func TestReadReply(t *testing.T) {
	for _, tt := range readReplyTests {
		for rname, r := range lineReaders(tt.in) {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				got, err := ReadReply(r, 0)
				if !checkErr(t, err, tt.err) {
					return
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("ReadReply(%q) = %#v, want %#v", tt.in, got, tt.want)
				}
			})
		}
	}
}

func TestReadReplyLeavesNextReply(t *testing.T) {
	r := bufio.NewReader(strings.NewReader("150-Here it comes\r\n226 inside\r\n150 Opening\r\n226 Transfer complete\r\n"))
	want := []Reply{
		{150, []string{"Here it comes", "226 inside", "Opening"}},
		{226, []string{"Transfer complete"}},
	}
	for _, w := range want {
		got, err := ReadReply(r, 0)
		if err != nil || !reflect.DeepEqual(got, w) {
			t.Fatalf("ReadReply = %#v, %v; want %#v", got, err, w)
		}
	}
	if _, err := ReadReply(r, 0); err != io.EOF {
		t.Errorf("ReadReply at end = %v, want io.EOF", err)
	}
}

// manyLines builds a 211 reply of n lines in total.
func manyLines(n int) string {
	var b strings.Builder
	b.WriteString("211-first\r\n")
	for i := 0; i < n-2; i++ {
		fmt.Fprintf(&b, " line %d\r\n", i)
	}
	b.WriteString("211 last\r\n")
	return b.String()
}

func TestReadReplyMaxLines(t *testing.T) {
	rep, err := ReadReply(bufio.NewReader(strings.NewReader(manyLines(MaxReplyLines))), 0)
	if err != nil || len(rep.Lines) != MaxReplyLines {
		t.Errorf("%d lines: got %d lines, err %v; want all, nil", MaxReplyLines, len(rep.Lines), err)
	}
	_, err = ReadReply(bufio.NewReader(strings.NewReader(manyLines(MaxReplyLines+1))), 0)
	if !errors.Is(err, ErrMalformedReply) {
		t.Errorf("%d lines: err = %v, want ErrMalformedReply", MaxReplyLines+1, err)
	}
}

func TestWriteReply(t *testing.T) {
	tests := []struct {
		name  string
		code  int
		lines []string
		wire  string
		want  []string // Lines read back
	}{
		{"no text", 200, nil, "200 \r\n", []string{""}},
		{"one line", 200, []string{"Command okay."}, "200 Command okay.\r\n", []string{"Command okay."}},
		{"two lines", 230, []string{"Welcome", "Logged in"}, "230-Welcome\r\n230 Logged in\r\n", []string{"Welcome", "Logged in"}},
		{"middle line with 226 and space", 150, []string{"Opening", "226 Transfer complete", "really"},
			"150-Opening\r\n 226 Transfer complete\r\n150 really\r\n", []string{"Opening", "226 Transfer complete", "really"}},
		{"middle line with own code and space", 211, []string{"a", "211 End", "b"},
			"211-a\r\n 211 End\r\n211 b\r\n", []string{"a", "211 End", "b"}},
		{"embedded LF splits lines", 211, []string{"a\nb", "c"}, "211-a\r\n b\r\n211 c\r\n", []string{"a", "b", "c"}},
		{"embedded CRLF splits lines", 211, []string{"a\r\nb"}, "211-a\r\n211 b\r\n", []string{"a", "b"}},
		{"leading space kept", 211, []string{"a", " indented", "b"}, "211-a\r\n  indented\r\n211 b\r\n", []string{"a", " indented", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteReply(&buf, tt.code, tt.lines...); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.wire {
				t.Errorf("wire = %q, want %q", buf.String(), tt.wire)
			}
			got, err := ReadReply(bufio.NewReader(&buf), 0)
			if err != nil {
				t.Fatalf("ReadReply(%q) = %v", tt.wire, err)
			}
			if got.Code != tt.code || !reflect.DeepEqual(got.Lines, tt.want) {
				t.Errorf("read back %#v, want code %d lines %q", got, tt.code, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("ReadReply left %q unread", buf.String())
			}
		})
	}
}

// TestWriteReplyRoundTrip writes 1..n lines drawn from awkward shapes and
// reads them back; every line must survive and the reply must not end early.
func TestWriteReplyRoundTrip(t *testing.T) {
	shapes := []string{"text", "", " ", "226 done", "226-more", "211 x", "211-y", "211", "  two spaces", "日本語", "a\tb"}
	for n := 1; n <= 8; n++ {
		for start := range shapes {
			lines := make([]string, n)
			for i := range lines {
				lines[i] = shapes[(start+i)%len(shapes)]
			}
			for _, code := range []int{150, 211, 226} {
				var buf bytes.Buffer
				if err := WriteReply(&buf, code, lines...); err != nil {
					t.Fatal(err)
				}
				wire := buf.String()
				got, err := ReadReply(bufio.NewReader(&buf), 0)
				if err != nil || got.Code != code || !reflect.DeepEqual(got.Lines, lines) || buf.Len() != 0 {
					t.Errorf("WriteReply(%d, %q) = %q, read back %#v, %v (left %q)", code, lines, wire, got, err, buf.String())
				}
			}
		}
	}
}

func TestReplyStringMessage(t *testing.T) {
	r := Reply{211, []string{"Features:", "226 EPSV", "End"}}
	if got, want := r.String(), "211-Features:\n 226 EPSV\n211 End"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := r.Message(), "Features:\n226 EPSV\nEnd"; got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
	if got, want := (Reply{Code: 200, Lines: []string{"ok"}}).String(), "200 ok"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestReplyErr(t *testing.T) {
	tests := []struct {
		code    int
		wantErr bool
	}{
		{110, false}, {150, false}, {200, false}, {226, false}, {331, false}, {350, false},
		{421, true}, {425, true}, {450, true}, {451, true},
		{500, true}, {522, true}, {530, true}, {550, true}, {553, true},
		{631, false}, {632, false}, {633, false},
	}
	for _, tt := range tests {
		r := Reply{tt.code, []string{"first", "second"}}
		err := r.Err()
		if !tt.wantErr {
			if err != nil {
				t.Errorf("Reply{%d}.Err() = %v, want nil", tt.code, err)
			}
			continue
		}
		var te *textproto.Error
		if !errors.As(err, &te) {
			t.Errorf("Reply{%d}.Err() = %T %v, want *textproto.Error", tt.code, err, err)
			continue
		}
		if te.Code != tt.code || te.Msg != "first\nsecond" {
			t.Errorf("Reply{%d}.Err() = %#v, want code %d msg %q", tt.code, te, tt.code, "first\nsecond")
		}
	}
}
