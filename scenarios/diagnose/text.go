package diagnose

import (
	"fmt"
	"io"
	"strings"
)

// WriteText renders the report for a person: the files and their
// formats, the exchange, the failure, the ranked matches with evidence,
// cause and fix, and what the log lacks. verbose adds every scored point
// and the whole exchange.
func (r *Report) WriteText(w io.Writer, verbose bool) {
	in := r.Incident
	fmt.Fprintln(w, "logs:")
	for _, l := range in.Logs {
		fmt.Fprintf(w, "  %-28s %s (%s, %d lines, %d events)\n", l.Name, l.Format, l.Side, l.Lines, len(l.Events))
	}
	fmt.Fprintln(w, "what the log shows:")
	facts := [][2]string{
		{"client", in.Client}, {"server", in.Server}, {"greeting", in.Banner}, {"control peer", in.ControlPeer},
		{"TLS", tlsSummary(in)}, {"TLS alerts", strings.Join(in.Alerts, "; ")}, {"data", dataSummary(in)}, {"transfer", in.Direction},
	}
	if in.Duration > 0 {
		facts = append(facts, [2]string{"time spanned", in.Duration.String()})
	}
	if in.Waited > 0 {
		facts = append(facts, [2]string{"waited", fmt.Sprintf("%s after %s, then failed", in.Waited, orWord(in.WaitedFor, "the last command"))})
	}
	for _, f := range facts {
		if f[1] != "" {
			fmt.Fprintf(w, "  %-14s %s\n", f[0], f[1])
		}
	}
	switch {
	case in.Outcome.Result == "":
		fmt.Fprintln(w, "  outcome        unknown: the log shows neither a failure nor a completed transfer")
	case in.FailedAt != nil:
		fmt.Fprintf(w, "  outcome        %s\n                 %s: %s\n", in.Outcome, in.FailedAt.Pos, in.FailedAt.Raw)
	default:
		fmt.Fprintf(w, "  outcome        %s\n", in.Outcome)
	}
	if verbose {
		fmt.Fprintln(w, "exchange:")
		for _, l := range in.Logs {
			for _, e := range l.Events {
				if e.Kind != Note || len(e.Facts) > 0 {
					fmt.Fprintf(w, "  %s  %s\n", e.Pos, eventLine(e))
				}
			}
		}
	}
	r.writeMatches(w, verbose)
	if len(in.Missing) > 0 {
		fmt.Fprintln(w, "missing from the log:")
		for _, m := range in.Missing {
			fmt.Fprintf(w, "  - %s\n", m)
		}
	}
}

func (r *Report) writeMatches(w io.Writer, verbose bool) {
	top := r.Top(3)
	if len(top) == 0 {
		fmt.Fprintf(w, "no catalogue scenario is consistent with the log (%s)\n", orWord(r.Incident.Outcome.String(), "its outcome is unknown"))
		if best := r.Candidates; len(best) > 0 && r.Incident.Outcome.Result != "" {
			fmt.Fprintf(w, "  nearest: %s (expects %s), but: %s\n", best[0].Name, best[0].Scenario.Expect, firstNegative(best[0]))
			fmt.Fprintf(w, "  to write the case yourself: ftpsim list --yaml %s > case.yaml, edit it, ftpsim run case.yaml\n", best[0].Name)
		}
		return
	}
	if r.Incident.Outcome.Result == "success" {
		fmt.Fprintln(w, "the log shows no failure; scenarios that also succeed this way:")
	} else {
		fmt.Fprintln(w, "matching scenarios (best first):")
	}
	for i, c := range top {
		fmt.Fprintf(w, "%d. %s  (score %d)  %s\n", i+1, c.Name, c.Score, c.Scenario.Summary)
		for _, p := range c.Points {
			if p.Score <= 0 && !verbose {
				continue
			}
			where := ""
			if p.Line != nil {
				where = "  [" + p.Line.Pos.String() + "]"
			}
			fmt.Fprintf(w, "     %+d %s%s\n", p.Score, p.Why, where)
		}
		fmt.Fprintf(w, "   cause: %s\n   fix:   %s\n", c.Scenario.Diagnosis.Cause, c.Scenario.Diagnosis.Fix)
		if f := r.ServerFix(c); f != "" {
			fmt.Fprintf(w, "   on %s: %s\n", r.Incident.Server, f)
		}
	}
	if tied := r.Tied(); len(tied) > 1 {
		var names []string
		for _, c := range tied {
			names = append(names, c.Name)
		}
		fmt.Fprintf(w, "the log cannot tell apart: %s (they differ in what the client's log does not show: the server's network or configuration)\n", strings.Join(names, ", "))
	}
}

func firstNegative(c Candidate) string {
	for _, p := range c.Points {
		if p.Score < 0 {
			return p.Why
		}
	}
	return "differs"
}

func eventLine(e Event) string {
	switch e.Kind {
	case Command:
		return "> " + e.Text
	case Reply:
		return fmt.Sprintf("< %d %s", e.Code, e.Text)
	}
	var fs []string
	for _, f := range e.Facts {
		fs = append(fs, string(f))
	}
	return fmt.Sprintf("* %s  (%s)", e.Text, strings.Join(fs, ", "))
}

func tlsSummary(in *Incident) string {
	var parts []string
	switch {
	case in.Implicit:
		parts = append(parts, "implicit")
	case in.Auth != "":
		parts = append(parts, fmt.Sprintf("AUTH %s -> %s", in.Auth, codeString(in.AuthCode)))
	case in.TLSVersion != "":
		parts = append(parts, "TLS (no AUTH in the log)")
	case hasLogin(in):
		return "none (cleartext FTP)"
	default:
		return ""
	}
	if in.TLSVersion != "" {
		parts = append(parts, "TLS "+in.TLSVersion)
	}
	if in.Prot != "" {
		parts = append(parts, "PROT "+in.Prot)
	}
	if in.CCC {
		parts = append(parts, "CCC")
	}
	switch {
	case in.Resumed:
		parts = append(parts, "data resumed the session")
	case in.NotResumed:
		parts = append(parts, "data did not resume the session")
	}
	return strings.Join(parts, ", ")
}

func dataSummary(in *Incident) string {
	switch {
	case in.Active != "":
		return fmt.Sprintf("active (%s %s)", in.Active, in.PortAddr)
	case in.Passive == "":
		return ""
	case in.PassiveAddr == "":
		return "passive (" + in.Passive + ")"
	}
	s := fmt.Sprintf("passive (%s), 227 address %s (%s)", in.Passive, in.PassiveAddr, in.AddrKind)
	if in.DialedAdvertised {
		s += ", dialed by the client"
	}
	return s
}
