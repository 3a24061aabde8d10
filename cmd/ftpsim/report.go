package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
)

// reporter prints live progress and the summary of ftpsim run.
type reporter struct {
	out     io.Writer
	json    bool
	verbose bool
	total   int
	began   time.Time
}

func (r *reporter) start() {
	r.began = time.Now()
	if !r.json {
		fmt.Fprintf(r.out, "ftpsim run: %d scenarios, in-process (loopback and virtual networks)\n", r.total)
	}
}

func (r *reporter) progress(i int, res *scenarios.Result) {
	if r.json {
		fmt.Fprintf(r.out, "%s\n", toJSON(res))
		return
	}
	mark := "ok  "
	switch {
	case !res.Match || res.Setup != nil:
		mark = "FAIL"
	case res.NotReproducible != "":
		mark = "WARN" // as expected, but the verdict is the simulator's
	}
	w := len(fmt.Sprint(r.total))
	got := res.Got.String()
	if res.Setup != nil {
		got = "setup error: " + res.Setup.Error()
	}
	fmt.Fprintf(r.out, "[%*d/%d] %s %-36s %-40s %6s\n", w, i, r.total, mark, res.Scenario.Name, got, res.Duration.Round(time.Millisecond))
	if res.NotReproducible != "" {
		fmt.Fprintf(r.out, "      not reproducible in-process (%s): this verdict is the simulator's, not the real program's\n", res.NotReproducible)
	}
	if res.Match && !r.verbose && res.NotReproducible == "" {
		return
	}
	d := res.Scenario.Diagnosis
	if !res.Match {
		fmt.Fprintf(r.out, "      expected: %s\n", res.Scenario.Expect)
		if res.Err != nil {
			fmt.Fprintf(r.out, "      error:    %v\n", res.Err)
		}
	}
	fmt.Fprintf(r.out, "      cause:    %s\n      fix:      %s\n", d.Cause, d.Fix)
	if !res.Match && r.verbose {
		fmt.Fprintf(r.out, "      client transcript:\n%s", indent(res.ClientTranscript.String(), "        "))
	}
}

func (r *reporter) summary(results []*scenarios.Result) {
	if r.json {
		return
	}
	bad, unsure := 0, 0
	fmt.Fprintf(r.out, "\n%-36s %-40s %s\n", "SCENARIO", "EXPECTED", "ACTUAL")
	for _, res := range results {
		actual := res.Got.String()
		if res.Setup != nil {
			actual = "setup error"
		}
		flag := ""
		if !res.Match || res.Setup != nil {
			bad++
			flag = "  <-- mismatch"
		}
		if res.NotReproducible != "" {
			unsure++
			flag += "  (not reproducible in-process)"
		}
		fmt.Fprintf(r.out, "%-36s %-40s %s%s\n", res.Scenario.Name, res.Scenario.Expect.String(), actual, flag)
	}
	fmt.Fprintf(r.out, "\n%d scenarios: %d as expected, %d mismatched (%s)\n", len(results), len(results)-bad, bad,
		time.Since(r.began).Round(time.Millisecond))
	if unsure > 0 {
		fmt.Fprintf(r.out, "%d not reproducible in-process: Go's crypto/tls cannot do what the emulated program does there, so those verdicts are the simulator's; get the real one from the real product (each scenario's fix says how)\n", unsure)
	}
	if bad > 0 {
		fmt.Fprintln(r.out, "rerun one with: ftpsim run -v NAME   (add --transcripts DIR to keep both sides' transcripts)")
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
		if !r.Match || r.Setup != nil {
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
