package scenarios

import (
	"context"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// VerdictKind is the verdict on one scenario run against a server ftpsim
// does not control (a target): how it compares with the well-configured
// reference server ([sim.WellConfigured]) given the same client. ftpsim
// run --target and the suites/conformance specs give these verdicts.
type VerdictKind string

// The verdicts, from best to worst. Only VerdictInsecure and VerdictNoRun
// fail (a conformance spec, ftpsim run --target's exit status): the others
// are observations, and the observation is what a target run is for.
const (
	// VerdictWellConfigured: the target did what the well-configured
	// reference server does (same result; for a failure, the same phase).
	VerdictWellConfigured VerdictKind = "well-configured"
	// VerdictReproduces: the target behaves differently from the reference, the
	// way a catalogue scenario predicts for another server setting or a
	// known fault (Verdict.Known names them; the diagnosis says why and
	// how to fix it).
	VerdictReproduces VerdictKind = "reproduces"
	// VerdictUnsupported: the target refused a command the scenario needs as not
	// implemented (500, 501, 502, 504), e.g. CCC or active mode.
	VerdictUnsupported VerdictKind = "unsupported"
	// VerdictDiffers: none of the above; the verdict shows both outcomes.
	VerdictDiffers VerdictKind = "differs"
	// VerdictInsecure: the target accepted something a well-configured server
	// refuses: a login in cleartext, a login with wrong credentials, a
	// transfer in cleartext, or it offers no TLS at all.
	VerdictInsecure VerdictKind = "insecure"
	// VerdictNoRun: the run itself did not work (the target was unreachable, or
	// the scenario could not start); nothing was observed.
	VerdictNoRun VerdictKind = "no-run"
)

// Verdict is what one scenario run says about a target.
type Verdict struct {
	Kind     VerdictKind
	Scenario string
	// Got is what the target did; Reference what the well-configured
	// reference server did with the same client.
	Got, Reference Outcome
	// Known lists the catalogue scenarios whose expectation the observed
	// outcome matches: the server setting or fault it looks like. The
	// scenario's own siblings (same client, other server) come first.
	Known []string
	// Reason says in one line why this is the verdict.
	Reason string
	// Cause and Fix are the diagnosis of the first known scenario (for
	// VerdictInsecure, of the insecurity).
	Cause, Fix string
}

// Failed reports whether the verdict fails the spec: an insecure target,
// or a run that did not work.
func (v Verdict) Failed() bool { return v.Kind == VerdictInsecure || v.Kind == VerdictNoRun }

// String renders "reproduces reuse-off-full-handshake: ...".
func (v Verdict) String() string {
	s := string(v.Kind)
	if v.Kind == VerdictReproduces && len(v.Known) > 0 {
		s += " " + v.Known[0]
	}
	if v.Reason != "" {
		s += ": " + v.Reason
	}
	return s
}

// insecureRule is one observation that makes a target insecure.
type insecureRule struct {
	applies    func(res *Result) bool
	reason     string
	cause, fix string
}

// loggedIn reports whether the target accepted a login (230 to PASS, or to
// USER for a server that needs no password).
func loggedIn(res *Result) bool {
	return res.ClientTranscript.Exchanged("PASS", 230) || res.ClientTranscript.Exchanged("USER", 230)
}

// insecureRules are checked in order; the first that applies decides.
var insecureRules = []insecureRule{
	{
		applies: func(res *Result) bool {
			return loggedIn(res) && len(res.CredentialsInClear()) > 0
		},
		reason: "accepted a login whose USER/PASS crossed the network in cleartext",
		cause:  "the server does not require TLS before login, so any client misconfiguration sends the password in clear",
		fix:    "require TLS for logins (vsftpd force_local_logins_ssl=YES, ProFTPD TLSRequired on, pure-ftpd --tls=2 or 3, FileZilla Server 'Require explicit FTP over TLS')",
	},
	{
		applies: func(res *Result) bool {
			return res.Scenario.Expect.Result == Failure && res.Scenario.Expect.Phase == "login" && loggedIn(res)
		},
		reason: "accepted a login the catalogue expects to be refused (wrong credentials)",
		cause:  "the server logs in a user with a wrong password",
		fix:    "check the server's authentication backend (PAM, virtual users); never allow any-password logins",
	},
	{
		applies: func(res *Result) bool { return !res.DataProtected() },
		reason:  "transferred data over a cleartext data connection (PROT C accepted)",
		cause:   "the server does not require PROT P, so file contents and listings can cross the network in clear",
		fix:     "require protected data connections (vsftpd force_local_data_ssl=YES, ProFTPD TLSRequired on, pure-ftpd --tls=3)",
	},
	{
		applies: func(res *Result) bool {
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

// Judge gives the verdict on one run against a target. reference is what
// the well-configured reference server did with the same scenario
// ([References]); catalogue is where known outcomes are looked up
// (usually [Catalogue]).
func Judge(res *Result, reference Outcome, catalogue []Scenario) Verdict {
	sc := res.Scenario
	v := Verdict{Scenario: sc.Name, Got: res.Got, Reference: reference}
	if res.Setup != nil {
		v.Kind, v.Reason = VerdictNoRun, "the scenario could not start: "+res.Setup.Error()
		return v
	}
	v.Known = known(res, catalogue)
	for _, r := range insecureRules {
		if r.applies(res) {
			v.Kind, v.Reason, v.Cause, v.Fix = VerdictInsecure, r.reason, r.cause, r.fix
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
		v.Kind, v.Reason = VerdictWellConfigured, "same as a well-configured server: "+reference.String()
	case res.Got.Result == Failure && res.Got.Phase == "connect" && res.Got.Code == 0:
		// The well-configured server answered this client; the target
		// did not even greet it.
		v.Kind, v.Reason = VerdictNoRun, "could not reach the target: "+res.Got.Message
	case len(v.Known) > 0:
		v.Kind = VerdictReproduces
		v.Reason = fmt.Sprintf("%s, where a well-configured server gives %s; %s", res.Got, reference, v.Cause)
	case res.Got.Result == Failure && slices.Contains(notImplemented, res.Got.Code):
		v.Kind = VerdictUnsupported
		v.Reason = fmt.Sprintf("the target does not implement what the scenario needs (%d): %s", res.Got.Code, res.Got.Message)
	default:
		v.Kind = VerdictDiffers
		v.Reason = fmt.Sprintf("%s, where a well-configured server gives %s", res.Got, reference)
		if res.Got.Message != "" {
			v.Reason += ": " + res.Got.Message
		}
	}
	return v
}

// sameBehaviour compares the result and, for failures, the phase; reply
// codes and texts differ from server to server.
func sameBehaviour(got, ref Outcome) bool {
	if got.Result != ref.Result {
		return false
	}
	return got.Result != Failure || got.Phase == ref.Phase
}

// known returns the catalogue scenarios whose expectation got matches:
// first the siblings of res's scenario (same client and steps, another
// server, no virtual network) whose expectation got matches but for the
// reply code (codes vary between servers), then, for a failure, any
// scenario whose expected failure is specific (a phase and a code or an
// error class) and matches got exactly.
func known(res *Result, catalogue []Scenario) []string {
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
		case !sibling && got.Result == Failure && c.Expect.Matches(got) && c.Expect.Phase != "" &&
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

func lookup(catalogue []Scenario, name string) (Diagnosis, bool) {
	for _, c := range catalogue {
		if c.Name == name {
			return c.Diagnosis, true
		}
	}
	return Diagnosis{}, false
}

// ReferenceServer returns an unstarted in-process server configured as the
// well-configured FTPS server that targets are judged against
// ([sim.WellConfigured], with implicit FTPS):
//   - TLS required on the control channel: no login before AUTH TLS
//     (vsftpd force_local_logins_ssl=YES);
//   - TLS required on the data channel: PROT C transfers refused
//     (force_local_data_ssl=YES);
//   - TLS session reuse required on data connections, and the session must
//     be the one of the same control connection (ProFTPD's default;
//     vsftpd require_ssl_reuse=YES checks only that some session resumes);
//   - explicit FTPS (AUTH TLS, and the legacy AUTH SSL) and implicit FTPS
//     on a port of its own, TLS 1.2 and 1.3, passive (EPSV and PASV) and
//     active mode, CCC allowed after login.
//
// Certificates come from set (nil: a fresh set at Start).
func ReferenceServer(set *pki.Set) *sim.Server {
	srv := sim.NewUnstartedServer()
	srv.PKI = set
	sim.WellConfigured(srv)
	srv.Implicit = true
	srv.IdleTimeout = time.Minute
	srv.DataTimeout = 5 * time.Second
	return srv
}

// TargetScenarios returns the scenarios of list that mean something against a
// server ftpsim does not control: [Scenario.TargetApplicable]
// ones that need no virtual network (a target is reached directly, so a
// network fault cannot be put in front of it) and no reply overrides (a
// misbehaving server ftpsim would have to play).
func TargetScenarios(list []Scenario) []Scenario {
	var out []Scenario
	for _, sc := range list {
		if sc.TargetApplicable() && sc.Network == nil && len(sc.Server.Replies) == 0 {
			out = append(out, sc)
		}
	}
	return out
}

// Adapt adapts a scenario to the target: a scenario that sets its own
// TLS server name (to exercise name-keyed session caches, say) uses the
// target's name instead of the catalogue's "localhost", so the run tests
// what the scenario is about rather than the certificate.
func (t *Target) Adapt(sc Scenario) Scenario {
	if sc.Client.ServerName == "" {
		return sc
	}
	switch {
	case t.ServerName != "":
		sc.Client.ServerName = t.ServerName
	default:
		addr := t.Addr
		if addr == "" {
			addr = t.ImplicitAddr
		}
		if host, _, err := net.SplitHostPort(addr); err == nil {
			sc.Client.ServerName = host
		}
	}
	return sc
}

// MissingAddress returns a reason to skip sc against t when t lacks the
// address the scenario's client dials (implicit or explicit FTPS), or "".
func (t *Target) MissingAddress(sc Scenario) string {
	implicit := sc.Client.DialsImplicit()
	switch {
	case implicit && t.ImplicitAddr == "":
		return "the scenario dials the implicit-FTPS port and the target has none: give its address " +
			"(ftpsim run --implicit-addr, FTPSIM_TARGET_IMPLICIT=ftps://host:990 for the suite), or an ftps:// target"
	case !implicit && t.Addr == "":
		return "the scenario dials the explicit-FTPS (or plain FTP) port and the target is implicit-only (ftps://)"
	}
	return ""
}

// referenceTimeout bounds each reference run (in-process, so far below).
const referenceTimeout = 30 * time.Second

// References runs every scenario of list against a [ReferenceServer], through the same target path a real target takes, and returns
// each outcome by scenario name: what a well-configured server does with
// that client.
func References(ctx context.Context, list []Scenario, set *pki.Set) (map[string]Outcome, error) {
	srv := ReferenceServer(set)
	if err := srv.Listen(); err != nil {
		return nil, fmt.Errorf("reference server: %w", err)
	}
	defer srv.Close()
	t := &Target{Addr: srv.Addr, ImplicitAddr: srv.ImplicitAddr,
		User: sim.DefaultUser, Password: sim.DefaultPassword, RootCAs: srv.RootCAs()}
	out := make(map[string]Outcome, len(list))
	for _, sc := range list {
		res := Run(ctx, t.Adapt(sc), RunOptions{Target: t, Timeout: referenceTimeout})
		if res.Setup != nil {
			return nil, fmt.Errorf("reference run of %s: %w", sc.Name, res.Setup)
		}
		out[sc.Name] = res.Got
	}
	return out, nil
}
