package sim

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"
)

// dataModes is the data-channel axis: cleartext, and TLS 1.2/1.3 with the
// control session resumed.
func dataModes(srv *Server) []struct {
	name string
	ctl  *tls.Config // control TLS (nil: cleartext control)
	data *tls.Config // data TLS (nil: PROT C)
} {
	out := []struct {
		name      string
		ctl, data *tls.Config
	}{{"clear", nil, nil}}
	for _, v := range tlsVersions {
		cache := tls.NewLRUClientSessionCache(8)
		out = append(out, struct {
			name      string
			ctl, data *tls.Config
		}{v.name, clientTLS(srv, v.v, cache), clientTLS(srv, v.v, cache)})
	}
	return out
}

func connectMode(t *testing.T, srv *Server, ctl *tls.Config, dataTLS bool) *rawClient {
	t.Helper()
	c := dialCtl(t, srv)
	if ctl != nil {
		c.authTLS(ctl)
	}
	c.login()
	if dataTLS {
		c.must("PBSZ 0", 200)
		c.must("PROT P", 200)
	}
	return c
}

// TestDataCommands runs every data-connection command to 226, in clear and
// under TLS 1.2 and 1.3.
func TestDataCommands(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"clear", "TLS1.2", "TLS1.3"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, nil)
			m := memFS(t, srv)
			seedFS(m)
			var cfg *tls.Config
			for _, dm := range dataModes(srv) {
				if dm.name == mode {
					cfg = dm.data
					c := connectMode(t, srv, dm.ctl, dm.data != nil)
					runDataCommands(t, c, m, cfg)
				}
			}
		})
	}
}

func runDataCommands(t *testing.T, c *rawClient, m *MemFS, cfg *tls.Config) {
	t.Helper()
	mustSame(t, "RETR", c.get("RETR /f.txt", cfg), []byte("hello\n"))
	mustSame(t, "RETR relative", c.get("RETR f.txt", cfg), []byte("hello\n"))

	c.put("STOR /up.bin", []byte("payload"), cfg)
	got, _ := m.ReadFile("/up.bin")
	mustSame(t, "STOR", got, []byte("payload"))
	c.put("STOR /up.bin", []byte("new"), cfg) // replaces
	got, _ = m.ReadFile("/up.bin")
	mustSame(t, "STOR replace", got, []byte("new"))
	c.put("STOR /empty.bin", []byte{}, cfg) // a zero-byte upload (S09)
	if got, err := m.ReadFile("/empty.bin"); err != nil || len(got) != 0 {
		t.Fatalf("empty upload: %q, %v", got, err)
	}

	c.put("APPE /up.bin", []byte("+more"), cfg)
	got, _ = m.ReadFile("/up.bin")
	mustSame(t, "APPE", got, []byte("new+more"))
	c.put("APPE /fresh.bin", []byte("created"), cfg)
	got, _ = m.ReadFile("/fresh.bin")
	mustSame(t, "APPE new file", got, []byte("created"))

	res := c.transfer(xfer{cmd: "STOU", data: []byte("unique"), tls: cfg})
	if res.final.Code != 226 {
		t.Fatalf("STOU: %q", res.final.String())
	}
	i := strings.Index(res.final.Message(), "ftpsim-")
	if i < 0 {
		t.Fatalf("STOU reply has no file name: %q", res.final.Message())
	}
	name := strings.TrimRight(res.final.Message()[i:], ").")
	got, err := m.ReadFile("/" + name)
	if err != nil {
		t.Fatalf("STOU file %q: %v", name, err)
	}
	mustSame(t, "STOU", got, []byte("unique"))

	list := string(c.get("LIST", cfg))
	for _, want := range []string{"-rw-r--r-- 1 ftp ftp            6 ", " f.txt\r\n", "drwxr-xr-x", " dir\r\n", " up.bin\r\n"} {
		if !strings.Contains(list, want) {
			t.Fatalf("LIST: %q lacks %q", list, want)
		}
	}
	if got := string(c.get("LIST -la /dir", cfg)); !strings.Contains(got, " g.txt\r\n") || !strings.Contains(got, " sub\r\n") {
		t.Fatalf("LIST -la /dir: %q", got)
	}
	if got := string(c.get("LIST /f.txt", cfg)); !strings.HasSuffix(got, " f.txt\r\n") || strings.Count(got, "\n") != 1 {
		t.Fatalf("LIST of a file: %q", got)
	}
	if got := string(c.get("NLST /dir", cfg)); got != "g.txt\r\nsub\r\n" {
		t.Fatalf("NLST /dir: %q", got)
	}
	if got := string(c.get("NLST /empty", cfg)); got != "" {
		t.Fatalf("NLST of an empty directory: %q", got)
	}
	mlsd := string(c.get("MLSD /dir", cfg))
	if !strings.Contains(mlsd, "type=file;size=1;") || !strings.Contains(mlsd, "perm=rwadf; g.txt\r\n") ||
		!strings.Contains(mlsd, "type=dir;") {
		t.Fatalf("MLSD: %q", mlsd)
	}

	// PASV works as well as EPSV.
	ap := c.pasv()
	res = c.transfer(xfer{cmd: "RETR /f.txt", tls: cfg, dial: ap})
	if res.final.Code != 226 || string(res.data) != "hello\n" {
		t.Fatalf("RETR after PASV: %q %q", res.final.String(), res.data)
	}
	c.must("NOOP", 200)
}

