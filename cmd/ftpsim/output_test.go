package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// TestRunQuiet: --quiet prints one line when everything is as expected,
// and the mismatch in full (with a rerun command that names the file it
// came from) when not.
func TestRunQuiet(t *testing.T) {
	code, out, _ := runCmd("run", "-q", "explicit-tls", "plain-ftp")
	if code != exitOK || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "2 scenarios: 2 as expected, 0 mismatched (") {
		t.Errorf("quiet, all pass: exit %d, want exactly one summary line:\n%s", code, out)
	}
	code, out, _ = runCmd("run", "explicit-tls", "--quiet")
	if code != exitOK || !strings.HasPrefix(out, "1 scenario: 1 as expected") {
		t.Errorf("quiet, one scenario: exit %d, %q", code, out)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "customer.yaml")
	// No fix in the diagnosis: the output must not print an empty "fix:".
	os.WriteFile(file, []byte(`name: customer-case
client: {reuse: none}
server: {reuse: same, data_tls: required}
expect: {result: success}
diagnosis: {cause: the customer's client does not resume}
`), 0o644)
	code, out, _ = runCmd("run", "-q", file, "explicit-tls")
	if code != exitMismatch {
		t.Fatalf("quiet mismatch: exit %d\n%s", code, out)
	}
	for _, want := range []string{"FAIL customer-case", "expected: success", "error:    clientsim: data-tls",
		"cause:    the customer's client does not resume", "rerun:    ftpsim run -v " + file, "2 scenarios: 1 as expected, 1 mismatched"} {
		if !strings.Contains(out, want) {
			t.Errorf("quiet mismatch output lacks %q:\n%s", want, out)
		}
	}
	for _, banned := range []string{"fix:", "explicit-tls", "SCENARIO"} {
		if strings.Contains(out, banned) {
			t.Errorf("quiet mismatch output has %q:\n%s", banned, out)
		}
	}
	// The hint names a command that works: run it.
	code, out, _ = runCmd("run", "-v", file)
	if code != exitMismatch || !strings.Contains(out, "client transcript:") {
		t.Errorf("the rerun hint's command: exit %d\n%s", code, out)
	}
	// Without a file the hint names the catalogue scenario.
	if got := (&selection{source: map[string]string{}}).rerun("explicit-tls"); got != "ftpsim run -v explicit-tls" {
		t.Errorf("catalogue rerun hint: %q", got)
	}
}

// TestRunJSONSchema: --json prints one record per line, snake_case keys,
// a "kind" on each, scenarios in the order asked (not completion order)
// and a final summary that adds up.
func TestRunJSONSchema(t *testing.T) {
	names := []string{"nat-private-pasv-trusted", "explicit-tls", "reuse-required-client-no-reuse", "plain-ftp", "tls12-only"}
	code, out, _ := runCmd(append([]string{"run", "--json", "--parallel", "4"}, names...)...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(names)+1 {
		t.Fatalf("%d lines, want %d records and a summary:\n%s", len(lines), len(names), out)
	}
	for i, name := range names {
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, lines[i])
		}
		if rec["kind"] != "scenario" || rec["name"] != name || rec["match"] != true {
			t.Errorf("record %d: want kind scenario, name %s, match true: %s", i, name, lines[i])
		}
		for _, k := range []string{"expected", "actual", "ms"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("record %d lacks %q: %s", i, k, lines[i])
			}
		}
		for k := range rec {
			if k != strings.ToLower(k) {
				t.Errorf("key %q is not snake_case", k)
			}
		}
		if act := rec["actual"].(map[string]any); name == "nat-private-pasv-trusted" && (act["result"] != "failure" || act["phase"] != "data-connect") {
			t.Errorf("actual outcome: %v", act)
		}
	}
	var sum jsonSummary
	if err := json.Unmarshal([]byte(lines[len(names)]), &sum); err != nil || sum.Kind != "summary" || sum.Total != len(names) || sum.AsExpected != len(names) || sum.Mismatched != 0 {
		t.Errorf("summary record: %+v (%v): %s", sum, err, lines[len(names)])
	}
}

// TestRunTargetJSONAndQuiet: target runs share the schema (kind
// "verdict", then the summary) and the quiet form.
func TestRunTargetJSONAndQuiet(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	set.CA.WriteCertFile(ca)
	good := scenarios.ReferenceServer(set)
	good.Start()
	defer good.Close()
	url := "ftp://" + sim.DefaultUser + ":" + sim.DefaultPassword + "@" + good.Addr
	code, out, _ := runCmd("run", "--target", url, "--ca", ca, "--json", "explicit-tls", "implicit-tls")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 2 {
		t.Fatalf("exit %d, want a verdict and a summary:\n%s", code, out)
	}
	var v targetJSON
	var sum jsonSummary
	json.Unmarshal([]byte(lines[0]), &v)
	json.Unmarshal([]byte(lines[1]), &sum)
	if v.Kind != "verdict" || v.Name != "explicit-tls" || v.Verdict != scenarios.VerdictWellConfigured {
		t.Errorf("verdict record: %s", lines[0])
	}
	if sum.Kind != "summary" || sum.Total != 1 || sum.NotApplicable != 1 || sum.Verdicts[scenarios.VerdictWellConfigured] != 1 {
		t.Errorf("summary record: %s", lines[1])
	}
	code, out, _ = runCmd("run", "--target", url, "--ca", ca, "-q", "explicit-tls", "plain-ftp")
	if code != exitOK || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "2 scenarios: 2 well-configured (") {
		t.Errorf("quiet target run: exit %d, want one line:\n%s", code, out)
	}
}

// TestListYAMLRoundTrip: list --yaml NAME prints that scenario alone,
// compact, and every catalogue entry written that way runs from its file
// with the catalogue's outcome (the run exits 0 only if all match).
func TestListYAMLRoundTrip(t *testing.T) {
	code, out, _ := runCmd("list", "--yaml", "nat-private-pasv-trusted")
	if code != exitOK || strings.Count(out, "- name:") != 1 || !strings.Contains(out, "server_nat: true") {
		t.Fatalf("list --yaml NAME: exit %d\n%s", code, out)
	}
	for _, empty := range []string{`""`, "[]", "{}", "false", "users:", "steps:"} {
		if strings.Contains(out, empty) {
			t.Errorf("list --yaml printed an empty field (%s):\n%s", empty, out)
		}
	}
	dir := t.TempDir()
	args := []string{"run", "-q"}
	for _, sc := range scenarios.Catalogue() {
		code, out, errOut := runCmd("list", sc.Name, "--yaml")
		if code != exitOK {
			t.Fatalf("list --yaml %s: exit %d %s", sc.Name, code, errOut)
		}
		f := filepath.Join(dir, sc.Name+".yaml")
		if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, f)
	}
	code, out, _ = runCmd(args...)
	n := len(scenarios.Catalogue())
	if code != exitOK || !strings.HasPrefix(out, fmt.Sprintf("%d scenarios: %d as expected", n, n)) {
		t.Errorf("the catalogue from its own YAML files: exit %d\n%s", code, out)
	}
	// list with names narrows the table too, with the right grammar.
	code, out, _ = runCmd("list", "explicit-tls")
	if code != exitOK || !strings.Contains(out, "\n1 scenario; run them") {
		t.Errorf("list NAME: exit %d\n%s", code, out)
	}
}
