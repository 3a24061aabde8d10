package scenarios_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/faults/capture"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// BenchmarkCatalogueCapture runs the whole catalogue four at a time
// without and with a capture per scenario (written out at the end, as
// ftpsim run --pcap does), and reports the time ratio. The deliberate
// timeouts of network scenarios dominate both.
func BenchmarkCatalogueCapture(b *testing.B) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	list := scenarios.Catalogue()
	pass := func(record bool) time.Duration {
		start := time.Now()
		sem := make(chan struct{}, 4)
		done := make(chan bool, len(list))
		for _, sc := range list {
			sem <- struct{}{}
			go func() {
				defer func() { <-sem }()
				opts := scenarios.RunOptions{PKI: set}
				if record {
					opts.Capture = &capture.Capture{}
				}
				res := scenarios.Run(context.Background(), sc, opts)
				if record {
					opts.Capture.WriteTo(io.Discard)
				}
				done <- res.Match
			}()
		}
		for range list {
			if !<-done {
				b.Error("a scenario did not match its expectation")
			}
		}
		return time.Since(start)
	}
	var off, on time.Duration
	for b.Loop() {
		off += pass(false)
		on += pass(true)
	}
	b.ReportMetric(off.Seconds()/float64(b.N), "off-s")
	b.ReportMetric(on.Seconds()/float64(b.N), "on-s")
	b.ReportMetric(on.Seconds()/off.Seconds(), "on/off")
}
