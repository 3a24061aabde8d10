package suites_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/types"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/suites"
)

// failure returns the message Expect(actual).To(m) fails with ("" if it
// passes).
func failure(actual any, m types.GomegaMatcher) string {
	GinkgoHelper()
	if err := InterceptGomegaFailure(func() { Expect(actual).To(m) }); err != nil {
		return err.Error()
	}
	return ""
}

// negatedFailure returns the message Expect(actual).NotTo(m) fails with.
func negatedFailure(actual any, m types.GomegaMatcher) string {
	GinkgoHelper()
	if err := InterceptGomegaFailure(func() { Expect(actual).NotTo(m) }); err != nil {
		return err.Error()
	}
	return ""
}

// run runs a catalogue scenario (or sc itself when it has no name in the
// catalogue) in-process.
func run(ctx context.Context, name string, edit ...func(*scenarios.Scenario)) *scenarios.Result {
	GinkgoHelper()
	sc, ok := scenarios.Lookup(name)
	Expect(ok).To(BeTrue(), "scenario %q", name)
	for _, e := range edit {
		e(&sc)
	}
	return scenarios.Run(ctx, sc, scenarios.RunOptions{PKI: set, Timeout: 20 * time.Second})
}

var _ = Describe("outcome matchers", Ordered, func() {
	var ok, noReuse, expired *scenarios.Result
	var loginError error // what clientsim returns for a refused password

	BeforeAll(func(ctx SpecContext) {
		ok = run(ctx, "explicit-tls")
		noReuse = run(ctx, "reuse-required-client-no-reuse")
		expired = run(ctx, "cert-expired")
		wrong := run(ctx, "wrong-password")
		Expect([]*scenarios.Result{ok, noReuse, expired, wrong}).To(HaveEach(suites.MatchExpectation()))
		loginError = wrong.Err
	})

	Describe("HaveReplyCode", func() {
		It("matches the code of an error, a result and an outcome", func() {
			Expect(loginError).To(suites.HaveReplyCode(530))
			Expect(noReuse.Err).To(suites.HaveReplyCode(522))
			Expect(noReuse).To(suites.HaveReplyCode(522))
			Expect(noReuse.Got).To(suites.HaveReplyCode(522))
			Expect(ok).NotTo(suites.HaveReplyCode(522))
		})
		It("says which code the error carried", func() {
			Expect(loginError.Error()).To(HavePrefix("clientsim: login: PASS ****: 530 "))
			Expect(failure(loginError, suites.HaveReplyCode(522))).To(Equal(
				"Expected\n    error: " + loginError.Error() + " [reply code 530, phase login]\nto carry FTP reply code 522"))
			Expect(failure(nil, suites.HaveReplyCode(522))).To(Equal("Expected\n    no error (nil)\nto carry FTP reply code 522"))
			Expect(negatedFailure(noReuse, suites.HaveReplyCode(522))).To(HavePrefix(
				"Expected\n    scenario \"reuse-required-client-no-reuse\": failure at data-tls, code 522\n    error: clientsim: data-tls:"))
			Expect(negatedFailure(noReuse, suites.HaveReplyCode(522))).To(HaveSuffix("\nnot to carry FTP reply code 522"))
		})
		It("rejects values it cannot read", func() {
			Expect(failure(42, suites.HaveReplyCode(530))).To(Equal(
				"HaveReplyCode expects an error, *scenarios.Result or scenarios.Outcome, got:\n    <int>: 42"))
		})
	})

	Describe("FailInPhase", func() {
		It("matches the phase of an error, a result and an outcome", func() {
			Expect(loginError).To(suites.FailInPhase(clientsim.PhaseLogin))
			Expect(noReuse.Err).To(suites.FailInPhase(clientsim.PhaseDataTLS))
			Expect(noReuse).To(suites.FailInPhase(clientsim.PhaseDataTLS))
			Expect(expired.Got).To(suites.FailInPhase(clientsim.PhaseTLS))
			Expect(ok).NotTo(suites.FailInPhase(clientsim.PhaseTLS))
			Expect(errors.New("not from clientsim")).NotTo(suites.FailInPhase(clientsim.PhaseTLS))
		})
		It("says where the run failed, or that it succeeded", func() {
			Expect(failure(ok, suites.FailInPhase(clientsim.PhaseDataTLS))).To(Equal(
				"Expected\n    scenario \"explicit-tls\": success\nto fail in phase data-tls"))
			Expect(failure(errors.New("boom"), suites.FailInPhase(clientsim.PhaseLogin))).To(Equal(
				"Expected\n    error: boom [no reply code, not a clientsim error]\nto fail in phase login"))
		})
	})

	Describe("HaveClass", func() {
		It("matches the error class of a failure", func() {
			Expect(expired).To(suites.HaveClass("expired"))
			Expect(noReuse).To(suites.HaveClass("reply"))
			Expect(ok).NotTo(suites.HaveClass("reply"))
		})
		It("shows the class it got", func() {
			Expect(failure(expired, suites.HaveClass("unknown-authority"))).To(And(
				HavePrefix("Expected\n    scenario \"cert-expired\": failure at tls, expired\n    error: clientsim: tls:"),
				HaveSuffix("\nto fail with error class \"unknown-authority\"")))
		})
		It("rejects errors: classes come from scenarios.Run", func() {
			Expect(failure(loginError, suites.HaveClass("reply"))).To(HavePrefix(
				"HaveClass expects a *scenarios.Result or scenarios.Outcome, got:"))
		})
	})

	Describe("HaveOutcome", func() {
		It("matches with the catalogue's wildcards", func() {
			Expect(noReuse).To(suites.HaveOutcome(scenarios.Outcome{Result: scenarios.Failure, Phase: "data-tls", Code: 522}))
			Expect(noReuse).To(suites.HaveOutcome(scenarios.Outcome{Result: scenarios.Failure}))
			Expect(ok).To(suites.HaveOutcome(scenarios.Outcome{Result: scenarios.Success}))
			Expect(ok.Got).NotTo(suites.HaveOutcome(scenarios.Outcome{Result: scenarios.Failure}))
		})
		It("shows both outcomes", func() {
			Expect(failure(ok.Got, suites.HaveOutcome(scenarios.Outcome{Result: scenarios.Failure, Phase: "data-tls", Code: 522}))).To(Equal(
				"Expected\n    outcome success\nto have outcome failure at data-tls, code 522"))
		})
	})

	Describe("MatchExpectation", func() {
		It("matches a run that behaved as its scenario expects", func() {
			Expect(ok).To(suites.MatchExpectation())
			Expect(noReuse).To(suites.MatchExpectation())
		})
		It("explains a mismatch with the diagnosis and the end of the transcript", func(ctx SpecContext) {
			res := run(ctx, "reuse-required-client-no-reuse", func(sc *scenarios.Scenario) {
				sc.Expect = scenarios.Outcome{Result: scenarios.Success}
			})
			msg := failure(res, suites.MatchExpectation())
			Expect(msg).To(HavePrefix("Expected\n    scenario \"reuse-required-client-no-reuse\" (cases S01)\n" +
				"        expected: success\n" +
				"        got:      failure at data-tls, code 522\n" +
				"        error:    clientsim: data-tls: STOR upload.bin: 522 "))
			Expect(msg).To(ContainSubstring("\n        cause:    the data connection's TLS handshake did not resume"))
			Expect(msg).To(ContainSubstring("\n        client transcript (end):\n          "))
			Expect(msg).To(ContainSubstring("\n          < 522 "))
			Expect(msg).To(HaveSuffix("\nto match the catalogue expectation"))
		})
		It("reports a run that could not start", func(ctx SpecContext) {
			res := run(ctx, "explicit-tls", func(sc *scenarios.Scenario) { sc.Server.TLS = "sometimes" })
			Expect(failure(res, suites.MatchExpectation())).To(And(
				ContainSubstring("\n        setup failed: server.tls: "),
				HaveSuffix("\nto match the catalogue expectation")))
		})
		It("wants a result", func() {
			Expect(failure(ok.Got, suites.MatchExpectation())).To(HavePrefix(
				"MatchExpectation expects a non-nil *scenarios.Result from scenarios.Run, got:"))
		})
	})
})

