package sim

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

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

// wire is a reply as ftp.WriteReply puts it on the wire. A reply read with
// ftp.ReadReply is written back byte for byte (TestCodedContinuationRoundTrip),
// so the wire of what a client read is the wire the server sent.
func wire(rep ftp.Reply) string {
	var b strings.Builder
	ftp.WriteReply(&b, rep.Code, rep.Lines...)
	return b.String()
}

// realPureFTPdFileReplies are real pure-ftpd 1.0.50's answers (-Y 3, as
// internal/peers starts it) to SIZE, MDTM, STOR, STAT and MFMT, recorded
// in this order, byte for byte, with a raw TLS client on 127.0.0.1 after
// AUTH TLS, STAT and STAT / (both "530 You aren't logged in"), login,
// PBSZ 0, PROT P, MKD sub and TYPE I, in a root holding hello.txt (12
// bytes).
var realPureFTPdFileReplies = []struct{ cmd, wire string }{
	{"SIZE nosuch", "550 Can't check for file existence\r\n"},
	{"MDTM nosuch", "550 Can't check for file existence\r\n"},
	{"SIZE sub", "550 I can only retrieve regular files\r\n"},
	{"MDTM sub", "550 I can only retrieve regular files\r\n"},
	{"SIZE", "501 Missing argument\r\n"},
	{"MDTM", "501 Missing argument\r\n"},
	{"SIZE hello.txt", "213 12\r\n"},
	{"STOR", "501 No file name\r\n"},
	{"STAT", "211 https://www.pureftpd.org/\r\n"},
	{"STAT nosuch", "213-STAT\r\n213 End.\r\n"},
	{"STAT sub", "213-STAT\r\n213 End.\r\n"},
	{"MFMT 20200102030405 hello.txt", "213 UTIME OK\r\n"},
	{"MDTM hello.txt", "213 20200102030405\r\n"},
	{"MFMT 20200102030405.123 hello.txt", "213 UTIME OK\r\n"},
	{"MFMT 19700101000000  hello.txt", "213 UTIME OK\r\n"},
	{"MDTM hello.txt", "213 19700101000000\r\n"},
	{"MFMT 20200102030405 sub", "213 UTIME OK\r\n"},
	{"MFMT 20200102030405", "501 Missing argument\r\n"},
	{"MFMT", "501 Missing argument\r\n"},
	{"MFMT abc hello.txt", "501 Can't get a time stamp\r\n"},
	{"MFMT 20200102030405 nosuch", "550 utime(nosuch): No such file or directory\r\n"},
}

// realPureFTPdStatFile is real pure-ftpd's STAT hello.txt, recorded at the
// end of the same session (after the MFMT to 1970). Its middle line is an ls -l line, which the persona writes
// in sim's own listing format and, as ftp.WriteReply does for every middle
// line not in the "213-" form, after a space: only its first and last
// lines and its line count are compared.
const realPureFTPdStatFile = "213-STAT\r\n-rw-r--r--    1 999        ftpsuser           12 Jan  1  1970 hello.txt\r\n213 End.\r\n"

// TestPureFTPdFileRepliesWire: the pure-ftpd persona answers SIZE and MDTM
// of a missing file or a directory, STOR without a name, STAT with and
// without a path, and MFMT (good, short, bad and missing) with the real
// server's bytes, and MFMT sets what MDTM reads back.
func TestPureFTPdFileRepliesWire(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { PureFTPd().Apply(s) })
	fsys := memFS(t, srv)
	fsys.WriteFile("/hello.txt", []byte("hello world\n"))
	if err := fsys.Mkdir("/sub"); err != nil {
		t.Fatal(err)
	}
	c := dialCtl(t, srv)
	c.authTLS(clientTLS(srv, 0, nil))
	for _, cmd := range []string{"STAT", "STAT /"} {
		if got, want := wire(c.cmd(cmd)), "530 You aren't logged in\r\n"; got != want {
			t.Errorf("%s before login: got %q, want %q (real pure-ftpd)", cmd, got, want)
		}
	}
	c.login()
	c.must("TYPE I", 200)
	for _, r := range realPureFTPdFileReplies {
		if got := wire(c.cmd(r.cmd)); got != r.wire {
			t.Errorf("%s: got %q, want %q (real pure-ftpd)", r.cmd, got, r.wire)
		}
	}
	got := strings.SplitAfter(wire(c.cmd("STAT hello.txt")), "\r\n")
	want := strings.SplitAfter(realPureFTPdStatFile, "\r\n")
	if len(got) != len(want) || got[0] != want[0] || got[len(got)-2] != want[len(want)-2] {
		t.Errorf("STAT hello.txt: got %q, want the shape of %q (real pure-ftpd)", got, realPureFTPdStatFile)
	} else if !strings.Contains(got[1], " 12 ") || !strings.HasSuffix(got[1], " hello.txt\r\n") {
		t.Errorf("STAT hello.txt: listing line %q does not describe the 12-byte file", got[1])
	}
}

