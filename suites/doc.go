// Package suites holds ftpsim's Gomega matchers and the helpers its Ginkgo
// suites share; the suites themselves live in the subpackages catalogue
// (every catalogue scenario, in-process), conformance (the catalogue's
// client side against a server of your own) and docker (the catalogue
// against real products in containers, beside their personas).
//
// Import it in your own Ginkgo specs: the matchers below take what sim,
// clientsim and scenarios produce and explain a failure in FTP terms,
// so a test of your FTPS client or server reads like
//
//	import . "github.com/ftpsim/ftpsim/suites"
//
//	It("refuses a data connection that does not resume", func(ctx SpecContext) {
//		sc, _ := scenarios.Lookup("vsftpd-reuse-required")
//		res := scenarios.Run(ctx, sc, scenarios.RunOptions{})
//		Expect(res).To(MatchExpectation())
//		Expect(res).To(HaveReplyCode(522))
//		Expect(res).To(HaveNoCleartextCredentials())
//	})
//
// Within ftpsim only this package tree may import Ginkgo and Gomega
// (internal/archtest enforces it), and no ftpsim package imports it.
//
// # Matchers
//
// Each matcher takes what the rest of ftpsim produces, and its failure
// message describes that value in FTP terms rather than dumping it:
//
//	Expect(err).To(HaveReplyCode(522))                      // error, *scenarios.Result, scenarios.Outcome
//	Expect(err).To(FailInPhase(clientsim.PhaseDataTLS))     // error, *scenarios.Result, scenarios.Outcome
//	Expect(res).To(HaveClass("unknown-authority"))          // *scenarios.Result, scenarios.Outcome
//	Expect(res).To(HaveOutcome(scenarios.Outcome{Result: "failure", Phase: "login", Code: 530}))
//	Expect(res).To(MatchExpectation())                      // the scenario's own Expect
//	Expect(conn).To(HaveResumedTLS())                       // clientsim and sim TLS evidence
//	Expect(res).To(HaveProtectedData())                     // no transfer in clear (PROT P)
//	Expect(got).To(BeIntactTransfer(size, sha256.Sum256(sent)))
//	Expect(got).To(HaveSHA256(sum))
//	Expect(res).To(HaveNoCleartextCredentials())            // raw bytes or transcripts
//	Expect(res).To(HaveExchanged("AUTH TLS", 234))          // a command and its reply
//
// A failure reads like
//
//	Expected
//	    scenario "explicit-tls": success
//	to fail in phase data-tls
//
// and a value of a type a matcher does not understand is a matcher error
// ("HaveReplyCode expects an error, *scenarios.Result or
// scenarios.Outcome, got: ..."), not a silent mismatch. The matchers are
// built with gcustom.MakeMatcher; matchers_test.go shows each one
// matching and failing, with its exact message.
//
// # Suite helpers
//
// [Family] and [Families] derive failure families from scenario labels, so
// the catalogue suite's tables follow the catalogue. [Record] attaches a
// run to the current spec: report entries (JUnit properties) and, through
// DeferOnFailure, the transcripts, the server's data evidence and the
// fault timeline when the spec fails. [CheckGoroutineLeaks], called from a
// JustBeforeEach, fails a spec that leaks goroutines (gleak).
//
// # Running the suites
//
// The suites are ordinary Go tests, so CI runs them with go test and
// judges them by its closing lines:
//
//	go test ./suites/...
//	go test -race ./suites/...
//	go test ./suites/catalogue -v                      # every spec, and the expected-vs-actual matrix
//
// Ginkgo flags take a -ginkgo. prefix under go test. Labels select specs:
// each catalogue table is labelled with its family (basics, reuse, policy,
// cert, nat, firewall, alg, ...) and each entry with its scenario's labels
// (tls, implicit, ccc, pasv, ...):
//
//	go test ./suites/catalogue -ginkgo.label-filter='reuse && !docker'
//	go test ./suites/catalogue -ginkgo.label-filter='nat || firewall || alg'
//	go test ./suites/... -ginkgo.focus='reuse-required'
//
// JUnit XML for CI dashboards: every spec becomes a <testcase>, and its
// report entries (scenario, labels, cases, expected, actual; on failure
// also error, diagnosis, transcripts, server data and fault timeline)
// become <property> elements:
//
//	go test ./suites/... -ginkgo.junit-report=report.xml
//
// With several packages, go test writes report.xml in each package's
// directory; give an absolute path per package, or run the ginkgo CLI
// (ginkgo -r -p --junit-report=report.xml --output-dir=out), which also
// runs specs in parallel.
//
// # Conformance against your own server
//
// The conformance suite runs the catalogue's client side against a server
// you name, with no Go code of your own:
//
//	FTPSIM_TARGET='ftp://user:pass@ftp.example.com:21' FTPSIM_TARGET_CA=ca.pem \
//	    go test ./suites/conformance -v -ginkgo.label-filter=target
//
// See package conformance for its settings and what it reports.
package suites
