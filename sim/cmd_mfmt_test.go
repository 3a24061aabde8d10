package sim

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// noChtimes is storage without [ChtimesFS]: only the FS methods of the
// MemFS inside are visible.
type noChtimes struct{ FS }

// TestParseMFMTTime: MFMT's time-val is YYYYMMDDHHMMSS in UTC with an
// optional fraction; anything else does not parse.
func TestParseMFMTTime(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"20200102030405", time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC), true},
		{"19700101000000", time.Unix(0, 0).UTC(), true},
		{"20200102030405.5", time.Date(2020, 1, 2, 3, 4, 5, 5e8, time.UTC), true},
		{"20200102030405.123", time.Date(2020, 1, 2, 3, 4, 5, 123e6, time.UTC), true},
		{"2020", time.Time{}, false},
		{"20201302030405", time.Time{}, false},
		{"20200230000000", time.Time{}, false},
		{"20200102030461", time.Time{}, false},
		{"2020010203040", time.Time{}, false},
		{"202001020304050", time.Time{}, false},
		{"20200102030405.", time.Time{}, false},
		{"20200102030405.x", time.Time{}, false},
		{"+0200102030405", time.Time{}, false},
		{"abc", time.Time{}, false},
		{"", time.Time{}, false},
	} {
		got, ok := parseMFMTTime(c.in)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("parseMFMTTime(%q) = %s, %v; want %s, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestMFMT: on MemFS the default server lists MFMT in FEAT, sets the time
// MDTM and MLST then report, answers "213 Modify=...; path", refuses a bad
// time stamp or a missing argument with 501 and a missing file with 550.
func TestMFMT(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	fsys := memFS(t, srv)
	fsys.WriteFile("/d/f.txt", []byte("x"))
	c := dialCtl(t, srv)
	c.login()
	if feat := c.must("FEAT", 211); !slices.Contains(feat.Lines, "MFMT") {
		t.Errorf("FEAT %q lists no MFMT", feat.Lines)
	}
	for _, s := range []struct{ cmd, want string }{
		{"MFMT 20200102030405 /d/f.txt", "213 Modify=20200102030405; /d/f.txt"},
		{"MDTM /d/f.txt", "213 20200102030405"},
		{"CWD /d", "250 Directory changed to /d."},
		{"MFMT 19991231235958.75 f.txt", "213 Modify=19991231235958; f.txt"},
		{"MDTM f.txt", "213 19991231235958"},
		{"MFMT 20201302030405 f.txt", "501 MFMT needs a time stamp YYYYMMDDHHMMSS (UTC) and a path."},
		{"MFMT 2020 f.txt", "501 MFMT needs a time stamp YYYYMMDDHHMMSS (UTC) and a path."},
		{"MFMT 20200102030405", "501 MFMT needs an argument."},
		{"MFMT", "501 MFMT needs an argument."},
		{"MFMT 20200102030405 nosuch", "550 No such file or directory."},
		{"MDTM f.txt", "213 19991231235958"},
		{"MFMT 20100102030405 /d", "213 Modify=20100102030405; /d"},
	} {
		if got := c.cmd(s.cmd).String(); got != s.want {
			t.Errorf("%s: got %q, want %q", s.cmd, got, s.want)
		}
	}
	want := time.Date(1999, 12, 31, 23, 59, 58, 75e7, time.UTC)
	if st, err := fsys.Stat("/d/f.txt"); err != nil || !st.ModTime().Equal(want) {
		t.Errorf("stored time %v (%v), want %s", st.ModTime(), err, want)
	}
	if got, want := c.cmd("MLST /d").Lines[1], "type=dir;size=0;modify=20100102030405;perm=elcmfp; /d"; got != " "+want && got != want {
		t.Errorf("MLST /d: %q, want %q", got, want)
	}
	if got, err := fsys.ReadFile("/d/f.txt"); err != nil || string(got) != "x" {
		t.Errorf("content after MFMT: %q, %v", got, err)
	}
}

// TestMFMTNeedsChtimes: storage without ChtimesFS takes MFMT out of FEAT,
// the built one and a persona's, and MFMT is then an unknown command.
func TestMFMTNeedsChtimes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		configure func(*Server)
		unknown   string
	}{
		{"default", func(s *Server) {}, "502 Command not implemented."},
		{"pure-ftpd", func(s *Server) { PureFTPd().Apply(s); s.ControlTLS, s.DataTLS = TLSOptional, TLSOptional }, "500 Unknown command"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := NewMemFS(nil)
			m.WriteFile("/f.txt", []byte("x"))
			srv := startSim(t, func(s *Server) { c.configure(s); s.FS = noChtimes{m} })
			cl := dialCtl(t, srv)
			cl.login()
			feat := cl.must("FEAT", 211)
			if slices.Contains(feat.Lines, "MFMT") || len(feat.Lines) < 5 {
				t.Errorf("FEAT %q: want its lines without MFMT", feat.Lines)
			}
			if got := cl.cmd("MFMT 20200102030405 f.txt").String(); got != c.unknown {
				t.Errorf("MFMT: got %q, want %q", got, c.unknown)
			}
			if st, _ := m.Stat("/f.txt"); st.ModTime().Year() == 2020 {
				t.Errorf("MFMT changed the time to %s", st.ModTime())
			}
		})
	}
}

// TestMFMTReadOnly: MFMT writes, so a read-only account gets 550 and the
// time stays.
func TestMFMTReadOnly(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.Users = []User{{Name: "ro", Password: "pw", Perm: PermReadOnly}} })
	fsys := memFS(t, srv)
	fsys.WriteFile("/f.txt", []byte("x"))
	before, _ := fsys.Stat("/f.txt")
	c := dialCtl(t, srv)
	c.loginAs("ro", "pw")
	c.must("MFMT 20200102030405 f.txt", 550)
	if st, _ := fsys.Stat("/f.txt"); !st.ModTime().Equal(before.ModTime()) {
		t.Errorf("time changed to %s", st.ModTime())
	}
}

// TestMFMTDirFS: on DirFS MFMT sets the file's modification time on disk
// and leaves its access time.
func TestMFMTDirFS(t *testing.T) {
	t.Parallel()
	srv, dir := startDirFS(t, nil)
	name := filepath.Join(dir, "f.txt")
	writeFile(t, name, "x")
	atime := time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(name, atime, time.Now()); err != nil {
		t.Fatal(err)
	}
	c := dialCtl(t, srv)
	c.login()
	if got, want := c.cmd("MFMT 20200102030405 f.txt").String(), "213 Modify=20200102030405; f.txt"; got != want {
		t.Fatalf("MFMT: %q, want %q", got, want)
	}
	st, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC); !st.ModTime().Equal(want) {
		t.Errorf("mtime on disk %s, want %s", st.ModTime().UTC(), want)
	}
	if got := atimeOf(st); !got.IsZero() && !got.Equal(atime) {
		t.Errorf("atime on disk %s, want it left at %s", got.UTC(), atime)
	}
	c.must("MFMT 20200102030405 nosuch", 550)
	c.must("MFMT 20200102030405 "+TempPrefix+"x", 550)
}
