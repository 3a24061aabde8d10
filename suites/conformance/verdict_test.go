package conformance_test

import (
	"context"
	"net"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/suites/conformance"
)

// startServer starts an in-process server as a target, configured by
// configure (from the sim defaults: TLS optional, no reuse requirement).
func startServer(configure func(*sim.Server)) *scenarios.Target {
	GinkgoHelper()
	srv := sim.NewUnstartedServer()
	srv.PKI, srv.Implicit = set, true
	if configure != nil {
		configure(srv)
	}
	srv.Start()
	DeferCleanup(srv.Close)
	return &scenarios.Target{Addr: srv.Addr, ImplicitAddr: srv.ImplicitAddr,
		User: sim.DefaultUser, Password: sim.DefaultPassword, RootCAs: srv.RootCAs()}
}

// classify runs a catalogue scenario against t and judges it.
func classify(ctx context.Context, t *scenarios.Target, name string) conformance.Verdict {
	GinkgoHelper()
	sc, ok := scenarios.Lookup(name)
	Expect(ok).To(BeTrue(), name)
	res := scenarios.Run(ctx, t.Adapt(sc), scenarios.RunOptions{Target: t, Timeout: conformance.DefaultTimeout})
	return scenarios.Judge(res, references[name], catalogue)
}

var _ = Describe("Classify", Label("classify"), func() {
	DescribeTable("a lenient server: TLS optional on control and data, no session reuse required",
		func(ctx SpecContext, name string, kind conformance.Kind, detail string) {
			v := classify(ctx, startServer(nil), name)
			Expect(v.Kind).To(Equal(kind), v.String())
			Expect(v.String()).To(ContainSubstring(detail))
		},
		Entry("a plain login is insecure", "plain-ftp", conformance.Insecure, "USER/PASS crossed the network in cleartext"),
		Entry("so is the plain client of the TLS-required scenario", "tls-required-plain-client", conformance.Insecure, "cleartext"),
		Entry("PROT C transfers are insecure", "data-tls-required-prot-c", conformance.Insecure, "cleartext data connection (PROT C accepted)"),
		Entry("no reuse requirement reproduces reuse-off-full-handshake", "reuse-required-client-no-reuse",
			conformance.Reproduces, "reproduces reuse-off-full-handshake: success, where a well-configured server gives failure at data-tls"),
		Entry("explicit FTPS works as on a well-configured server", "explicit-tls", conformance.WellConfiguredKind, "same as a well-configured server"),
	)

	It("calls a server without TLS insecure", func(ctx SpecContext) {
		t := startServer(func(s *sim.Server) { s.ControlTLS, s.DataTLS, s.Implicit = sim.TLSDisabled, sim.TLSDisabled, false })
		v := classify(ctx, t, "explicit-tls")
		Expect(v.Kind).To(Equal(conformance.Insecure))
		Expect(v.Reason).To(Equal("does not offer TLS: AUTH TLS was refused"))
		Expect(v.Known).To(ContainElement("tls-not-offered"))
	})

	It("calls a refused CCC unsupported", func(ctx SpecContext) {
		t := startServer(func(s *sim.Server) {
			s.ControlTLS, s.DataTLS, s.Reuse, s.DisableCCC = sim.TLSRequired, sim.TLSRequired, sim.ReuseSame, true
		})
		v := classify(ctx, t, "ccc")
		Expect(v.Kind).To(Equal(conformance.Unsupported), v.String())
		Expect(v).To(conformance.BeAcceptable())
	})

	It("calls an unreachable target a run that did not work", func(ctx SpecContext) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		addr := ln.Addr().String()
		Expect(ln.Close()).To(Succeed())
		v := classify(ctx, &scenarios.Target{Addr: addr, User: "u", Password: "p"}, "explicit-tls")
		Expect(v.Kind).To(Equal(conformance.NoRun))
		Expect(v.Reason).To(HavePrefix("could not reach the target: "))
	})

	It("calls a login with a wrong password insecure", func() {
		sc, _ := scenarios.Lookup("wrong-password")
		res := &scenarios.Result{Scenario: &sc, Got: scenarios.Outcome{Result: scenarios.Success},
			ClientTranscript: scenarios.ParseTranscript("< 220 hi\n> AUTH TLS\n< 234 go\n~ control handshake done: TLS 1.3\n> USER ftpsim\n< 331 pw\n> PASS ****\n< 230 in\n")}
		v := scenarios.Judge(res, references["wrong-password"], catalogue)
		Expect(v.Kind).To(Equal(conformance.Insecure))
		Expect(v.Reason).To(Equal("accepted a login the catalogue expects to be refused (wrong credentials)"))
	})

	It("says how an unexplained outcome differs", func() {
		sc, _ := scenarios.Lookup("explicit-tls")
		got := scenarios.Outcome{Result: scenarios.Failure, Phase: "transfer", Code: 451, Class: "reply", Message: "451 disk full"}
		v := scenarios.Judge(&scenarios.Result{Scenario: &sc, Got: got}, references["explicit-tls"], catalogue)
		Expect(v.Kind).To(Equal(conformance.Differs))
		Expect(v.Reason).To(Equal("failure at transfer, code 451, where a well-configured server gives success: 451 disk full"))
	})

	It("explains why a verdict is not acceptable", func(ctx SpecContext) {
		v := classify(ctx, startServer(nil), "plain-ftp")
		err := InterceptGomegaFailure(func() { Expect(v).To(conformance.BeAcceptable()) })
		Expect(err).To(MatchError(
			"Expected\n    insecure: accepted a login whose USER/PASS crossed the network in cleartext\n" +
				"    cause: the server does not require TLS before login, so any client misconfiguration sends the password in clear\n" +
				"    fix:   require TLS for logins (vsftpd force_local_logins_ssl=YES, ProFTPD TLSRequired on, pure-ftpd --tls=2 or 3, FileZilla Server 'Require explicit FTP over TLS')\n" +
				"to be acceptable (neither insecure nor a run that did not work)"))
	})
})

