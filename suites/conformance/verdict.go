package conformance

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/suites"
)

// Kind is the verdict on one scenario run against a target.
type Kind string

// The verdicts, from best to worst. Only Insecure and NoRun fail a spec:
// the others are observations, and the observation is what the suite is
// for.
const (
	// WellConfiguredKind: the target did what the well-configured
	// reference server does (same result; for a failure, the same phase).
	WellConfiguredKind Kind = "well-configured"
	// Reproduces: the target behaves differently from the reference, the
	// way a catalogue scenario predicts for another server setting or a
	// known fault (Verdict.Known names them; the diagnosis says why and
	// how to fix it).
	Reproduces Kind = "reproduces"
	// Unsupported: the target refused a command the scenario needs as not
	// implemented (500, 501, 502, 504), e.g. CCC or active mode.
	Unsupported Kind = "unsupported"
	// Differs: none of the above; the verdict shows both outcomes.
	Differs Kind = "differs"
	// Insecure: the target accepted something a well-configured server
	// refuses: a login in cleartext, a login with wrong credentials, a
	// transfer in cleartext, or it offers no TLS at all.
	Insecure Kind = "insecure"
	// NoRun: the run itself did not work (the target was unreachable, or
	// the scenario could not start); nothing was observed.
	NoRun Kind = "no-run"
)

// Verdict is what one scenario run says about a target.
type Verdict struct {
	Kind     Kind
	Scenario string
	// Got is what the target did; Reference what the well-configured
	// reference server did with the same client.
	Got, Reference scenarios.Outcome
	// Known lists the catalogue scenarios whose expectation the observed
	// outcome matches: the server setting or fault it looks like. The
	// scenario's own siblings (same client, other server) come first.
	Known []string
	// Reason says in one line why this is the verdict.
	Reason string
	// Cause and Fix are the diagnosis of the first known scenario (for
	// Insecure, of the insecurity).
	Cause, Fix string
}

// Failed reports whether the verdict fails the spec: an insecure target,
// or a run that did not work.
func (v Verdict) Failed() bool { return v.Kind == Insecure || v.Kind == NoRun }

// String renders "reproduces reuse-off-full-handshake: ...".
func (v Verdict) String() string {
	s := string(v.Kind)
	if v.Kind == Reproduces && len(v.Known) > 0 {
		s += " " + v.Known[0]
	}
	if v.Reason != "" {
		s += ": " + v.Reason
	}
	return s
}

// insecureRule is one observation that makes a target insecure.
type insecureRule struct {
	applies    func(res *scenarios.Result) bool
	reason     string
	cause, fix string
}

// loggedIn reports whether the target accepted a login (230 to PASS, or to
// USER for a server that needs no password).
func loggedIn(res *scenarios.Result) bool {
	return matches(res, suites.HaveExchanged("PASS", 230)) || matches(res, suites.HaveExchanged("USER", 230))
}

// insecureRules are checked in order; the first that applies decides.
var insecureRules = []insecureRule{
	{
		applies: func(res *scenarios.Result) bool {
			return loggedIn(res) && !matches(res, suites.HaveNoCleartextCredentials())
		},
		reason: "accepted a login whose USER/PASS crossed the network in cleartext",
		cause:  "the server does not require TLS before login, so any client misconfiguration sends the password in clear",
		fix:    "require TLS for logins (vsftpd force_local_logins_ssl=YES, ProFTPD TLSRequired on, pure-ftpd --tls=2 or 3, FileZilla Server 'Require explicit FTP over TLS')",
	},
	{
		applies: func(res *scenarios.Result) bool {
			return res.Scenario.Expect.Result == scenarios.Failure && res.Scenario.Expect.Phase == "login" && loggedIn(res)
		},
		reason: "accepted a login the catalogue expects to be refused (wrong credentials)",
		cause:  "the server logs in a user with a wrong password",
		fix:    "check the server's authentication backend (PAM, virtual users); never allow any-password logins",
	},
	{
		applies: func(res *scenarios.Result) bool { return !matches(res, suites.HaveProtectedData()) },
		reason:  "transferred data over a cleartext data connection (PROT C accepted)",
		cause:   "the server does not require PROT P, so file contents and listings can cross the network in clear",
		fix:     "require protected data connections (vsftpd force_local_data_ssl=YES, ProFTPD TLSRequired on, pure-ftpd --tls=3)",
	},
	{
		applies: func(res *scenarios.Result) bool {
			return !strings.EqualFold(res.Scenario.Client.TLS, "plain") &&
				res.Got.Phase == "tls" && res.Got.Class == "tls-required"
		},
		reason: "does not offer TLS: AUTH TLS was refused",
		cause:  "the server (or a middlebox in front of it) has no FTPS: credentials can only go in clear",
		fix:    "enable TLS on the server (vsftpd ssl_enable=YES, pure-ftpd --tls=2); if a firewall answers AUTH itself, disable its FTP inspection",
	},
}

