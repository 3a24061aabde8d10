package sim

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// realPureFTPdGreeting is what real pure-ftpd 1.0.50 (Debian 12, -Y 3,
// --maxidletime 2, --ipv4only) sent on connect, recorded byte for byte
// with a raw TCP client on loopback: every line but the last starts with
// "220-".
const realPureFTPdGreeting = "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n" +
	"220-You are user number 1 of 8 allowed.\r\n" +
	"220-Local time is now 09:20. Server port: 23807.\r\n" +
	"220-This is a private system - No anonymous login\r\n" +
	"220 You will be disconnected after 2 minutes of inactivity.\r\n"

// realPureFTPdOpts are real pure-ftpd 1.0.50's answers to OPTS, recorded
// on the same connection before AUTH.
var realPureFTPdOpts = []struct{ cmd, reply string }{
	{"OPTS", "504 Unknown command"},
	{"OPTS UTF8 ON", "504 Unknown command"},
	{"OPTS UTF8", "504 Unknown command"},
	{"OPTS UTF8 OFF", "504 Unknown command"},
	{"OPTS FOO", "504 Unknown command"},
	{"OPTS MLST type;", "200  MLST OPTS type;size;sizd;modify;UNIX.mode;UNIX.uid;UNIX.gid;unique;"},
	{"OPTS MLST type;size;modify;UNIX.mode;UNIX.uid;UNIX.gid;", "200  MLST OPTS type;size;sizd;modify;UNIX.mode;UNIX.uid;UNIX.gid;unique;"},
}

// digitsAfterCode replaces the numbers of a reply's text (not its code):
// the user counts, local time, port and idle minutes of a greeting.
var digitsAfterCode = regexp.MustCompile(`[0-9]+`)

func normalizeGreeting(wire string) string {
	var out []string
	for _, l := range strings.SplitAfter(wire, "\r\n") {
		if len(l) > 4 {
			l = l[:4] + digitsAfterCode.ReplaceAllString(l[4:], "N")
		}
		out = append(out, l)
	}
	return strings.Join(out, "")
}

// TestPureFTPdGreetingWire: the pure-ftpd persona's greeting is the real
// one on the wire, byte for byte but for the numbers that depend on the
// configuration and the clock, "220-" on every line but the last.
func TestPureFTPdGreetingWire(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { PureFTPd().Apply(s) })
	c := dialRaw(t, srv, srv.Addr)
	var wire strings.Builder
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			t.Fatalf("greeting: %q, %v", wire.String(), err)
		}
		wire.WriteString(line)
		if strings.HasPrefix(line, "220 ") {
			break
		}
	}
	if got, want := normalizeGreeting(wire.String()), normalizeGreeting(realPureFTPdGreeting); got != want {
		t.Errorf("greeting on the wire:\n%s\nwant (real pure-ftpd, numbers as N):\n%s", got, want)
	}
	for _, o := range realPureFTPdOpts {
		c.send(o.cmd)
		line, err := c.r.ReadString('\n')
		if err != nil {
			t.Fatalf("%s: %v", o.cmd, err)
		}
		if got := strings.TrimSuffix(line, "\r\n"); got != o.reply {
			t.Errorf("%s: got %q, want %q (real pure-ftpd)", o.cmd, got, o.reply)
		}
	}
}

// TestCodedContinuationRoundTrip: a reply whose middle lines carry their
// own "220-" prefix reads into Lines as they are and is written back byte
// for byte; other middle lines still get a leading space, and a middle
// line with another code's prefix is not taken for this reply's.
func TestCodedContinuationRoundTrip(t *testing.T) {
	t.Parallel()
	rep, err := ftp.ReadReply(bufio.NewReader(strings.NewReader(realPureFTPdGreeting)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Lines) != 5 || rep.Lines[1] != "220-You are user number 1 of 8 allowed." {
		t.Fatalf("read %q", rep.Lines)
	}
	var b bytes.Buffer
	if err := ftp.WriteReply(&b, rep.Code, rep.Lines...); err != nil {
		t.Fatal(err)
	}
	if b.String() != realPureFTPdGreeting {
		t.Errorf("written back:\n%q\nwant\n%q", b.String(), realPureFTPdGreeting)
	}
	b.Reset()
	ftp.WriteReply(&b, 211, "Features:", "211-x", "221-y", "UTF8", "End")
	if want := "211-Features:\r\n211-x\r\n 221-y\r\n UTF8\r\n211 End\r\n"; b.String() != want {
		t.Errorf("written %q, want %q", b.String(), want)
	}
}

// realPureFTPdReplies are real pure-ftpd 1.0.50's answers to PRET and
// other commands, recorded with ftplib (before login, then after AUTH TLS
// and login).
var realPureFTPdReplies = []struct {
	login     bool
	cmd, want string
}{
	{false, "PRET LIST", "530 You aren't logged in"},
	{true, "PRET", "200 Ready to proceed"},
	{true, "PRET LIST", "200 Ready to proceed"},
	{true, "PRET FOO", "200 Ready to proceed"},
	{true, "PRET RETR nosuch", "550 Sorry, but that file doesn't exist"},
	{true, "PRET STOR x", "200 Ready to proceed"},
	{true, "TYPE I", "200 TYPE is now 8-bit binary"},
	{true, "TYPE A", "200 TYPE is now ASCII"},
	{true, "PWD", `257 "/" is your current location`},
	{true, "NOOP", "200 Zzz..."},
}

// TestPureFTPdReplies: the pure-ftpd persona answers PRET (lftp sends it
// before every transfer when FEAT lists PRET), TYPE, PWD and NOOP like
// the real server.
func TestPureFTPdReplies(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { PureFTPd().Apply(s) })
	c := dialCtl(t, srv)
	for _, p := range realPureFTPdReplies {
		if p.login && c.tls == nil {
			c.authTLS(clientTLS(srv, 0, nil))
			c.login()
		}
		if got := c.cmd(p.cmd).String(); got != p.want {
			t.Errorf("%s: got %q, want %q (real pure-ftpd)", p.cmd, got, p.want)
		}
	}
}

// TestPureFTPdGoodbye: the pure-ftpd persona says goodbye like the real
// server, with the KiB uploaded and downloaded rounded up and listings
// left out (recorded after a 20 MiB STOR and RETR: "221-Goodbye. You
// uploaded 20480 and downloaded 20480 kbytes." then "221 Logout.").
func TestPureFTPdGoodbye(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { PureFTPd().Apply(s) })
	c := dialCtl(t, srv)
	cfg := clientTLS(srv, 0, nil)
	c.secure(cfg)
	c.put("STOR /g.bin", bytes.Repeat([]byte("x"), 2049), cfg)
	if got := c.get("RETR /g.bin", cfg); len(got) != 2049 {
		t.Fatalf("RETR: %d bytes", len(got))
	}
	c.get("LIST", cfg)
	if got, want := c.cmd("QUIT").String(), "221-Goodbye. You uploaded 3 and downloaded 3 kbytes.\n221 Logout."; got != want {
		t.Errorf("QUIT: got %q, want %q", got, want)
	}
}
