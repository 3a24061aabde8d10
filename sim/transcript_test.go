package sim

import (
	"bytes"
	"crypto/tls"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestPasswordRedacted: no password reaches a transcript, the live tee or
// the log, whatever its case or outcome.
func TestPasswordRedacted(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-Pa55"
	var logBuf bytes.Buffer
	var mu sync.Mutex
	var teed []string
	srv := startSim(t, func(s *Server) {
		s.Users = []User{{Name: "alice", Password: secret}}
		s.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &logBuf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
		s.OnTranscript = func(_ *Session, e TranscriptEntry) {
			mu.Lock()
			teed = append(teed, e.Text)
			mu.Unlock()
		}
	})
	c := dialCtl(t, srv)
	c.must("USER alice", 331)
	c.must("PASS wrong-"+secret, 530)
	c.must("USER alice", 331)
	c.must("pass "+secret, 230)
	c.must("PASS "+secret, 503)
	c.must("QUIT", 221)
	sess := c.session()
	waitDone(t, sess)

	var passLines []string
	for _, l := range sess.Transcript().Lines(ftp.EntryCommand) {
		if strings.HasPrefix(strings.ToUpper(l), "PASS") {
			passLines = append(passLines, l)
		}
	}
	if strings.Join(passLines, "|") != "PASS ****|PASS ****|PASS ****" {
		t.Fatalf("PASS lines: %q", passLines)
	}
	mu.Lock()
	defer mu.Unlock()
	for where, text := range map[string]string{
		"transcript": sess.Transcript().String(),
		"tee":        strings.Join(teed, "\n"),
		"log":        logBuf.String(),
	} {
		if strings.Contains(text, secret) {
			t.Errorf("%s contains the password:\n%s", where, text)
		}
	}
	if len(teed) != len(sess.Transcript().Entries()) {
		t.Errorf("tee saw %d entries, transcript has %d", len(teed), len(sess.Transcript().Entries()))
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// normalizers make a transcript stable across runs: ports, cipher suites
// and clock times vary, the conversation does not.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+`), "$1:PORT"},
	{regexp.MustCompile(`\(\|\|\|\d+\|\)`), "(|||PORT|)"},
	{regexp.MustCompile(`\(\d+,\d+,\d+,\d+,\d+,\d+\)`), "(h1,h2,h3,h4,p1,p2)"},
	{regexp.MustCompile(`TLS_[A-Z0-9_]+`), "CIPHER"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "TIME"},
	{regexp.MustCompile(`\b\d{14}\b`), "YYYYMMDDHHMMSS"},
	{regexp.MustCompile(`ftpsim-[0-9a-f]{8}`), "ftpsim-UNIQUE"},
}

func normalizeTranscript(s string) string {
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

// TestGoldenTranscript compares the server's transcript of one complete
// explicit-FTPS session with testdata/explicit_tls13.golden. Run with
// -update to rewrite it after an intended change.
func TestGoldenTranscript(t *testing.T) {
	t.Parallel()
	srv := startSim(t, nil)
	memFS(t, srv).WriteFile("/pub/readme.txt", []byte("read me\n"))
	cache := tls.NewLRUClientSessionCache(4)
	cfg := clientTLS(srv, tls.VersionTLS13, cache)

	c := dialCtl(t, srv)
	c.must("FEAT", 211)
	c.authTLS(cfg)
	c.login()
	c.must("PBSZ 0", 200)
	c.must("PROT P", 200)
	c.must("TYPE I", 200)
	c.must("CWD /pub", 250)
	c.must("PWD", 257)
	c.put("STOR hello.txt", []byte("hello, world\n"), cfg)
	mustSame(t, "RETR", c.get("RETR hello.txt", cfg), []byte("hello, world\n"))
	c.get("LIST", cfg)
	c.must("SIZE hello.txt", 213)
	c.must("MDTM hello.txt", 213)
	c.must("EPSV 2", 522)
	c.must("PROT S", 536)
	c.must("RNTO x", 503)
	c.must("PASS hunter2", 503)
	c.must("QUIT", 221)
	sess := c.session()
	waitDone(t, sess)

	got := normalizeTranscript(sess.Transcript().String())
	golden := filepath.Join("testdata", "explicit_tls13.golden")
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenTranscript -update)", err)
	}
	if got != string(want) {
		t.Errorf("transcript differs from %s (run with -update if intended):\n%s", golden, lineDiff(string(want), got))
	}
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl + "\n")
			shown++
		}
	}
	return b.String()
}
