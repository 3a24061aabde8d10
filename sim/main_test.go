package sim

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the tests: every
// Server.Close must have waited for its sessions, transfers and listeners.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
