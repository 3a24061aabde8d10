package peers

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNotInstalledErrorMessage(t *testing.T) {
	tests := []struct {
		err  *NotInstalledError
		want string
	}{
		{&NotInstalledError{Program: "vsftpd", Hint: InstallHint}, "vsftpd not installed: run .ci/install-peers.sh as root"},
		{&NotInstalledError{Program: "proftpd", Reason: "cannot run without root (chroot)", Hint: "run the tests as root"},
			"proftpd cannot run without root (chroot): run the tests as root"},
		{&NotInstalledError{Program: "lftp"}, "lftp not installed"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	_, err := findProgram("no-such-ftpd", "/nonexistent/no-such-ftpd")
	var nie *NotInstalledError
	if !errors.As(err, &nie) || nie.Program != "no-such-ftpd" {
		t.Errorf("findProgram of a missing file: got %v, want *NotInstalledError", err)
	}
}

func TestFreePortRange(t *testing.T) {
	seen := map[int]bool{}
	top := ephemeralLow()
	for range 20 {
		r, err := FreePortRange(8)
		if err != nil {
			t.Fatal(err)
		}
		if r.Size() != 8 || int(r.Low) < lowestPort || int(r.High) >= top {
			t.Fatalf("range %v: want 8 ports in [%d, %d)", r, lowestPort, top)
		}
		for p := range r.All() {
			if seen[int(p)] {
				t.Fatalf("port %d handed out twice", p)
			}
			seen[int(p)] = true
		}
		ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(r.Low))))
		if err != nil {
			t.Fatalf("range %v: first port not bindable: %v", r, err)
		}
		ln.Close()
	}
	p, err := FreePort()
	if err != nil || seen[p] {
		t.Fatalf("FreePort() = %d, %v; want a fresh port", p, err)
	}
	if _, err := FreePortRange(0); err == nil {
		t.Error("FreePortRange(0) succeeded")
	}
}