var _ = Describe("TLS and data matchers", Ordered, func() {
	var ok, noReuse, clearData *scenarios.Result

	BeforeAll(func(ctx SpecContext) {
		ok = run(ctx, "explicit-tls")
		noReuse = run(ctx, "reuse-required-client-no-reuse")
		// TLS optional on data and a client that asks for PROT C: the
		// transfers succeed in clear.
		clearData = run(ctx, "explicit-tls", func(sc *scenarios.Scenario) {
			sc.Name, sc.Client.Prot = "prot-c-accepted", "C"
		})
		Expect(clearData.Got.Result).To(Equal(scenarios.Success), clearData.ClientTranscript)
	})

	Describe("HaveResumedTLS", func() {
		It("matches client and server evidence of resumed data connections", func() {
			Expect(ok).To(suites.HaveResumedTLS())
			Expect(ok.ClientTLS).To(suites.HaveResumedTLS())
			Expect(ok.ClientTLS[1]).To(suites.HaveResumedTLS())
			Expect(ok.ServerData).To(suites.HaveResumedTLS())
			Expect(ok.ServerData[0]).To(suites.HaveResumedTLS())
			Expect(ok.ServerData[0].TLS).To(suites.HaveResumedTLS())
			Expect(ok.ClientTLS[0]).NotTo(suites.HaveResumedTLS(), "a control handshake is a full one")
		})
		It("lists every handshake when one was full", func() {
			msg := failure(noReuse, suites.HaveResumedTLS())
			Expect(msg).To(MatchRegexp(`^Expected\n    control 127\.0\.0\.1:\d+: TLS 1\.3 full handshake\n    data 127\.0\.0\.1:\d+: TLS 1\.3 full handshake\n`))
			Expect(msg).To(HaveSuffix("\nto have resumed the TLS session on every data connection"))
		})
		It("does not count a session without data connections", func() {
			Expect(failure(ok.ClientTLS[:1], suites.HaveResumedTLS())).To(MatchRegexp(`^Expected\n    control 127\.0\.0\.1:\d+: TLS 1\.3 full handshake\nto have`))
			Expect(failure([]sim.DataEvidence{}, suites.HaveResumedTLS())).To(HavePrefix("Expected\n    no TLS handshakes at all\n"))
		})
	})

	Describe("HaveProtectedData", func() {
		It("matches when every data connection was under TLS", func() {
			Expect(ok).To(suites.HaveProtectedData())
			Expect(ok.ServerData).To(suites.HaveProtectedData())
			Expect(ok.ClientTranscript).To(suites.HaveProtectedData())
		})
		It("names the transfers that went in clear", func() {
			Expect(failure(clearData.ClientTranscript, suites.HaveProtectedData())).To(Equal(
				"Expected\n    cleartext transfers: STOR upload.bin, RETR upload.bin, LIST /\nto have protected every data connection with TLS (PROT P)"))
			Expect(failure(clearData, suites.HaveProtectedData())).To(MatchRegexp(
				`^Expected\n    data 1 \(STOR upload\.bin\) from 127\.0\.0\.1:\d+: cleartext \(PROT C\)\n`))
		})
	})

	Describe("HaveNoCleartextCredentials", func() {
		It("passes TLS sessions, implicit ones and CCC after login", func(ctx SpecContext) {
			Expect(ok).To(suites.HaveNoCleartextCredentials())
			Expect(run(ctx, "implicit-tls")).To(suites.HaveNoCleartextCredentials())
			Expect(run(ctx, "ccc")).To(suites.HaveNoCleartextCredentials())
			Expect([]byte("\x16\x03\x01\x02\x00USER in a TLS record is not a line")).To(suites.HaveNoCleartextCredentials())
		})
		It("names the credentials of a cleartext login, with the password masked", func(ctx SpecContext) {
			plain := run(ctx, "plain-ftp")
			want := "Expected\n    credentials in clear: USER ftpsim, PASS ****\nto have sent no USER/PASS in cleartext"
			Expect(failure(plain, suites.HaveNoCleartextCredentials())).To(Equal(want))
			Expect(failure(plain.ServerTranscripts[0], suites.HaveNoCleartextCredentials())).To(Equal(want))
			Expect(failure([]byte("220 hi\r\nUSER ftpsim\r\n331 pw\r\nPASS s3cret\r\n"), suites.HaveNoCleartextCredentials())).To(Equal(want))
			Expect(failure(bytes.NewBufferString("user bob\npass s3cret\n"), suites.HaveNoCleartextCredentials())).To(
				Equal("Expected\n    credentials in clear: user bob, PASS ****\nto have sent no USER/PASS in cleartext"))
		})
	})

	Describe("HaveExchanged", func() {
		It("finds a command and its reply code", func() {
			Expect(ok).To(suites.HaveExchanged("AUTH TLS", 234))
			Expect(ok).To(suites.HaveExchanged("prot p", 200))
			Expect(ok).To(suites.HaveExchanged("PASS", 230))
			Expect(ok).To(suites.HaveExchanged("STOR", 150))
			Expect(ok).NotTo(suites.HaveExchanged("PROT C", 200))
			Expect(noReuse).To(suites.HaveExchanged("STOR upload.bin", 522))
		})
		It("shows what the command got instead", func(ctx SpecContext) {
			noTLS := run(ctx, "tls-not-offered")
			Expect(failure(noTLS, suites.HaveExchanged("AUTH TLS", 234))).To(MatchRegexp(
				`^Expected\n    AUTH TLS -> 502 [^\n]+\nto have exchanged AUTH TLS -> 234$`))
			Expect(failure(ok, suites.HaveExchanged("CCC", 200))).To(MatchRegexp(
				`^Expected\n    a transcript without CCC \(\d+ entries\)\nto have exchanged CCC -> 200$`))
		})
	})
})

