package suites_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	"github.com/ftpsim/ftpsim/sim/pki"
	"github.com/ftpsim/ftpsim/suites"
)

// TestSuites runs the matcher specs: each matcher matches what it should
// and fails with a readable message otherwise.
func TestSuites(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ftpsim matchers", Label("matchers"))
}

// set is the certificate set every run of the suite shares.
var set *pki.Set

var _ = BeforeSuite(func() {
	gleak.IgnoreGinkgoParallelClient()
	var err error
	set, err = pki.NewSet(pki.SetOptions{})
	Expect(err).NotTo(HaveOccurred())
})

var _ = JustBeforeEach(suites.CheckGoroutineLeaks)
