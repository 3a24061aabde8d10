package main

import (
	"slices"
	"testing"

	"github.com/ftpsim/ftpsim/scenarios"
)

// TestDispatchOrder: the catalogue's scenarios that wait on network
// timers start first, every scenario starts exactly once, and the rest
// keep their list order.
func TestDispatchOrder(t *testing.T) {
	list := scenarios.Catalogue()
	order := dispatchOrder(list)
	if got := slices.Sorted(slices.Values(order)); len(got) != len(list) || got[0] != 0 || got[len(got)-1] != len(list)-1 || len(slices.Compact(got)) != len(list) {
		t.Fatalf("dispatch order is not a permutation of %d scenarios: %v", len(list), order)
	}
	pos := map[string]int{}
	for p, i := range order {
		pos[list[i].Name] = p
	}
	for _, slow := range []string{"control-idle-timeout-during-transfer", "high-latency-link"} {
		if p, ok := pos[slow]; !ok || p >= 2 {
			t.Errorf("%s starts at position %d, want among the first 2", slow, p)
		}
	}
	if pos["explicit-tls"] >= pos["implicit-tls"] {
		t.Errorf("explicit-tls (%d) should start before implicit-tls (%d), as listed", pos["explicit-tls"], pos["implicit-tls"])
	}
}