// realPureFTPdTransfers are real pure-ftpd 1.0.50's 150 and 226 around
// transfers, recorded in this order, byte for byte, in the same way on a
// fresh server (PASV, PROT P data connections, TYPE as listed before each,
// a root holding hello.txt). The 226 of a file
// transfer that moved bytes ends with the time and rate pure-ftpd
// measured.
var realPureFTPdTransfers = []struct {
	typ, cmd    string
	up          int // bytes uploaded; -1 for a download
	open, final string
}{
	{"I", "STOR up.bin", 1000, "150 Accepted data connection\r\n",
		"226-File successfully transferred\r\n226 0.000 seconds (measured here), 2.65 Mbytes per second\r\n"},
	{"I", "STOR big.bin", 3000000, "150 Accepted data connection\r\n",
		"226-File successfully transferred\r\n226 0.013 seconds (measured here), 219.19 Mbytes per second\r\n"},
	{"I", "APPE up.bin", 10, "150 Accepted data connection\r\n",
		"226-File successfully transferred\r\n226 0.000 seconds (measured here), 106.39 Kbytes per second\r\n"},
	{"I", "LIST", -1, "150 Accepted data connection\r\n", "226-Options: -l \r\n226 3 matches total\r\n"},
	{"I", "STOR z", 0, "150 Accepted data connection\r\n", "226 File successfully transferred\r\n"},
	{"I", "RETR hello.txt", -1, "150 Accepted data connection\r\n",
		"226-File successfully transferred\r\n226 0.000 seconds (measured here), 78.14 Kbytes per second\r\n"},
	{"I", "RETR z", -1, "150 Accepted data connection\r\n", "226 File successfully transferred\r\n"},
	{"A", "RETR hello.txt", -1, "150 Accepted data connection\r\n",
		"226-Warning: client is in ASCII mode - Assuming data is plain text\r\n" +
			"226-File successfully transferred\r\n226 0.000 seconds (measured here), 117.55 Kbytes per second\r\n"},
}

// rateLine is the measured part of pure-ftpd's 226: its numbers and unit
// depend on the clock.
var rateLine = regexp.MustCompile(`[0-9]+\.[0-9]{3} seconds \(measured here\), [0-9]+\.[0-9]{2} (M|K|)bytes per second`)

func normalizeRate(wire string) string {
	return rateLine.ReplaceAllString(wire, "T seconds (measured here), R Ubytes per second")
}

// TestPureFTPdTransferRepliesWire: the pure-ftpd persona's 150 and 226
// around uploads, downloads and listings are the real ones on the wire,
// but for the time and rate, which it measures itself and prints in the
// same format; a transfer of no bytes has no rate line.
func TestPureFTPdTransferRepliesWire(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { PureFTPd().Apply(s) })
	memFS(t, srv).WriteFile("/hello.txt", []byte("hello world\n"))
	c := dialCtl(t, srv)
	cfg := clientTLS(srv, 0, nil)
	c.secure(cfg)
	for _, x := range realPureFTPdTransfers {
		c.must("TYPE "+x.typ, 200)
		var data []byte
		if x.up >= 0 {
			data = make([]byte, x.up)
		}
		res := c.transfer(xfer{cmd: x.cmd, data: data, tls: cfg})
		if got := wire(res.prelim); got != x.open {
			t.Errorf("%s (TYPE %s): 1xx %q, want %q (real pure-ftpd)", x.cmd, x.typ, got, x.open)
		}
		got, want := normalizeRate(wire(res.final)), normalizeRate(x.final)
		if got != want {
			t.Errorf("%s (TYPE %s): final reply\n%q\nwant (real pure-ftpd, measured numbers as T, R, U)\n%q", x.cmd, x.typ, got, want)
		}
		if want != x.final && !rateLine.MatchString(wire(res.final)) {
			t.Errorf("%s: no rate line in %q", x.cmd, wire(res.final))
		}
	}
}

