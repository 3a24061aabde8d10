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
	// Alerts are the TLS alerts the logs show, as written ("TLSv1.3 (OUT),
	// TLS alert, unknown CA (560)"); close_notify alerts are left out.
	Alerts []string `json:"alerts,omitempty"`
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
	// ControlConnected: a log shows the TCP connection to the server made
	// (curl's "Connected to", lftp's "Connected to", a server's "new
	// connection from"): a failure at connect came after it, not from a
	// SYN nobody answered.
	ControlConnected bool `json:"control_connected,omitempty"`
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
		in.ControlConnected = in.ControlConnected || connected(l)
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
			if ev.Has(FactAlert) && !strings.Contains(strings.ToLower(ev.Text), "close notify") && len(in.Alerts) < 5 {
				in.Alerts = append(in.Alerts, ev.Text)
				in.note("alert", ev)
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
	if in.Outcome.Phase == "connect" && !hasReplies(primary) {
		// No server said anything: its logs and its program cannot help.
		add("%s", connectAdvice(in, primary))
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

// connectAdvice says what to check when the client failed to reach the
// server before any reply: the server's protocol log has nothing then.
func connectAdvice(in *Incident, primary *Log) string {
	target := "the server's address"
	if host, port := dialedTarget(primary); host != "" && port != "" {
		target = host + " port " + port
	} else if in.ControlPeer != "" {
		target = in.ControlPeer
	}
	const noLog = "no server answered, so its log has nothing to add"
	switch {
	case in.Outcome.Class == scenarios.ClassRefused:
		return "the connection to " + target + " was refused before any FTP reply (" + noLog + "): check that the server runs and listens on that address and port (ss -ltn on the server), that the port is right (21 explicit FTPS, 990 implicit), and that no firewall rejects it"
	case in.Outcome.Class == scenarios.ClassTimeout && in.ControlConnected:
		return "the TCP connection to " + target + " opened but no 220 greeting came: an explicit-FTPS client on an implicit-TLS port (990 waits for a TLS handshake first), a wrong port, or a server that hangs before greeting (its log shows at most the connection)"
	case in.Outcome.Class == scenarios.ClassTimeout:
		return "no TCP connection to " + target + " was made before the timeout (" + noLog + "): a firewall drops it, the address or port is wrong, or the host is down"
	}
	return "the connection to " + target + " failed before any FTP reply (" + noLog + "): check the address and port, that the server listens on them, and the firewalls on the way"
}

// dialedPortText finds the port in a client's "connecting" note: curl's
// "Trying 127.0.0.1:21...", lftp's "Connecting to h (127.0.0.1) port 21".
var dialedPortText = regexp.MustCompile(`(?:port |:)(\d{1,5})\b`)

// dialedTarget returns the host and port of the client's first connect.
func dialedTarget(l *Log) (host, port string) {
	for _, e := range l.Events {
		if !e.Has(FactConnecting) && !e.Has(FactConnected) {
			continue
		}
		if m := dialedPortText.FindAllStringSubmatch(e.Text, -1); m != nil {
			return hostOf(e.Text), m[len(m)-1][1]
		}
	}
	return "", ""
}

// connected reports whether the log shows a TCP connection made.
func connected(l *Log) bool {
	for _, e := range l.Events {
		if e.Has(FactConnected) {
			return true
		}
	}
	return false
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
