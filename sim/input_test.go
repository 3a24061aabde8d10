package sim

import (
	"io"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// TestBadInput: hostile or broken command lines get an error reply (or are
// ignored when empty) and the session goes on.
func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		input string // written verbatim
		codes []int  // replies it must produce, in order
	}{
		{"10000-byte line", strings.Repeat("A", 10000) + "\r\n", []int{500}},
		{"10000-byte argument", "NOOP " + strings.Repeat("x", 10000) + "\r\n", []int{500}},
		{"line at the limit", "NOOP " + strings.Repeat("x", ftp.MaxLine-5) + "\r\n", []int{200}},
		{"line one over the limit", "NOOP " + strings.Repeat("x", ftp.MaxLine-4) + "\r\n", []int{500}},
		{"two long lines", strings.Repeat("B", 5000) + "\r\n" + strings.Repeat("C", 9000) + "\n", []int{500, 500}},
		{"empty lines", "\r\n\n \r\n\t\r\n", nil},
		{"NUL bytes only", "\x00\x00\x00\r\n", nil},
		{"NUL in verb", "NO\x00OP\r\n", []int{200}},
		{"high bytes", "\x80\x81\xfe garbage\r\n", []int{500}},
		{"digits", "1234\r\n", []int{500}},
		{"verb too long", "ABCDEFGHIJ x\r\n", []int{500}},
		{"verb with dash", "TLS-C\r\n", []int{502}},
		{"Telnet IP DM", "\xff\xf4\xff\xf2NOOP\r\n", []int{200}},
		{"Telnet WILL option", "\xff\xfb\x01NOOP\r\n", []int{200}},
		{"lone IAC", "NOOP\xff\r\n", []int{200}},
		{"LF only", "NOOP\nNOOP\n", []int{200, 200}},
		{"bare CR inside", "NO\rOP\r\n", []int{200}},
		{"UTF-8 verb", "ÄÖÜ\r\n", []int{500}},
		{"pipelined", "NOOP\r\nSYST\r\nNOOP\r\n", []int{200, 215, 200}},
		{"lowercase", "noop\r\n", []int{200}},
		{"tab separator", "NOOP\tx\r\n", []int{500}},
		// Replies that echo input stay within a bounded reader's limit.
		{"long echoed argument", "HOST " + strings.Repeat("h", ftp.MaxLine-6) + "\r\n", []int{220}},
		{"long binary verb", strings.Repeat("\xe5", 3000) + "\r\n", []int{500}},
		{"long UTF-8 verb", strings.Repeat("é", 2000) + "\r\n", []int{500}},
		{"long bad PORT", "USER ftpsim\r\nPASS ftpsim\r\nPORT " + strings.Repeat("\xe5,", 1000) + "\r\n", []int{331, 230, 501}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, nil)
			c := dialCtl(t, srv)
			c.write(tc.input)
			for _, code := range tc.codes {
				c.expect(code)
			}
			// The next reply belongs to this NOOP: the stream is in sync.
			c.must("NOOP", 200)
			c.login()
			c.must("PWD", 257)
		})
	}
}

// TestDeepPath: a working directory longer than a reply line still gives
// a readable PWD reply.
func TestDeepPath(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	c := dialCtl(t, srv)
	c.login()
	for i := 0; i < 4; i++ {
		name := strings.Repeat(string(rune('a'+i)), 2000)
		c.must("MKD "+name, 257)
		c.must("CWD "+name, 250)
	}
	rep := c.must("PWD", 257)
	if !strings.HasPrefix(rep.Message(), `"/aaaa`) || len(rep.Message()) > ftp.MaxLine {
		t.Fatalf("PWD: %d bytes", len(rep.Message()))
	}
	c.must("NOOP", 200)
}

// TestMaxLineSetting: Server.MaxLine bounds command lines.
func TestMaxLineSetting(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { s.MaxLine = 64 })
	c := dialCtl(t, srv)
	c.must("NOOP "+strings.Repeat("x", 59), 200)
	c.must("NOOP "+strings.Repeat("x", 60), 500)
	if !transcriptHas(c.session(), "over 64 bytes") {
		t.Fatalf("transcript:\n%s", c.session().Transcript())
	}
}

// TestLongLineThenEOF: a long line cut off by the client's close ends the
// session quietly.
func TestLongLineThenEOF(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	c := dialCtl(t, srv)
	c.write(strings.Repeat("X", 20000))
	c.raw.Close()
	waitDone(t, c.session())
}

// TestHandlerPanic: a panic in a command handler becomes a 500 for that
// session only; the session and the server go on.
func TestHandlerPanic(t *testing.T) {
	t.Parallel()
	fsys := &hookFS{MemFS: NewMemFS(nil), stat: func(name string) {
		if name == "/panic" {
			panic("test: Stat exploded")
		}
	}}
	srv := startSim(t, func(s *Server) { s.FS = fsys })
	fsys.WriteFile("/f", []byte("x"))
	a := dialCtl(t, srv)
	a.login()
	b := dialCtl(t, srv)
	b.login()

	for _, cmd := range []string{"CWD /panic", "SIZE /panic", "MDTM /panic", "LIST /panic", "RNFR /panic"} {
		rep := a.must(cmd, 500)
		if !strings.Contains(rep.Message(), "Internal") {
			t.Fatalf("%s: %q", cmd, rep.String())
		}
	}
	a.must("PWD", 257)
	mustSame(t, "RETR after panics", a.get("RETR /f", nil), []byte("x"))
	b.must("CWD /", 250)
	if !transcriptHas(a.session(), "internal error in CWD: test: Stat exploded", ftp.EntryNote) {
		t.Fatalf("transcript:\n%s", a.session().Transcript())
	}
	if transcriptHas(b.session(), "internal error") {
		t.Fatal("the other session saw the panic")
	}
}

// panicReader is a file whose Read panics.
type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("test: Read exploded") }
func (panicReader) Close() error             { return nil }

// TestTransferPanic: a panic inside a running transfer (a storage reader
// that explodes) ends that transfer with an error reply, not the process.
func TestTransferPanic(t *testing.T) {
	t.Parallel()
	fsys := &hookFS{MemFS: NewMemFS(nil), open: func(name string, _ int64) (io.ReadCloser, bool) {
		return panicReader{}, name == "/boom"
	}}
	srv := startSim(t, func(s *Server) { s.FS = fsys })
	fsys.WriteFile("/f", []byte("x"))
	c := dialCtl(t, srv)
	c.login()
	res := c.transfer(xfer{cmd: "RETR /boom"})
	if res.prelim.Code != 150 || res.final.Code/100 != 4 && res.final.Code/100 != 5 {
		t.Fatalf("got %q then %q, want 150 then an error", res.prelim.String(), res.final.String())
	}
	mustSame(t, "RETR after the panic", c.get("RETR /f", nil), []byte("x"))
	d := c.session().Data()[0]
	if d.Reply != res.final.Code {
		t.Fatalf("evidence %+v", d)
	}
}
