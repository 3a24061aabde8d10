package sim

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// backend is one storage implementation the storage tests run against:
// a started server on it, and direct access to its files for set-up and
// assertions.
type backend struct {
	name string
	srv  *Server
	// write stores a file directly in the backend (set-up).
	write func(name string, data []byte)
	// read returns a file's content and whether it exists.
	read func(name string) ([]byte, bool)
	// names lists everything stored directly in the root, hidden
	// temporaries included (DirFS), for leak checks.
	names func() []string
}

// storageBackends starts one server per storage implementation, each
// configured alike by configure.
func storageBackends(t *testing.T, configure func(*Server)) []backend {
	t.Helper()
	mem := startSim(t, configure)
	m := memFS(t, mem)
	dsrv, dir := startDirFS(t, configure)
	return []backend{
		{
			name:  "MemFS",
			srv:   mem,
			write: func(name string, data []byte) { m.WriteFile(name, data) },
			read: func(name string) ([]byte, bool) {
				b, err := m.ReadFile(name)
				return b, err == nil
			},
			names: func() []string {
				infos, _ := m.ReadDir("/")
				var out []string
				for _, fi := range infos {
					out = append(out, fi.Name())
				}
				return out
			},
		},
		{
			name: "DirFS",
			srv:  dsrv,
			write: func(name string, data []byte) {
				writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), string(data))
			},
			read: func(name string) ([]byte, bool) {
				b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
				return b, err == nil
			},
			names: func() []string {
				ents, _ := os.ReadDir(dir)
				var out []string
				for _, e := range ents {
					out = append(out, e.Name())
				}
				return out
			},
		},
	}
}

// protectedClient logs in over TLS 1.3 with PROT P and returns the client
// and the data-connection configuration (resuming the control session).
func protectedClient(t *testing.T, srv *Server) (*rawClient, *tls.Config) {
	t.Helper()
	cache := tls.NewLRUClientSessionCache(4)
	c := connectMode(t, srv, clientTLS(srv, tls.VersionTLS13, cache), true)
	return c, clientTLS(srv, tls.VersionTLS13, cache)
}

// mustDigest fails unless the backend holds want under name (SHA-256).
func (b backend) mustDigest(t *testing.T, what, name string, want []byte) {
	t.Helper()
	got, ok := b.read(name)
	if !ok {
		t.Fatalf("%s: %s: %s is gone, want %d bytes", b.name, what, name, len(want))
	}
	if sha256.Sum256(got) != sha256.Sum256(want) {
		t.Fatalf("%s: %s: %s holds %d bytes %q, want %d bytes %q (SHA-256 differs)",
			b.name, what, name, len(got), trunc(string(got)), len(want), trunc(string(want)))
	}
}

// mustNoTemporaries fails if an upload temporary is left in the root.
func (b backend) mustNoTemporaries(t *testing.T, what string) {
	t.Helper()
	for _, n := range b.names() {
		if strings.HasPrefix(n, ".ftpsim-") {
			t.Fatalf("%s: %s: temporary %q left behind", b.name, what, n)
		}
	}
}

// TestTruncatedAppendKeepsFile: an APPE over TLS that ends without
// close_notify is answered 426 and leaves the file as it was, on disk as
// in memory (issue 9: DirFS kept the partial bytes, SIZE 50004).
func TestTruncatedAppendKeepsFile(t *testing.T) {
	t.Parallel()
	for _, b := range storageBackends(t, nil) {
		t.Run(b.name, func(t *testing.T) {
			b.write("/f.txt", []byte("ORIG"))
			c, data := protectedClient(t, b.srv)
			res := c.transfer(xfer{cmd: "APPE f.txt", data: bytes.Repeat([]byte("A"), 50000), tls: data, finish: truncFinish})
			if res.final.Code != 426 {
				t.Fatalf("truncated APPE: %q, want 426", res.final.String())
			}
			if rep := c.must("SIZE f.txt", 213); rep.Message() != "4" {
				t.Fatalf("SIZE after truncated APPE: %q, want 4", rep.Message())
			}
			b.mustDigest(t, "truncated APPE", "/f.txt", []byte("ORIG"))
			b.mustNoTemporaries(t, "truncated APPE")
		})
	}
}

// TestTruncatedRestStoreKeepsFile: REST 2 then STOR over TLS without
// close_notify leaves the 10,000-byte file byte-identical (issue 9: DirFS
// cut it to "01XXX").
func TestTruncatedRestStoreKeepsFile(t *testing.T) {
	t.Parallel()
	orig := bytes.Repeat([]byte("0123456789"), 1000)
	for _, b := range storageBackends(t, nil) {
		t.Run(b.name, func(t *testing.T) {
			b.write("/big", orig)
			c, data := protectedClient(t, b.srv)
			c.must("TYPE I", 200)
			c.must("REST 2", 350)
			res := c.transfer(xfer{cmd: "STOR big", data: []byte("XXX"), tls: data, finish: truncFinish})
			if res.final.Code != 426 {
				t.Fatalf("truncated REST+STOR: %q, want 426", res.final.String())
			}
			b.mustDigest(t, "truncated REST+STOR", "/big", orig)
			b.mustNoTemporaries(t, "truncated REST+STOR")
		})
	}
}

