package sim

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// step is one command and the reply it must get. want, if set, must occur
// in the reply text.
type step struct {
	line string
	code int
	want string
}

// commandCase is a short control-channel conversation on a fresh server.
type commandCase struct {
	verb  string        // the dispatch-table verb the case is about
	name  string        // what the case shows
	srv   func(*Server) // settings (nil: defaults)
	tls   bool          // AUTH TLS first
	login bool          // log in (after AUTH TLS, if any)
	steps []step
}

// commandCases covers every verb of the dispatch table with its success
// reply and the error replies it can give without a data connection.
// Transfers that succeed are in TestDataCommands.
var commandCases = []commandCase{
	{verb: "USER", name: "ok", steps: []step{{"USER ftpsim", 331, ""}}},
	{verb: "USER", name: "no name", steps: []step{{"USER", 501, ""}}},
	{verb: "USER", name: "anonymous", srv: func(s *Server) { s.Anonymous = true },
		steps: []step{{"USER anonymous", 331, "Anonymous"}, {"PASS me@example.com", 230, ""}}},
	{verb: "USER", name: "anonymous off", steps: []step{{"USER anonymous", 331, ""}, {"PASS me@example.com", 530, ""}}},
	{verb: "PASS", name: "ok", steps: []step{{"USER ftpsim", 331, ""}, {"PASS ftpsim", 230, ""}, {"PWD", 257, ""}}},
	{verb: "PASS", name: "wrong", steps: []step{{"USER ftpsim", 331, ""}, {"PASS nope", 530, ""}, {"PWD", 530, ""}}},
	{verb: "PASS", name: "unknown user", steps: []step{{"USER nobody", 331, ""}, {"PASS ftpsim", 530, ""}}},
	{verb: "PASS", name: "without USER", steps: []step{{"PASS ftpsim", 503, ""}}},
	{verb: "PASS", name: "twice", steps: []step{{"USER ftpsim", 331, ""}, {"PASS ftpsim", 230, ""}, {"PASS ftpsim", 503, ""}}},
	{verb: "USER", name: "custom users", srv: func(s *Server) { s.Users = []User{{Name: "alice", Password: "pw"}} },
		steps: []step{{"USER ftpsim", 331, ""}, {"PASS ftpsim", 530, ""}, {"USER alice", 331, ""}, {"PASS pw", 230, ""}}},
	{verb: "QUIT", name: "ok", steps: []step{{"QUIT", 221, ""}}},
	{verb: "NOOP", name: "before login", steps: []step{{"NOOP", 200, ""}}},
	{verb: "SYST", name: "ok", steps: []step{{"SYST", 215, "UNIX"}}},
	{verb: "FEAT", name: "lists TLS and extensions", steps: []step{{"FEAT", 211, "AUTH TLS\nAUTH SSL\nPBSZ\nPROT\nCCC\nEPRT\nEPSV"}}},
	{verb: "FEAT", name: "no CCC when disabled", srv: func(s *Server) { s.DisableCCC = true }, steps: []step{{"FEAT", 211, "PROT\nEPRT"}}},
	{verb: "FEAT", name: "no AUTH when TLS is off", srv: func(s *Server) { s.ControlTLS, s.DataTLS = TLSDisabled, TLSDisabled },
		steps: []step{{"FEAT", 211, "Features:\nEPRT"}}},
	{verb: "FEAT", name: "extra features", srv: func(s *Server) { s.Features = []string{"XCRC"} }, steps: []step{{"FEAT", 211, "UTF8\nXCRC\nEnd"}}},
	{verb: "OPTS", name: "UTF8 ON", steps: []step{{"OPTS UTF8 ON", 200, ""}}},
	{verb: "OPTS", name: "empty", steps: []step{{"OPTS", 501, ""}}},
	{verb: "OPTS", name: "unknown", steps: []step{{"OPTS MLST type;", 501, ""}}},
	{verb: "HELP", name: "ok", steps: []step{{"HELP", 214, "EPSV"}}},
	{verb: "PRET", name: "unknown by default", login: true, steps: []step{{"PRET LIST", 502, ""}}},
	{verb: "PRET", name: "before login", srv: func(s *Server) { s.PRET = true }, steps: []step{{"PRET LIST", 530, ""}}},
	{verb: "PRET", name: "on", srv: func(s *Server) { s.PRET = true }, login: true,
		steps: []step{{"FEAT", 211, "PRET"}, {"PRET LIST", 200, "LIST"}, {"PRET STOR /new", 200, ""}, {"PRET RETR /f.txt", 200, ""}, {"PRET RETR /nosuch", 550, "nosuch"}}},
	{verb: "STAT", name: "server status", steps: []step{{"STAT", 211, "Connected to"}}},
	{verb: "STAT", name: "file", login: true, steps: []step{{"STAT /f.txt", 213, "f.txt"}}},
	{verb: "STAT", name: "directory", login: true, steps: []step{{"STAT /dir", 213, "g.txt"}}},
	{verb: "STAT", name: "missing", login: true, steps: []step{{"STAT /nope", 550, ""}}},
	{verb: "STAT", name: "path before login", steps: []step{{"STAT /f.txt", 530, ""}}},
	{verb: "HOST", name: "ok", steps: []step{{"HOST ftp.example.com", 220, ""}}},
	{verb: "HOST", name: "empty", steps: []step{{"HOST", 501, ""}}},
	{verb: "HOST", name: "after USER", steps: []step{{"USER ftpsim", 331, ""}, {"HOST ftp.example.com", 503, ""}}},
	{verb: "CWD", name: "ok", login: true, steps: []step{{"CWD /dir", 250, ""}, {"PWD", 257, `"/dir"`}}},
	{verb: "CWD", name: "relative", login: true, steps: []step{{"CWD dir", 250, ""}, {"CWD sub", 250, ""}, {"PWD", 257, `"/dir/sub"`}}},
	{verb: "CWD", name: "cannot climb above root", login: true, steps: []step{{"CWD ../../..", 250, ""}, {"PWD", 257, `"/"`}}},
	{verb: "CWD", name: "missing", login: true, steps: []step{{"CWD /nope", 550, ""}}},
	{verb: "CWD", name: "file", login: true, steps: []step{{"CWD /f.txt", 550, ""}}},
	{verb: "XCWD", name: "ok", login: true, steps: []step{{"XCWD /dir", 250, ""}}},
	{verb: "CDUP", name: "ok", login: true, steps: []step{{"CWD /dir/sub", 250, ""}, {"CDUP", 250, ""}, {"PWD", 257, `"/dir"`}}},
	{verb: "XCUP", name: "ok", login: true, steps: []step{{"CWD /dir", 250, ""}, {"XCUP", 250, ""}, {"XPWD", 257, `"/"`}}},
	{verb: "PWD", name: "ok", login: true, steps: []step{{"PWD", 257, `"/" is the current directory`}}},
	{verb: "XPWD", name: "ok", login: true, steps: []step{{"XPWD", 257, `"/"`}}},
	{verb: "MKD", name: "ok", login: true, steps: []step{{"MKD new", 257, `"/new"`}, {"CWD /new", 250, ""}}},
	{verb: "MKD", name: "existing", login: true, steps: []step{{"MKD /dir", 550, ""}}},
	{verb: "MKD", name: "existing file", login: true, steps: []step{{"MKD /f.txt", 550, ""}}},
	{verb: "MKD", name: "no parent", login: true, steps: []step{{"MKD /nope/x", 550, ""}}},
	{verb: "MKD", name: "empty", login: true, steps: []step{{"MKD", 501, ""}}},
	{verb: "XMKD", name: "ok", login: true, steps: []step{{"XMKD /x", 257, ""}}},
	{verb: "RMD", name: "ok", login: true, steps: []step{{"RMD /empty", 250, ""}, {"CWD /empty", 550, ""}}},
	{verb: "RMD", name: "not empty", login: true, steps: []step{{"RMD /dir", 550, ""}}},
	{verb: "RMD", name: "missing", login: true, steps: []step{{"RMD /nope", 550, ""}}},
	{verb: "RMD", name: "file", login: true, steps: []step{{"RMD /f.txt", 550, ""}}},
	{verb: "RMD", name: "root", login: true, steps: []step{{"RMD /", 550, ""}}},
	{verb: "XRMD", name: "ok", login: true, steps: []step{{"XRMD /empty", 250, ""}}},
	{verb: "DELE", name: "ok", login: true, steps: []step{{"DELE /f.txt", 250, ""}, {"SIZE /f.txt", 550, ""}}},
	{verb: "DELE", name: "missing", login: true, steps: []step{{"DELE /nope", 550, ""}}},
	{verb: "DELE", name: "directory", login: true, steps: []step{{"DELE /empty", 550, ""}}},
	{verb: "RNFR", name: "ok", login: true, steps: []step{{"RNFR /f.txt", 350, ""}, {"RNTO /h.txt", 250, ""}, {"SIZE /h.txt", 213, "6"}, {"SIZE /f.txt", 550, ""}}},
	{verb: "RNFR", name: "missing", login: true, steps: []step{{"RNFR /nope", 550, ""}}},
	{verb: "RNTO", name: "without RNFR", login: true, steps: []step{{"RNTO /x", 503, ""}}},
	{verb: "RNTO", name: "RNFR is used once", login: true, steps: []step{{"RNFR /f.txt", 350, ""}, {"RNTO /h.txt", 250, ""}, {"RNTO /i.txt", 503, ""}}},
	{verb: "RNTO", name: "no target directory", login: true, steps: []step{{"RNFR /f.txt", 350, ""}, {"RNTO /nope/x", 550, ""}}},
	{verb: "RNTO", name: "directory", login: true, steps: []step{{"RNFR /dir", 350, ""}, {"RNTO /moved", 250, ""}, {"SIZE /moved/g.txt", 213, "1"}}},
	{verb: "SIZE", name: "ok", login: true, steps: []step{{"SIZE /f.txt", 213, "6"}}},
	{verb: "SIZE", name: "missing", login: true, steps: []step{{"SIZE /nope", 550, ""}}},
	{verb: "SIZE", name: "directory", login: true, steps: []step{{"SIZE /dir", 550, ""}}},
	{verb: "MDTM", name: "ok", login: true, steps: []step{{"MDTM /f.txt", 213, ""}}},
	{verb: "MDTM", name: "missing", login: true, steps: []step{{"MDTM /nope", 550, ""}}},
	{verb: "MDTM", name: "directory", login: true, steps: []step{{"MDTM /dir", 550, ""}}},
	{verb: "MDTM", name: "no argument", login: true, steps: []step{{"MDTM", 501, ""}}},
	{verb: "MFMT", name: "ok", login: true, steps: []step{{"MFMT 20200102030405 /f.txt", 213, "Modify=20200102030405; /f.txt"}, {"MDTM /f.txt", 213, "20200102030405"}}},
	{verb: "MFMT", name: "bad time", login: true, steps: []step{{"MFMT 2020 /f.txt", 501, ""}}},
	{verb: "MFMT", name: "missing", login: true, steps: []step{{"MFMT 20200102030405 /nope", 550, ""}}},
	{verb: "MFMT", name: "before login", steps: []step{{"MFMT 20200102030405 /f.txt", 530, ""}}},
	{verb: "MLST", name: "file", login: true, steps: []step{{"MLST /f.txt", 250, "type=file;size=6;"}}},
	{verb: "MLST", name: "directory", login: true, steps: []step{{"MLST /dir", 250, "type=dir;"}}},
	{verb: "MLST", name: "missing", login: true, steps: []step{{"MLST /nope", 550, ""}}},
	{verb: "REST", name: "ok", login: true, steps: []step{{"REST 100", 350, "100"}}},
	{verb: "REST", name: "not a number", login: true, steps: []step{{"REST abc", 501, ""}}},
	{verb: "REST", name: "negative", login: true, steps: []step{{"REST -1", 501, ""}}},
	{verb: "TYPE", name: "A I L8", login: true, steps: []step{{"TYPE A", 200, ""}, {"TYPE A N", 200, ""}, {"TYPE I", 200, ""}, {"TYPE L 8", 200, ""}}},
	{verb: "TYPE", name: "unsupported", login: true, steps: []step{{"TYPE E", 504, ""}, {"TYPE X", 504, ""}}},
	{verb: "MODE", name: "S", login: true, steps: []step{{"MODE S", 200, ""}}},
	{verb: "MODE", name: "B", login: true, steps: []step{{"MODE B", 504, ""}}},
	{verb: "STRU", name: "F", login: true, steps: []step{{"STRU F", 200, ""}}},
	{verb: "STRU", name: "R", login: true, steps: []step{{"STRU R", 504, ""}}},
	{verb: "ALLO", name: "ok", login: true, steps: []step{{"ALLO 1000", 202, ""}}},
	{verb: "ABOR", name: "nothing to abort", login: true, steps: []step{{"ABOR", 225, ""}}},
	{verb: "ABOR", name: "drops a passive listener", login: true, steps: []step{{"EPSV", 229, ""}, {"ABOR", 225, ""}, {"LIST", 425, ""}}},

	{verb: "AUTH", name: "TLS", tls: true, steps: []step{{"NOOP", 200, ""}}},
	{verb: "AUTH", name: "unknown mechanism", steps: []step{{"AUTH KERBEROS_V4", 504, ""}, {"AUTH", 504, ""}}},
	{verb: "AUTH", name: "again", tls: true, steps: []step{{"AUTH TLS", 503, ""}}},
	{verb: "AUTH", name: "TLS off", srv: func(s *Server) { s.ControlTLS = TLSDisabled }, steps: []step{{"AUTH TLS", 502, ""}}},
	{verb: "PBSZ", name: "ok", tls: true, steps: []step{{"PBSZ 0", 200, "PBSZ=0"}}},
	{verb: "PBSZ", name: "before AUTH", steps: []step{{"PBSZ 0", 503, ""}}},
	{verb: "PBSZ", name: "not a number", tls: true, steps: []step{{"PBSZ x", 501, ""}}},
	{verb: "PROT", name: "C and P", tls: true, steps: []step{{"PBSZ 0", 200, ""}, {"PROT P", 200, ""}, {"PROT C", 200, ""}, {"PROT p", 200, ""}}},
	{verb: "PROT", name: "S and E", tls: true, steps: []step{{"PBSZ 0", 200, ""}, {"PROT S", 536, ""}, {"PROT E", 536, ""}}},
	{verb: "PROT", name: "unknown level", tls: true, steps: []step{{"PBSZ 0", 200, ""}, {"PROT X", 504, ""}, {"PROT", 504, ""}}},
	{verb: "PROT", name: "before PBSZ", tls: true, steps: []step{{"PROT P", 503, ""}}},
	{verb: "PROT", name: "before AUTH", steps: []step{{"PROT P", 503, ""}}},
	{verb: "PROT", name: "C denied by persona", tls: true,
		srv: func(s *Server) {
			s.DataTLS = TLSRequired
			s.Replies = map[ReplyKey]ftp.Reply{ReplyProtCDenied: {Code: 534, Lines: []string{"PROT C not allowed."}}}
		},
		steps: []step{{"PBSZ 0", 200, ""}, {"PROT C", 534, ""}, {"PROT P", 200, ""}}},
	{verb: "CCC", name: "cleartext", login: true, steps: []step{{"CCC", 533, ""}}},
	{verb: "CCC", name: "before login", tls: true, steps: []step{{"CCC", 503, ""}}},
	{verb: "CCC", name: "disabled", srv: func(s *Server) { s.DisableCCC = true }, tls: true, login: true, steps: []step{{"CCC", 502, ""}}},
	{verb: "CCC", name: "denied by persona", tls: true, login: true,
		srv: func(s *Server) {
			s.Replies = map[ReplyKey]ftp.Reply{ReplyCCCDenied: {Code: 534, Lines: []string{"No."}}}
		},
		steps: []step{{"CCC", 534, ""}, {"NOOP", 200, ""}}},
	{verb: "PASV", name: "ok", login: true, steps: []step{{"PASV", 227, "Entering Passive Mode (127,0,0,1,"}}},
	{verb: "PASV", name: "after EPSV ALL", login: true, steps: []step{{"EPSV ALL", 200, ""}, {"PASV", 503, ""}}},
	{verb: "EPSV", name: "ok", login: true, steps: []step{{"EPSV", 229, "(|||"}, {"EPSV 1", 229, ""}}},
	{verb: "EPSV", name: "IPv6 on IPv4", login: true, steps: []step{{"EPSV 2", 522, "(1)"}}},
	{verb: "EPSV", name: "unknown protocol", login: true, steps: []step{{"EPSV 3", 522, ""}}},
	{verb: "EPSV", name: "ALL", login: true, steps: []step{{"EPSV ALL", 200, ""}, {"EPSV", 229, ""}, {"PORT 127,0,0,1,200,10", 503, ""}, {"EPRT |1|127.0.0.1|51210|", 503, ""}}},
	{verb: "PORT", name: "ok", login: true, steps: []step{{"PORT 127,0,0,1,200,10", 200, ""}}},
	{verb: "PORT", name: "foreign address", login: true, steps: []step{{"PORT 127,0,0,2,200,10", 500, ""}}},
	{verb: "PORT", name: "privileged port", login: true, steps: []step{{"PORT 127,0,0,1,0,21", 500, ""}}},
	{verb: "PORT", name: "bounce allowed", login: true, srv: func(s *Server) { s.AllowBounce = true },
		steps: []step{{"PORT 127,0,0,2,200,10", 200, ""}, {"PORT 127,0,0,1,0,21", 200, ""}}},
	{verb: "PORT", name: "syntax", login: true, steps: []step{{"PORT 1,2,3", 501, ""}, {"PORT 127,0,0,1,300,1", 501, ""}, {"PORT", 501, ""}}},
	{verb: "PORT", name: "active disabled", login: true, srv: func(s *Server) { s.DisableActive = true }, steps: []step{{"PORT 127,0,0,1,200,10", 502, ""}}},
	{verb: "EPRT", name: "ok", login: true, steps: []step{{"EPRT |1|127.0.0.1|51210|", 200, ""}}},
	{verb: "EPRT", name: "foreign", login: true, steps: []step{{"EPRT |1|127.0.0.2|51210|", 500, ""}, {"EPRT |2|::1|51210|", 500, ""}}},
	{verb: "EPRT", name: "unknown protocol", login: true, steps: []step{{"EPRT |3|x|1|", 522, ""}}},
	{verb: "EPRT", name: "syntax", login: true, steps: []step{{"EPRT 127.0.0.1", 501, ""}, {"EPRT |1|::1|5000|", 501, ""}, {"EPRT |1|127.0.0.1|0|", 501, ""}}},

	{verb: "RETR", name: "missing", login: true, steps: []step{{"RETR /nope", 550, ""}}},
	{verb: "RETR", name: "directory", login: true, steps: []step{{"RETR /dir", 550, ""}}},
	{verb: "RETR", name: "no data connection set up", login: true, steps: []step{{"RETR /f.txt", 425, ""}}},
	{verb: "STOR", name: "no parent", login: true, steps: []step{{"EPSV", 229, ""}, {"STOR /nope/x", 550, ""}, {"LIST", 425, ""}}},
	{verb: "STOR", name: "root", login: true, steps: []step{{"STOR /", 553, ""}}},
	{verb: "STOR", name: "directory", login: true, steps: []step{{"STOR /dir", 550, ""}}},
	{verb: "STOR", name: "no data connection set up", login: true, steps: []step{{"STOR /new", 425, ""}, {"SIZE /new", 550, ""}}},
	{verb: "STOU", name: "no data connection set up", login: true, steps: []step{{"STOU", 425, ""}}},
	{verb: "APPE", name: "directory", login: true, steps: []step{{"APPE /dir", 550, ""}}},
	{verb: "LIST", name: "missing", login: true, steps: []step{{"LIST /nope", 550, ""}}},
	{verb: "NLST", name: "missing", login: true, steps: []step{{"NLST /nope", 550, ""}}},
	{verb: "MLSD", name: "file", login: true, steps: []step{{"MLSD /f.txt", 550, ""}}},
	{verb: "MLSD", name: "missing", login: true, steps: []step{{"MLSD /nope", 550, ""}}},
}

