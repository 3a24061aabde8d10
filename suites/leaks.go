package suites

import (
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
)

// LeakTimeout is how long CheckGoroutineLeaks waits for goroutines to wind
// down (session goroutines of a closed server end a moment after Close).
var LeakTimeout = 5 * time.Second

// CheckGoroutineLeaks takes a snapshot of the running goroutines and
// registers a DeferCleanup that fails the spec if, once every cleanup
// registered after it has run, goroutines beyond the snapshot are still
// running (gleak's HaveLeaked, which already ignores Ginkgo's, the testing
// package's and the runtime's own goroutines).
//
// Call it from a JustBeforeEach: it runs after every BeforeEach and
// BeforeAll, so servers that outlive the spec (started in BeforeAll) are
// part of the snapshot, and its cleanup runs after the spec's own
// DeferCleanups, so what they close is gone before the check:
//
//	var _ = JustBeforeEach(suites.CheckGoroutineLeaks)
//
// Under "ginkgo -p", call gleak.IgnoreGinkgoParallelClient in a
// BeforeSuite as well.
func CheckGoroutineLeaks() {
	snapshot := gleak.Goroutines()
	ginkgo.DeferCleanup(func() {
		gomega.Eventually(gleak.Goroutines).WithTimeout(LeakTimeout).
			ShouldNot(gleak.HaveLeaked(snapshot), "goroutines leaked by this spec")
	})
}
