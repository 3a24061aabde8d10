package fidelity

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Outcome is the verdict of one case against one persona.
type Outcome int

// Outcomes, in the table as "match", "DIFFERS", "known" and "-".
const (
	Match   Outcome = iota // every compared line is equal
	Differs                // some step differs, and no reason is on file
	Known                  // some step differs, for a reason on file
	NotRun                 // the case is not part of this persona's run
)

func (o Outcome) String() string {
	switch o {
	case Match:
		return "match"
	case Differs:
		return "DIFFERS"
	case Known:
		return "known"
	}
	return "-"
}

// Result is one cell of the fidelity table.
type Result struct {
	Persona, Case string
	Outcome       Outcome
	Diffs         []StepDiff
	// Reason explains a Known difference.
	Reason string
}

// Table is the fidelity table: cases down, personas across. It is safe for
// concurrent use.
type Table struct {
	mu       sync.Mutex
	personas []string
	cases    []string
	cells    map[[2]string]Result
}

// Add records a result; rows and columns appear in the order first seen.
func (t *Table) Add(r Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cells == nil {
		t.cells = map[[2]string]Result{}
	}
	if !slices.Contains(t.personas, r.Persona) {
		t.personas = append(t.personas, r.Persona)
	}
	if !slices.Contains(t.cases, r.Case) {
		t.cases = append(t.cases, r.Case)
	}
	t.cells[[2]string{r.Persona, r.Case}] = r
}

// Columns fixes the order of the persona columns (those not listed follow).
func (t *Table) Columns(personas ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rest := slices.DeleteFunc(slices.Clone(t.personas), func(p string) bool { return slices.Contains(personas, p) })
	t.personas = append(slices.Clone(personas), rest...)
}

// Count returns how many cells have the outcome.
func (t *Table) Count(o Outcome) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, c := range t.cells {
		if c.Outcome == o {
			n++
		}
	}
	return n
}

// String renders the table as Markdown, then every difference with its
// steps (and reason, when known).
func (t *Table) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	b.WriteString("| case |")
	for _, p := range t.personas {
		fmt.Fprintf(&b, " %s |", p)
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---|", len(t.personas)))
	b.WriteString("\n")
	for _, c := range t.cases {
		fmt.Fprintf(&b, "| %s |", c)
		for _, p := range t.personas {
			cell, ok := t.cells[[2]string{p, c}]
			if !ok {
				cell.Outcome = NotRun
			}
			fmt.Fprintf(&b, " %s |", cell.Outcome)
		}
		b.WriteString("\n")
	}
	for _, c := range t.cases {
		for _, p := range t.personas {
			cell, ok := t.cells[[2]string{p, c}]
			if !ok || (cell.Outcome != Differs && cell.Outcome != Known) {
				continue
			}
			fmt.Fprintf(&b, "\n%s / %s: %s", p, c, cell.Outcome)
			if cell.Reason != "" {
				fmt.Fprintf(&b, " (%s)", cell.Reason)
			}
			b.WriteString("\n")
			for _, d := range cell.Diffs {
				fmt.Fprintf(&b, "  %s\n", d)
			}
		}
	}
	return b.String()
}
