package diagnose

import (
	"strings"

	"github.com/ftpsim/ftpsim/scenarios"
)

// benign lists commands whose error replies do not end a session by
// themselves (the client goes on without them).
var benign = map[string]bool{"SIZE": true, "MDTM": true, "FEAT": true, "SYST": true, "OPTS": true, "PWD": true, "CLNT": true,
	"HOST": true, "SITE": true, "MLST": true, "REST": true, "TYPE": true, "MODE": true, "STRU": true, "QUIT": true, "NOOP": true}

// transferVerbs open a data connection.
var transferVerbs = map[string]bool{"LIST": true, "NLST": true, "MLSD": true, "RETR": true, "STOR": true, "APPE": true, "STOU": true}

// findFailure walks the client's events keeping the phase, and settles
// the outcome: the last error reply nothing recovered from, else the
// first error note after the last successful reply.
func (in *Incident) findFailure(evs []Event) {
	w := &walk{evs: evs, phase: "connect", lastOK: -1}
	for i := range evs {
		switch evs[i].Kind {
		case Command:
			w.command(evs[i])
		case Reply:
			w.replied(i)
		case Note:
			w.noted(i)
		}
	}
	w.settle(in)
}

// walk is findFailure's state: the phase the exchange is in and the
// failure candidates seen so far.
type walk struct {
	evs                           []Event
	phase                         string
	cmd                           Event // the last command
	reply, noteFail, refusedReuse *Event
	replyPhase, notePhase         string
	lastOK                        int // index of the last successful reply
	greeted, done                 bool
}

func (w *walk) command(ev Event) {
	w.cmd = ev
	switch v := ev.Verb(); {
	case v == "AUTH", v == "PBSZ", v == "PROT", v == "CCC":
		w.phase = "tls"
	case v == "USER", v == "PASS", v == "ACCT":
		w.phase = "login"
	case v == "PASV", v == "EPSV", v == "PORT", v == "EPRT":
		w.phase = "data-connect"
	case transferVerbs[v]:
		if w.phase != "data-connect" && w.phase != "data-tls" {
			w.phase = "data-connect"
		}
	case !benign[v]:
		w.phase = "reply"
	}
}

func (w *walk) replied(i int) {
	ev := w.evs[i]
	if ev.Code == 220 {
		w.greeted = true
	}
	v := w.cmd.Verb()
	if bad := ev.Code >= 400 || v == "AUTH" && ev.Code < 300 && ev.Code != 234; bad {
		if !benign[v] || w.reply != nil {
			w.reply, w.replyPhase = &w.evs[i], replyPhaseOf(v, ev, w.phase)
		}
		return
	}
	if ev.Code < 200 && transferVerbs[v] {
		w.phase = "transfer"
	}
	if ev.Code == 226 || ev.Code == 250 && transferVerbs[v] {
		w.done = true
	}
	if ev.Code >= 200 && !benign[v] && v != "EPSV" && v != "PASV" || ev.Code == 227 || ev.Code == 229 {
		w.lastOK = i
	}
	if v == "AUTH" && ev.Code == 234 || v == "PASV" || v == "EPSV" {
		w.reply = nil // a fallback worked (AUTH SSL then TLS, EPSV then PASV)
	}
}

func (w *walk) noted(i int) {
	ev := w.evs[i]
	low := strings.ToLower(ev.Text)
	if ev.Has(FactReuseRefused) && w.refusedReuse == nil {
		w.refusedReuse = &w.evs[i]
	}
	if w.phase == "data-connect" && (ev.Has(FactTLSEstablished) || strings.Contains(low, "client hello")) {
		w.phase = "data-tls"
	}
	if w.noteFail == nil && i > w.lastOK && failureFact(ev) != "" {
		w.noteFail, w.notePhase = &w.evs[i], w.phase
		if !w.greeted && w.phase == "connect" && ev.Has(FactNotTLS) || (w.phase == "tls" || w.phase == "connect") && certFact(ev) != "" {
			w.notePhase = "tls"
		}
	}
	if !w.greeted && w.noteFail == nil && strings.Contains(low, "response reading failed") {
		// connected, no greeting, and the client gave up waiting
		w.evs[i].Facts = append(w.evs[i].Facts, FactTimeout)
		w.noteFail, w.notePhase = &w.evs[i], "connect"
	}
}

