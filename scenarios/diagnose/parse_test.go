package diagnose

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestParseFormats checks, for every format, that a few lines of it are
// recognised and become the right events.
func TestParseFormats(t *testing.T) {
	cases := []struct {
		format Format
		text   string
		want   []string // events as "kind code text"
	}{
		{FormatCurl, "*   Trying 127.0.0.1:21...\n* Connected to 127.0.0.1 (127.0.0.1) port 21 (#0)\n< 220 (vsFTPd 3.0.3)\n> AUTH SSL\n  0 0 0 --:--:--     0* SSL connection using TLSv1.3 / X\n",
			[]string{"note 0 Trying 127.0.0.1:21...", "note 0 Connected to 127.0.0.1 (127.0.0.1) port 21 (#0)", "reply 220 (vsFTPd 3.0.3)", "command 0 AUTH SSL", "note 0 SSL connection using TLSv1.3 / X"}},
		{FormatLftp, "---- Connecting to 127.0.0.1 (127.0.0.1) port 21\n<--- 220 ready\n---> AUTH TLS\n<--- 211-Features:\n<---  PBSZ\n",
			[]string{"note 0 Connecting to 127.0.0.1 (127.0.0.1) port 21", "reply 220 ready", "command 0 AUTH TLS", "reply 211 Features:", "note 0 PBSZ"}},
		{FormatFtplib, "*cmd* 'AUTH TLS'\n*put* 'AUTH TLS\\r\\n'\n*get* '234 ok\\r\\n'\n*resp* '234 ok'\nTraceback (most recent call last):\n  File \"x.py\", line 3\nftplib.error_perm: 522 no\n",
			[]string{"command 0 AUTH TLS", "reply 234 ok", "note 0 Traceback (most recent call last):", "note 0 ftplib.error_perm: 522 no"}},
		{FormatFileZilla, "Status:\tConnecting to 203.0.113.7:21...\nResponse:\t220 hi\nCommand:\tPASS ********\n2026-05-14 10:02:11 4812 1 Error: Connection timed out\n",
			[]string{"note 0 Status: Connecting to 203.0.113.7:21...", "reply 220 hi", "command 0 PASS ****", "note 0 Error: Connection timed out"}},
		{FormatWinSCP, ". 2026-05-14 10:02:10.883 Connecting to ftp.example.com ...\n< 2026-05-14 10:02:10.940 220 hi\n> 2026-05-14 10:02:10.940 AUTH TLS\n",
			[]string{"note 0 Connecting to ftp.example.com ...", "reply 220 hi", "command 0 AUTH TLS"}},
		{FormatVsftpd, "Mon Dec  7 06:49:47 2026 [pid 2] CONNECT: Client \"10.1.2.3\"\nMon Dec  7 06:49:47 2026 [pid 2] [bob] FTP command: Client \"10.1.2.3\", \"PASV\"\nMon Dec  7 06:49:47 2026 [pid 2] [bob] FTP response: Client \"10.1.2.3\", \"227 Entering Passive Mode (10,0,0,5,1,2).\"\n",
			[]string{"note 0 CONNECT: Client \"10.1.2.3\"", "command 0 PASV", "reply 227 Entering Passive Mode (10,0,0,5,1,2)."}},
		{FormatProFTPD, "2026-12-07 06:49:47,679 ftp proftpd[28167] ftp (10.1.2.3[10.1.2.3]): USER bob: Login successful.\n2026-12-07 06:49:47,680 ftp proftpd[28167] ftp (10.1.2.3[10.1.2.3]): dispatching CMD command 'PASV' to mod_core\n",
			[]string{"note 0 USER bob: Login successful.", "command 0 PASV"}},
		{FormatProFTPDTLS, "2026-12-07 06:49:47,690 mod_tls/2.9.2[28167]: client did not reuse TLS session, rejecting data connection\n",
			[]string{"note 0 client did not reuse TLS session, rejecting data connection"}},
		{FormatPureFTPd, "May 14 10:02:11 ftp pure-ftpd: (?@10.1.2.3) [DEBUG] Command [auth] [SSL]\nMay 14 10:02:11 ftp pure-ftpd: (?@10.1.2.3) [DEBUG] 500 This security scheme is not implemented\n",
			[]string{"command 0 AUTH SSL", "reply 500 This security scheme is not implemented"}},
		{FormatFileZillaServer, "<2026-05-14T10:02:11.131Z> FTP Session 7 10.1.2.3 [Command] AUTH TLS\n<2026-05-14T10:02:11.131Z> FTP Session 7 10.1.2.3 [Response] 234 Using authentication type TLS.\n",
			[]string{"command 0 AUTH TLS", "reply 234 Using authentication type TLS."}},
	}
	for _, c := range cases {
		l, err := ParseLog("x.log", strings.NewReader(c.text))
		if err != nil {
			t.Errorf("%s: %v", c.format, err)
			continue
		}
		if l.Format != c.format {
			t.Errorf("%s: recognised as %s", c.format, l.Format)
			continue
		}
		var got []string
		for _, e := range l.Events {
			got = append(got, strings.Join([]string{string(e.Kind), strconv.Itoa(e.Code), e.Text}, " "))
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s events:\n%s\nwant:\n%s", c.format, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	if _, err := ParseLog("notes.txt", strings.NewReader("dear support,\nit does not work\n")); err == nil {
		t.Error("a letter was recognised as a log")
	}
}

func itoa(n int) string {
	return codeString(n)[:len(codeString(n))*btoi(n != 0)] + map[bool]string{true: "0"}[n == 0]
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"> PASS hunter2":                            "> PASS ****",
		"*cmd* 'PASS hunter2'":                      "*cmd* 'PASS ****'",
		`FTP command: Client "1.2.3.4", "PASS x y"`: `FTP command: Client "1.2.3.4", "PASS ****"`,
		"ftp://bob:hunter2@host/":                   "ftp://bob:****@host/",
		"curl -u bob:hunter2 ftp://h/":              "curl -u bob:**** ftp://h/",
		"< 331 Please specify the password.":        "< 331 Please specify the password.",
		"COMPASS rose":                              "COMPASS rose",
	} {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseLog: any bytes parse without panicking, and no PASS argument
// survives into an event.
func FuzzParseLog(f *testing.F) {
	f.Add("> PASS secret\n< 230 ok\n")
	f.Add("*cmd* 'PASS secret'\n*resp* '530 no'\n")
	f.Add("Mon Dec  7 06:49:47 2026 [pid 2] FTP command: Client \"1.2.3.4\", \"PASS secret\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLog("f", strings.NewReader(s))
		if err != nil {
			return
		}
		rep := Diagnose(l)
		_ = rep.Top(3)
		for _, e := range l.Events {
			if e.Verb() == "PASS" && e.Arg() != "****" && e.Arg() != "" && !strings.Contains(e.Arg(), "*") {
				t.Fatalf("PASS argument kept: %q", e.Text)
			}
		}
	})
}

// TestWaited reads how long the client waited before the failure, from
// timestamps and from the failing line's words.
func TestWaited(t *testing.T) {
	for file, want := range map[string]time.Duration{
		"handwritten/filezilla-unroutable-pasv.log": 20 * time.Second,         // MLSD at 10:02:12, error at 10:02:32
		"handwritten/winscp-private-pasv.log":       15002 * time.Millisecond, // MLSD .389, timeout 10:02:26.391
		"curl/nat-private-pasv-trusted.log":         12 * time.Second,         // "after 12000 milliseconds"
	} {
		rep, err := Files(nil, filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Incident.Waited != want {
			t.Errorf("%s: waited %s after %q, want %s", file, rep.Incident.Waited, rep.Incident.WaitedFor, want)
		}
	}
}

// TestServerFix names the server's own settings when the log shows which
// server it is, and nothing when it does not.
func TestServerFix(t *testing.T) {
	for file, want := range map[string]string{
		"handwritten/filezilla-unroutable-pasv.log": "pasv_min_port", // vsftpd
		"real/proftpd.tls.log":                      "NoSessionReuseRequired",
		"handwritten/pure-ftpd-auth-ssl.log":        "AUTH TLS only",
		"curl/cert-expired.log":                     "", // ftpsim's own banner: no product
	} {
		rep, err := Files(nil, filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		got := rep.ServerFix(rep.Top(1)[0])
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("%s (server %q): server fix %q, want it to name %q", file, rep.Incident.Server, got, want)
		}
	}
}

func TestAlerts(t *testing.T) {
	rep, err := Files(nil, filepath.Join("testdata", "curl", "cert-unknown-ca.log"))
	if err != nil {
		t.Fatal(err)
	}
	if a := rep.Incident.Alerts; len(a) != 1 || !strings.Contains(a[0], "unknown CA (560)") {
		t.Errorf("alerts %q, want curl's unknown CA alert and no close_notify", a)
	}
}
