package diagnose

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
)

// Incident is what the logs of one failure show, normalised.
type Incident struct {
	Logs []*Log `json:"logs"`
	// Client and Server name the programs, when the logs tell
	// ("curl"; a persona name such as "vsftpd").
	Client string `json:"client,omitempty"`
	Server string `json:"server,omitempty"`
	// Banner is the 220 greeting.
	Banner string `json:"banner,omitempty"`
	// ControlPeer is the server address the client dialed (data, never
	// dialed here).
	ControlPeer string `json:"control_peer,omitempty"`
	// Implicit: TLS started before the greeting.
	Implicit bool `json:"implicit,omitempty"`
	// Auth is the last AUTH mechanism sent ("TLS", "SSL"); AuthCode its
	// reply.
	Auth     string `json:"auth,omitempty"`
	AuthCode int    `json:"auth_code,omitempty"`
	// Prot is the last PROT level sent; CCC whether CCC was sent.
	Prot string `json:"prot,omitempty"`
	CCC  bool   `json:"ccc,omitempty"`
	// TLSVersion is the negotiated version ("1.3").
	TLSVersion string `json:"tls_version,omitempty"`
	// Resumed: a data connection resumed a TLS session; NotResumed: a
	// side says one did not.
	Resumed    bool `json:"resumed,omitempty"`
	NotResumed bool `json:"not_resumed,omitempty"`
	// Passive is the last passive command (EPSV, PASV); PassiveAddr the
	// address a 227 reply advertised and AddrKind how it relates to the
	// control peer: same, private, public, other.
	Passive     string `json:"passive,omitempty"`
	PassiveAddr string `json:"passive_addr,omitempty"`
	AddrKind    string `json:"addr_kind,omitempty"`
	// DialedAdvertised: the client dialed the 227 address, not the
	// control peer.
	DialedAdvertised bool `json:"dialed_advertised,omitempty"`
	// Active is PORT or EPRT when the client used active mode; PortAddr
	// the address it sent.
	Active   string `json:"active,omitempty"`
	PortAddr string `json:"port_addr,omitempty"`
	// Direction is upload, download or list: the last transfer command.
	Direction string `json:"direction,omitempty"`
	// Outcome is the failure (or success) in the catalogue's terms.
	Outcome scenarios.Outcome `json:"outcome"`
	// FailedAt is the line that shows the failure.
	FailedAt *Event `json:"failed_at,omitempty"`
	// Duration is the time the logs span, when they have timestamps.
	Duration time.Duration `json:"duration,omitempty"`
	// Waited is how long the client waited before the failure: from the
	// last command before it to the failing line (timestamps), or as the
	// failing line says ("after 12000 milliseconds").
	Waited time.Duration `json:"waited,omitempty"`
	// WaitedFor is that last command.
	WaitedFor string `json:"waited_for,omitempty"`
	// Missing lists what the logs lack that a diagnosis would use, each
	// with what to do about it.
	Missing []string `json:"missing,omitempty"`
	// Evidence keeps, per fact name, the line that showed it.
	Evidence map[string]Event `json:"-"`
}

// Analyze joins the logs of one incident. The client's log, when there
// is one, decides the failure; a server's log adds what only the server
// knows (its program, refused reuse, TLS versions).
func Analyze(logs ...*Log) *Incident {
	in := &Incident{Logs: logs, Evidence: map[string]Event{}}
	var primary *Log
	for _, l := range logs {
		if l.Side == "client" && primary == nil {
			primary = l
		}
	}
	if primary == nil && len(logs) > 0 {
		primary = logs[0]
	}
	for _, l := range logs {
		in.readFacts(l)
	}
	if primary != nil {
		in.findFailure(primary.Events)
		if primary.Side == "client" {
			in.Client = primary.Program
		}
	}
	in.timing()
	in.missing(primary)
	return in
}

func (in *Incident) note(key string, ev Event) {
	if _, ok := in.Evidence[key]; !ok {
		in.Evidence[key] = ev
	}
}

