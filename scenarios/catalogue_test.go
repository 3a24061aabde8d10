package scenarios_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// TestCatalogue runs every catalogue scenario and checks that the actual
// outcome is the one the field notes predict.
func TestCatalogue(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, sc := range scenarios.Catalogue() {
		if names[sc.Name] {
			t.Fatalf("duplicate scenario name %q", sc.Name)
		}
		names[sc.Name] = true
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel() // independent: loopback ports and in-memory networks
			if err := sc.Validate(); err != nil {
				t.Fatal(err)
			}
			if sc.Summary == "" || sc.Diagnosis.Cause == "" || sc.Diagnosis.Fix == "" || len(sc.Labels) == 0 {
				t.Errorf("scenario lacks summary, labels or diagnosis")
			}
			res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{PKI: set, Timeout: 20 * time.Second})
			if res.Setup != nil {
				t.Fatalf("setup: %v", res.Setup)
			}
			if !res.Match {
				t.Errorf("expected %s, got %s\nerror: %v\nclient transcript:\n%s", sc.Expect, res.Got, res.Err, res.ClientTranscript.String())
			}
			// A network that stops the client at connect (a firewall
			// closed on the control port) keeps it from the server: the
			// server must have seen no session. Every other run leaves
			// transcripts on both sides.
			blocked := sc.Network != nil && sc.Expect.Phase == "connect"
			switch {
			case len(res.ClientTranscript) == 0:
				t.Errorf("missing client transcript")
			case blocked && len(res.ServerTranscripts) != 0:
				t.Errorf("the network should stop the client before the server, which has %d session(s)", len(res.ServerTranscripts))
			case !blocked && len(res.ServerTranscripts) == 0:
				t.Errorf("missing server transcripts")
			}
		})
	}
	if len(names) < 30 {
		t.Errorf("catalogue has %d scenarios, want at least 30", len(names))
	}
}

// TestMismatchIsReported proves the runner can fail: a scenario with a
// wrong expectation does not match.
func TestMismatchIsReported(t *testing.T) {
	sc, ok := scenarios.Lookup("reuse-required-client-no-reuse")
	if !ok {
		t.Fatal("scenario missing")
	}
	sc.Expect = scenarios.Outcome{Result: scenarios.Success}
	res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{})
	if res.Match {
		t.Fatalf("a failing scenario matched a success expectation: %s", res)
	}
	if res.Got.Code != 522 || res.Got.Phase != "data-tls" {
		t.Errorf("got %s, want failure at data-tls with 522", res.Got)
	}
}

func TestYAMLRoundTrip(t *testing.T) {
	list := scenarios.Catalogue()
	b, err := scenarios.Marshal(list...)
	if err != nil {
		t.Fatal(err)
	}
	back, err := scenarios.Parse(b)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	if len(back) != len(list) {
		t.Fatalf("got %d scenarios back, want %d", len(back), len(list))
	}
	for i := range list {
		if back[i].Name != list[i].Name || back[i].Expect != list[i].Expect {
			t.Errorf("%s: round trip changed name or expectation", list[i].Name)
		}
		if !reflect.DeepEqual(back[i].Network, list[i].Network) {
			t.Errorf("%s: network %+v came back as %+v", list[i].Name, list[i].Network, back[i].Network)
		}
		if a, b := normalized(list[i]), normalized(back[i]); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: round trip changed the scenario:\n%+v\ncame back as\n%+v", list[i].Name, a, b)
		}
	}
	// Compact: no field at its zero value is written.
	for _, empty := range []string{`: ""`, ": []", ": {}", ": false", ": 0\n", "null"} {
		if bytes.Contains(b, []byte(empty)) {
			t.Errorf("Marshal wrote an empty field (%q):\n%s", empty, b)
		}
	}
}

// normalized treats empty and nil slices and maps alike, as YAML does.
func normalized(sc scenarios.Scenario) scenarios.Scenario {
	if len(sc.Cases) == 0 {
		sc.Cases = nil
	}
	if len(sc.Steps) == 0 {
		sc.Steps = nil
	}
	if len(sc.Server.Users) == 0 {
		sc.Server.Users = nil
	}
	if len(sc.Server.DenyIPs) == 0 {
		sc.Server.DenyIPs = nil
	}
	if len(sc.Server.Files) == 0 {
		sc.Server.Files = nil
	}
	if len(sc.Server.Replies) == 0 {
		sc.Server.Replies = nil
	}
	sc.Network = nil // compared above
	return sc
}

// TestParseCustomerCase runs the YAML example of the README.
func TestParseCustomerCase(t *testing.T) {
	const doc = `
name: acme-nat
summary: ACME's server behind NAT advertises its private address
labels: [nat, customer:acme]
network: {server_nat: true}          # server 10.0.0.5 behind NAT 203.0.113.7
client: {passive: pasv, pasv: trust}
expect: {result: failure, phase: data-connect, class: timeout}
diagnosis:
  cause: the 227 reply carries the server's private address
  fix: set pasv_address on the server
`
	list, err := scenarios.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	res := scenarios.Run(context.Background(), list[0], scenarios.RunOptions{})
	if !res.Match {
		t.Fatalf("customer case did not reproduce: %s (%v)", res, res.Err)
	}
}

func TestParseRejectsMistakes(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":  "name: x\nexpect: {result: success}\nsevrer: {}\n",
		"bad result":     "name: x\nexpect: {result: maybe}\n",
		"unknown op":     "name: x\nexpect: {result: success}\nsteps: [{op: teleport}]\n",
		"bad reuse":      "name: x\nexpect: {result: success}\nserver: {reuse: sometimes}\n",
		"bad cert kind":  "name: x\nexpect: {result: success}\nserver: {certificate: shiny}\n",
		"bad client tls": "name: x\nexpect: {result: success}\nclient: {tls: maybe}\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := scenarios.Parse([]byte(doc))
			if err == nil {
				t.Fatal("accepted a broken scenario")
			}
			if !strings.Contains(err.Error(), "x") && !strings.Contains(err.Error(), "yaml") {
				t.Errorf("error does not name the scenario or document: %v", err)
			}
		})
	}
}

// TestNetworkEvidence checks what only the virtual network can see: that a
// TLS-required client never put PASS on the wire in cleartext when a
// middlebox refused AUTH, that a plain-FTP client did, and that the
// timeline records the verdicts.
func TestNetworkEvidence(t *testing.T) {
	for name, wantClear := range map[string]bool{
		"auth-stripped-by-middlebox": false,
		"alg-ftps-blind":             false,
		"alg-plain-ftp":              true,
	} {
		sc, ok := scenarios.Lookup(name)
		if !ok {
			t.Fatalf("no scenario %s", name)
		}
		res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{})
		if !res.Match {
			t.Fatalf("%s: %s (%v)", name, res, res.Err)
		}
		if res.CleartextCredentials != wantClear {
			t.Errorf("%s: cleartext credentials on the wire = %v, want %v", name, res.CleartextCredentials, wantClear)
		}
		if len(res.Timeline.Events) == 0 {
			t.Errorf("%s: empty fault timeline", name)
		}
	}
}
