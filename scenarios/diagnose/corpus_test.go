package diagnose

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusCase is one row of testdata/corpus.tsv: a log, the scenario it
// was made from (or written for), the scenarios its program's log cannot
// tell apart from it (testdata/README.md says why), and how it was made.
type corpusCase struct {
	File      string
	Scenario  string
	Alternate []string
	Source    string
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "corpus.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			t.Fatalf("corpus.tsv: %q has %d columns, want 4", sc.Text(), len(cols))
		}
		c := corpusCase{File: cols[0], Scenario: cols[1], Source: cols[3]}
		if cols[2] != "" {
			c.Alternate = strings.Split(cols[2], ",")
		}
		out = append(out, c)
	}
	return out
}

// score is one corpus case's ranking.
type score struct {
	c              corpusCase
	rep            *Report
	exact, group   bool // top-1 is the scenario / one it cannot be told from
	top3           bool // the scenario is among the first three
	top1, rankings string
}

func rank(t testing.TB, c corpusCase) score {
	t.Helper()
	var logs []*Log
	for _, name := range strings.Split(c.File, "+") { // several files of one incident
		f, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		l, err := ParseLog(name, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, l)
	}
	rep := Diagnose(logs...)
	s := score{c: c, rep: rep, top1: "-"}
	var names []string
	for _, m := range rep.Top(3) {
		names = append(names, m.Name)
	}
	s.rankings = strings.Join(names, ", ")
	if len(names) > 0 {
		s.top1 = names[0]
		s.exact = names[0] == c.Scenario
		s.group = s.exact || slices.Contains(c.Alternate, names[0])
	}
	s.top3 = slices.Contains(names, c.Scenario)
	if c.Scenario == "-" { // nothing may match
		s.exact, s.group, s.top3 = len(names) == 0, len(names) == 0, len(names) == 0
	}
	return s
}

// TestCorpus ranks every log of the corpus: the top-ranked scenario must
// be the one the log was made from, or one its program's log cannot tell
// apart from it (listed in corpus.tsv, explained in testdata/README.md).
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) < 40 {
		t.Fatalf("corpus has %d logs; testdata/corpus.tsv should list at least 40", len(cases))
	}
	for _, c := range cases {
		s := rank(t, c)
		if !s.group {
			t.Errorf("%s (%s): top-ranked %s; want %s (or %v)\n  incident: %s\n  top 3: %s", c.File, c.Source, s.top1, c.Scenario, c.Alternate,
				s.rep.Incident.Outcome, s.rankings)
		}
	}
}