var (
	pasvAddr    = regexp.MustCompile(`\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)`)
	peerAddr    = regexp.MustCompile(`(?i)(?:connected to|connecting to|trying|client ")\s*([^\s(:"]+)?(?:\s*\(([0-9a-f.:]+)\))?(?:[:\s]*port (\d+)|:(\d+))?`)
	serverNames = []struct{ words, persona string }{
		{"vsftpd", "vsftpd"}, {"proftpd", "proftpd"}, {"pure-ftpd", "pure-ftpd"}, {"filezilla server", "filezilla-server"},
		{"pyftpdlib", "pyftpdlib"}, {"require_ssl_reuse", "vsftpd"}, {"proceed with negotiation", "vsftpd"},
		{"auth tls ok", "pure-ftpd"}, {"tls session of data connection", "filezilla-server"}, {"mod_tls", "proftpd"},
		{"using authentication type tls", "filezilla-server"}, {"ftpsim", "ftpsim"},
	}
)

// readFacts collects the settings and addresses a log shows.
func (in *Incident) readFacts(l *Log) {
	if l.Side == "server" && in.Server == "" {
		in.Server = l.Program
		in.note("server", l.Events[0])
	}
	sawGreeting := false
	for i, ev := range l.Events {
		switch ev.Kind {
		case Reply:
			if ev.Code == 220 && in.Banner == "" {
				in.Banner = ev.Text
				sawGreeting = true
			}
			if ev.Code == 227 {
				if m := pasvAddr.FindStringSubmatch(ev.Text); m != nil {
					in.PassiveAddr = strings.Join(m[1:5], ".")
					in.note("pasv-addr", ev)
				}
			}
			if in.Server == "" {
				low := strings.ToLower(ev.Text)
				for _, s := range serverNames {
					if strings.Contains(low, s.words) {
						in.Server = s.persona
						in.note("server", ev)
						break
					}
				}
			}
			if prev := lastCommand(l.Events[:i]); prev.Verb() == "AUTH" && ev.Code != 0 {
				in.AuthCode = ev.Code
			}
		case Command:
			switch v := ev.Verb(); v {
			case "AUTH":
				in.Auth = strings.ToUpper(ev.Arg())
				in.note("auth", ev)
			case "PROT":
				in.Prot = strings.ToUpper(ev.Arg())
				in.note("prot", ev)
			case "CCC":
				in.CCC = true
				in.note("ccc", ev)
			case "PASV", "EPSV":
				in.Passive = v
				in.note("passive", ev)
			case "PORT", "EPRT":
				in.Active = v
				in.PortAddr = portAddr(v, ev.Arg())
				in.note("active", ev)
			case "STOR", "APPE", "STOU":
				in.Direction = "upload"
			case "RETR":
				in.Direction = "download"
			case "LIST", "NLST", "MLSD":
				if in.Direction == "" {
					in.Direction = "list"
				}
			}
		case Note:
			if ev.Has(FactTLSEstablished) {
				if v := tlsVersion(ev.Text); v != "" && in.TLSVersion == "" {
					in.TLSVersion = v
					in.note("tls-version", ev)
				}
				if !sawGreeting && l.Side == "client" && !hasCommand(l.Events[:i], "AUTH") {
					in.Implicit = true
					in.note("implicit", ev)
				}
			}
			if ev.Has(FactTLSResumed) && hasPassive(l.Events[:i]) {
				in.Resumed = true
				in.note("resumed", ev)
			}
			if ev.Has(FactReuseRefused) || ev.Has(FactTLSNotResumed) {
				in.NotResumed = true
				in.note("not-resumed", ev)
			}
			if in.ControlPeer == "" && (ev.Has(FactConnected) || ev.Has(FactConnecting)) && !hasPassive(l.Events[:i]) && l.Side == "client" {
				in.ControlPeer = hostOf(ev.Text)
				in.note("control-peer", ev)
			}
			if in.PassiveAddr != "" && in.ControlPeer != "" && ev.Has(FactConnecting) && strings.Contains(ev.Text, in.PassiveAddr) && in.PassiveAddr != in.ControlPeer {
				in.DialedAdvertised = true
				in.note("dialed-advertised", ev)
			}
			if low := strings.ToLower(ev.Text); strings.Contains(low, "self-signed") || strings.Contains(low, "self signed") {
				in.note("self-signed", ev)
			}
			if ev.Has(FactPassiveAddrFixed) {
				in.note("pasv-fixed", ev)
			}
		}
	}
	in.AddrKind = addrKind(in.PassiveAddr, in.ControlPeer)
}

