package suites

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/scenarios"
)

// transcriptTail is how many client transcript lines MatchExpectation
// shows when a scenario does not behave as expected.
const transcriptTail = 12

// HaveReplyCode succeeds when the actual value carries the FTP reply code
// code. The actual value may be
//   - an error: the code of the first [*textproto.Error] in its chain, as
//     [clientsim.ReplyCode] finds it (clientsim wraps every negative reply);
//   - a [*scenarios.Result] or [scenarios.Outcome]: the outcome's Code.
//
// Example:
//
//	_, err := conn.Store(ctx, "a.bin", data)
//	Expect(err).To(suites.HaveReplyCode(522))
//	Expect(res).To(suites.HaveReplyCode(530))
//
// fails with
//
//	Expected
//	    error: clientsim: login: PASS ****: 530 Login incorrect. [reply code 530, phase login]
//	to carry FTP reply code 522
func HaveReplyCode(code int) types.GomegaMatcher {
	return makeMatcher(fmt.Sprintf("carry FTP reply code %d", code), describeOutcomeOrError,
		func(actual any) (bool, error) {
			if err, ok := asError(actual); ok {
				return err != nil && clientsim.ReplyCode(err) == code, nil
			}
			o, _, ok := asOutcome(actual)
			if !ok {
				return false, wrongType("HaveReplyCode", "an error, *scenarios.Result or scenarios.Outcome", actual)
			}
			return o.Code == code, nil
		})
}

// FailInPhase succeeds when the actual value is a failure in the given
// session phase (connect, tls, login, data-connect, data-tls, transfer,
// reply). The actual value may be
//   - an error: its phase as [clientsim.PhaseOf] reports it (nil fails);
//   - a [*scenarios.Result] or [scenarios.Outcome]: a failure outcome
//     whose Phase is phase.
//
// Example:
//
//	Expect(err).To(suites.FailInPhase(clientsim.PhaseDataTLS))
//	Expect(res).To(suites.FailInPhase(clientsim.PhaseLogin))
//
// fails with
//
//	Expected
//	    scenario "explicit-tls": success
//	to fail in phase data-tls
func FailInPhase(phase clientsim.Phase) types.GomegaMatcher {
	return makeMatcher(fmt.Sprintf("fail in phase %s", phase), describeOutcomeOrError,
		func(actual any) (bool, error) {
			if err, ok := asError(actual); ok {
				return err != nil && clientsim.PhaseOf(err) == phase, nil
			}
			o, _, ok := asOutcome(actual)
			if !ok {
				return false, wrongType("FailInPhase", "an error, *scenarios.Result or scenarios.Outcome", actual)
			}
			return o.Result == scenarios.Failure && o.Phase == string(phase), nil
		})
}

// HaveClass succeeds when the actual [*scenarios.Result] or
// [scenarios.Outcome] failed with the error class class, as
// [scenarios.Run] classifies it (one of [scenarios.Classes]; a string
// constant such as "expired" works too). Use
// [scenarios.ClassNotReproducible] to assert that the simulator flagged a
// verdict as not the emulated program's.
//
// Example:
//
//	Expect(res).To(suites.HaveClass("unknown-authority"))
//
// fails with
//
//	Expected
//	    scenario "cert-expired": failure at tls, expired
//	to fail with error class "unknown-authority"
func HaveClass(class scenarios.Class) types.GomegaMatcher {
	return makeMatcher(fmt.Sprintf("fail with error class %q", class), describeOutcomeOrError,
		func(actual any) (bool, error) {
			o, _, ok := asOutcome(actual)
			if !ok {
				return false, wrongType("HaveClass", "a *scenarios.Result or scenarios.Outcome", actual)
			}
			return o.Result == scenarios.Failure && o.Class == class, nil
		})
}

// HaveOutcome succeeds when the actual [*scenarios.Result] or
// [scenarios.Outcome] satisfies want with the catalogue's rules
// ([scenarios.Outcome.Matches]): Result must be equal; an empty Phase, a
// zero Code and an empty Class match anything.
//
// Example:
//
//	Expect(res).To(suites.HaveOutcome(scenarios.Outcome{Result: "failure", Phase: "data-tls", Code: 522}))
//	Expect(res).To(suites.HaveOutcome(scenarios.Outcome{Result: scenarios.Success}))
//
// fails with
//
//	Expected
//	    scenario "reuse-off-full-handshake": failure at data-tls, code 522
//	    error: clientsim: data-tls: STOR upload.bin: 522 SSL connection failed: session reuse required
//	to have outcome success
func HaveOutcome(want scenarios.Outcome) types.GomegaMatcher {
	return makeMatcher("have outcome "+want.String(), describeOutcomeOrError,
		func(actual any) (bool, error) {
			o, res, ok := asOutcome(actual)
			if !ok {
				return false, wrongType("HaveOutcome", "a *scenarios.Result or scenarios.Outcome", actual)
			}
			if res != nil && res.Setup != nil {
				return false, nil
			}
			return want.Matches(o), nil
		})
}

