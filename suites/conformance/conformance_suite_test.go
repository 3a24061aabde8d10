package conformance_test

import (
	"flag"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/pki"
	"github.com/ftpsim/ftpsim/suites"
	"github.com/ftpsim/ftpsim/suites/conformance"
)

// settings come from FTPSIM_TARGET* and the -ftpsim.target* flags.
var settings, settingsErr = conformance.SettingsFromEnv()

func init() { settings.RegisterFlags(flag.CommandLine) }

// TestConformance runs the catalogue's client side against the server
// FTPSIM_TARGET names, and the self-tests that prove the suite works.
func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ftpsim conformance", Label("conformance"))
}

var (
	// catalogue is where known outcomes are looked up.
	catalogue = scenarios.Catalogue()
	// applicable are the scenarios that run against a target.
	applicable = scenarios.TargetScenarios(catalogue)
	// set is the suite's certificate set (reference and self-test servers).
	set *pki.Set
	// references is what the well-configured reference server does with
	// each applicable scenario.
	references map[string]scenarios.Outcome
)

var _ = BeforeSuite(func(ctx SpecContext) {
	gleak.IgnoreGinkgoParallelClient()
	Expect(settingsErr).NotTo(HaveOccurred())
	var err error
	set, err = pki.NewSet(pki.SetOptions{})
	Expect(err).NotTo(HaveOccurred())
	references, err = scenarios.References(ctx, applicable, set)
	Expect(err).NotTo(HaveOccurred())
})

var _ = JustBeforeEach(suites.CheckGoroutineLeaks)

// The table of verdicts, per target: a report entry of this node, printed
// with go test -v and whenever the suite fails, and a JUnit property.
var _ = ReportAfterSuite("conformance table", func(r Report) {
	if t := conformance.Table(r); t != "" {
		AddReportEntry("conformance", t)
	}
})
