package scenarios_test

import (
	"context"
	"testing"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// BenchmarkCatalogue measures one pass over the whole in-process catalogue,
// one scenario at a time (as `ftpsim run --parallel 1` would) and four at a
// time (the ftpsim run default). Most of the time is the deliberate
// timeouts of the network scenarios (dropped SYNs, lost replies).
func BenchmarkCatalogue(b *testing.B) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	list := scenarios.Catalogue()
	for _, workers := range []int{1, 4} {
		b.Run(map[int]string{1: "sequential", 4: "parallel4"}[workers], func(b *testing.B) {
			for b.Loop() {
				sem := make(chan struct{}, workers)
				done := make(chan bool, len(list))
				for _, sc := range list {
					sem <- struct{}{}
					go func() {
						defer func() { <-sem }()
						done <- scenarios.Run(context.Background(), sc, scenarios.RunOptions{PKI: set}).Match
					}()
				}
				for range list {
					if !<-done {
						b.Error("a scenario did not match its expectation")
					}
				}
			}
			b.ReportMetric(float64(len(list)), "scenarios")
		})
	}
}
