package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ftpsim/ftpsim/scenarios"
)

// Point is one reason a scenario scored: what agreed or disagreed with
// the log, by how much, and the line that shows it (nil when the point is
// about something the log lacks).
type Point struct {
	Score int    `json:"score"`
	Why   string `json:"why"`
	Line  *Event `json:"line,omitempty"`
}

// Candidate is one catalogue scenario scored against an incident.
type Candidate struct {
	Scenario scenarios.Scenario `json:"-"`
	Name     string             `json:"name"`
	Score    int                `json:"score"`
	// Consistent: the scenario's expected outcome agrees with the log's
	// (result, phase, code and class where both say them).
	Consistent bool    `json:"consistent"`
	Points     []Point `json:"points"`
}

// Match scores every scenario in list against the incident and returns
// them best first; ties keep the catalogue's order.
func Match(in *Incident, list []scenarios.Scenario) []Candidate {
	out := make([]Candidate, 0, len(list))
	for _, sc := range list {
		c := Candidate{Scenario: sc, Name: sc.Name}
		c.Consistent = scoreOutcome(&c, in)
		if !scoreTopic(&c, in) {
			c.Consistent = false
		}
		scoreSettings(&c, in)
		for _, p := range c.Points {
			c.Score += p.Score
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		if a.Consistent != b.Consistent {
			if a.Consistent {
				return -1
			}
			return 1
		}
		return b.Score - a.Score
	})
	return out
}

func (c *Candidate) add(score int, line *Event, f string, a ...any) {
	c.Points = append(c.Points, Point{Score: score, Why: fmt.Sprintf(f, a...), Line: line})
}

// ev returns the incident's evidence line for key, or nil.
func (in *Incident) ev(key string) *Event {
	if e, ok := in.Evidence[key]; ok {
		return &e
	}
	return nil
}

// scoreOutcome compares the scenario's expected outcome with the log's.
func scoreOutcome(c *Candidate, in *Incident) bool {
	want, got := c.Scenario.Expect, in.Outcome
	at := in.FailedAt
	switch {
	case got.Result == "":
		return false
	case want.Result != got.Result:
		c.add(-10, at, "expects %s; the log shows %s", want, got)
		return false
	case got.Result == scenarios.Success:
		c.add(3, nil, "expects success, as the log shows")
		return true
	}
	ok := true
	gc := got.Class
	switch {
	case want.Phase == got.Phase:
		c.add(4, at, "fails at %s, as the log does", got.Phase)
	case want.Phase != "":
		c.add(-4, at, "fails at %s; the log fails at %s", want.Phase, got.Phase)
		ok = false
	}
	switch {
	case want.Code != 0 && want.Code == got.Code:
		c.add(5, at, "reply %d, as in the log", got.Code)
	case want.Code != 0 && got.Code != 0:
		c.add(-5, at, "expects reply %d; the log has %d", want.Code, got.Code)
		ok = false
	case want.Code != 0 && want.Phase == got.Phase && got.Phase == "transfer" && (gc == scenarios.ClassReset || gc == scenarios.ClassTruncated || gc == scenarios.ClassTimeout):
		// a client that aborts mid-transfer exits before the server's final reply
		c.add(-1, at, "expects reply %d; the log's client stopped (%s) before any reply", want.Code, gc)
	case want.Code != 0:
		c.add(-3, at, "expects reply %d; the log has no reply at the failure", want.Code)
		ok = false
	case got.Code != 0:
		c.add(-1, at, "the log has reply %d where the scenario has none", got.Code)
	}
	if got.Phase == "connect" && want.Phase == "connect" && (gc == scenarios.ClassTimeout || gc == scenarios.ClassRefused) {
		// A scenario's network stops the client before the server (a
		// firewall closed on the control port); without one, the
		// client reached the server, which then did not greet it.
		switch stopped := c.Scenario.Network != nil; {
		case stopped && in.ControlConnected:
			c.add(-4, at, "its firewall stops the TCP connection; the log shows the connection made, then no greeting")
			ok = false
		case !stopped && !in.ControlConnected && gc == scenarios.ClassTimeout:
			c.add(-2, at, "its client's TCP connection is made, then no greeting comes; the log shows no connection made")
			ok = false
		}
	}
	wc := want.Class
	switch {
	case wc == "" || wc == scenarios.ClassNotReproducible || wc == scenarios.ClassReply && gc == wc:
		// a reply's code has scored already
	case wc == gc:
		c.add(3, at, "a %s error, as in the log", gc)
	case wc == scenarios.ClassReply && got.Code != 0, gc == scenarios.ClassReply && want.Code != 0:
	case gc == scenarios.ClassReply && got.Phase == "data-connect" && (wc == scenarios.ClassTimeout || wc == scenarios.ClassRefused):
		// the server's 425 after the client gave up on the data connection
		c.add(1, at, "the server gave up on the data connection (%d) where the scenario's client sees a %s", got.Code, wc)
	default:
		c.add(-2, at, "a %s error; the log shows %s", wc, orWord(string(gc), "none"))
		if want.Code == 0 {
			ok = false
		}
	}
	return ok
}

