package catalogue_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	"github.com/ftpsim/ftpsim/sim/pki"
	"github.com/ftpsim/ftpsim/suites"
)

// TestCatalogue runs the scenario catalogue as Ginkgo specs.
func TestCatalogue(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ftpsim scenario catalogue", Label("catalogue"))
}

// set is the certificate set every scenario of the suite shares: making
// one costs a few milliseconds, and sharing it changes no outcome.
var set *pki.Set

var _ = BeforeSuite(func() {
	gleak.IgnoreGinkgoParallelClient()
	var err error
	set, err = pki.NewSet(pki.SetOptions{})
	Expect(err).NotTo(HaveOccurred())
})

var _ = JustBeforeEach(suites.CheckGoroutineLeaks)

// The expected-vs-actual matrix, built from the report entries every spec
// recorded, so it also works under ginkgo -p (this runs on process 1 with
// every process's reports). It is a report entry of this node: Ginkgo
// prints it after the specs (with go test -v, and whenever the suite
// fails) and JUnit reports carry it as a property.
var _ = ReportAfterSuite("scenario matrix", func(r Report) {
	if m := matrix(r); m != "" {
		AddReportEntry("scenario matrix", m)
	}
})