// TestFormatRate: pure-ftpd's units for the rate of a transfer, at their
// thresholds.
func TestFormatRate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int64
		d    time.Duration
		want string
	}{
		{1 << 20, time.Second, "1.00 Mbytes"},
		{512<<10 + 1, time.Second, "0.50 Mbytes"},
		{512 << 10, time.Second, "512.00 Kbytes"},
		{513, time.Second, "0.50 Kbytes"},
		{512, time.Second, "512.00 bytes"},
		{1, 5 * time.Second, "0.20 bytes"},
		{1, 10 * time.Second, ""},
		{0, time.Second, ""},
		{100, 0, ""},
	} {
		got, ok := formatRate(c.n, c.d)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("formatRate(%d, %s) = %q, %v; want %q", c.n, c.d, got, ok, c.want)
		}
	}
}

// realPureFTPdOpenings are real pure-ftpd 1.0.50's 1xx before downloads
// of files of 4095 to 5000 bytes, after REST, in TYPE A, and before STOU,
// recorded with Python's ftplib (debug level 2, PROT P, PASV) on
// loopback: a RETR with more than 4096 bytes to send gets a second line
// with the KiB left (the size minus the REST offset, with one decimal);
// STOU names the file first. The STOU name is the server's own.
var realPureFTPdOpenings = []struct {
	typ  string
	size int64
	rest int64
	open string
}{
	{"I", 4095, 0, "150 Accepted data connection\r\n"},
	{"I", 4096, 0, "150 Accepted data connection\r\n"},
	{"I", 4097, 0, "150-Accepted data connection\r\n150 4.0 kbytes to download\r\n"},
	{"I", 5000, 0, "150-Accepted data connection\r\n150 4.9 kbytes to download\r\n"},
	{"I", 5000, 1000, "150 Accepted data connection\r\n"},
	{"I", 5000, 903, "150-Accepted data connection\r\n150 4.0 kbytes to download\r\n"},
	{"I", 5000, 904, "150 Accepted data connection\r\n"},
	{"A", 5000, 0, "150-Accepted data connection\r\n150 4.9 kbytes to download\r\n"},
}

const realPureFTPdSTOU = "150-FILE: pureftpd.6b16ad46.ad.0000\r\n150 Accepted data connection\r\n"

// TestPureFTPdOpeningRepliesWire: the pure-ftpd persona's 1xx before a
// RETR announces the KiB to send past 4 KiB, after REST too, and its 1xx
// before STOU names the file, as the real server's do.
func TestPureFTPdOpeningRepliesWire(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *Server) { PureFTPd().Apply(s) })
	fsys := memFS(t, srv)
	c := dialCtl(t, srv)
	cfg := clientTLS(srv, 0, nil)
	c.secure(cfg)
	for _, x := range realPureFTPdOpenings {
		name := fmt.Sprintf("/f%d", x.size)
		fsys.WriteFile(name, bytes.Repeat([]byte("x"), int(x.size)))
		c.must("TYPE "+x.typ, 200)
		if x.rest > 0 {
			c.must(fmt.Sprintf("REST %d", x.rest), 350)
		}
		res := c.transfer(xfer{cmd: "RETR " + name, tls: cfg})
		if got := wire(res.prelim); got != x.open {
			t.Errorf("RETR of %d bytes after REST %d (TYPE %s): 1xx %q, want %q (real pure-ftpd)", x.size, x.rest, x.typ, got, x.open)
		}
	}
	c.must("TYPE I", 200)
	res := c.transfer(xfer{cmd: "STOU", data: []byte("0123456789"), tls: cfg})
	stouName := regexp.MustCompile(`^150-FILE: (\S+)\r\n`)
	m := stouName.FindStringSubmatch(wire(res.prelim))
	if m == nil || stouName.ReplaceAllString(wire(res.prelim), "") != stouName.ReplaceAllString(realPureFTPdSTOU, "") {
		t.Fatalf("STOU: 1xx %q, want the form of %q (real pure-ftpd)", wire(res.prelim), realPureFTPdSTOU)
	}
	if got, err := fsys.ReadFile("/" + m[1]); err != nil || string(got) != "0123456789" {
		t.Errorf("STOU stored %q (%v) under the name its 150 gave, %q", got, err, m[1])
	}
}