// TestTypeA checks the line-ending conversion in both directions and SIZE
// in TYPE A.
func TestTypeA(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	m := memFS(t, srv)
	m.WriteFile("/lf.txt", []byte("a\nb\n"))
	m.WriteFile("/crlf.txt", []byte("a\r\nb\r\n"))
	m.WriteFile("/bin", []byte{0, '\n', 0xff, '\r'})
	c := dialCtl(t, srv)
	c.login()

	c.must("TYPE A", 200)
	c.put("STOR /up.txt", []byte("a\r\nb\r\n"), nil)
	got, _ := m.ReadFile("/up.txt")
	mustSame(t, "TYPE A upload", got, []byte("a\nb\n"))
	c.put("STOR /cr.txt", []byte("x\ry\r"), nil) // a bare CR, also at the very end, is data
	got, _ = m.ReadFile("/cr.txt")
	mustSame(t, "TYPE A bare CR", got, []byte("x\ry\r"))
	mustSame(t, "TYPE A download", c.get("RETR /lf.txt", nil), []byte("a\r\nb\r\n"))
	mustSame(t, "TYPE A download of CRLF", c.get("RETR /crlf.txt", nil), []byte("a\r\nb\r\n"))
	if rep := c.must("SIZE /lf.txt", 213); rep.Message() != "6" {
		t.Fatalf("SIZE in TYPE A: %q, want 6", rep.Message())
	}

	// A large upload whose CRLFs straddle buffer boundaries.
	big := strings.Repeat("0123456789abcdef\r\n", 40000)
	c.put("STOR /big.txt", []byte(big), nil)
	got, _ = m.ReadFile("/big.txt")
	mustSame(t, "TYPE A big upload", got, []byte(strings.ReplaceAll(big, "\r\n", "\n")))
	mustSame(t, "TYPE A big download", c.get("RETR /big.txt", nil), []byte(big))

	c.must("TYPE I", 200)
	if rep := c.must("SIZE /lf.txt", 213); rep.Message() != "4" {
		t.Fatalf("SIZE in TYPE I: %q, want 4", rep.Message())
	}
	mustSame(t, "TYPE I download", c.get("RETR /lf.txt", nil), []byte("a\nb\n"))
	c.put("STOR /raw.txt", []byte("a\r\nb\r\n"), nil)
	got, _ = m.ReadFile("/raw.txt")
	mustSame(t, "TYPE I upload", got, []byte("a\r\nb\r\n"))
	mustSame(t, "TYPE I binary", c.get("RETR /bin", nil), []byte{0, '\n', 0xff, '\r'})
}

