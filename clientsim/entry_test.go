package clientsim

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseEntry(t *testing.T) {
	mod := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		line    string
		want    Entry
		wantErr bool
	}{
		{line: "type=file;size=5;modify=20240102030405;perm=r;unique=u1; a.txt",
			want: Entry{Name: "a.txt", Type: "file", Size: 5, ModTime: mod, Perm: "r", Unique: "u1"}},
		{line: "Type=DIR;Modify=20240102030405; a dir; with; semicolons",
			want: Entry{Name: "a dir; with; semicolons", Type: "dir", Size: -1, ModTime: mod}},
		{line: "type=cdir; .", want: Entry{Name: ".", Type: "cdir", Size: -1}},
		{line: " no facts", want: Entry{Name: "no facts", Size: -1}},
		{line: "type=file;size=5 name", want: Entry{Name: "name", Type: "file", Size: 5}},
		{line: "type=OS.unix=slink:/target; link", want: Entry{Name: "link", Type: "os.unix=slink:/target", Size: -1}},
		{line: "modify=20240102030405.5; x", want: Entry{Name: "x", Size: -1, ModTime: mod.Add(500 * time.Millisecond)}},
		{line: "type=file;size=5;", wantErr: true},
		{line: "type=file;size=-1; x", wantErr: true},
		{line: "type=file;size=five; x", wantErr: true},
		{line: "modify=2024; x", wantErr: true},
		{line: "novalue; x", wantErr: true},
		{line: "=v; x", wantErr: true},
		{line: "", wantErr: true},
	}
	for _, tc := range cases {
		got, err := parseEntry(tc.line)
		if tc.wantErr {
			if err == nil {
				t.Errorf("parseEntry(%q) = %+v, want error", tc.line, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseEntry(%q): %v", tc.line, err)
			continue
		}
		got.Facts = nil
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseEntry(%q) = %+v, want %+v", tc.line, got, tc.want)
		}
	}
}

func TestParseTimeVal(t *testing.T) {
	cases := map[string]time.Time{
		"20240102030405":           time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"20240102030405.1":         time.Date(2024, 1, 2, 3, 4, 5, 1e8, time.UTC),
		"20240102030405.123456789": time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC),
	}
	for in, want := range cases {
		if got, err := parseTimeVal(in); err != nil || !got.Equal(want) {
			t.Errorf("parseTimeVal(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "2024", "20241302030405", "20240102030405.", "20240102030405.x", "20240102030405.1234567890", "2024010203040 "} {
		if _, err := parseTimeVal(bad); err == nil {
			t.Errorf("parseTimeVal(%q) succeeded", bad)
		}
	}
}

func TestQuotedPath(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{`"/" is cwd`, "/", true},
		{`"/a ""b"" c" is cwd`, `/a "b" c`, true},
		{`current: "/x"`, "/x", true},
		{`no quotes`, "", false},
		{`"unterminated`, "", false},
	}
	for _, tc := range cases {
		got, ok := quotedPath(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("quotedPath(%q) = %q, %v", tc.in, got, ok)
		}
	}
}

// FuzzParseEntry checks that MLSx lines from a hostile server never panic
// and that what parses is consistent.
func FuzzParseEntry(f *testing.F) {
	for _, s := range []string{"type=file;size=5;modify=20240102030405; a", " x", "a=b;c=d; e f", "size=99999999999999999999; x", ";;; x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e, err := parseEntry(line)
		if err != nil {
			return
		}
		if e.Name == "" || e.Size < -1 || !strings.HasSuffix(line, e.Name) {
			t.Fatalf("parseEntry(%q) = %+v", line, e)
		}
		for k := range e.Facts {
			if k != strings.ToLower(k) {
				t.Fatalf("fact name %q not lower case", k)
			}
		}
	})
}

// FuzzParseTimeVal checks that a parsed time-val formats back to its
// whole-second part.
func FuzzParseTimeVal(f *testing.F) {
	f.Add("20240102030405")
	f.Add("20240102030405.999")
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := parseTimeVal(s)
		if err != nil {
			return
		}
		if got := tm.Format("20060102150405"); got != s[:14] {
			t.Fatalf("parseTimeVal(%q) = %v", s, tm)
		}
	})
}

// FuzzQuotedPath checks that PWD replies never panic.
func FuzzQuotedPath(f *testing.F) {
	f.Add(`"/a ""b"" c" is cwd`)
	f.Fuzz(func(t *testing.T, s string) {
		if p, ok := quotedPath(s); ok && len(p) > len(s) {
			t.Fatalf("quotedPath(%q) = %q", s, p)
		}
	})
}
