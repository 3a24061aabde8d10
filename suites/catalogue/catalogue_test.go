package catalogue_test

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/suites"
)

// scenarioTimeout bounds one scenario; the slowest catalogue scenarios
// (an idle timeout, a high-latency link) take about five seconds.
const scenarioTimeout = 30 * time.Second

// entryFamily is the report entry naming the spec's family.
const entryFamily = "family"

// One DescribeTable per failure family, one Entry per scenario. Families
// and labels come from the catalogue, so scenarios and families added to
// it show up here without code changes.
var _ = Describe("catalogue", func() {
	for _, fam := range suites.Families(scenarios.Catalogue()) {
		args := []any{Label(fam.Name), runScenario(fam.Name)}
		for _, sc := range fam.Scenarios {
			args = append(args, Entry(sc.Name, Label(sc.Labels...), SpecTimeout(2*scenarioTimeout), sc))
		}
		DescribeTable(fam.Name, args...)
	}
})

// runScenario is the body of every entry of family's table.
func runScenario(family string) func(SpecContext, scenarios.Scenario) {
	return func(ctx SpecContext, sc scenarios.Scenario) {
		AddReportEntry(entryFamily, family, types.ReportEntryVisibilityFailureOrVerbose)
		res := scenarios.Run(ctx, sc, scenarios.RunOptions{PKI: set, Timeout: scenarioTimeout})
		suites.Record(res)
		Expect(res).To(suites.MatchExpectation())

		if !strings.EqualFold(sc.Client.TLS, "plain") {
			Expect(res).To(suites.HaveNoCleartextCredentials(), "a client that asked for TLS")
		}
		if res.Got.Result == scenarios.Success && !strings.EqualFold(sc.Client.TLS, "plain") &&
			!strings.EqualFold(sc.Client.Prot, "C") {
			Expect(res).To(suites.HaveProtectedData(), "a successful session under PROT P")
		}
	}
}

// matrix renders the expected and actual outcome of every scenario that
// ran, family by family, flagging mismatches.
func matrix(r Report) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "FAMILY\tSCENARIO\tEXPECTED\tACTUAL\tSPEC")
	rows, failed := 0, 0
	for _, spec := range r.SpecReports {
		name := suites.EntryValue(spec, suites.EntryScenario)
		if spec.LeafNodeType != types.NodeTypeIt || name == "" {
			continue
		}
		rows++
		state := spec.State.String()
		if spec.State.Is(types.SpecStateFailureStates) {
			failed++
			state = strings.ToUpper(state) + "  <--"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", suites.EntryValue(spec, entryFamily), name,
			suites.EntryValue(spec, suites.EntryExpected), suites.EntryValue(spec, suites.EntryActual), state)
	}
	if rows == 0 {
		return ""
	}
	w.Flush()
	fmt.Fprintf(&b, "%d scenarios ran: %d as expected, %d failed\n", rows, rows-failed, failed)
	return b.String()
}