// dataCommandVerbs are covered with a real data connection by
// TestDataCommands.
var dataCommandVerbs = []string{"RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"}

// seedFS fills a MemFS with the files commandCases expect.
func seedFS(m *MemFS) {
	m.WriteFile("/f.txt", []byte("hello\n"))
	m.WriteFile("/dir/g.txt", []byte("g"))
	m.Mkdir("/dir/sub")
	m.Mkdir("/empty")
}

func TestCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range commandCases {
		t.Run(tc.verb+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, tc.srv)
			seedFS(memFS(t, srv))
			c := dialCtl(t, srv)
			if tc.tls {
				c.authTLS(clientTLS(srv, 0, nil))
			}
			if tc.login {
				c.login()
			}
			for _, s := range tc.steps {
				rep := c.cmd(s.line)
				if rep.Code != s.code {
					t.Fatalf("%s: got %q, want %d", s.line, rep.String(), s.code)
				}
				if s.want != "" && !strings.Contains(rep.Message(), s.want) {
					t.Fatalf("%s: got %q, want text containing %q", s.line, rep.String(), s.want)
				}
			}
			if last := tc.steps[len(tc.steps)-1]; last.line == "QUIT" {
				c.expectClosed()
			} else {
				c.must("NOOP", 200) // the session survives every error
			}
		})
	}
}