// settle turns the candidates into the incident's outcome.
func (w *walk) settle(in *Incident) {
	switch {
	case w.reply != nil:
		in.FailedAt = w.reply
		in.Outcome = scenarios.Outcome{Result: scenarios.Failure, Phase: w.replyPhase, Code: w.reply.Code, Class: scenarios.ClassReply}
		if w.replyPhase == "tls" && w.reply.Code >= 500 && !afterAuthLogin(w.evs, w.reply) {
			in.Outcome.Class = scenarios.ClassTLSRequired // AUTH refused and the client stopped
		}
	case w.refusedReuse != nil && reuseCode[in.Server] != 0:
		// a server's log without the reply: its program decides the code
		in.FailedAt = w.refusedReuse
		in.Outcome = scenarios.Outcome{Result: scenarios.Failure, Phase: "data-tls", Code: reuseCode[in.Server], Class: scenarios.ClassReply}
	case w.noteFail != nil:
		in.FailedAt = w.noteFail
		in.Outcome = scenarios.Outcome{Result: scenarios.Failure, Phase: w.notePhase, Class: scenarios.Class(failureFact(*w.noteFail))}
	case w.done:
		in.Outcome = scenarios.Outcome{Result: scenarios.Success}
	}
}

// reuseCode is the reply each server sends when it refuses a data
// connection that did not resume the control session (field notes S01).
var reuseCode = map[string]int{"vsftpd": 522, "proftpd": 425, "filezilla-server": 425}

// afterAuthLogin reports whether the client logged in after the reply
// (so a refused AUTH did not stop it).
func afterAuthLogin(evs []Event, r *Event) bool {
	seen := false
	for i := range evs {
		if &evs[i] == r {
			seen = true
			continue
		}
		if seen && evs[i].Verb() == "USER" {
			return true
		}
	}
	return false
}

// replyPhaseOf says at which phase an error reply to verb ended things.
func replyPhaseOf(verb string, ev Event, phase string) string {
	low := strings.ToLower(ev.Text)
	tlsWords := strings.Contains(low, "tls") || strings.Contains(low, "ssl") || strings.Contains(low, "unable to build data connection") ||
		strings.Contains(low, "resum") || strings.Contains(low, "encrypt") || strings.Contains(low, "prot")
	switch {
	case verb == "AUTH" || verb == "PBSZ" || verb == "PROT" || verb == "CCC":
		return "tls"
	case verb == "USER" || verb == "PASS" || ev.Code == 530:
		return "login"
	case verb == "" && ev.Code != 0:
		return "connect"
	case verb == "PASV" || verb == "EPSV" || verb == "PORT" || verb == "EPRT":
		return "data-connect"
	case transferVerbs[verb] || phase == "transfer":
		switch {
		case ev.Code == 522 || ev.Code == 521 || (ev.Code == 425 || ev.Code == 450) && tlsWords:
			return "data-tls"
		case ev.Code == 425:
			return "data-connect"
		}
		return "transfer"
	}
	return "reply"
}

// failureFact is the class an error note shows, "" for none; the more
// specific facts first.
func failureFact(ev Event) string {
	if c := certFact(ev); c != "" {
		return c
	}
	for _, f := range []Fact{FactNotTLS, FactTruncated, FactReset, FactRefused, FactTimeout} {
		if ev.Has(f) {
			return string(f)
		}
	}
	if ev.Has(FactHandshakeFailed) {
		return string(scenarios.ClassOther)
	}
	return ""
}

func certFact(ev Event) string {
	for _, f := range []Fact{FactExpired, FactNotYetValid, FactIncompatibleUsage, FactHostname, FactUnknownAuthority} {
		if ev.Has(f) {
			return string(f)
		}
	}
	return ""
}