func lastCommand(evs []Event) Event {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == Command {
			return evs[i]
		}
	}
	return Event{}
}

func hasCommand(evs []Event, verb string) bool {
	for _, e := range evs {
		if e.Verb() == verb {
			return true
		}
	}
	return false
}

func hasPassive(evs []Event) bool {
	return hasCommand(evs, "PASV") || hasCommand(evs, "EPSV") || hasCommand(evs, "PORT") || hasCommand(evs, "EPRT")
}

// hostOf finds the IP address a connection note names.
func hostOf(text string) string {
	m := peerAddr.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	if m[2] != "" {
		return m[2]
	}
	return strings.Trim(m[1], "[]")
}

func portAddr(verb, arg string) string {
	if verb == "PORT" {
		p := strings.Split(arg, ",")
		if len(p) == 6 {
			return strings.Join(p[:4], ".")
		}
		return ""
	}
	if f := strings.Split(arg, string(arg[0:min(1, len(arg))])); len(f) >= 3 {
		return f[2]
	}
	return ""
}

// addrKind relates the 227 address to the control peer.
func addrKind(adv, peer string) string {
	if adv == "" {
		return ""
	}
	a, err := netip.ParseAddr(adv)
	if err != nil {
		return "other"
	}
	if p, err := netip.ParseAddr(peer); err == nil && p == a {
		return "same"
	}
	switch {
	case a.IsPrivate():
		return "private"
	case a.IsLoopback():
		return "other"
	}
	return "public"
}

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
	phase := "connect"
	var reply, noteFail, refusedReuse *Event
	replyPhase, notePhase := "", ""
	lastOK := -1
	var cmd Event
	greeted, done := false, false
	for i := range evs {
		ev := evs[i]
		switch ev.Kind {
		case Command:
			cmd = ev
			switch v := ev.Verb(); {
			case v == "AUTH", v == "PBSZ", v == "PROT", v == "CCC":
				phase = "tls"
			case v == "USER", v == "PASS", v == "ACCT":
				phase = "login"
			case v == "PASV", v == "EPSV", v == "PORT", v == "EPRT":
				phase = "data-connect"
			case transferVerbs[v]:
				if phase != "data-connect" && phase != "data-tls" {
					phase = "data-connect"
				}
			case !benign[v]:
				phase = "reply"
			}
		case Reply:
			if ev.Code == 220 {
				greeted = true
			}
			v := cmd.Verb()
			bad := ev.Code >= 400 || v == "AUTH" && ev.Code < 300 && ev.Code != 234
			if !bad {
				if ev.Code < 200 && transferVerbs[v] {
					phase = "transfer"
				}
				if ev.Code == 226 || ev.Code == 250 && transferVerbs[v] {
					done = true
				}
				if ev.Code >= 200 && !benign[v] && !(v == "EPSV" || v == "PASV") || ev.Code == 227 || ev.Code == 229 {
					lastOK = i
				}
				if v == "AUTH" && ev.Code == 234 || v == "PASV" || v == "EPSV" {
					reply = nil // a fallback worked
				}
				continue
			}
			if benign[v] && reply == nil {
				continue
			}
			if v == "EPSV" && phase == "data-connect" {
				// clients fall back to PASV; decided below if none follows
			}
			reply, replyPhase = &evs[i], replyPhaseOf(v, ev, phase)
		case Note:
			if ev.Has(FactReuseRefused) && refusedReuse == nil {
				refusedReuse = &evs[i]
			}
			if (phase == "data-connect") && ev.Has(FactTLSEstablished) {
				phase = "data-tls"
			}
			if strings.Contains(strings.ToLower(ev.Text), "client hello") && (phase == "data-connect") {
				phase = "data-tls"
			}
			if noteFail == nil && i > lastOK && failureFact(ev) != "" {
				noteFail, notePhase = &evs[i], phase
				if !greeted && phase == "connect" && ev.Has(FactNotTLS) {
					notePhase = "tls"
				}
				if (phase == "tls" || phase == "connect") && certFact(ev) != "" {
					notePhase = "tls"
				}
			}
			if !greeted && strings.Contains(strings.ToLower(ev.Text), "response reading failed") && noteFail == nil {
				noteFail, notePhase = &evs[i], "connect"
				ev.Facts = append(ev.Facts, FactTimeout)
				evs[i] = ev
			}
		}
	}
	switch {
	case reply != nil:
		in.FailedAt = reply
		in.Outcome = scenarios.Outcome{Result: scenarios.Failure, Phase: replyPhase, Code: reply.Code, Class: scenarios.ClassReply}
		if replyPhase == "tls" && (reply.Code >= 500 || reply.Code < 300) && !afterAuthLogin(evs, reply) {
			if reply.Code >= 500 {
				in.Outcome.Class = scenarios.ClassTLSRequired
			}
		}
	case refusedReuse != nil && reuseCode[in.Server] != 0:
		// a server's log without the reply: its program decides the code
		in.FailedAt = refusedReuse
		in.Outcome = scenarios.Outcome{Result: scenarios.Failure, Phase: "data-tls", Code: reuseCode[in.Server], Class: scenarios.ClassReply}
	case noteFail != nil:
		in.FailedAt = noteFail
		in.Outcome = scenarios.Outcome{Result: scenarios.Failure, Phase: notePhase, Class: scenarios.Class(failureFact(*noteFail))}
	case done:
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

// waitedText finds a wait a line states.
var waitedText = regexp.MustCompile(`(?i)after (\d+) ?(milliseconds|ms|seconds|s)\b`)

func (in *Incident) timing() {
	defer in.waited()
	var first, last time.Time
	for _, l := range in.Logs {
		for _, e := range l.Events {
			if e.Time.IsZero() {
				continue
			}
			if first.IsZero() || e.Time.Before(first) {
				first = e.Time
			}
			if e.Time.After(last) {
				last = e.Time
			}
		}
	}
	in.Duration = last.Sub(first)
}

func (in *Incident) waited() {
	at := in.FailedAt
	if at == nil {
		return
	}
	for _, l := range in.Logs {
		for i, e := range l.Events {
			if e.Pos != at.Pos {
				continue
			}
			if c := lastCommand(l.Events[:i]); c.Kind == Command {
				in.WaitedFor = c.Text
				if !c.Time.IsZero() && !e.Time.IsZero() {
					in.Waited = e.Time.Sub(c.Time)
				}
			}
		}
	}
	if m := waitedText.FindStringSubmatch(at.Text); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := time.Second
		if strings.HasPrefix(strings.ToLower(m[2]), "m") {
			unit = time.Millisecond
		}
		in.Waited = time.Duration(n) * unit
	}
}

