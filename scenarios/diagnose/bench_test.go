package diagnose

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"text/tabwriter"
)

// BenchmarkCorpusAccuracy diagnoses the whole corpus per iteration and
// reports the accuracy: top-1 exact (the scenario the log was made from),
// top-1 within the scenarios the log cannot tell apart, and top-3 exact,
// with a table of every log the first time.
func BenchmarkCorpusAccuracy(b *testing.B) {
	cases := loadCorpus(b)
	var exact, group, top3 int
	var table strings.Builder
	for i := 0; i < b.N; i++ {
		exact, group, top3 = 0, 0, 0
		table.Reset()
		tw := tabwriter.NewWriter(&table, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LOG\tSCENARIO\tTOP-1\tTOP1\tGROUP\tTOP3")
		for _, c := range cases {
			s := rank(b, c)
			exact += btoi(s.exact)
			group += btoi(s.group)
			top3 += btoi(s.top3)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.File, c.Scenario, s.top1, yes(s.exact), yes(s.group), yes(s.top3))
		}
		tw.Flush()
	}
	n := float64(len(cases))
	files := 0
	for _, c := range cases {
		files += len(strings.Split(c.File, "+"))
	}
	b.ReportMetric(float64(exact)/n*100, "top1-exact-%")
	b.ReportMetric(float64(group)/n*100, "top1-group-%")
	b.ReportMetric(float64(top3)/n*100, "top3-exact-%")
	b.ReportMetric(n, "cases")
	fmt.Fprintf(os.Stdout, "%s\ncorpus: %d cases (%d log files); top-1 exact %d (%.0f%%), top-1 within indistinguishable group %d (%.0f%%), top-3 exact %d (%.0f%%)\n",
		table.String(), len(cases), files, exact, float64(exact)/n*100, group, float64(group)/n*100, top3, float64(top3)/n*100)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
