package scenarios_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/scenarios"
)

// TestCCCRaceScenarios: pure-ftpd-ccc-lftp-race loses the close_notify
// race on every run, with the server's close_notify in the 200's write
// and the client's lftp-style error; its companion wins on every run and
// clears the control channel. Both are runs of the real code, three times
// each, so "every time" is checked, not assumed.
func TestCCCRaceScenarios(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"pure-ftpd-ccc-lftp-race", "pure-ftpd-ccc-lftp-race-won"} {
		sc, ok := scenarios.Lookup(name)
		if !ok {
			t.Fatalf("scenario %s missing from the catalogue", name)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for i := range 3 {
				res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{Timeout: 20 * time.Second})
				if res.Setup != nil || !res.Match {
					t.Fatalf("run %d: %s (%v)", i, res, res.Err)
				}
				server := ""
				for _, tr := range res.ServerTranscripts {
					server += tr.String()
				}
				client := res.ClientTranscript.String()
				if sc.Expect.Result == scenarios.Success {
					if !strings.Contains(client, "CCC: close_notify exchanged") || !strings.Contains(server, "CCC: close_notify exchanged") {
						t.Fatalf("run %d: the control channel was not cleared on both ends:\nclient:\n%s\nserver:\n%s", i, client, server)
					}
					continue
				}
				var race *clientsim.CCCRaceError
				if !errors.As(res.Err, &race) || !race.WithReply {
					t.Fatalf("run %d: error %v, want a CCC race lost in the 200's read", i, res.Err)
				}
				if !strings.Contains(res.Got.Message, "peer closed connection") {
					t.Errorf("run %d: message %q does not say what lftp says", i, res.Got.Message)
				}
				if !strings.Contains(server, "close_notify sent in the same write as the 200") {
					t.Fatalf("run %d: server transcript:\n%s", i, server)
				}
			}
		})
	}
}

// TestCCCYAMLFields: server.ccc_close_notify and client.ccc_shutdown parse,
// run as they say, and are refused with the values to use.
func TestCCCYAMLFields(t *testing.T) {
	t.Parallel()
	const doc = `
name: customer-lftp-ccc
summary: lftp with CCC against a server that sends its close_notify with the 200
labels: [ccc, lftp]
server: {ccc_close_notify: with-reply}
client: {ccc: true, ccc_shutdown: lftp}
expect: {result: failure, phase: tls, class: other}
diagnosis: {cause: the server's close_notify comes first, fix: set ftp:ssl-use-ccc no}
`
	list, err := scenarios.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	sc := list[0]
	if sc.Server.CCCCloseNotify != "with-reply" || sc.Client.CCCShutdown != "lftp" {
		t.Fatalf("parsed %+v / %+v", sc.Server, sc.Client)
	}
	if res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{}); !res.Match {
		t.Fatalf("%s (%v)", res, res.Err)
	}
	// The same server with the default client, and the lftp client against
	// a server that waits: both clear the control channel.
	for _, variant := range []func(*scenarios.Scenario){
		func(s *scenarios.Scenario) { s.Client.CCCShutdown = "" },
		func(s *scenarios.Scenario) { s.Server.CCCCloseNotify = "AFTER-CLIENT" },
	} {
		v := sc
		variant(&v)
		v.Expect = scenarios.Outcome{Result: scenarios.Success}
		if res := scenarios.Run(context.Background(), v, scenarios.RunOptions{}); !res.Match {
			t.Errorf("server %q client %q: %s (%v)", v.Server.CCCCloseNotify, v.Client.CCCShutdown, res, res.Err)
		}
	}
	b, err := scenarios.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "ccc_close_notify: with-reply") || !strings.Contains(string(b), "ccc_shutdown: lftp") {
		t.Errorf("marshalled YAML lacks the CCC fields:\n%s", b)
	}
	for want, bad := range map[string]string{
		`server.ccc_close_notify "sometimes": want one of at-once, with-reply, after-client`: "server: {ccc_close_notify: sometimes}",
		`client.ccc_shutdown "curl": want any-order or lftp`:                                 "client: {ccc: true, ccc_shutdown: curl}",
		`client.ccc_shutdown "lftp" needs ccc: true`:                                         "client: {ccc_shutdown: lftp}",
	} {
		_, err := scenarios.Parse([]byte("name: x\nexpect: {result: success}\n" + bad + "\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", bad, err, want)
		}
	}
}
