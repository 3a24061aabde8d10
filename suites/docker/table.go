package dockersuite

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ftpsim/ftpsim/scenarios"
)

// Verdict is how a product's container ended a scenario compared with the
// product's in-process persona, the prediction.
type Verdict string

// The verdicts. Same and Known pass; the others fail the suite.
const (
	// Same: the container ended exactly as the persona (result, phase,
	// reply code, error class).
	Same Verdict = "same"
	// Known: they differ as a listed [Difference] says, for its reason.
	Known Verdict = "known"
	// Limited: the persona's server marked its refusal as something Go's
	// TLS cannot reproduce ([scenarios.ClassNotReproducible]); the
	// container's outcome is the real verdict.
	Limited Verdict = "limited"
	// Different: they differ and no listed difference explains it.
	Different Verdict = "DIFFERENT"
	// Stale: a listed difference no longer holds (the container now ends
	// like the persona, or otherwise than the listed outcome): the list
	// must follow.
	Stale Verdict = "STALE"
	// Broken: a run could not start (no listener, a bad spec).
	Broken Verdict = "BROKEN"
)

// OK reports whether the verdict passes.
func (v Verdict) OK() bool { return v == Same || v == Known || v == Limited }

// Row is one cell of the scenario × product table.
type Row struct {
	Scenario, Product string
	// Real is the container's outcome, Persona the prediction.
	Real, Persona scenarios.Outcome
	Verdict       Verdict
	// Why explains a verdict other than Same: the known difference's
	// cause, the limitation, the setup error, or what differs.
	Why string
}

// Judge compares the container's run of a scenario with the persona's.
func Judge(product, scenario string, real, persona *scenarios.Result) Row {
	row := Row{Scenario: scenario, Product: product}
	if real != nil {
		row.Real = real.Got
	}
	if persona != nil {
		row.Persona = persona.Got
	}
	switch {
	case real == nil || persona == nil:
		row.Verdict, row.Why = Broken, "a run is missing"
		return row
	case real.Setup != nil:
		row.Verdict, row.Why = Broken, "container run: "+real.Setup.Error()
		return row
	case persona.Setup != nil:
		row.Verdict, row.Why = Broken, "persona run: "+persona.Setup.Error()
		return row
	}
	same := OutcomeText(real.Got) == OutcomeText(persona.Got)
	d, listed := DifferenceFor(product, scenario)
	switch {
	case listed && same && d.Timing:
		row.Verdict, row.Why = Known, "ended like the persona this time; a timing difference: "+d.Why
	case listed && same:
		row.Verdict, row.Why = Stale, "listed as a known difference but the container now ends like the persona: "+d.Why
	case listed && !d.Want.Matches(real.Got):
		row.Verdict, row.Why = Stale, fmt.Sprintf("listed as a known difference ending %s, but the container ended %s", OutcomeText(d.Want), OutcomeText(real.Got))
	case listed:
		row.Verdict, row.Why = Known, d.Why
	case same:
		row.Verdict = Same
	case persona.Got.Class == scenarios.ClassNotReproducible:
		row.Verdict, row.Why = Limited, string(persona.NotReproducible)
	default:
		row.Verdict = Different
		row.Why = fmt.Sprintf("container %s, persona %s", OutcomeText(real.Got), OutcomeText(persona.Got))
		if real.Err != nil {
			row.Why += "; container error: " + real.Err.Error()
		}
		if persona.Err != nil {
			row.Why += "; persona error: " + persona.Err.Error()
		}
	}
	return row
}

// OutcomeText is an outcome with every field that the comparison counts:
// result, phase, reply code and error class.
func OutcomeText(o scenarios.Outcome) string {
	return fmt.Sprintf("%s (phase %q, code %d, class %q)", o.Result, o.Phase, o.Code, o.Class)
}

// cellMark is a verdict in one table cell.
func cellMark(r Row) string {
	switch r.Verdict {
	case Same:
		return "same"
	case Known, Limited:
		return string(r.Verdict) + "*"
	}
	return string(r.Verdict) + "!"
}

// FormatTable prints rows as one table, a line per scenario and a column
// per product, with each cell's real outcome in short (ok, or
// phase/code/class) and its verdict; cells that are not Same are
// explained below it. A scenario a product did not run shows "-".
func FormatTable(rows []Row) string {
	products := map[string]bool{}
	byScenario := map[string]map[string]Row{}
	for _, r := range rows {
		products[r.Product] = true
		if byScenario[r.Scenario] == nil {
			byScenario[r.Scenario] = map[string]Row{}
		}
		byScenario[r.Scenario][r.Product] = r
	}
	cols := slices.Sorted(maps.Keys(products))
	names := slices.Sorted(maps.Keys(byScenario))
	width := len("scenario")
	for _, n := range names {
		width = max(width, len(n))
	}
	cells := map[string]map[string]string{}
	colWidth := map[string]int{}
	for _, p := range cols {
		colWidth[p] = len(p)
	}
	for _, n := range names {
		cells[n] = map[string]string{}
		for _, p := range cols {
			c := "-"
			if r, ok := byScenario[n][p]; ok {
				c = shortOutcome(r.Real) + " " + cellMark(r)
			}
			cells[n][p] = c
			colWidth[p] = max(colWidth[p], len(c))
		}
	}
	var b strings.Builder
	line := func(first string, cell func(p string) string) {
		l := fmt.Sprintf("%-*s", width, first)
		for _, p := range cols {
			l += fmt.Sprintf("  %-*s", colWidth[p], cell(p))
		}
		b.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	line("scenario", func(p string) string { return p })
	counts := map[string]map[Verdict]int{}
	for _, n := range names {
		line(n, func(p string) string { return cells[n][p] })
		for _, p := range cols {
			if r, ok := byScenario[n][p]; ok {
				if counts[p] == nil {
					counts[p] = map[Verdict]int{}
				}
				counts[p][r.Verdict]++
			}
		}
	}
	b.WriteString("totals:")
	for _, p := range cols {
		var parts []string
		for _, v := range []Verdict{Same, Known, Limited, Different, Stale, Broken} {
			if c := counts[p][v]; c > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c, v))
			}
		}
		fmt.Fprintf(&b, " %s %s;", p, strings.Join(parts, ", "))
	}
	b.WriteString("\n")
	for _, n := range names {
		for _, p := range cols {
			r, ok := byScenario[n][p]
			if !ok || r.Verdict == Same {
				continue
			}
			fmt.Fprintf(&b, "%s %s on %s: real %s, persona %s: %s\n", cellMark(r), n, p, shortOutcome(r.Real), shortOutcome(r.Persona), r.Why)
		}
	}
	return b.String()
}

// shortOutcome is "ok" or "phase/code/class" (code and class when set).
func shortOutcome(o scenarios.Outcome) string {
	if o.Result == scenarios.Success {
		return "ok"
	}
	s := o.Phase
	if s == "" {
		s = string(o.Result)
	}
	if o.Code != 0 {
		s += fmt.Sprintf("/%d", o.Code)
	}
	if o.Class != "" {
		s += "/" + o.Class.String()
	}
	return s
}