// notImplemented are the reply codes of a command the server does not
// implement or support.
var notImplemented = []int{500, 501, 502, 504}

// Classify judges one run against a target. reference is what the
// well-configured reference server did with the same scenario
// ([References]); catalogue is where known outcomes are looked up
// (usually [scenarios.Catalogue]).
func Classify(res *scenarios.Result, reference scenarios.Outcome, catalogue []scenarios.Scenario) Verdict {
	sc := res.Scenario
	v := Verdict{Scenario: sc.Name, Got: res.Got, Reference: reference}
	if res.Setup != nil {
		v.Kind, v.Reason = NoRun, "the scenario could not start: "+res.Setup.Error()
		return v
	}
	v.Known = known(res, catalogue)
	for _, r := range insecureRules {
		if r.applies(res) {
			v.Kind, v.Reason, v.Cause, v.Fix = Insecure, r.reason, r.cause, r.fix
			return v
		}
	}
	if len(v.Known) > 0 {
		if d, ok := lookup(catalogue, v.Known[0]); ok {
			v.Cause, v.Fix = d.Cause, d.Fix
		}
	}
	switch {
	case sameBehaviour(res.Got, reference):
		v.Kind, v.Reason = WellConfiguredKind, "same as a well-configured server: "+reference.String()
	case res.Got.Result == scenarios.Failure && res.Got.Phase == "connect" && res.Got.Code == 0:
		// The well-configured server answered this client; the target
		// did not even greet it.
		v.Kind, v.Reason = NoRun, "could not reach the target: "+res.Got.Message
	case len(v.Known) > 0:
		v.Kind = Reproduces
		v.Reason = fmt.Sprintf("%s, where a well-configured server gives %s; %s", res.Got, reference, v.Cause)
	case res.Got.Result == scenarios.Failure && slices.Contains(notImplemented, res.Got.Code):
		v.Kind = Unsupported
		v.Reason = fmt.Sprintf("the target does not implement what the scenario needs (%d): %s", res.Got.Code, res.Got.Message)
	default:
		v.Kind = Differs
		v.Reason = fmt.Sprintf("%s, where a well-configured server gives %s: %s", res.Got, reference, res.Got.Message)
	}
	return v
}

// sameBehaviour compares the result and, for failures, the phase; reply
// codes and texts differ from server to server.
func sameBehaviour(got, ref scenarios.Outcome) bool {
	if got.Result != ref.Result {
		return false
	}
	return got.Result != scenarios.Failure || got.Phase == ref.Phase
}

// known returns the catalogue scenarios whose expectation got matches:
// first the siblings of res's scenario (same client and steps, another
// server, no virtual network) whose expectation got matches but for the
// reply code (codes vary between servers), then, for a failure, any
// scenario whose expected failure is specific (a phase and a code or an
// error class) and matches got exactly.
func known(res *scenarios.Result, catalogue []scenarios.Scenario) []string {
	sc, got := res.Scenario, res.Got
	var siblings, others []string
	for _, c := range catalogue {
		sibling := c.Network == nil && reflect.DeepEqual(c.Client, sc.Client) && reflect.DeepEqual(c.Steps, sc.Steps)
		// A refusal with another reply code is the same refusal (vsftpd
		// 522, pure-ftpd 521); a failure without a reply is not.
		expect := c.Expect
		if got.Code != 0 && expect.Code != 0 {
			expect.Code = 0
		}
		switch {
		case sibling && expect.Matches(got):
			siblings = append(siblings, c.Name)
		case !sibling && got.Result == scenarios.Failure && c.Expect.Matches(got) && c.Expect.Phase != "" &&
			(c.Expect.Code != 0 || (c.Expect.Class != "" && c.Expect.Class != "reply")):
			others = append(others, c.Name)
		}
	}
	out := append(siblings, others...)
	if len(out) > 4 {
		out = out[:4]
	}
	return out
}

func lookup(catalogue []scenarios.Scenario, name string) (scenarios.Diagnosis, bool) {
	for _, c := range catalogue {
		if c.Name == name {
			return c.Diagnosis, true
		}
	}
	return scenarios.Diagnosis{}, false
}

// matches applies a matcher as a predicate; a matcher error counts as no
// match.
func matches(actual any, m interface{ Match(any) (bool, error) }) bool {
	ok, err := m.Match(actual)
	return err == nil && ok
}