// TestRestPastEOFBackendsAgree: REST 10 then STOR on a 3-byte file stores
// the same bytes in memory and on disk (issue 9: memory stored "abcXY",
// disk "abc", 7 NULs and "XY").
func TestRestPastEOFBackendsAgree(t *testing.T) {
	t.Parallel()
	var stored [][]byte
	for _, b := range storageBackends(t, nil) {
		b.write("/small", []byte("abc"))
		c, _ := protectedClient(t, b.srv)
		c.must("PROT C", 200)
		c.must("REST 10", 350)
		c.put("STOR small", []byte("XY"), nil)
		got, _ := b.read("/small")
		stored = append(stored, got)
	}
	if !bytes.Equal(stored[0], stored[1]) {
		t.Fatalf("REST 10 + STOR on a 3-byte file: MemFS stored %q, DirFS %q", stored[0], stored[1])
	}
}

// TestDirFSControlCharacterNames: files made on disk behind the server's
// back with CR, LF or other control characters in their names are left
// out of LIST, NLST, MLSD and STAT listings, so they cannot inject lines
// into a client's directory parse.
func TestDirFSControlCharacterNames(t *testing.T) {
	t.Parallel()
	srv, dir := startDirFS(t, nil)
	writeFile(t, filepath.Join(dir, "ok"), "fine")
	evil := []string{
		"evil\r\n-rw-r--r-- 1 ftp ftp 6 Jan  1 00:00 injected",
		"nl\ninjected-too",
		"bell\a",
	}
	for _, name := range evil {
		writeFile(t, filepath.Join(dir, name), "evil")
	}
	if err := os.Mkdir(filepath.Join(dir, "sub\ndir"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := dialCtl(t, srv)
	c.login()
	for cmd, want := range map[string]string{
		"NLST":   "ok\r\n",
		"LIST":   " ok\r\n",
		"MLSD":   "; ok\r\n",
		"LIST /": " ok\r\n",
	} {
		got := string(c.get(cmd, nil))
		if strings.Count(got, "\r\n") != 1 || !strings.HasSuffix(got, want) || strings.Contains(got, "injected") {
			t.Errorf("%s: %q, want the one line of ok", cmd, got)
		}
	}
	if rep := c.must("STAT /", 213); strings.Contains(rep.Message(), "injected") || strings.Contains(rep.Message(), "bell") {
		t.Errorf("STAT / shows a control-character name: %q", rep.Message())
	}
	if !transcriptHas(c.session(), "omitted") {
		t.Errorf("transcript does not say what was omitted:\n%s", c.session().Transcript())
	}
	for _, name := range evil {
		if got := readFile(t, filepath.Join(dir, name)); got != "evil" {
			t.Errorf("%q changed: %q", name, got)
		}
	}
}

// TestPersonaRestart: each persona's REST policy, as measured (restart.go),
// offline; suites/fidelity checks them against the real programs.
func TestPersonaRestart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		persona              Persona
		storPast, storWithin string // file after REST 10 + STOR "XY" on "abc"; after REST 2 + STOR "XXX" on "0123456789"
		storCode, retrCode   int    // final reply to that STOR, and to REST past the end + RETR
	}{
		{Vsftpd(), "abc\x00\x00\x00\x00\x00\x00\x00XY", "01XXX56789", 226, 226},
		{ProFTPD(), "abc", "0123456789", 451, 554},
		{PureFTPd(), "abcXY", "01XXX", 226, 554},
		{Pyftpdlib(), "abc", "01XXX56789", 554, 554},
	} {
		t.Run(tc.persona.Name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, func(s *Server) {
				tc.persona.Apply(s)
				s.ControlTLS, s.DataTLS, s.Reuse = TLSOptional, TLSOptional, ReuseOff
				s.PreLoginCommands, s.PreTLSCommands = nil, nil
			})
			m := memFS(t, srv)
			m.WriteFile("/past", []byte("abc"))
			m.WriteFile("/within", []byte("0123456789"))
			c := dialCtl(t, srv)
			c.login()
			c.must("TYPE I", 200)
			c.must("REST 10", 350)
			if res := c.transfer(xfer{cmd: "STOR past", data: []byte("XY")}); res.final.Code != tc.storCode {
				t.Errorf("REST 10 + STOR: %q, want %d", res.final.String(), tc.storCode)
			}
			c.must("REST 2", 350)
			c.transfer(xfer{cmd: "STOR within", data: []byte("XXX")})
			c.must("REST 20", 350)
			if res := c.transfer(xfer{cmd: "RETR within"}); res.final.Code != tc.retrCode || len(res.data) != 0 {
				t.Errorf("REST 20 + RETR: %q with %d bytes, want %d and none", res.final.String(), len(res.data), tc.retrCode)
			}
			for name, want := range map[string]string{"/past": tc.storPast, "/within": tc.storWithin} {
				if got, _ := m.ReadFile(name); sha256.Sum256(got) != sha256.Sum256([]byte(want)) {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
		})
	}
}
