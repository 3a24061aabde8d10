package fidelity

import (
	"math/rand/v2"
	"testing"
)

// TestCellDecided holds measureCell's early stop to judgeCell: whenever
// cellDecided says a cell's verdict is settled, every way the remaining
// runs can end gives that verdict (DIFFERS or not) at matrixRuns runs per
// side. States and endings are drawn from a fixed seed over four kinds:
// success, two failures, a race outcome, and a failure neither side has
// shown yet.
func TestCellDecided(t *testing.T) {
	kinds := []string{"ok", "exit 1", "timeout", "race", "exit 2 (new)"}
	race := func(k string) bool { return k == "race" }
	r := rand.New(rand.NewPCG(1, 2))
	draw := func(m map[string]int, n, kindsUsed int) {
		for range n {
			m[kinds[r.IntN(kindsUsed)]]++
		}
	}
	clone := func(m map[string]int) map[string]int {
		c := make(map[string]int, len(m))
		for k, v := range m {
			c[k] = v
		}
		return c
	}
	decided, stoppedEarly := 0, 0
	for range 5000 {
		done := 1 + r.IntN(matrixRuns-1) // runs per side so far
		left := matrixRuns - done
		real, pers := map[string]int{}, map[string]int{}
		// Each side draws from the first 1 to 4 kinds, so that some
		// states fail on one side only and both verdicts get settled.
		draw(real, done, 1+r.IntN(4))
		draw(pers, done, 1+r.IntN(4))
		if !cellDecided(real, pers, left, race) {
			continue
		}
		decided++
		want, _ := judgeCell(real, pers, race)
		wantDiffers := want == "DIFFERS"
		if !wantDiffers {
			stoppedEarly++
		}
		for range 200 {
			fr, fp := clone(real), clone(pers)
			draw(fr, left, len(kinds))
			draw(fp, left, len(kinds))
			if got, why := judgeCell(fr, fp, race); (got == "DIFFERS") != wantDiffers {
				t.Fatalf("real %s | persona %s settled as %s with %d runs left, but real %s | persona %s ends %s (%s)",
					counts(real), counts(pers), want, left, counts(fr), counts(fp), got, why)
			}
		}
		// The extremes: every remaining run fails on one side only.
		for _, k := range []string{"exit 1", "exit 2 (new)"} {
			fr, fp := clone(real), clone(pers)
			fr[k] += left
			fp["ok"] += left
			if got, _ := judgeCell(fr, fp, race); (got == "DIFFERS") != wantDiffers {
				t.Fatalf("real %s | persona %s settled as %s with %d runs left, but real %s | persona %s ends %s",
					counts(real), counts(pers), want, left, counts(fr), counts(fp), got)
			}
		}
	}
	if decided == 0 || stoppedEarly == 0 || stoppedEarly == decided {
		t.Fatalf("the sample settled %d states, %d of them as not differing: it does not exercise both verdicts", decided, stoppedEarly)
	}
	t.Logf("%d states settled early, %d of them as within tolerance", decided, stoppedEarly)
}

// TestMatrixKind: only curl's exit 13 and 35 against pyftpdlib become one
// outcome, with whatever reply follows them kept.
func TestMatrixKind(t *testing.T) {
	for _, c := range []struct{ product, client, in, want string }{
		{"pyftpdlib", "curl", "exit 13", earlyDataReset},
		{"pyftpdlib", "curl", "exit 35", earlyDataReset},
		{"pyftpdlib", "curl", "exit 35, last error reply 500", earlyDataReset + ", last error reply 500"},
		{"pyftpdlib", "curl", "exit 130", "exit 130"},
		{"pyftpdlib", "curl", "exit 28", "exit 28"},
		{"pyftpdlib", "curl", "ok", "ok"},
		{"pyftpdlib", "lftp", "exit 13", "exit 13"},
		{"vsftpd", "curl", "exit 35", "exit 35"},
	} {
		if got := matrixKind(c.product, c.client, c.in); got != c.want {
			t.Errorf("matrixKind(%s, %s, %q) = %q, want %q", c.product, c.client, c.in, got, c.want)
		}
	}
}
