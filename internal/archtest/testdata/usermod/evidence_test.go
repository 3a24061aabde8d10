package usermod

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/faults/capture"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/scenarios/report"
)

// Evidence a user's own test can keep: a scenario's packet capture with
// its TLS secrets, and the HTML report of the run.
func TestEvidence(t *testing.T) {
	sc, ok := scenarios.Lookup("nat-private-pasv-trusted")
	if !ok {
		t.Fatal("no scenario nat-private-pasv-trusted")
	}
	c := &capture.Capture{}
	res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{Capture: c})
	if !res.Match {
		t.Fatalf("got %s, want %s", res.Got, sc.Expect)
	}
	if c.Packets() == 0 || len(c.Interfaces()) < 2 || !strings.Contains(c.Secrets(), "CLIENT_") {
		t.Errorf("capture: %d packets on %v, secrets %q", c.Packets(), c.Interfaces(), c.Secrets())
	}
	var pcap bytes.Buffer
	if _, err := c.WriteTo(&pcap); err != nil {
		t.Fatal(err)
	}
	// pcapng: a Section Header Block first.
	if b := pcap.Bytes(); len(b) < 4 || !bytes.Equal(b[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		t.Errorf("not a pcapng file: % x", pcap.Bytes()[:min(8, pcap.Len())])
	}
	var page bytes.Buffer
	if err := report.WriteHTML(&page, []*scenarios.Result{res}, report.HTMLOptions{Title: "user run"}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(page.String(), `class="ladder"`); n != 1 || !strings.Contains(page.String(), sc.Name) {
		t.Errorf("report: %d ladders, want 1 for %s", n, sc.Name)
	}
}
