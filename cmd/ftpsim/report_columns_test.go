package main

import (
	"strings"
	"testing"
)

// The summary table's columns are as wide as their longest entry: a long
// expectation (vsftpd-tls12-session-id's) or name does not run into the
// next column, which starts where its header does.
func TestRunSummaryColumns(t *testing.T) {
	code, out, errOut := runCmd("run", "vsftpd-tls12-session-id", "proftpd-tls13-download-after-upload-control-session", "explicit-tls")
	if code != 0 {
		t.Fatalf("run: code %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(out, "\n")
	head := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "SCENARIO ") {
			head = i
		}
	}
	if head < 0 {
		t.Fatalf("no summary table:\n%s", out)
	}
	expCol, actCol := strings.Index(lines[head], "EXPECTED"), strings.Index(lines[head], "ACTUAL")
	for _, row := range lines[head+1 : head+4] {
		name, _, _ := strings.Cut(row, " ")
		if len(row) <= actCol || row[expCol-1] != ' ' || row[expCol] == ' ' || row[actCol-2:actCol] != "  " || row[actCol] == ' ' {
			t.Errorf("row %q (%s): columns do not start at EXPECTED (%d) and ACTUAL (%d) with two spaces before ACTUAL", row, name, expCol, actCol)
		}
	}
}