// TestRestart covers REST before RETR and STOR, and that REST applies to
// one transfer only.
func TestRestart(t *testing.T) {
	t.Parallel()
	for _, dm := range []string{"clear", "TLS1.3"} {
		t.Run(dm, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, nil)
			m := memFS(t, srv)
			m.WriteFile("/f", []byte("0123456789"))
			var ctl, data *tls.Config
			if dm != "clear" {
				cache := tls.NewLRUClientSessionCache(4)
				ctl, data = clientTLS(srv, tls.VersionTLS13, cache), clientTLS(srv, tls.VersionTLS13, cache)
			}
			c := connectMode(t, srv, ctl, data != nil)

			c.must("REST 4", 350)
			mustSame(t, "REST+RETR", c.get("RETR /f", data), []byte("456789"))
			mustSame(t, "RETR after", c.get("RETR /f", data), []byte("0123456789"))
			c.must("REST 10", 350)
			mustSame(t, "REST at end", c.get("RETR /f", data), []byte{})
			c.must("REST 99", 350)
			mustSame(t, "REST past end", c.get("RETR /f", data), []byte{})

			c.must("REST 4", 350)
			c.put("STOR /f", []byte("abc"), data)
			got, _ := m.ReadFile("/f")
			mustSame(t, "REST+STOR", got, []byte("0123abc"))
			c.put("STOR /f", []byte("xyz"), data) // REST was used up
			got, _ = m.ReadFile("/f")
			mustSame(t, "STOR after", got, []byte("xyz"))

			// A failed RETR clears REST too.
			c.must("REST 2", 350)
			c.must("RETR /nope", 550)
			mustSame(t, "RETR after failed REST", c.get("RETR /f", data), []byte("xyz"))
		})
	}
}

// TestUploadIntegrity uploads and downloads 8 MiB of random data and
// compares SHA-256 digests, in clear and under TLS 1.2 and 1.3.
func TestUploadIntegrity(t *testing.T) {
	t.Parallel()
	payload := make([]byte, 8<<20)
	rand.Read(payload)
	want := sha256.Sum256(payload)
	for _, mode := range []string{"clear", "TLS1.2", "TLS1.3"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, nil)
			m := memFS(t, srv)
			for _, dm := range dataModes(srv) {
				if dm.name != mode {
					continue
				}
				c := connectMode(t, srv, dm.ctl, dm.data != nil)
				c.put("STOR /big", payload, dm.data)
				stored, _ := m.ReadFile("/big")
				if sha256.Sum256(stored) != want {
					t.Fatalf("stored %d bytes with another digest", len(stored))
				}
				ev := c.session().Data()
				if last := ev[len(ev)-1]; last.Bytes != int64(len(payload)) || last.Reply != 226 || last.CloseNotify != (dm.data != nil) {
					t.Fatalf("evidence %+v", last)
				}
				got := c.get("RETR /big", dm.data)
				if sha256.Sum256(got) != want {
					t.Fatalf("downloaded %d bytes with another digest", len(got))
				}
			}
		})
	}
}

// TestTruncatedUpload: a protected upload ending in a TCP FIN without TLS
// close_notify is refused with 426 and not stored, unless LenientTLSEOF.
// The payload is past readAheadAfter, so the end of the stream (the
// close_notify and the FIN, often read in one fill) is met by the
// read-ahead.
func TestTruncatedUpload(t *testing.T) {
	t.Parallel()
	payload := make([]byte, 3*readAheadAfter)
	rand.Read(payload)
	for _, v := range tlsVersions {
		for _, tc := range []struct {
			name     string
			lenient  bool
			existing bool // an older version of the file exists
			clean    bool // close_notify before the FIN
			code     int
			stored   bool
		}{
			{"clean", false, false, true, 226, true},
			{"clean over old file", false, true, true, 226, true},
			{"no close_notify", false, false, false, 426, false},
			{"no close_notify over old file", false, true, false, 426, false},
			{"no close_notify, lenient", true, false, false, 226, true},
			{"clean, lenient", true, false, true, 226, true},
		} {
			t.Run(v.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := startSim(t, func(s *Server) { s.LenientTLSEOF = tc.lenient })
				m := memFS(t, srv)
				if tc.existing {
					m.WriteFile("/up", []byte("old"))
				}
				cache := tls.NewLRUClientSessionCache(4)
				c := connectMode(t, srv, clientTLS(srv, v.v, cache), true)
				finish := truncFinish
				if tc.clean {
					finish = cleanFinish
				}
				res := c.transfer(xfer{cmd: "STOR /up", data: payload, tls: clientTLS(srv, v.v, cache), finish: finish})
				if res.prelim.Code != 150 || res.final.Code != tc.code {
					t.Fatalf("got %q then %q, want 150 then %d", res.prelim.String(), res.final.String(), tc.code)
				}
				got, err := m.ReadFile("/up")
				switch {
				case tc.stored && sha256.Sum256(got) != sha256.Sum256(payload):
					t.Fatalf("stored %d bytes (%v), want the %d sent", len(got), err, len(payload))
				case !tc.stored && tc.existing && string(got) != "old":
					t.Fatalf("old file changed to %d bytes (%v)", len(got), err)
				case !tc.stored && !tc.existing && err == nil:
					t.Fatalf("truncated upload stored (%d bytes)", len(got))
				}
				ev := c.session().Data()[0]
				if ev.CloseNotify != (tc.clean && tc.code == 226) || ev.Reply != tc.code {
					t.Fatalf("evidence %+v", ev)
				}
				if tc.code == 426 && !transcriptHas(c.session(), "without close_notify") {
					t.Fatalf("transcript does not explain the 426:\n%s", c.session().Transcript())
				}
				c.must("NOOP", 200) // the control connection stays usable
			})
		}
	}
}