// TestCommandTableCovered fails when a verb is added to the dispatch table
// without a test case.
func TestCommandTableCovered(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, tc := range commandCases {
		covered[tc.verb] = true
	}
	for _, v := range dataCommandVerbs {
		covered[v] = true
	}
	var missing []string
	for v := range commands {
		if !covered[v] {
			missing = append(missing, v)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("verbs without a test case: %v", missing)
	}
}

func TestMDTMFormat(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	seedFS(memFS(t, srv))
	c := dialCtl(t, srv)
	c.login()
	rep := c.must("MDTM /f.txt", 213)
	if !regexp.MustCompile(`^\d{14}$`).MatchString(rep.Message()) {
		t.Fatalf("MDTM: got %q, want YYYYMMDDHHMMSS", rep.Message())
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	c := dialCtl(t, srv)
	for _, line := range []string{"FOOBAR", "XYZ", "SITE CHMOD 777 x", "ACCT x", "SMNT /", "REIN"} {
		c.must(line, 502)
	}
	c.login()
	c.must("FOOBAR", 502)
}

// TestNeedLogin sends every verb that needs a login before logging in.
func TestNeedLogin(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	seedFS(memFS(t, srv))
	c := dialCtl(t, srv)
	for _, v := range sortedVerbs(func(h handler) bool { return h.needLogin }) {
		c.must(v+" /f.txt", 530)
	}
	// Nothing happened.
	if _, err := memFS(t, srv).ReadFile("/f.txt"); err != nil {
		t.Fatalf("f.txt: %v", err)
	}
	c.must("USER ftpsim", 331)
	c.must("MKD /x", 530) // USER alone is not a login
}

// TestReadOnlyUser sends every writing verb as a read-only user.
func TestReadOnlyUser(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		srv        func(*Server)
		user, pass string
	}{
		{"ro account", func(s *Server) { s.Users = []User{{Name: "ro", Password: "pw", Perm: PermReadOnly}} }, "ro", "pw"},
		{"anonymous", func(s *Server) { s.Anonymous = true }, "anonymous", "guest@example.com"},
		{"ftp", func(s *Server) { s.Anonymous = true }, "ftp", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, tc.srv)
			seedFS(memFS(t, srv))
			c := dialCtl(t, srv)
			c.loginAs(tc.user, tc.pass)
			for _, v := range sortedVerbs(func(h handler) bool { return h.write }) {
				c.must(v+" /f.txt", 550)
			}
			// Reading works.
			c.must("SIZE /f.txt", 213)
			mustSame(t, "RETR", c.get("RETR /f.txt", nil), []byte("hello\n"))
			if got := c.get("NLST /", nil); !strings.Contains(string(got), "f.txt") {
				t.Fatalf("NLST: %q", got)
			}
			mlsd := string(c.get("MLSD /", nil))
			if !strings.Contains(mlsd, "perm=r; f.txt") {
				t.Fatalf("MLSD for read-only user: %q, want perm=r", mlsd)
			}
			if _, err := memFS(t, srv).ReadFile("/f.txt"); err != nil {
				t.Fatalf("f.txt: %v", err)
			}
		})
	}
}

