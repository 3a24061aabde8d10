package suites

import (
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ftpsim/ftpsim/scenarios"
)

// Names of the report entries [Record] adds. JUnit reports
// (-ginkgo.junit-report) carry every report entry of a spec as a
// <property> of its test case, so these are also the property names.
const (
	EntryScenario          = "scenario"           // scenario name
	EntryLabels            = "labels"             // comma-separated labels
	EntryCases             = "cases"              // field-notes cases, comma-separated ("S01")
	EntryExpected          = "expected"           // the catalogue expectation ("failure at data-tls, code 522")
	EntryActual            = "actual"             // the actual outcome
	EntryError             = "error"              // the client error behind a failure (on failure only)
	EntryDiagnosis         = "diagnosis"          // cause and fix (on failure only)
	EntryClientTranscript  = "client transcript"  // on failure only
	EntryServerTranscripts = "server transcripts" // on failure only; in-process runs
	EntryServerData        = "server data"        // the server's evidence of each data connection (on failure only)
	EntryTimeline          = "fault timeline"     // the virtual network's verdicts (on failure only; runs with a network)
)

// Record attaches a run of a scenario to the current spec: report entries
// for the scenario, its labels and cases, the expected and the actual
// outcome (JUnit properties; shown on the console only on failure or with
// -ginkgo.v), and a DeferOnFailure callback that, if the spec then fails,
// attaches the error, the diagnosis, the client and server transcripts,
// the server's data-connection evidence and, for runs on a virtual
// network, the fault timeline. Call it in an It right after the
// run and before the assertions:
//
//	res := scenarios.Run(ctx, sc, opts)
//	suites.Record(res)
//	Expect(res).To(suites.MatchExpectation())
func Record(res *scenarios.Result) {
	ginkgo.GinkgoHelper()
	sc := res.Scenario
	quiet := types.ReportEntryVisibilityFailureOrVerbose
	ginkgo.AddReportEntry(EntryScenario, sc.Name, quiet)
	ginkgo.AddReportEntry(EntryLabels, strings.Join(sc.Labels, ","), quiet)
	if len(sc.Cases) > 0 {
		ginkgo.AddReportEntry(EntryCases, strings.Join(sc.Cases, ","), quiet)
	}
	ginkgo.AddReportEntry(EntryExpected, sc.Expect.String(), quiet)
	actual := res.Got.String()
	if res.Setup != nil {
		actual = "setup error: " + res.Setup.Error()
	}
	ginkgo.AddReportEntry(EntryActual, actual, quiet)
	ginkgo.DeferOnFailure(func() { attachEvidence(res) })
}

// attachEvidence adds the evidence of a failed spec's run.
func attachEvidence(res *scenarios.Result) {
	quiet := types.ReportEntryVisibilityFailureOrVerbose
	if res.Err != nil {
		ginkgo.AddReportEntry(EntryError, res.Err.Error(), quiet)
	}
	d := res.Scenario.Diagnosis
	ginkgo.AddReportEntry(EntryDiagnosis, "cause: "+d.Cause+"\nfix:   "+d.Fix, quiet)
	if len(res.ClientTranscript) > 0 {
		ginkgo.AddReportEntry(EntryClientTranscript, res.ClientTranscript.String(), quiet)
	}
	if len(res.ServerTranscripts) > 0 {
		var b strings.Builder
		for i, t := range res.ServerTranscripts {
			fmt.Fprintf(&b, "== server session %d\n%s\n", i+1, strings.TrimRight(t.String(), "\n"))
		}
		ginkgo.AddReportEntry(EntryServerTranscripts, b.String(), quiet)
	}
	if len(res.Timeline.Events) > 0 {
		ginkgo.AddReportEntry(EntryTimeline, res.Timeline.String(), quiet)
	}
	if len(res.ServerData) > 0 {
		var lines []string
		for _, d := range res.ServerData {
			lines = append(lines, fmt.Sprintf("%s -> %d (%d bytes, %s) %s",
				dataLine(d), d.Reply, d.Bytes, closeNotify(d.CloseNotify), strings.Join(d.Notes, "; ")))
		}
		ginkgo.AddReportEntry(EntryServerData, strings.Join(lines, "\n"), quiet)
	}
}

func closeNotify(seen bool) string {
	if seen {
		return "close_notify"
	}
	return "no close_notify"
}

// EntryValue returns the value of the named report entry of a spec, as a
// string, or "" if the spec has none. ReportAfterSuite tables use it to
// read what [Record] attached.
func EntryValue(spec types.SpecReport, name string) string {
	for _, e := range spec.ReportEntries {
		if e.Name == name {
			return e.StringRepresentation()
		}
	}
	return ""
}