var _ = Describe("content matchers", func() {
	sent := make([]byte, 64<<10)
	rand.Read(sent)
	sum := sha256.Sum256(sent)
	size := int64(len(sent))

	It("match an intact transfer in any container", func() {
		Expect(sent).To(suites.BeIntactTransfer(size, sum))
		Expect(string(sent)).To(suites.BeIntactTransfer(size, sum))
		Expect(bytes.NewBuffer(sent)).To(suites.BeIntactTransfer(size, sum))
		Expect(gbytes.BufferWithBytes(sent)).To(suites.BeIntactTransfer(size, sum))
		Expect(sent).To(suites.HaveSHA256(sum))
		Expect(sent).To(suites.HaveSHA256(sum[:]))
		Expect(sent).To(suites.HaveSHA256(hex.EncodeToString(sum[:])))
	})
	It("say how a transfer went wrong", func() {
		want := "to be an intact transfer of 65536 bytes, SHA-256 " + hex.EncodeToString(sum[:4]) + "..." + hex.EncodeToString(sum[28:])
		Expect(failure(sent[:65000], suites.BeIntactTransfer(size, sum))).To(And(
			MatchRegexp(`^Expected\n    65000 bytes, SHA-256 [0-9a-f]{8}\.\.\.[0-9a-f]{8} \(536 bytes short: truncated\)\n`),
			HaveSuffix(want)))
		Expect(failure(append(bytes.Clone(sent), '\r'), suites.BeIntactTransfer(size, sum))).To(
			ContainSubstring("(1 bytes too many: extended, e.g. LF to CRLF in TYPE A)"))
		bad := bytes.Clone(sent)
		bad[100] ^= 0xff
		Expect(failure(bad, suites.BeIntactTransfer(size, sum))).To(ContainSubstring("(right size, different content: corrupted)"))
		Expect(failure(bad, suites.HaveSHA256(sum))).To(MatchRegexp(
			`^Expected\n    65536 bytes, SHA-256 [0-9a-f.]+\nto have SHA-256 ` + hex.EncodeToString(sum[:4]) + `\.\.\.`))
	})
	It("reject a sum that is not one", func() {
		Expect(failure(sent, suites.HaveSHA256("abc"))).To(Equal(`HaveSHA256: "abc" is not a hex SHA-256 (64 hex digits)`))
		Expect(failure(sent, suites.HaveSHA256(42))).To(Equal("HaveSHA256: sum of type int; want [32]byte, []byte or a hex string"))
		Expect(failure(42, suites.BeIntactTransfer(1, sum))).To(HavePrefix("BeIntactTransfer expects content"))
	})
})