// TestAuthResetsLogin: RFC 4217 4, a new security exchange resets the
// login state.
func TestAuthResetsLogin(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	c := dialCtl(t, srv)
	c.login()
	c.authTLS(clientTLS(srv, 0, nil))
	c.must("PWD", 530)
	c.login()
	c.must("PWD", 257)
}

// TestAuthMechanisms: AUTH TLS, TLS-C, SSL and TLS-P all start TLS; SSL and
// TLS-P imply PROT P as vsftpd does.
func TestAuthMechanisms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mech  string
		protP bool
	}{{"TLS", false}, {"tls", false}, {"TLS-C", false}, {"SSL", true}, {"TLS-P", true}} {
		t.Run(tc.mech, func(t *testing.T) {
			t.Parallel()
			srv := startSim(t, nil)
			memFS(t, srv).WriteFile("/f", []byte("x"))
			c := dialCtl(t, srv)
			c.must("AUTH "+tc.mech, 234)
			c.startTLS(clientTLS(srv, 0, nil))
			c.login()
			var cfg = clientTLS(srv, 0, nil)
			if !tc.protP {
				cfg = nil
			}
			mustSame(t, "RETR", c.get("RETR /f", cfg), []byte("x"))
			if d := c.session().Data(); d[0].Protected != tc.protP {
				t.Fatalf("data protected = %v, want %v", d[0].Protected, tc.protP)
			}
		})
	}
}

func sortedVerbs(keep func(handler) bool) []string {
	var out []string
	for v, h := range commands {
		if keep(h) {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}