func TestParseReplies(t *testing.T) {
	tests := []struct {
		name, trace string
		want        []int
	}{
		{"curl", "< 220 ftpsim vsftpd\r\n> AUTH SSL\r\n< 234 Proceed\r\n* TLS\r\n< 230-Hello\r\n< 230 ok\r\n< 522 SSL connection failed\r\n", []int{220, 234, 230, 522}},
		{"lftp", "<--- 220 ftpsim\n---> FEAT\n<--- 211-Features:\n<---  AUTH TLS\n<--- 211 End\n<--- 425 Unable to build data connection\n", []int{220, 211, 425}},
		{"ftplib", "*resp* '220 ftpsim'\n*cmd* 'PASS ********'\n*resp* '230-a\\n230 b'\n*resp* \"522 session reuse required\"\nRESULT: FAIL list\n", []int{220, 230, 522}},
		{"bare code line", "< 226\n<--- 150\n", []int{226, 150}},
		{"not replies", "> 220 sent\n< 22 short\n< 2200 long\n< 999 out of range\n<--220\nfoo < 226 bar\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseReplies(tt.trace); !slices.Equal(got, tt.want) {
				t.Errorf("parseReplies = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzParseReplies(f *testing.F) {
	f.Add("< 220 x\r\n<--- 230 y\n*resp* '522 z'\n")
	f.Add("<--- 211-Features:\n<---  AUTH TLS\n")
	f.Fuzz(func(t *testing.T, trace string) {
		for _, c := range parseReplies(trace) {
			if c < 100 || c > 599 {
				t.Fatalf("reply code %d out of range", c)
			}
		}
	})
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		line string
		want procStat
		ok   bool
	}{
		{"1234 (vsftpd) S 1 1234 1234 0 -1", procStat{pid: 1234, ppid: 1, pgrp: 1234, state: 'S'}, true},
		{"16896 (vsftpd) S 16894 16896 16896 0 -1 4194624 80 0 0 0 0 0 0 0 20 0 1 0 175433 9252864 274",
			procStat{pid: 16896, ppid: 16894, pgrp: 16896, state: 'S', start: 175433}, true},
		{"77 (a) b) (c) Z 5 6 7", procStat{pid: 77, ppid: 5, pgrp: 6, state: 'Z'}, true},
		{"88 (python3) R 7 88", procStat{pid: 88, ppid: 7, pgrp: 88, state: 'R'}, true},
		{"no parens S 1 2", procStat{}, false},
		{"9 (x) S 1", procStat{}, false},
		{"x (y) S 1 2", procStat{}, false},
	}
	for _, tt := range tests {
		got, err := parseStat([]byte(tt.line))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v, ok=%v", tt.line, got, err, tt.want, tt.ok)
		}
	}
	self, err := readStat(os.Getpid())
	if err != nil || self.pid != os.Getpid() || self.ppid != os.Getppid() || self.start == 0 || !stillRunning(self) {
		t.Errorf("readStat(self) = %+v, %v", self, err)
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("1234 (vsftpd) S 1 1234 1234 0 -1"))
	f.Add([]byte("1 ()) ) Z 0 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseStat(b) // must not panic
	})
}

func TestClientOptionsChecked(t *testing.T) {
	ca := certs(t).CAFile
	dir := t.TempDir()
	for _, addr := range []string{"example.com:21", "[2001:db8::1]:21", "0.0.0.0:21", "127.0.0.1"} {
		_, err := ClientOptions{Addr: addr, CAFile: ca, Dir: dir}.checked()
		if err == nil {
			t.Errorf("addr %q accepted", addr)
		}
	}
	if _, err := (ClientOptions{Addr: "[2001:db8::1]:21", CAFile: ca, Dir: dir}).checked(); !errors.Is(err, ErrNotLoopback) {
		t.Errorf("non-loopback addr: %v, want ErrNotLoopback", err)
	}
	for _, o := range []ClientOptions{
		{Addr: "127.0.0.1:21", Dir: dir},
		{Addr: "127.0.0.1:21", CAFile: ca},
		{Addr: "127.0.0.1:21", CAFile: filepath.Join(dir, "missing.pem"), Dir: dir},
	} {
		if _, err := o.checked(); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	o, err := ClientOptions{Addr: "[::1]:2121", CAFile: ca, Dir: dir}.checked()
	if err != nil || o.User != User || o.Password != Password || o.Timeout != DefaultClientTimeout {
		t.Errorf("defaults: %+v, %v", o, err)
	}
}

func TestLftpRefusesActiveMode(t *testing.T) {
	_, err := NewLftp(ClientOptions{Addr: "127.0.0.1:21", CAFile: certs(t).CAFile, Dir: t.TempDir(), Active: true})
	skipIfMissing(t, err)
	if !errors.Is(err, ErrNotLoopback) {
		t.Errorf("NewLftp(Active) = %v, want ErrNotLoopback", err)
	}
}

func TestServerSettingsChecked(t *testing.T) {
	p := certs(t)
	ctx := context.Background()
	cfg := Config{Dir: t.TempDir(), CertFile: p.CertFile, KeyFile: p.KeyFile}
	starts := map[string]func(context.Context) (*Server, error){
		"vsftpd pasv_address":  Vsftpd{Config: cfg, PASVAddress: "2001:db8::1"}.Start,
		"pyftpdlib masquerade": Pyftpdlib{Config: cfg, Masquerade: "2001:db8::2"}.Start,
		"pure-ftpd -Y 4":       PureFTPd{Config: cfg, TLS: 4}.Start,
		"no cert":              Pyftpdlib{Config: Config{Dir: cfg.Dir}}.Start,
	}
	for name, start := range starts {
		t.Run(name, func(t *testing.T) {
			s, err := start(ctx)
			skipIfMissing(t, err)
			if err == nil {
				s.Close()
				t.Fatal("started")
			}
		})
	}
}

// TestCloseKillsSessions checks that Close also stops the per-connection
// session processes a server forks, and that a second Close is harmless.
func TestCloseKillsSessions(t *testing.T) {
	p := certs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Vsftpd{Config: Config{Dir: t.TempDir(), CertFile: p.CertFile, KeyFile: p.KeyFile}}.Start(ctx)
	skipIfMissing(t, err)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp4", s.Addr, 5*time.Second)
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	banner := make([]byte, 64)
	if _, err := c.Read(banner); err != nil {
		s.Close()
		t.Fatalf("banner: %v", err)
	}
	before := s.proc.members()
	sessions := 0
	for _, st := range before {
		if st.pgrp != s.Pid() {
			sessions++ // vsftpd puts each session in a session of its own
		}
	}
	if sessions == 0 {
		t.Errorf("want a session process outside the server's process group, got %+v", before)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if left := running(before); len(left) > 0 {
		t.Errorf("processes left after Close: %v", left)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if logs := s.Logs(); !containsAll(logs, "==> ", "vsftpd.log", "CONNECT") {
		t.Errorf("Logs lacks the vsftpd log:\n%s", logs)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
