package fidelity

import (
	"fmt"
	"regexp"
	"strings"
)

// Normalisations applied to compared lines, in order. Ports are random on
// both sides; addresses stay literal, so a PASV reply that advertises
// 127.0.0.2 instead of 127.0.0.1 still differs.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	// 227: h1,h2,h3,h4,p1,p2
	{regexp.MustCompile(`\b(\d{1,3},\d{1,3},\d{1,3},\d{1,3}),\d{1,3},\d{1,3}\b`), "$1,<p1>,<p2>"},
	// 229: (|||port|)
	{regexp.MustCompile(`\(\|\|\|\d+\|\)`), "(|||<port>|)"},
	// ip:port in refusals
	{regexp.MustCompile(`\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}):\d+\b`), "$1:<port>"},
	// clock times (pure-ftpd's greeting, timeouts)
	{regexp.MustCompile(`\b\d{1,2}:\d{2}(:\d{2})?\b`), "<time>"},
}

// Normalize returns the compared lines of a record, normalised: the
// greeting's text becomes "<banner>" (its code stays), ports and times
// become placeholders.
func Normalize(r Record) []string {
	var out []string
	for _, l := range r.Lines {
		if !l.Compared() {
			continue
		}
		text := l.Text
		if r.Step == "greeting" && l.Kind == Reply && len(text) >= 3 {
			text = text[:3] + " <banner>"
		}
		for _, n := range normalizers {
			text = n.re.ReplaceAllString(text, n.with)
		}
		out = append(out, string(l.Kind)+" "+text)
	}
	return out
}

// StepDiff is one step whose normalised lines differ.
type StepDiff struct {
	Step       string
	Real, Sim  []string
	RealDetail []Line // everything the step recorded on the real side
	SimDetail  []Line
}

func (d StepDiff) String() string {
	return fmt.Sprintf("step %q:\n    real: %s\n    sim:  %s", d.Step, show(d.Real), show(d.Sim))
}

func show(lines []string) string {
	if len(lines) == 0 {
		return "(nothing)"
	}
	return strings.Join(lines, " ⏎ ")
}

// Compare returns the steps whose normalised lines differ. Both sides must
// come from the same case, so steps pair up by position.
func Compare(real, sim []Record) []StepDiff {
	var diffs []StepDiff
	for i := 0; i < max(len(real), len(sim)); i++ {
		var r, s Record
		if i < len(real) {
			r = real[i]
		}
		if i < len(sim) {
			s = sim[i]
		}
		rn, sn := Normalize(r), Normalize(s)
		if strings.Join(rn, "\n") != strings.Join(sn, "\n") {
			name := r.Step
			if name == "" {
				name = s.Step
			}
			diffs = append(diffs, StepDiff{Step: name, Real: rn, Sim: sn, RealDetail: r.Lines, SimDetail: s.Lines})
		}
	}
	return diffs
}

// Transcript renders records for a failure message.
func Transcript(recs []Record) string {
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "  [%s]\n", r.Step)
		for _, l := range r.Lines {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	return b.String()
}