func orWord(s, w string) string {
	if s == "" {
		return w
	}
	return s
}

// scoreSettings compares the scenario's server, client and network with
// what the log shows of them.
func scoreSettings(c *Candidate, in *Incident) {
	sc := c.Scenario
	srv, cl := sc.Server, sc.Client
	switch {
	case srv.Persona != "" && in.Server == srv.Persona:
		c.add(3, in.ev("server"), "the server is %s", in.Server)
	case srv.Persona != "" && in.Server != "":
		c.add(-3, in.ev("server"), "a %s server; the log's is %s", srv.Persona, in.Server)
	}
	if sc.HasLabel("go") && in.Client != "" {
		c.add(-2, nil, "a Go client's scenario; the log's client is %s", in.Client)
	}
	if k := srv.Certificate; k != "" && in.FailedAt != nil && certFact(*in.FailedAt) != "" {
		selfSigned := in.ev("self-signed") != nil
		switch {
		case strings.Contains(k, "self") && selfSigned:
			c.add(2, in.ev("self-signed"), "a self-signed certificate, as the log says")
		case strings.Contains(k, "self") != selfSigned:
			c.add(-1, in.FailedAt, "certificate %s; the log's error %s", k, map[bool]string{true: "says self-signed", false: "names no self-signed certificate"}[selfSigned])
		}
	}
	if in.FailedAt != nil && in.FailedAt.Has(FactCleartextRefused) && strings.EqualFold(cl.TLS, "plain") {
		c.add(2, in.FailedAt, "the server refuses cleartext sessions, as the log's reply says")
	}
	plain := strings.EqualFold(cl.TLS, "plain")
	sentAuth := in.Auth != ""
	switch {
	case plain && !sentAuth && !in.Implicit:
		c.add(2, nil, "a cleartext client: the log has no AUTH")
	case plain:
		c.add(-3, in.ev("auth"), "a cleartext client; the log's client used TLS")
	case !sentAuth && !in.Implicit && hasLogin(in):
		c.add(-3, nil, "a TLS client; the log's client logged in without AUTH")
	}
	implicit := strings.EqualFold(cl.TLS, "implicit")
	switch {
	case implicit && in.Implicit:
		c.add(2, in.ev("implicit"), "implicit FTPS, as in the log")
	case implicit != in.Implicit && (in.Implicit || sentAuth):
		c.add(-2, in.ev("auth"), "implicit=%v; the log's client is %s", implicit, map[bool]string{true: "implicit", false: "explicit"}[in.Implicit])
	}
	if a := strings.ToUpper(cl.Auth); a == "SSL" && in.Auth == "SSL" {
		c.add(1, in.ev("auth"), "the client sends AUTH SSL")
	}
	prot := strings.ToUpper(orWord(cl.Prot, "P"))
	switch {
	case in.Prot == "" || plain:
	case prot == in.Prot && prot == "C":
		c.add(3, in.ev("prot"), "PROT C, as in the log")
	case prot != in.Prot:
		c.add(-3, in.ev("prot"), "PROT %s; the log's client sent PROT %s", prot, in.Prot)
	}
	switch {
	case cl.CCC && in.CCC:
		c.add(2, in.ev("ccc"), "CCC after login, as in the log")
	case cl.CCC != in.CCC && sentAuth && hasLogin(in):
		c.add(-2, in.ev("ccc"), "CCC=%v; the log's client %s", cl.CCC, map[bool]string{true: "sent CCC", false: "did not"}[in.CCC])
	}
	if in.TLSVersion == "1.2" && cl.TLSMax == "" && !plain {
		c.add(-1, in.ev("tls-version"), "a TLS 1.3 client; the log negotiated TLS 1.2")
	}
	if in.TLSVersion != "" && cl.TLSMax != "" {
		if cl.TLSMax == in.TLSVersion {
			c.add(1, in.ev("tls-version"), "TLS %s, as in the log", in.TLSVersion)
		} else {
			c.add(-2, in.ev("tls-version"), "TLS at most %s; the log negotiated %s", cl.TLSMax, in.TLSVersion)
		}
	}
	scoreData(c, in)
}

