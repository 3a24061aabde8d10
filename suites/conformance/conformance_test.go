package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
	"github.com/ftpsim/ftpsim/suites"
	"github.com/ftpsim/ftpsim/suites/conformance"
)

var _ = Describe("conformance", func() {
	Describe("of FTPSIM_TARGET", Label("target"), Ordered, ContinueOnFailure, func() {
		if !settings.Enabled() {
			It("runs the catalogue against your server", func() { Skip(conformance.Hint) })
			return
		}
		conformanceSpecs(func(SpecContext) conformance.Settings { return settings }, nil)
	})

	Describe("self-test: sim configured as a well-configured server", Label("self-test", "sim"), Ordered, ContinueOnFailure, func() {
		if settings.Enabled() {
			It("runs without FTPSIM_TARGET", func() { Skip("self-tests do not run when FTPSIM_TARGET is set") })
			return
		}
		conformanceSpecs(startSim, func(v conformance.Verdict) {
			Expect(v.Kind).To(Equal(conformance.WellConfiguredKind), "the reference configuration is well-configured by definition: %s", v)
		})
	})

	Describe("self-test: vsftpd with TLS and session reuse required", Label("self-test", "vsftpd", "peers"), Ordered, ContinueOnFailure, func() {
		if settings.Enabled() {
			It("runs without FTPSIM_TARGET", func() { Skip("self-tests do not run when FTPSIM_TARGET is set") })
			return
		}
		conformanceSpecs(startVsftpd, nil)
	})
})

// conformanceSpecs declares, inside an Ordered container, the conformance
// specs against the target whose settings start returns (start may Skip):
// one DescribeTable per family of the applicable scenarios, one Entry per
// scenario. Each spec runs its scenario against the target, classifies the
// outcome, records the verdict and fails only on an insecure target or a
// run that did not work; check, if set, adds expectations of its own.
func conformanceSpecs(start func(SpecContext) conformance.Settings, check func(conformance.Verdict)) {
	var (
		name    string
		target  *scenarios.Target
		timeout time.Duration
	)
	BeforeAll(func(ctx SpecContext) {
		s := start(ctx)
		var err error
		target, err = s.Target()
		Expect(err).NotTo(HaveOccurred())
		name, timeout = s.Name(), s.ScenarioTimeout()
		Expect(reachable(ctx, target)).To(Succeed(), "the target %s", name)
	})
	for _, fam := range suites.Families(applicable) {
		args := []any{Label(fam.Name), func(ctx SpecContext, sc scenarios.Scenario) {
			if reason := target.MissingAddress(sc); reason != "" {
				Skip(reason)
			}
			res := scenarios.Run(ctx, target.Adapt(sc), scenarios.RunOptions{Target: target, Timeout: timeout})
			suites.Record(res)
			v := scenarios.Judge(res, references[sc.Name], catalogue)
			conformance.Record(name, v)
			Expect(v).To(conformance.BeAcceptable())
			if check != nil {
				check(v)
			}
		}}
		for _, sc := range fam.Scenarios {
			args = append(args, Entry(sc.Name, Label(sc.Labels...), SpecTimeout(2*conformance.DefaultTimeout), sc))
		}
		DescribeTable(fam.Name, args...)
	}
}

// reachable dials the target's control address once, so an unreachable
// target fails one setup node instead of every spec.
func reachable(ctx context.Context, t *scenarios.Target) error {
	addr := t.Addr
	if addr == "" {
		addr = t.ImplicitAddr
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %w", addr, err)
	}
	return c.Close()
}

// writeCA writes the suite's root CA as a PEM file, as a user would hand
// it to FTPSIM_TARGET_CA.
func writeCA(dir string) string {
	GinkgoHelper()
	path := filepath.Join(dir, "ca.pem")
	Expect(os.WriteFile(path, set.CA.CertPEM(), 0o644)).To(Succeed())
	return path
}

// startSim starts the reference configuration as a target and returns
// the settings a user would give for it, so the self-test goes through the
// same FTPSIM_TARGET path.
func startSim(SpecContext) conformance.Settings {
	srv := scenarios.ReferenceServer(set)
	srv.Start()
	DeferCleanup(srv.Close)
	return conformance.Settings{
		URL:         fmt.Sprintf("ftp://%s:%s@%s", sim.DefaultUser, sim.DefaultPassword, srv.Addr),
		ImplicitURL: "ftps://" + srv.ImplicitAddr,
		CAFile:      writeCA(GinkgoT().TempDir()),
	}
}

// startVsftpd starts vsftpd twice, explicit and implicit, both with
// require_ssl_reuse=YES, force_local_logins_ssl=YES and
// force_local_data_ssl=YES (internal/peers), and returns the settings for
// them. It skips when vsftpd cannot run here.
func startVsftpd(ctx SpecContext) conformance.Settings {
	dir := GinkgoT().TempDir()
	Expect(set.Get(pki.Good).WriteFiles(dir, "server")).To(Succeed())
	start := func(implicit bool) *peers.Server {
		cfg := peers.Config{Dir: GinkgoT().TempDir(), CertFile: filepath.Join(dir, "server.crt"), KeyFile: filepath.Join(dir, "server.key")}
		srv, err := peers.Vsftpd{Config: cfg, Implicit: implicit}.Start(ctx)
		var nie *peers.NotInstalledError
		if errors.As(err, &nie) {
			Skip(nie.Error())
		}
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)
		DeferOnFailure(func() { AddReportEntry(srv.Name+" logs", srv.Logs()) })
		return srv
	}
	explicit, implicit := start(false), start(true)
	return conformance.Settings{
		URL:         fmt.Sprintf("ftp://%s:%s@%s", explicit.User, explicit.Password, explicit.Addr),
		ImplicitURL: "ftps://" + implicit.ImplicitAddr,
		CAFile:      writeCA(dir),
	}
}
