package main

import (
	"sort"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
)

// dispatchOrder is the order in which runAll starts the scenarios of
// list: the ones that spend seconds waiting on the network's timers
// first (an idle firewall, a slow or distant link, a dropped SYN), so
// that a long wait does not start last and set the run's wall time. The
// scenarios use next to no CPU while they wait, so starting them early
// costs the others nothing; results are still reported by list index.
func dispatchOrder(list []scenarios.Scenario) []int {
	order := make([]int, len(list))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return waitWeight(list[order[a]]) > waitWeight(list[order[b]]) })
	return order
}

// waitWeight ranks how long a scenario is expected to wait on timers.
func waitWeight(sc scenarios.Scenario) int {
	w := 0
	if n := sc.Network; n != nil {
		if n.IdleTimeout > 0 {
			w += 4
		}
		for _, r := range n.Toxics {
			switch r.Toxic.(type) {
			case faults.Latency, faults.Bandwidth, faults.Timeout:
				w += 2
			}
		}
	}
	if sc.Expect.Class == "timeout" {
		w++
	}
	return w
}