func hasLogin(in *Incident) bool {
	for _, l := range in.Logs {
		if hasCommand(l.Events, "USER") {
			return true
		}
	}
	return false
}

// scoreData compares passive/active mode, the advertised address and
// session reuse.
func scoreData(c *Candidate, in *Incident) {
	sc := c.Scenario
	cl, n := sc.Client, sc.Network
	active := cl.Active != ""
	switch {
	case active && in.Active != "":
		c.add(2, in.ev("active"), "active mode (%s), as in the log", in.Active)
	case active && in.Passive != "":
		c.add(-3, in.ev("passive"), "active mode; the log's client used %s", in.Passive)
	case !active && in.Active != "":
		c.add(-3, in.ev("active"), "passive mode; the log's client sent %s", in.Active)
	}
	if !active && in.Passive != "" && (in.Client == "curl" || in.Client == "") {
		// curl chooses EPSV or PASV by its options; the other clients' choice says nothing about the scenario
		wantPASV := strings.EqualFold(cl.Passive, "pasv")
		triedEPSV := hasCommand(allEvents(in), "EPSV")
		switch {
		case in.Passive == "PASV" && triedEPSV && !wantPASV:
			c.add(1, in.ev("passive"), "EPSV first, then PASV, as in the log")
		case in.Passive == "PASV" && triedEPSV:
			c.add(-1, in.ev("passive"), "a PASV-only client; the log's tried EPSV first")
		case wantPASV && in.Passive == "PASV", !wantPASV && in.Passive == "EPSV":
			c.add(1, in.ev("passive"), "%s, as in the log", in.Passive)
		case wantPASV:
			c.add(-2, in.ev("passive"), "a PASV client; the log's used EPSV")
		case in.Passive == "PASV" && !hasCommand(allEvents(in), "EPSV") && in.Client == "curl":
			c.add(-1, in.ev("passive"), "an EPSV-first client; the log's curl used PASV only")
		}
	}
	trusts := strings.EqualFold(cl.PASV, "trust")
	serverNAT := n != nil && (n.ServerNAT || n.PassiveForward.String() != "") // forwards imply the NAT
	nat := serverNAT || n != nil && sc.Server.PassiveAddr != ""
	switch {
	case in.DialedAdvertised && trusts:
		c.add(3, in.ev("dialed-advertised"), "the client dials the 227 address %s, as in the log", in.PassiveAddr)
	case in.DialedAdvertised:
		c.add(-2, in.ev("dialed-advertised"), "the client ignores the 227 address; the log's dialed %s", in.PassiveAddr)
	case trusts && in.ev("pasv-fixed") != nil:
		c.add(-2, in.ev("pasv-fixed"), "the client trusts the 227 address; the log's client replaced it")
	case trusts && in.PassiveAddr != "" && in.AddrKind != "same":
		c.add(-1, in.ev("pasv-addr"), "the client would dial the 227 address; the log's did not")
	}
	if in.AddrKind != "" {
		switch {
		case in.AddrKind == "private" && serverNAT && sc.Server.PassiveAddr == "" && in.ev("pasv-fixed") == nil:
			c.add(2, in.ev("pasv-addr"), "the server advertises its private address %s", in.PassiveAddr)
		case in.AddrKind == "public" && sc.Server.PassiveAddr != "" && n != nil:
			c.add(2, in.ev("pasv-addr"), "the server advertises a public address (%s) other than the control peer", in.PassiveAddr)
		case in.AddrKind == "same" && serverNAT && sc.Server.PassiveAddr == "":
			c.add(-2, in.ev("pasv-addr"), "a server that advertises a private address; the log's 227 names the control peer")
		case in.AddrKind != "same" && !nat && in.Outcome.Phase == "data-connect":
			c.add(-1, in.ev("pasv-addr"), "a server that advertises its control address; the log's 227 names %s", in.PassiveAddr)
		}
	}
	if ev := in.ev("pasv-fixed"); ev != nil && strings.EqualFold(cl.PASV, "lftp") {
		c.add(2, ev, "the client replaces the 227 address, as in the log")
	}
	reuseNone := strings.EqualFold(cl.Reuse, "none")
	switch {
	case in.NotResumed && reuseNone:
		c.add(2, in.ev("not-resumed"), "the data connection does not resume TLS, as the log says")
	case in.Resumed && reuseNone:
		c.add(-3, in.ev("resumed"), "a client that does not resume; the log's resumed")
	case in.Client == "ftplib" && reuseNone:
		c.add(1, nil, "stock ftplib never resumes TLS on data connections")
	}
	scoreAuthRefusal(c, in)
	if d := scenarioDirection(sc); d != "" && in.Direction != "" && in.Outcome.Phase == "transfer" {
		if d == in.Direction {
			c.add(1, nil, "the failing transfer is a%s %s", map[bool]string{true: "n", false: ""}[d == "upload"], d)
		} else {
			c.add(-1, nil, "fails on a%s %s; the log's on a%s %s", map[bool]string{true: "n", false: ""}[d == "upload"], d,
				map[bool]string{true: "n", false: ""}[in.Direction == "upload"], in.Direction)
		}
	}
}

