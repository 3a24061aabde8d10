package diagnose

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// TestReproduction writes the YAML of every corpus diagnosis, reads it
// back with scenarios.Parse and runs it: the run must fail at the log's
// phase with the log's reply code. Logs whose failure has a client-side
// class and no code compare the phase and the class.
func TestReproduction(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	same, total := 0, 0
	sem := make(chan struct{}, 4)
	t.Run("corpus", func(t *testing.T) {
		for _, c := range loadCorpus(t) {
			t.Run(c.File, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				s := rank(t, c)
				if c.Scenario == "-" {
					if err := s.rep.WriteYAML(io.Discard); err == nil {
						t.Error("a scenario file was written for a log nothing matches")
					}
					return
				}
				var buf bytes.Buffer
				if err := s.rep.WriteYAML(&buf); err != nil {
					t.Fatal(err)
				}
				list, err := scenarios.Parse(buf.Bytes())
				if err != nil || len(list) != 1 {
					t.Fatalf("the written YAML does not parse: %v\n%s", err, buf.String())
				}
				if srv := s.rep.Incident.Server; isPersona(srv) && list[0].Server.Persona != srv {
					t.Errorf("the log's server is %s; the written scenario's persona is %q", srv, list[0].Server.Persona)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
				defer cancel()
				res := scenarios.Run(ctx, list[0], scenarios.RunOptions{PKI: set})
				if res.Setup != nil {
					t.Fatalf("run: %v", res.Setup)
				}
				want := s.rep.Incident.Outcome
				got := res.Got
				ok := got.Result == want.Result && got.Phase == want.Phase && got.Code == want.Code
				if !ok && want.Code == 0 && got.Phase == want.Phase && got.Result == want.Result {
					// the log's client stopped before the server's reply
					// (curl's truncated download); the kind of error decides
					ok = got.Class == want.Class || want.Class == scenarios.ClassOther && got.Code == 0
				}
				if !ok && want.Phase == "data-connect" && want.Code == 425 && got.Phase == want.Phase {
					ok = true // the log's server answered 425 after the client gave up on the data connection; the run's client gave up
				}
				mu.Lock()
				total++
				if ok {
					same++
				}
				mu.Unlock()
				if !ok {
					t.Errorf("the log shows %s; ftpsim run of its YAML (%s) gives %s", want, list[0].Name, got)
				}
			})
		}
	})
	t.Logf("%d of %d written scenarios reproduce the log's failure phase and reply code", same, total)
}

// TestPasswordsNeverPrinted feeds logs with passwords in every place a
// format puts them and checks the text, the JSON and the YAML.
func TestPasswordsNeverPrinted(t *testing.T) {
	const secret = "Sup3r-s3cret"
	logs := map[string]string{
		"curl.log":   "* Connected to 127.0.0.1 (127.0.0.1) port 21 (#0)\n< 220 (vsFTPd 3.0.3)\n> USER bob\n< 331 Please specify the password.\n> PASS " + secret + "\n< 530 Login incorrect.\ncurl: (67) Access denied: 530\n",
		"lftp.log":   "---- Connecting to 127.0.0.1 (127.0.0.1) port 21\n<--- 220 ready\n---> USER bob\n<--- 331 Password required\n---> PASS " + secret + "\n<--- 530 Login incorrect.\n",
		"ftplib.log": "*cmd* 'USER bob'\n*resp* '331 Password required'\n*cmd* 'PASS " + secret + "'\n*resp* '530 Login incorrect.'\n",
		"vsftpd.log": `Mon Dec  7 06:01:16 2026 [pid 12] FTP command: Client "10.1.2.3", "PASS ` + secret + `"` + "\n" +
			`Mon Dec  7 06:01:16 2026 [pid 12] FTP response: Client "10.1.2.3", "530 Login incorrect."` + "\n",
		"url.log": "* Trying ftp://bob:" + secret + "@127.0.0.1/ with -u bob:" + secret + "\n* Connected to 127.0.0.1 (127.0.0.1) port 21 (#0)\n< 220 hi\n> USER bob\n< 530 no\n",
	}
	for name, text := range logs {
		l, err := ParseLog(name, strings.NewReader(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep := Diagnose(l)
		var out bytes.Buffer
		rep.WriteText(&out, true)
		j, _ := json.Marshal(rep.Incident)
		out.Write(j)
		rep.WriteYAML(&out)
		for _, e := range l.Events {
			out.WriteString(e.Raw + e.Text)
		}
		if strings.Contains(out.String(), secret) {
			t.Errorf("%s: the password appears in the output:\n%s", name, out.String())
		}
		if strings.Contains(name, "url") {
			continue
		}
		if !strings.Contains(out.String(), "PASS ****") {
			t.Errorf("%s: no masked PASS **** in the exchange:\n%s", name, out.String())
		}
	}
}