// missing lists what the logs lack, with how to get it.
func (in *Incident) missing(primary *Log) {
	add := func(f string, a ...any) { in.Missing = append(in.Missing, fmt.Sprintf(f, a...)) }
	if primary == nil || len(primary.Events) == 0 {
		add("the logs hold no FTP exchange: send the client's debug log (curl -v, lftp -d, ftplib set_debuglevel(2))")
		return
	}
	if !hasReplies(primary) {
		add("the %s log shows no FTP replies: turn on protocol logging (vsftpd log_ftp_protocol=YES, pure-ftpd -d, ProFTPD DebugLevel 10) or send the client's log", primary.Program)
	}
	if in.Outcome.Result == "" {
		add("the log ends without a failure or a final 226: send the whole log, up to the client's last line")
	}
	if in.Server == "" {
		add("the server program is unknown (no 220 banner naming it): say which server it is, or send its log")
	}
	if in.Passive == "EPSV" && in.PassiveAddr == "" && in.Outcome.Phase == "data-connect" {
		add("the log shows no 227 reply (EPSV has no address): run curl with --disable-epsv -v to see the address the server advertises")
	}
	if in.Outcome.Phase == "data-tls" && !in.Resumed && !in.NotResumed && in.Client == "curl" {
		add("whether the data connection resumed TLS is not in the log: the server's log says it (vsftpd debug_ssl=YES, ProFTPD TLSLog)")
	}
	if strings.HasPrefix(in.Outcome.Phase, "data") && in.ControlPeer == "" {
		add("the control peer address is not in the log, so the passive address cannot be compared with it")
	}
}

func hasReplies(l *Log) bool {
	for _, e := range l.Events {
		if e.Kind == Reply {
			return true
		}
	}
	return false
}

// codeString renders a reply code or "no reply code".
func codeString(c int) string {
	if c == 0 {
		return "no reply code"
	}
	return strconv.Itoa(c)
}