// MatchExpectation succeeds when the actual [*scenarios.Result] ran (no
// setup error) and its outcome is the one its scenario expects
// (Scenario.Expect). The failure message says what was expected and what
// happened, the error, the scenario's diagnosis and the end of the client
// transcript.
//
// Example:
//
//	res := scenarios.Run(ctx, sc, scenarios.RunOptions{})
//	Expect(res).To(suites.MatchExpectation())
//
// fails with
//
//	Expected
//	    scenario "reuse-required-client-no-reuse" (cases S01)
//	        expected: failure at data-tls, code 522
//	        got:      success
//	        cause:    the data connection's TLS handshake did not resume ...
//	        client transcript (end):
//	          > QUIT
//	          < 221 Goodbye.
//	to match the catalogue expectation
func MatchExpectation() types.GomegaMatcher {
	return makeMatcher("match the catalogue expectation", describeResultLong,
		func(actual any) (bool, error) {
			res, ok := actual.(*scenarios.Result)
			if !ok || res == nil || res.Scenario == nil {
				return false, wrongType("MatchExpectation", "a non-nil *scenarios.Result from scenarios.Run", actual)
			}
			return res.Setup == nil && res.Scenario.Expect.Matches(res.Got), nil
		})
}

// asError reports whether actual is an error (or a nil error interface).
func asError(actual any) (error, bool) {
	if actual == nil {
		return nil, true
	}
	err, ok := actual.(error)
	return err, ok
}

// asOutcome extracts an outcome from a result or an outcome.
func asOutcome(actual any) (scenarios.Outcome, *scenarios.Result, bool) {
	switch v := actual.(type) {
	case *scenarios.Result:
		if v == nil {
			return scenarios.Outcome{}, nil, false
		}
		return v.Got, v, true
	case scenarios.Outcome:
		return v, nil, true
	case *scenarios.Outcome:
		if v == nil {
			return scenarios.Outcome{}, nil, false
		}
		return *v, nil, true
	}
	return scenarios.Outcome{}, nil, false
}

// describeOutcomeOrError is the one-line (or two-line) description of an
// error, a result or an outcome.
func describeOutcomeOrError(actual any) string {
	if err, ok := asError(actual); ok {
		if err == nil {
			return "no error (nil)"
		}
		s := "error: " + err.Error() + " ["
		if code := clientsim.ReplyCode(err); code != 0 {
			s += fmt.Sprintf("reply code %d, ", code)
		} else {
			s += "no reply code, "
		}
		if p := clientsim.PhaseOf(err); p != "" {
			s += "phase " + string(p) + "]"
		} else {
			s += "not a clientsim error]"
		}
		return s
	}
	o, res, ok := asOutcome(actual)
	if !ok {
		return fmt.Sprintf("%T %v", actual, actual)
	}
	if res == nil {
		return "outcome " + describeOutcome(o)
	}
	s := fmt.Sprintf("scenario %q: ", res.Scenario.Name)
	if res.Setup != nil {
		return s + "setup failed: " + res.Setup.Error()
	}
	s += describeOutcome(o)
	if res.Err != nil {
		s += "\nerror: " + res.Err.Error()
	}
	return s
}

// describeOutcome renders an outcome; an empty one says so.
func describeOutcome(o scenarios.Outcome) string {
	if o.Result == "" {
		return "no outcome (the zero Outcome)"
	}
	return o.String()
}

// describeResultLong describes a result for MatchExpectation.
func describeResultLong(actual any) string {
	res, ok := actual.(*scenarios.Result)
	if !ok || res == nil || res.Scenario == nil {
		return fmt.Sprintf("%T %v", actual, actual)
	}
	sc := res.Scenario
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %q", sc.Name)
	if len(sc.Cases) > 0 {
		fmt.Fprintf(&b, " (cases %s)", strings.Join(sc.Cases, ", "))
	}
	fmt.Fprintf(&b, "\n    expected: %s", sc.Expect)
	if res.Setup != nil {
		fmt.Fprintf(&b, "\n    setup failed: %v", res.Setup)
		return b.String()
	}
	fmt.Fprintf(&b, "\n    got:      %s", describeOutcome(res.Got))
	if res.Err != nil {
		fmt.Fprintf(&b, "\n    error:    %v", res.Err)
	}
	fmt.Fprintf(&b, "\n    cause:    %s", sc.Diagnosis.Cause)
	if len(res.ClientTranscript) > 0 {
		fmt.Fprintf(&b, "\n    client transcript (end):\n%s",
			indentAll(lastLines(res.ClientTranscript.String(), transcriptTail), "      "))
	}
	return b.String()
}

// indentAll prefixes every line of s.
func indentAll(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
