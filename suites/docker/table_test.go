package dockersuite_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/scenarios"
	dockersuite "github.com/ftpsim/ftpsim/suites/docker"
)

// Judge without an engine: each verdict from the outcomes that make it.
func TestJudge(t *testing.T) {
	res := func(o scenarios.Outcome) *scenarios.Result { return &scenarios.Result{Got: o} }
	okay := scenarios.Outcome{Result: scenarios.Success}
	refused := scenarios.Outcome{Result: scenarios.Failure, Phase: "data-connect", Class: scenarios.ClassRefused}
	timeout := scenarios.Outcome{Result: scenarios.Failure, Phase: "login", Class: scenarios.ClassTimeout}
	login530 := scenarios.Outcome{Result: scenarios.Failure, Phase: "login", Code: 530, Class: "reply"}
	code522 := scenarios.Outcome{Result: scenarios.Failure, Phase: "data-tls", Code: 522, Class: "reply"}
	limited := &scenarios.Result{Got: scenarios.Outcome{Result: scenarios.Failure, Phase: "data-tls", Code: 522,
		Class: scenarios.ClassNotReproducible}, NotReproducible: "tls12-session-id-resumption"}
	cases := []struct {
		name              string
		product, scenario string
		real, persona     *scenarios.Result
		want              dockersuite.Verdict
	}{
		{"alike", "vsftpd", "explicit-tls", res(okay), res(okay), dockersuite.Same},
		{"same failure", "vsftpd", "x", res(refused), res(refused), dockersuite.Same},
		{"code differs", "vsftpd", "x", res(code522), res(scenarios.Outcome{Result: scenarios.Failure, Phase: "data-tls", Code: 425, Class: "reply"}), dockersuite.Different},
		{"class differs", "vsftpd", "x", res(refused), res(scenarios.Outcome{Result: scenarios.Failure, Phase: "data-connect", Class: scenarios.ClassTimeout}), dockersuite.Different},
		{"listed, holds", "pure-ftpd", "wrong-password", res(timeout), res(login530), dockersuite.Known},
		{"listed timing difference, ends like the persona", "pure-ftpd", "wrong-password", res(login530), res(login530), dockersuite.Known},
		{"listed, ends otherwise", "pure-ftpd", "wrong-password", res(okay), res(login530), dockersuite.Stale},
		{"listed for another product only", "vsftpd", "wrong-password", res(timeout), res(login530), dockersuite.Different},
		{"persona limited", "vsftpd", "x", res(okay), limited, dockersuite.Limited},
		{"container setup", "vsftpd", "x", &scenarios.Result{Setup: errors.New("no listener")}, res(okay), dockersuite.Broken},
		{"persona setup", "vsftpd", "x", res(okay), &scenarios.Result{Setup: errors.New("no listener")}, dockersuite.Broken},
		{"missing run", "vsftpd", "x", nil, res(okay), dockersuite.Broken},
	}
	for _, tc := range cases {
		row := dockersuite.Judge(tc.product, tc.scenario, tc.real, tc.persona)
		if row.Verdict != tc.want {
			t.Errorf("%s: verdict %s (%s), want %s", tc.name, row.Verdict, row.Why, tc.want)
		}
		if row.Verdict != dockersuite.Same && row.Why == "" {
			t.Errorf("%s: verdict %s with no reason", tc.name, row.Verdict)
		}
		if row.Verdict.OK() != (tc.want == dockersuite.Same || tc.want == dockersuite.Known || tc.want == dockersuite.Limited) {
			t.Errorf("%s: OK() = %v for %s", tc.name, row.Verdict.OK(), row.Verdict)
		}
	}
}

// The table: one line per scenario, a column per product, totals, and a
// note under it for every cell that is not the same.
func TestFormatTable(t *testing.T) {
	rows := []dockersuite.Row{
		{Scenario: "explicit-tls", Product: "vsftpd", Real: scenarios.Outcome{Result: scenarios.Success}, Persona: scenarios.Outcome{Result: scenarios.Success}, Verdict: dockersuite.Same},
		{Scenario: "explicit-tls", Product: "proftpd", Real: scenarios.Outcome{Result: scenarios.Success}, Persona: scenarios.Outcome{Result: scenarios.Success}, Verdict: dockersuite.Same},
		{Scenario: "wrong-password", Product: "pure-ftpd", Real: scenarios.Outcome{Result: scenarios.Failure, Phase: "login", Class: scenarios.ClassTimeout},
			Persona: scenarios.Outcome{Result: scenarios.Failure, Phase: "login", Code: 530, Class: "reply"}, Verdict: dockersuite.Known, Why: "slow 530"},
		{Scenario: "nat-x", Product: "vsftpd", Real: scenarios.Outcome{Result: scenarios.Failure, Phase: "data-connect", Class: scenarios.ClassRefused},
			Persona: scenarios.Outcome{Result: scenarios.Success}, Verdict: dockersuite.Different, Why: "differs"},
	}
	got := dockersuite.FormatTable(rows)
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if strings.Contains(got, " \n") {
		t.Errorf("trailing spaces:\n%q", got)
	}
	for _, want := range []string{
		"scenario        proftpd  pure-ftpd             vsftpd",
		"explicit-tls    ok same  -                     ok same",
		"wrong-password  -        login/timeout known*  -",
		"nat-x           -        -                     data-connect/refused DIFFERENT!",
		"totals: proftpd 1 same; pure-ftpd 1 known; vsftpd 1 same, 1 DIFFERENT;",
		"known* wrong-password on pure-ftpd: real login/timeout, persona login/530/reply: slow 530",
		"DIFFERENT! nat-x on vsftpd: real data-connect/refused, persona ok: differs",
	} {
		found := false
		for _, l := range lines {
			if l == want {
				found = true
			}
		}
		if !found {
			t.Errorf("no line %q in\n%s", want, got)
		}
	}
}
