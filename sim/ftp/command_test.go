package ftp

import (
	"errors"
	"strings"
	"testing"
)

// errAny in a table's err column accepts any non-nil error, for failures
// that have no sentinel.
var errAny = errors.New("any error")

// checkErr reports whether got matches want: nil for nil, any non-nil for
// errAny, errors.Is otherwise.
func checkErr(t *testing.T, got, want error) bool {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("err = %v, want nil", got)
	case want == nil:
		return true
	case got == nil:
		t.Errorf("err = nil, want %v", want)
	case want != errAny && !errors.Is(got, want):
		t.Errorf("err = %v, want errors.Is %v", got, want)
	}
	return false
}

var parseCommandTests = []struct {
	name string
	line string
	want Command
	err  error
}{
	{"verb only", "PWD", Command{Verb: "PWD"}, nil},
	{"verb and arg", "RETR file.txt", Command{"RETR", "file.txt"}, nil},
	{"arg with spaces", "STOR my report (final).txt", Command{"STOR", "my report (final).txt"}, nil},
	{"arg spaces kept verbatim", "CWD  dir ", Command{"CWD", " dir "}, nil},
	{"trailing space, empty arg", "LIST ", Command{Verb: "LIST"}, nil},
	{"lowercase verb", "retr file", Command{"RETR", "file"}, nil},
	{"mixed case verb, arg case kept", "ePsV ALL", Command{"EPSV", "ALL"}, nil},
	{"arg case kept", "RETR ReadMe.TXT", Command{"RETR", "ReadMe.TXT"}, nil},
	{"dash in verb", "X-FOO bar", Command{"X-FOO", "bar"}, nil},
	{"eight-letter verb", "ABCDEFGH x", Command{"ABCDEFGH", "x"}, nil},
	{"CRLF", "NOOP\r\n", Command{Verb: "NOOP"}, nil},
	{"LF", "NOOP\n", Command{Verb: "NOOP"}, nil},
	{"CR", "NOOP\r", Command{Verb: "NOOP"}, nil},
	{"arg with CRLF", "USER anonymous\r\n", Command{"USER", "anonymous"}, nil},
	{"tab kept in arg", "RETR a\tb", Command{"RETR", "a\tb"}, nil},
	{"NUL stripped from arg", "RETR a\x00b", Command{"RETR", "ab"}, nil},
	{"telnet IP DM before ABOR", "\xff\xf4\xff\xf2ABOR", Command{Verb: "ABOR"}, nil},
	{"telnet IP DM before ABOR, CRLF", "\xff\xf4\xff\xf2ABOR\r\n", Command{Verb: "ABOR"}, nil},
	{"telnet IP before lowercase abor", "\xff\xf4abor", Command{Verb: "ABOR"}, nil},
	{"telnet WILL option before NOOP", "\xff\xfb\x01NOOP", Command{Verb: "NOOP"}, nil},
	{"escaped IAC is a data byte", "RETR a\xff\xffb", Command{"RETR", "a\xffb"}, nil},
	{"lone trailing IAC dropped", "NOOP\xff", Command{Verb: "NOOP"}, nil},
	{"UTF-8 name", "RETR café/日本語.txt", Command{"RETR", "café/日本語.txt"}, nil},
	{"UTF-8 name with U+00FF", "RETR ÿ.txt", Command{"RETR", "ÿ.txt"}, nil},
	{"UTF-8 name after telnet", "\xff\xf4\xff\xf2STOR naïve ÿ.txt\r\n", Command{"STOR", "naïve ÿ.txt"}, nil},
	{"empty", "", Command{}, ErrEmptyCommand},
	{"spaces", "   ", Command{}, ErrEmptyCommand},
	{"CRLF only", "\r\n", Command{}, ErrEmptyCommand},
	{"telnet only", "\xff\xf4\xff\xf2", Command{}, ErrEmptyCommand},
	{"too-long verb", "ABCDEFGHI x", Command{}, errAny},
	{"very long verb", strings.Repeat("A", 5000), Command{}, errAny},
	{"leading space", " RETR x", Command{}, errAny},
	{"digit in verb", "RETR2 x", Command{}, errAny},
	{"non-ASCII verb", "RÉTR x", Command{}, errAny},
	{"tab after verb", "RETR\tx", Command{}, errAny},
}

func TestParseCommand(t *testing.T) {
	for _, tt := range parseCommandTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCommand(tt.line)
			if !checkErr(t, err, tt.err) {
				return
			}
			if got != tt.want {
				t.Errorf("ParseCommand(%q) = %#v, want %#v", tt.line, got, tt.want)
			}
		})
	}
}

func TestWriteCommand(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want string // "" means refused
	}{
		{"verb only", Command{Verb: "PWD"}, "PWD\r\n"},
		{"verb and arg", Command{"RETR", "a b.txt"}, "RETR a b.txt\r\n"},
		{"UTF-8 arg", Command{"STOR", "日本語.txt"}, "STOR 日本語.txt\r\n"},
		{"CRLF in arg", Command{"RETR", "x\r\nDELE y"}, ""},
		{"LF in arg", Command{"RETR", "x\nDELE y"}, ""},
		{"CR in arg", Command{"RETR", "x\rDELE y"}, ""},
		{"trailing CRLF in arg", Command{"USER", "anonymous\r\n"}, ""},
		{"LF in verb", Command{Verb: "NOOP\nDELE", Arg: "y"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			err := WriteCommand(&b, tt.cmd)
			if tt.want == "" {
				if err == nil {
					t.Errorf("WriteCommand(%#v) = nil, want error", tt.cmd)
				}
				if b.Len() != 0 {
					t.Errorf("WriteCommand(%#v) wrote %q after refusing", tt.cmd, b.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("WriteCommand(%#v) = %v", tt.cmd, err)
			}
			if b.String() != tt.want {
				t.Errorf("WriteCommand(%#v) wrote %q, want %q", tt.cmd, b.String(), tt.want)
			}
		})
	}
}

func TestCommandRedacted(t *testing.T) {
	tests := []struct {
		cmd        Command
		str, redac string
	}{
		{Command{"PASS", "hunter2"}, "PASS hunter2", "PASS ****"},
		{Command{"PASS", "with spaces in it"}, "PASS with spaces in it", "PASS ****"},
		{Command{Verb: "PASS"}, "PASS", "PASS"},
		{Command{"pass", "hunter2"}, "pass hunter2", "pass ****"},
		{Command{"USER", "anonymous"}, "USER anonymous", "USER anonymous"},
		{Command{Verb: "NOOP"}, "NOOP", "NOOP"},
		{Command{"RETR", "PASS"}, "RETR PASS", "RETR PASS"},
	}
	for _, tt := range tests {
		if got := tt.cmd.String(); got != tt.str {
			t.Errorf("%#v.String() = %q, want %q", tt.cmd, got, tt.str)
		}
		if got := tt.cmd.Redacted(); got != tt.redac {
			t.Errorf("%#v.Redacted() = %q, want %q", tt.cmd, got, tt.redac)
		}
	}
}

func TestParseCommandRedactsParsedPassword(t *testing.T) {
	cmd, err := ParseCommand("pass s3cret\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := cmd.Redacted(); strings.Contains(got, "s3cret") {
		t.Errorf("Redacted() = %q leaks the password", got)
	}
}
