package dockersuite_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	dockersuite "github.com/ftpsim/ftpsim/suites/docker"
)

// The fidelity guard's promise, kept with the real program: where the
// vsftpd persona marks a refusal "not reproducible in-process", the real
// vsftpd decides, and for curl capped at TLS 1.2 (OpenSSL, resuming by
// session ID) it accepts the data connection.
var _ = Describe("limitations: the real product decides what sim cannot", Label("not-reproducible", "vsftpd"), Ordered, func() {
	var (
		ctr    *docker.Container
		stop   func()
		caFile string
	)
	BeforeAll(func(ctx SpecContext) {
		if _, err := exec.LookPath("curl"); err != nil {
			Skip("curl is not installed (apt-get install curl, or bash .ci/install-peers.sh)")
		}
		ctr, stop = startContainer(ctx, docker.Vsftpd)
		DeferCleanup(stop)
		caFile = filepath.Join(GinkgoT().TempDir(), "ca.pem")
		Expect(set.CA.WriteCertFile(caFile)).To(Succeed())
	}, NodeTimeout(2*time.Minute))

	curl := func(addr string, tls12 bool) (*peers.Result, error) {
		c, err := peers.NewCurl(peers.ClientOptions{Addr: addr, CAFile: caFile, Dir: GinkgoT().TempDir(),
			User: ctr.Settings.User, Password: ctr.Settings.Password, TLS12: tls12, Timeout: 20 * time.Second})
		Expect(err).NotTo(HaveOccurred())
		return c.List(context.Background())
	}

	It("curl --tls-max 1.2 lists on the real vsftpd, which requires session reuse", func(ctx SpecContext) {
		addr, err := ctr.ControlAddr(ctx)
		Expect(err).NotTo(HaveOccurred())
		// The requirement is on: a client that never resumes is refused.
		sc, ok := scenarios.Lookup("reuse-required-client-no-reuse")
		Expect(ok).To(BeTrue())
		res := runTarget(ctx, dockersuite.Realize(sc, docker.Vsftpd, set).Scenario, containerTarget(ctx, ctr))
		Expect(res.Got.Code).To(Equal(522), describe(res))

		r, err := curl(addr, true)
		Expect(err).NotTo(HaveOccurred())
		Expect(r.OK()).To(BeTrue(), "the real vsftpd resumes curl's TLS 1.2 session by session ID:\n%s", r)
		Expect(r.Trace).To(ContainSubstring("226"))
	}, SpecTimeout(time.Minute))

	It("the same curl against the vsftpd persona gets the guard's 522, never vsftpd's own refusal", func(ctx SpecContext) {
		srv, err := dockersuite.Persona(docker.Vsftpd, set)
		Expect(err).NotTo(HaveOccurred())
		srv.Users = []sim.User{{Name: ctr.Settings.User, Password: ctr.Settings.Password}}
		srv.Start()
		DeferCleanup(srv.Close)

		r, err := curl(srv.Addr, true)
		Expect(err).NotTo(HaveOccurred())
		Expect(r.OK()).To(BeFalse())
		Expect(r.Trace).To(ContainSubstring("522 " + sim.NotReproducibleMarker + " (tls12-session-id-resumption)"))
		Expect(r.Trace).NotTo(ContainSubstring("session reuse required"))
		var marked int
		for _, s := range srv.Sessions() {
			for _, d := range s.Data() {
				if d.NotReproducible == sim.LimitSessionIDResumption {
					marked++
				}
			}
		}
		Expect(marked).To(BeNumerically(">=", 1), "the persona's evidence must carry the limitation")

		// And curl at TLS 1.3 (tickets) is not affected.
		r, err = curl(srv.Addr, false)
		Expect(err).NotTo(HaveOccurred())
		Expect(r.OK()).To(BeTrue(), "%s", r)
		Expect(strings.Contains(r.Trace, sim.NotReproducibleMarker)).To(BeFalse())
	}, SpecTimeout(time.Minute))
})
