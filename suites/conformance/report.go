package conformance

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/suites"
)

// Names of the report entries [Record] adds to a conformance spec, besides
// those of [suites.Record] (scenario, labels, cases, expected, actual).
// JUnit reports carry them as properties.
const (
	EntryTarget    = "target"    // the target URL, password redacted
	EntryReference = "reference" // what the well-configured reference server did
	EntryVerdict   = "verdict"   // a Kind
	EntryReason    = "reason"    // one line: why
	EntryKnown     = "known"     // catalogue scenarios the observation reproduces, comma-separated
	EntryFix       = "fix"       // for reproduces and insecure verdicts
)

// Record attaches a verdict to the current spec as report entries. Call it
// in the It, after [suites.Record].
func Record(target string, v Verdict) {
	quiet := types.ReportEntryVisibilityFailureOrVerbose
	ginkgo.AddReportEntry(EntryTarget, target, quiet)
	ginkgo.AddReportEntry(EntryReference, v.Reference.String(), quiet)
	ginkgo.AddReportEntry(EntryVerdict, string(v.Kind), quiet)
	ginkgo.AddReportEntry(EntryReason, v.Reason, quiet)
	if len(v.Known) > 0 {
		ginkgo.AddReportEntry(EntryKnown, strings.Join(v.Known, ","), quiet)
	}
	if v.Fix != "" && (v.Kind == Reproduces || v.Kind == Insecure) {
		ginkgo.AddReportEntry(EntryFix, v.Fix, quiet)
	}
}

// Table renders the verdicts of every conformance spec in a suite report,
// one section per target, for a ReportAfterSuite. It reads only report
// entries, so it also works under ginkgo -p. It returns "" when no
// conformance spec ran.
func Table(r types.Report) string {
	type row struct{ scenario, verdict, got, ref, note, state string }
	var order []string
	rows := map[string][]row{}
	for _, spec := range r.SpecReports {
		verdict := suites.EntryValue(spec, EntryVerdict)
		if spec.LeafNodeType != types.NodeTypeIt || verdict == "" {
			continue
		}
		target := suites.EntryValue(spec, EntryTarget)
		if _, ok := rows[target]; !ok {
			order = append(order, target)
		}
		note := noteFor(spec, Kind(verdict))
		state := ""
		if spec.State.Is(types.SpecStateFailureStates) {
			state = "  <-- FAILED"
		}
		rows[target] = append(rows[target], row{suites.EntryValue(spec, suites.EntryScenario), verdict,
			suites.EntryValue(spec, suites.EntryActual), suites.EntryValue(spec, EntryReference), note, state})
	}
	if len(order) == 0 {
		return ""
	}
	var b strings.Builder
	for _, target := range order {
		fmt.Fprintf(&b, "conformance of %s\n", target)
		w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "SCENARIO\tVERDICT\tOBSERVED\tWELL-CONFIGURED SERVER\tNOTE")
		counts := map[string]int{}
		for _, x := range rows[target] {
			counts[x.verdict]++
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s%s\n", x.scenario, x.verdict, x.got, x.ref, truncate(x.note, 100), x.state)
		}
		w.Flush()
		var sum []string
		for _, k := range []Kind{WellConfiguredKind, Reproduces, Unsupported, Differs, Insecure, NoRun} {
			if n := counts[string(k)]; n > 0 {
				sum = append(sum, fmt.Sprintf("%d %s", n, k))
			}
		}
		fmt.Fprintf(&b, "%d scenarios: %s\n\n", len(rows[target]), strings.Join(sum, ", "))
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// noteFor is the NOTE column: the known scenarios a reproduction matches,
// the scenario a well-configured refusal is predicted by, or the reason.
func noteFor(spec types.SpecReport, k Kind) string {
	known := suites.EntryValue(spec, EntryKnown)
	switch k {
	case Reproduces:
		return "like " + strings.ReplaceAll(known, ",", ", ")
	case WellConfiguredKind:
		first, _, _ := strings.Cut(known, ",")
		if first == "" || !strings.HasPrefix(suites.EntryValue(spec, suites.EntryActual), scenarios.Failure) {
			return ""
		}
		return "refused as " + first + " predicts"
	}
	return suites.EntryValue(spec, EntryReason)
}
