package fidelity

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rec  Record
		want []string
	}{
		{"greeting banner", Record{Step: "greeting", Lines: []Line{{Reply, "220 --- Pure-FTPd | Local time is now 01:22."}}},
			[]string{"< 220 <banner>"}},
		{"227 port", Record{Step: "x", Lines: []Line{{Reply, "227 Entering Passive Mode (127,0,0,2,117,205)."}}},
			[]string{"< 227 Entering Passive Mode (127,0,0,2,<p1>,<p2>)."}},
		{"229 port", Record{Step: "x", Lines: []Line{{Reply, "229 Extended Passive mode OK (|||30113|)"}}},
			[]string{"< 229 Extended Passive mode OK (|||<port>|)"}},
		{"ip:port", Record{Step: "x", Lines: []Line{{Reply, "425 Rejected data connection from foreign address 127.0.0.2:41833."}}},
			[]string{"< 425 Rejected data connection from foreign address 127.0.0.2:<port>."}},
		{"address kept", Record{Step: "x", Lines: []Line{{Reply, "500 I won't open a connection to 127.0.0.2 (only to 127.0.0.1)"}}},
			[]string{"< 500 I won't open a connection to 127.0.0.2 (only to 127.0.0.1)"}},
		{"time", Record{Step: "x", Lines: []Line{{Reply, "421 Idle since 10:01:02"}}}, []string{"< 421 Idle since <time>"}},
		{"only replies and events", Record{Step: "x", Lines: []Line{{Sent, "LIST"}, {Note, "data: 0 bytes"}, {Event, "silence"}}},
			[]string{"! silence"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.rec); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Normalize = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCompareAndTable(t *testing.T) {
	t.Parallel()
	a := []Record{{Step: "PBSZ 0", Lines: []Line{{Sent, "PBSZ 0"}, {Reply, "200 PBSZ=0"}}}}
	b := []Record{{Step: "PBSZ 0", Lines: []Line{{Sent, "PBSZ 0"}, {Reply, "200 PBSZ set to 0."}}}}
	if d := Compare(a, a); len(d) != 0 {
		t.Fatalf("Compare(a, a) = %v", d)
	}
	d := Compare(a, b)
	if len(d) != 1 || d[0].Step != "PBSZ 0" {
		t.Fatalf("Compare(a, b) = %v", d)
	}
	if d := Compare(a, nil); len(d) != 1 {
		t.Fatalf("a missing step must differ: %v", d)
	}
	var tab Table
	tab.Add(Result{Persona: "x", Case: "pbsz", Outcome: Differs, Diffs: d})
	tab.Add(Result{Persona: "y", Case: "pbsz", Outcome: Known, Reason: "because"})
	tab.Add(Result{Persona: "y", Case: "prot", Outcome: Match})
	tab.Columns("y", "x")
	out := tab.String()
	for _, want := range []string{"| case | y | x |", "| pbsz | known | DIFFERS |", "| prot | match | - |",
		"y / pbsz: known (because)", `x / pbsz: DIFFERS`, "real: < 200 PBSZ=0"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if tab.Count(Match) != 1 || tab.Count(Differs) != 1 || tab.Count(Known) != 1 {
		t.Errorf("counts: %d %d %d", tab.Count(Match), tab.Count(Differs), tab.Count(Known))
	}
}

// TestPersonasDeterministic runs every case twice against each persona
// (FileZilla Server's included, which has no real program to compare with)
// and requires identical transcripts: a flaky persona would make the
// differential tests flaky. It needs no real program.
func TestPersonasDeterministic(t *testing.T) {
	t.Parallel()
	for _, p := range sim.Personas() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			srv := startPersona(t, p, nil)
			c := sharedCerts(t)
			tgt := Target{Addr: srv.Addr, RootCAs: c.Pool, User: peers.User, Password: peers.Password}
			for _, cs := range ServerCases {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				first, err1 := RunCase(ctx, tgt, cs)
				second, err2 := RunCase(ctx, tgt, cs)
				cancel()
				if err1 != nil || err2 != nil {
					t.Fatalf("%s: %v, %v", cs.Name, err1, err2)
				}
				if d := Compare(first, second); len(d) != 0 {
					t.Errorf("%s: two runs differ: %v\n%s", cs.Name, d, Transcript(first))
				}
			}
		})
	}
}
