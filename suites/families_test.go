package suites_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/suites"
)

var _ = Describe("Family", func() {
	DescribeTable("derives the failure family from labels",
		func(labels []string, family string) {
			Expect(suites.Family(scenarios.Scenario{Labels: labels})).To(Equal(family))
		},
		Entry("fault families win", []string{"tls", "nat", "alg"}, "alg"),
		Entry("nat", []string{"nat", "pasv"}, "nat"),
		Entry("cert before reuse", []string{"tls", "reuse", "cert"}, "cert"),
		Entry("auth and login are policy", []string{"tls", "auth"}, "policy"),
		Entry("basic labels only", []string{"tls", "implicit"}, suites.Basics),
		Entry("no labels", nil, suites.Basics),
		Entry("a new label is a new family", []string{"tls", "Latency"}, "latency"),
	)

	It("groups the catalogue in the order of first appearance", func() {
		var names []string
		total := 0
		for _, f := range suites.Families(scenarios.Catalogue()) {
			names = append(names, f.Name)
			total += len(f.Scenarios)
			for _, sc := range f.Scenarios {
				Expect(suites.Family(sc)).To(Equal(f.Name))
			}
		}
		Expect(names[:5]).To(HaveExactElements(suites.Basics, "reuse", "policy", "cert", "nat"))
		Expect(names).To(ContainElements("firewall", "alg"), "the virtual-network families")
		Expect(total).To(Equal(len(scenarios.Catalogue())))
	})
})
