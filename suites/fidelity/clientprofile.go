package fidelity

import (
	"fmt"
	"strings"

	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// profiled are the commands a client profile keeps, with whether their
// argument is kept too. Everything else (FEAT, OPTS, HOST, PWD, TYPE,
// SIZE, MDTM, SITE, QUIT) is outside the TLS paths a persona reproduces.
var profiled = map[string]bool{
	"AUTH": true, "PBSZ": true, "PROT": true, "CCC": false, "USER": false, "PASS": false,
	"EPSV": false, "PASV": false, "PORT": false, "EPRT": false,
	"LIST": false, "NLST": false, "MLSD": false, "RETR": false, "STOR": false, "APPE": false, "STOU": false,
}

// ClientProfile is what a client did on the TLS paths, as the server saw
// it: for every control connection, the profiled commands in order with
// the codes of their replies (any preliminary reply as "1xx"), then one line per data connection saying
// whether it was protected and whether it resumed this control
// connection's TLS session. It is read from sim's transcripts and
// evidence, so a real client and a clientsim persona are measured by the
// same instrument.
func ClientProfile(sessions []*sim.Session) []string {
	var out []string
	for i, sess := range sessions {
		prefix := ""
		if len(sessions) > 1 {
			prefix = fmt.Sprintf("c%d ", i+1)
		}
		out = append(out, profileCommands(prefix, sess.Transcript().Entries())...)
		for _, d := range sess.Data() {
			out = append(out, prefix+dataLine(sess, d))
		}
	}
	return out
}

func profileCommands(prefix string, entries []ftp.Entry) []string {
	var out []string
	cur := -1 // index in out of the command whose replies are collected
	for _, e := range entries {
		switch e.Kind {
		case ftp.EntryCommand:
			cur = -1
			verb, arg, _ := strings.Cut(e.Text, " ")
			verb = strings.ToUpper(verb)
			keepArg, ok := profiled[verb]
			if !ok {
				continue
			}
			line := verb
			if keepArg && arg != "" {
				line += " " + strings.ToUpper(arg)
			}
			out = append(out, prefix+line+" ->")
			cur = len(out) - 1
		case ftp.EntryReply:
			if cur >= 0 && len(e.Text) >= 3 {
				code := e.Text[:3]
				if code[0] == '1' {
					// 125 or 150 depends on whether a server that
					// accepts eagerly saw the data connection before
					// the command: a race, not the client's doing.
					code = "1xx"
				}
				out[cur] += " " + code
			}
		}
	}
	return out
}

func dataLine(sess *sim.Session, d sim.DataEvidence) string {
	verb, _, _ := strings.Cut(d.Command, " ")
	tls := "clear"
	switch {
	case d.Protected && d.TLS.Version == 0:
		tls = "no TLS handshake"
	case d.Protected && d.TLS.Resumed && d.TicketFrom == sess.ID:
		tls = "TLS resumed the control session"
	case d.Protected && d.TLS.Resumed:
		tls = "TLS resumed another session"
	case d.Protected:
		tls = "TLS full handshake"
	}
	mode := "active"
	if d.Passive {
		mode = "passive"
	}
	return fmt.Sprintf("data %s: %s, %s, %d", verb, mode, tls, d.Reply)
}