func allEvents(in *Incident) []Event {
	var out []Event
	for _, l := range in.Logs {
		out = append(out, l.Events...)
	}
	return out
}

// scenarioDirection is the direction a failing transfer scenario fails
// on, from its name and steps.
func scenarioDirection(sc scenarios.Scenario) string {
	switch {
	case strings.Contains(sc.Name, "upload"):
		return "upload"
	case strings.Contains(sc.Name, "download"):
		return "download"
	}
	return ""
}

// topic says what the failing line is about: "reuse" (TLS session
// resumption), "protection" (PROT, cleartext data) or "".
func topic(ev *Event) string {
	if ev == nil {
		return ""
	}
	low := strings.ToLower(ev.Text)
	switch {
	case ev.Has(FactReuseRefused) || strings.Contains(low, "reuse") || strings.Contains(low, "resum"):
		return "reuse"
	case strings.Contains(low, "encrypt") || strings.Contains(low, "protection") || strings.Contains(low, "prot setting") ||
		strings.Contains(low, "required on the data channel"):
		return "protection"
	}
	return ""
}

// scoreTopic compares what the failing line is about with the family of
// the scenario; false when they contradict.
func scoreTopic(c *Candidate, in *Incident) bool {
	reuse := c.Scenario.HasLabel("reuse") || c.Scenario.HasLabel("tickets")
	switch t := topic(in.FailedAt); {
	case t == "reuse" && reuse:
		c.add(2, in.FailedAt, "the failing line is about TLS session reuse")
	case t == "reuse":
		c.add(-2, in.FailedAt, "the failing line is about TLS session reuse, which this scenario is not")
	case t == "protection" && reuse:
		c.add(-4, in.FailedAt, "the failing line is about data protection (PROT), not session reuse")
		return false
	case t == "protection" && c.Scenario.HasLabel("prot"):
		c.add(2, in.FailedAt, "the failing line is about data protection (PROT)")
	}
	return true
}

// scoreAuthRefusal tells a server with TLS switched off from a middlebox
// that answers AUTH itself, by the words of the refusal.
func scoreAuthRefusal(c *Candidate, in *Incident) {
	ev := in.FailedAt
	if ev == nil || in.Outcome.Phase != "tls" || ev.Kind != Reply || in.AuthCode == 0 {
		return
	}
	low := strings.ToLower(ev.Text)
	switchedOff := strings.Contains(low, "not enabled") || strings.Contains(low, "disabled") || strings.Contains(low, "not configured") ||
		strings.Contains(low, "not available")
	n := c.Scenario.Network
	filter := n != nil && n.AuthFilter != 0
	switch {
	case filter && in.AuthCode == n.AuthFilter && switchedOff:
		c.add(-1, ev, "a middlebox answering AUTH; the reply says TLS is switched off on the server")
	case filter && in.AuthCode == n.AuthFilter:
		c.add(1, ev, "AUTH answered %d without naming TLS settings, as a middlebox does", n.AuthFilter)
	case strings.EqualFold(c.Scenario.Server.TLS, "off") && switchedOff:
		c.add(2, ev, "the reply says TLS is switched off on the server")
	}
}
