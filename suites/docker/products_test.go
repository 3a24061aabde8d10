package dockersuite_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/suites"
	dockersuite "github.com/ftpsim/ftpsim/suites/docker"
)

// proofScenarios have their own specs with explicit per-product
// expectations; the catalogue tables leave them out.
var proofScenarios = map[string]bool{
	"nat-pasv-address-trusted":       true,
	"reuse-required-client-no-reuse": true,
	"cert-expired":                   true,
}

// reuseOutcome is what a client that never resumes TLS sessions meets:
// vsftpd (require_ssl_reuse=YES) 150 then 522, ProFTPD 150 then 425,
// ftpsim 522; pure-ftpd does not require reuse and transfers.
func reuseOutcome(p *docker.Product) scenarios.Outcome {
	switch p.Name {
	case "proftpd":
		return scenarios.Outcome{Result: scenarios.Failure, Phase: "data-tls", Code: 425, Class: "reply"}
	case "pure-ftpd":
		return scenarios.Outcome{Result: scenarios.Success}
	}
	return scenarios.Outcome{Result: scenarios.Failure, Phase: "data-tls", Code: 522, Class: "reply"}
}

var _ = Describe("FTPS products in containers", func() {
	for _, p := range docker.Products() {
		Describe(p.Name, Ordered, ContinueOnFailure, Label(p.Name), func() {
			var (
				ctr    *docker.Container
				target *scenarios.Target
				keyed  = map[string]*docker.Container{} // containers shared by scenarios, by Realization.Key
				stops  []func()
			)
			BeforeAll(func(ctx SpecContext) {
				var stop func()
				ctr, stop = startContainer(ctx, p)
				stops = append(stops, stop)
				target = containerTarget(ctx, ctr)
				AddReportEntry("startup", ctr.Startup.String())
			}, NodeTimeout(2*time.Minute))
			AfterAll(func(_ SpecContext) {
				var wg sync.WaitGroup // each stop is bounded (30 s)
				for _, stop := range stops {
					wg.Go(stop)
				}
				wg.Wait()
			}, NodeTimeout(time.Minute))

			// shared returns the container for key, started with opts the
			// first time; AfterAll stops them all.
			shared := func(ctx context.Context, key string, opts ...testcontainers.ContainerCustomizer) *docker.Container {
				if c, ok := keyed[key]; ok {
					return c
				}
				c, stop := startContainer(ctx, p, opts...)
				stops = append(stops, stop)
				keyed[key] = c
				return c
			}
			// containerFor returns the container a realization needs.
			containerFor := func(ctx context.Context, r dockersuite.Realization) *docker.Container {
				if r.Key == "" {
					return ctr
				}
				return shared(ctx, r.Key, r.Container...)
			}
			// compare runs sc against the container and the persona, on
			// sc's virtual network if it has one.
			compare := func(ctx context.Context, sc scenarios.Scenario) (ctrRes, personaRes *scenarios.Result) {
				r := dockersuite.Realize(sc, p, set)
				if r.Skip != "" {
					Skip(r.Skip)
				}
				c := containerFor(ctx, r)
				if r.Scenario.Network == nil {
					ctrRes = runTarget(ctx, r.Scenario, containerTarget(ctx, c))
					personaRes = runPersona(ctx, p, r.Scenario, r.Apply, nil)
				} else {
					ctrRes = runContainerOnNetwork(ctx, r.Scenario, c)
					personaRes = runPersona(ctx, p, r.Scenario, r.Apply, personaOnNetwork(r.Scenario, c.Settings.Passive))
				}
				suites.Record(ctrRes)
				AddReportEntry("persona outcome", dockersuite.OutcomeText(personaRes.Got), types.ReportEntryVisibilityFailureOrVerbose)
				return ctrRes, personaRes
			}

			It("round-trips an explicit-FTPS upload and download with PROT P, equal SHA-256", func(ctx SpecContext) {
				conn, err := clientsim.Dial(ctx, target.Addr, clientsim.WithRootCAs(set.CA.Pool()),
					clientsim.WithServerName("localhost"))
				Expect(err).NotTo(HaveOccurred())
				defer conn.Close()
				Expect(conn.Login(ctx, ctr.Settings.User, ctr.Settings.Password)).To(Succeed())
				payload := make([]byte, 3<<20)
				rand.Read(payload)
				sum := sha256.Sum256(payload)
				_, err = conn.Store(ctx, "roundtrip.bin", bytes.NewReader(payload))
				Expect(err).NotTo(HaveOccurred())
				var back bytes.Buffer
				_, err = conn.Retrieve(ctx, "roundtrip.bin", &back)
				Expect(err).NotTo(HaveOccurred())
				Expect(back.Bytes()).To(suites.BeIntactTransfer(int64(len(payload)), sum))
				AddReportEntry("sha256", fmt.Sprintf("%x (%d bytes each way)", sum, len(payload)))
				if p.RequiresReuse {
					Expect(conn).To(suites.HaveResumedTLS())
				}
				for _, e := range conn.Evidence() {
					Expect(e.Err).NotTo(HaveOccurred())
					Expect(e.Version).NotTo(BeZero(), "a %s connection without TLS", e.Channel)
				}
				Expect(conn.Delete(ctx, "roundtrip.bin")).To(Succeed())
				Expect(conn.Quit(ctx)).To(Succeed())
			}, SpecTimeout(time.Minute))

			Describe("the proof scenarios, against the persona", Label("proof"), func() {
				It("NAT: the server advertises a private address; a client that trusts 227 cannot open the data connection",
					Label("nat"), func(ctx SpecContext) {
						sc, _ := scenarios.Lookup("nat-pasv-address-trusted")
						ctrRes, personaRes := compare(ctx, sc)
						Expect(ctrRes).To(suites.HaveOutcome(scenarios.Outcome{Result: scenarios.Failure, Phase: "data-connect", Class: "refused"}))
						Expect(ctrRes).To(EndLikePersona(personaRes))
					}, SpecTimeout(time.Minute))

				It("session reuse: a client that never resumes TLS meets the product's own requirement", Label("reuse"), func(ctx SpecContext) {
					sc, _ := scenarios.Lookup("reuse-required-client-no-reuse")
					ctrRes, personaRes := compare(ctx, sc)
					Expect(ctrRes).To(suites.HaveOutcome(reuseOutcome(p)))
					Expect(ctrRes).To(EndLikePersona(personaRes))
				}, SpecTimeout(time.Minute))

				It("bad certificate: an expired one fails the TLS handshake", Label("cert"), func(ctx SpecContext) {
					sc, _ := scenarios.Lookup("cert-expired")
					ctrRes, personaRes := compare(ctx, sc)
					Expect(ctrRes).To(suites.HaveOutcome(scenarios.Outcome{Result: scenarios.Failure, Phase: "tls", Class: "expired"}))
					Expect(ctrRes).To(EndLikePersona(personaRes))
				}, SpecTimeout(time.Minute))
			})

			// The catalogue table: every scenario the product can run, the
			// container's outcome beside the persona's, judged (Same or a
			// listed Known difference pass); one row each for the table
			// printed after the suite.
			var entries []TableEntry
			for _, sc := range catalogue {
				if proofScenarios[sc.Name] {
					continue
				}
				if r := dockersuite.Realize(sc, p, nil); r.Skip != "" {
					continue // listed once, below
				}
				entries = append(entries, Entry(sc.Name, Label(sc.Labels...), SpecTimeout(time.Minute), sc.Name))
			}
			DescribeTable("catalogue: the container beside its persona", Label("table"), func(ctx SpecContext, name string) {
				sc, ok := scenarios.Lookup(name)
				Expect(ok).To(BeTrue())
				ctrRes, personaRes := compare(ctx, sc)
				row := dockersuite.Judge(p.Name, name, ctrRes, personaRes)
				b, err := json.Marshal(row)
				Expect(err).NotTo(HaveOccurred())
				AddReportEntry(entryRow, string(b), types.ReportEntryVisibilityNever)
				if row.Verdict != dockersuite.Same {
					AddReportEntry("verdict", string(row.Verdict)+": "+row.Why)
				}
				Expect(row.Verdict.OK()).To(BeTrue(), "%s on %s: %s: %s\ncontainer:\n%s\npersona:\n%s",
					name, p.Name, row.Verdict, row.Why, describe(ctrRes), describe(personaRes))
			}, entries)

			describeFaults(p, shared)
			describeActive(p, func() *docker.Container { return ctr }, shared)

			It("lists the catalogue scenarios it cannot run", func() {
				for _, sc := range catalogue {
					if r := dockersuite.Realize(sc, p, nil); r.Skip != "" {
						AddReportEntry(entrySkipped, fmt.Sprintf("%-10s %s: %s", p.Name, sc.Name, r.Skip), types.ReportEntryVisibilityNever)
					}
				}
			})
		})
	}
})