var _ = Describe("matchers on a live clientsim session", func() {
	It("check a resumed, protected, intact round trip", func(ctx SpecContext) {
		srv := sim.NewUnstartedServer()
		srv.PKI, srv.Reuse, srv.ControlTLS, srv.DataTLS = set, sim.ReuseSame, sim.TLSRequired, sim.TLSRequired
		srv.Start()
		DeferCleanup(srv.Close)
		conn, err := clientsim.Dial(ctx, srv.Addr, clientsim.WithRootCAs(srv.RootCAs()),
			clientsim.WithTLSVersions(tls.VersionTLS12, tls.VersionTLS12))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(conn.Close)
		Expect(conn.Login(ctx, "ftpsim", "wrong")).To(And(suites.HaveReplyCode(530), suites.FailInPhase(clientsim.PhaseLogin)))
		Expect(conn.Login(ctx, sim.DefaultUser, sim.DefaultPassword)).To(Succeed())

		data := make([]byte, 300<<10)
		rand.Read(data)
		_, err = conn.Store(ctx, "a.bin", bytes.NewReader(data))
		Expect(err).NotTo(HaveOccurred())
		var got bytes.Buffer
		_, err = conn.Retrieve(ctx, "a.bin", &got)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Bytes()).To(suites.BeIntactTransfer(int64(len(data)), sha256.Sum256(data)))
		Expect(conn.Quit(ctx)).To(Succeed())

		Expect(conn).To(suites.HaveResumedTLS())
		Expect(conn).To(suites.HaveNoCleartextCredentials())
		Expect(conn).To(suites.HaveProtectedData())
		Expect(conn).To(suites.HaveExchanged("PASS", 530))
		Expect(conn.Transcript()).To(suites.HaveExchanged("RETR a.bin", 226))
		Expect(srv.Sessions()[0].Data()).To(And(suites.HaveResumedTLS(), suites.HaveProtectedData()))
	})
})
