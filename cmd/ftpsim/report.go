package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
)

// reporter prints live progress and the summary of ftpsim run. Text
// lines come as scenarios finish; --json records come in list order.
type reporter struct {
	out     io.Writer
	json    bool
	verbose bool
	quiet   bool // only mismatches and the summary line
	total   int
	sel     *selection
	began   time.Time
	pending map[int]*scenarios.Result // --json: finished, waiting for earlier ones
	next    int                       // --json: index of the next record to print
}

func (r *reporter) start() {
	r.began = time.Now()
	if !r.json && !r.quiet {
		fmt.Fprintf(r.out, "ftpsim run: %s, in-process (loopback and virtual networks)\n", plural(r.total, "scenario"))
	}
}

// failed reports whether res counts as a mismatch.
func failed(res *scenarios.Result) bool { return !res.Match || res.Setup != nil }

// progress reports the scenario at index i of the list, the done-th to
// finish.
func (r *reporter) progress(i, done int, res *scenarios.Result) {
	if r.json {
		if r.pending == nil {
			r.pending = map[int]*scenarios.Result{}
		}
		r.pending[i] = res
		for p, ok := r.pending[r.next]; ok; p, ok = r.pending[r.next] {
			fmt.Fprintf(r.out, "%s\n", toJSON(p))
			delete(r.pending, r.next)
			r.next++
		}
		return
	}
	if r.quiet && !failed(res) {
		return
	}
	mark := "ok  "
	switch {
	case failed(res):
		mark = "FAIL"
	case res.NotReproducible != "":
		mark = "WARN" // as expected, but the verdict is the simulator's
	}
	w := len(fmt.Sprint(r.total))
	got := res.Got.String()
	if res.Setup != nil {
		got = "setup error: " + res.Setup.Error()
	}
	fmt.Fprintf(r.out, "[%*d/%d] %s %-36s %-40s %6s\n", w, done, r.total, mark, res.Scenario.Name, got, res.Duration.Round(time.Millisecond))
	if res.NotReproducible != "" {
		fmt.Fprintf(r.out, "      not reproducible in-process (%s): this verdict is the simulator's, not the real program's\n", res.NotReproducible)
	}
	if !failed(res) && !r.verbose && res.NotReproducible == "" {
		return
	}
	if failed(res) {
		fmt.Fprintf(r.out, "      expected: %s\n", res.Scenario.Expect)
		if res.Err != nil {
			fmt.Fprintf(r.out, "      error:    %v\n", res.Err)
		}
	}
	writeDiagnosis(r.out, "      ", res.Scenario.Diagnosis)
	if failed(res) {
		if r.verbose {
			fmt.Fprintf(r.out, "      client transcript:\n%s", indent(res.ClientTranscript.String(), "        "))
		} else {
			fmt.Fprintf(r.out, "      rerun:    %s\n", r.sel.rerun(res.Scenario.Name))
		}
	}
}

// writeDiagnosis prints the cause and fix lines that have text.
func writeDiagnosis(w io.Writer, prefix string, d scenarios.Diagnosis) {
	if d.Cause != "" {
		fmt.Fprintf(w, "%scause:    %s\n", prefix, d.Cause)
	}
	if d.Fix != "" {
		fmt.Fprintf(w, "%sfix:      %s\n", prefix, d.Fix)
	}
}

func (r *reporter) summary(results []*scenarios.Result) {
	bad, unsure := 0, 0
	for _, res := range results {
		if failed(res) {
			bad++
		}
		if res.NotReproducible != "" {
			unsure++
		}
	}
	elapsed := time.Since(r.began)
	if r.json {
		// Scenarios skipped by an interrupt leave holes: print the rest in order.
		for i := r.next; len(r.pending) > 0; i++ {
			if p, ok := r.pending[i]; ok {
				fmt.Fprintf(r.out, "%s\n", toJSON(p))
				delete(r.pending, i)
			}
		}
		b, _ := json.Marshal(jsonSummary{Kind: "summary", Total: len(results), AsExpected: len(results) - bad, Mismatched: bad,
			NotReproducible: unsure, Millis: elapsed.Milliseconds()})
		fmt.Fprintf(r.out, "%s\n", b)
		return
	}
	if !r.quiet {
		// Columns as wide as their longest entry, so that a long name or
		// expectation never runs into the next column.
		nameW, expW := 36, 40
		for _, res := range results {
			nameW = max(nameW, len(res.Scenario.Name)+1)
			expW = max(expW, len(res.Scenario.Expect.String())+1)
		}
		fmt.Fprintf(r.out, "\n%-*s %-*s %s\n", nameW, "SCENARIO", expW, "EXPECTED", "ACTUAL")
		for _, res := range results {
			actual := res.Got.String()
			if res.Setup != nil {
				actual = "setup error"
			}
			flag := ""
			if failed(res) {
				flag = "  <-- mismatch"
			}
			if res.NotReproducible != "" {
				flag += "  (not reproducible in-process)"
			}
			fmt.Fprintf(r.out, "%-*s %-*s %s%s\n", nameW, res.Scenario.Name, expW, res.Scenario.Expect.String(), actual, flag)
		}
		fmt.Fprintln(r.out)
	}
	note := ""
	if unsure > 0 {
		note = fmt.Sprintf(" (%d not reproducible in-process)", unsure)
	}
	fmt.Fprintf(r.out, "%s: %d as expected%s, %d mismatched (%s)\n", plural(len(results), "scenario"), len(results)-bad, note, bad,
		elapsed.Round(time.Millisecond))
	if unsure > 0 && !r.quiet {
		fmt.Fprintln(r.out, "not reproducible in-process: Go's crypto/tls cannot do what the emulated program does there, so those verdicts are the simulator's; get the real one from the real product (each scenario's fix says how)")
	}
	if bad > 0 {
		fmt.Fprintln(r.out, "rerun a mismatch with -v (each FAIL above names the command); add --transcripts DIR to keep both sides' transcripts")
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}

// JUnit XML, the subset CI systems read.
type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(path string, results []*scenarios.Result) error {
	s := junitSuite{Name: "ftpsim", Tests: len(results)}
	for _, r := range results {
		c := junitCase{Name: r.Scenario.Name, Classname: "ftpsim." + strings.Join(r.Scenario.Labels, "."),
			Time: r.Duration.Seconds(), SystemOut: r.ClientTranscript.String()}
		if failed(r) {
			s.Failures++
			msg := fmt.Sprintf("expected %s, got %s", r.Scenario.Expect, r.Got)
			if r.Setup != nil {
				msg = "setup error: " + r.Setup.Error()
			}
			text := ""
			if r.Err != nil {
				text = r.Err.Error()
			}
			c.Failure = &junitFailure{Message: msg, Text: text}
		}
		s.Time += r.Duration.Seconds()
		s.Cases = append(s.Cases, c)
	}
	b, err := xml.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), b...), 0o644)
}