// TestCloseNotifyEvidence: DataEvidence says which upload ended with
// close_notify.
func TestCloseNotifyEvidence(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.LenientTLSEOF = true })
	cache := tls.NewLRUClientSessionCache(4)
	cfg := clientTLS(srv, tls.VersionTLS13, cache)
	c := connectMode(t, srv, cfg, true)
	c.transfer(xfer{cmd: "STOR /a", data: []byte("x"), tls: cfg, finish: cleanFinish})
	c.transfer(xfer{cmd: "STOR /b", data: []byte("x"), tls: cfg, finish: truncFinish})
	ev := c.session().Data()
	if len(ev) != 2 || !ev[0].CloseNotify || ev[1].CloseNotify {
		t.Fatalf("evidence: %+v", ev)
	}
	if ev[1].Reply != 226 || len(ev[1].Notes) == 0 {
		t.Fatalf("lenient evidence: %+v", ev[1])
	}
}

// TestAbortRetr: ABOR during a large download gives 426 for the transfer,
// then 226 for the ABOR, and the session goes on.
func TestAbortRetr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, abor string }{
		{"plain", "ABOR"},
		{"telnet IP DM", "\xff\xf4\xff\xf2ABOR"},
	} {
		for _, dm := range []string{"clear", "TLS1.3"} {
			t.Run(tc.name+"/"+dm, func(t *testing.T) {
				t.Parallel()
				srv := startSim(t, func(s *Server) { s.FS = endlessFS() })
				var ctl, data *tls.Config
				if dm != "clear" {
					cache := tls.NewLRUClientSessionCache(4)
					ctl, data = clientTLS(srv, tls.VersionTLS13, cache), clientTLS(srv, tls.VersionTLS13, cache)
				}
				c := connectMode(t, srv, ctl, data != nil)
				dc := c.epsvConn()
				c.must("RETR /endless", 150)
				var conn net.Conn = dc
				if data != nil {
					tc := tls.Client(dc, data)
					if err := tc.Handshake(); err != nil {
						t.Fatal(err)
					}
					conn = tc
				}
				buf := make([]byte, 1<<20)
				n := 0
				for n < 4<<20 {
					k, err := conn.Read(buf)
					if err != nil {
						t.Fatalf("read after %d bytes: %v", n, err)
					}
					n += k
				}
				if rep := c.cmd("STAT"); rep.Code != 211 || !strings.Contains(rep.Message(), "Transfer in progress") {
					t.Fatalf("STAT during transfer: %q", rep.String())
				}
				c.must("NOOP", 200) // NOOP runs during a transfer
				c.send(tc.abor)
				c.expect(426)
				c.expect(226)
				ev := c.session().Data()
				if len(ev) != 1 || ev[0].Reply != 426 || ev[0].Bytes < int64(n) {
					t.Fatalf("evidence: %+v", ev)
				}
				c.must("PWD", 257)
			})
		}
	}
}

// TestAbortStor: ABOR during an upload gives 426 then 226 and stores
// nothing.
func TestAbortStor(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	m := memFS(t, srv)
	c := dialCtl(t, srv)
	c.login()
	dc := c.epsvConn()
	c.must("STOR /partial", 150)
	if _, err := dc.Write(make([]byte, 256<<10)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "upload bytes", func() bool { n, _ := c.session().transferBytes(); return n > 0 })
	c.send("ABOR")
	c.expect(426)
	c.expect(226)
	if _, err := m.ReadFile("/partial"); err == nil {
		t.Fatal("aborted upload was stored")
	}
	c.must("NOOP", 200)
}

// waitFor polls cond for up to ioTimeout.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