var _ = Describe("Settings", Label("settings"), func() {
	setenv := func(k, v string) {
		old, had := os.LookupEnv(k)
		Expect(os.Setenv(k, v)).To(Succeed())
		DeferCleanup(func() {
			if had {
				os.Setenv(k, old)
			} else {
				os.Unsetenv(k)
			}
		})
	}

	It("reads the environment and builds the target", func() {
		ca := filepath.Join(GinkgoT().TempDir(), "ca.pem")
		Expect(os.WriteFile(ca, set.CA.CertPEM(), 0o644)).To(Succeed())
		setenv(conformance.EnvTarget, "ftp://alice:s%40cret@ftp.example.com:2121")
		setenv(conformance.EnvImplicitTarget, "ftps://ftp.example.com")
		setenv(conformance.EnvCA, ca)
		setenv(conformance.EnvInsecure, "0")
		setenv(conformance.EnvServerName, "ftp.example.com")
		setenv(conformance.EnvTimeout, "45s")
		s, err := conformance.SettingsFromEnv()
		Expect(err).NotTo(HaveOccurred())
		Expect(s.ScenarioTimeout().String()).To(Equal("45s"))
		Expect(s.Name()).To(Equal("ftp://alice:xxxxx@ftp.example.com:2121 + ftps://ftp.example.com"))
		t, err := s.Target()
		Expect(err).NotTo(HaveOccurred())
		Expect(*t).To(MatchFields(IgnoreExtras, Fields{
			"Addr": Equal("ftp.example.com:2121"), "ImplicitAddr": Equal("ftp.example.com:990"),
			"User": Equal("alice"), "Password": Equal("s@cret"), "ServerName": Equal("ftp.example.com"),
			"Insecure": BeFalse(), "RootCAs": Not(BeNil()),
		}))
	})

	DescribeTable("refuses settings that cannot work",
		func(s conformance.Settings, want string) {
			_, err := s.Target()
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("no target", conformance.Settings{}, "no target: set FTPSIM_TARGET="),
		Entry("no user", conformance.Settings{URL: "ftp://host:21"}, "no user"),
		Entry("another scheme", conformance.Settings{URL: "sftp://u:p@host"}, "want ftp (explicit FTPS) or ftps"),
		Entry("an implicit URL that is not ftps", conformance.Settings{URL: "ftp://u:p@host", ImplicitURL: "ftp://host:990"}, "want ftps://host:port"),
		Entry("a CA file without PEM", conformance.Settings{URL: "ftp://u:p@host", CAFile: "conformance_test.go"}, "no PEM certificate"),
	)

	It("rejects unparsable variables", func() {
		setenv(conformance.EnvInsecure, "maybe")
		setenv(conformance.EnvTimeout, "soon")
		_, err := conformance.SettingsFromEnv()
		Expect(err).To(MatchError(And(ContainSubstring("FTPSIM_TARGET_INSECURE=\"maybe\""), ContainSubstring("FTPSIM_TARGET_TIMEOUT=\"soon\""))))
	})
})
