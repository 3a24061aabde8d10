package usermod

import (
	"testing"

	"github.com/ftpsim/ftpsim/scenarios"
	. "github.com/ftpsim/ftpsim/suites"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "user module")
}

var _ = Describe("a user's specs with ftpsim's matchers", func() {
	It("sees vsftpd's refusal of a data connection that does not resume", func(ctx SpecContext) {
		sc, _ := scenarios.Lookup("vsftpd-reuse-required")
		res := scenarios.Run(ctx, sc, scenarios.RunOptions{})
		Expect(res).To(MatchExpectation())
		Expect(res).To(HaveReplyCode(522))
		Expect(res).To(HaveNoCleartextCredentials())
		Expect(res).To(HaveExchanged("AUTH TLS", 234))
	})
})
