package scenarios

import (
	"strconv"
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// What a transcript shows about security and exchanges. The suites
// matchers (HaveNoCleartextCredentials, HaveProtectedData, HaveExchanged)
// and the target verdicts ([Judge]) read transcripts through these.

// Exchange is a command and the replies it got, preliminary and final.
type Exchange struct {
	Command string
	Replies []string
}

// Exchanges returns the exchanges of the commands matching command: the
// same verb and, when command has arguments, the same arguments (case
// does not matter).
func (t Transcript) Exchanges(command string) []Exchange {
	var out []Exchange
	var cur *Exchange
	for _, e := range t {
		switch e.Kind {
		case ftp.EntryCommand:
			cur = nil
			if commandMatches(e.Text, command) {
				out = append(out, Exchange{Command: e.Text})
				cur = &out[len(out)-1]
			}
		case ftp.EntryReply:
			if cur != nil {
				cur.Replies = append(cur.Replies, e.Text)
			}
		}
	}
	return out
}

// Exchanged reports whether command (a verb, or a full command) got a
// reply with code code.
func (t Transcript) Exchanged(command string, code int) bool {
	for _, x := range t.Exchanges(command) {
		for _, r := range x.Replies {
			if ReplyCode(r) == code {
				return true
			}
		}
	}
	return false
}

// CleartextCredentials returns the USER and PASS commands sent while the
// control channel was not under TLS (passwords are redacted in
// transcripts).
func (t Transcript) CleartextCredentials() []string {
	var out []string
	protected := false
	for _, e := range t {
		protected = controlProtected(protected, e)
		if e.Kind == ftp.EntryCommand && !protected {
			if v := verbOf(e.Text); v == "USER" || v == "PASS" {
				out = append(out, e.Text)
			}
		}
	}
	return out
}

// dataVerbs are the commands that move bytes over a data connection.
var dataVerbs = map[string]bool{"RETR": true, "STOR": true, "APPE": true, "STOU": true, "LIST": true, "NLST": true, "MLSD": true}

// CleartextTransfers returns the data commands that completed (226 or
// 250) while the data channel was unprotected: before a successful PROT P
// or after a successful PROT C.
func (t Transcript) CleartextTransfers() []string {
	var out []string
	protected := false
	last := ""
	for _, e := range t {
		switch e.Kind {
		case ftp.EntryCommand:
			last = e.Text
		case ftp.EntryReply:
			code := ReplyCode(e.Text)
			switch v := verbOf(last); {
			case v == "PROT" && code/100 == 2:
				protected = strings.EqualFold(strings.TrimSpace(last[4:]), "P")
			case dataVerbs[v] && (code == 226 || code == 250) && !protected:
				out = append(out, last)
			}
		}
	}
	return out
}

// ReplyCode returns the code of a reply entry's text, or 0.
func ReplyCode(text string) int {
	if len(text) < 3 {
		return 0
	}
	n, err := strconv.Atoi(text[:3])
	if err != nil {
		return 0
	}
	return n
}

// controlProtected updates whether the control channel is under TLS after
// a TLS entry of a clientsim or sim transcript.
func controlProtected(protected bool, e ftp.Entry) bool {
	if e.Kind != ftp.EntryTLS {
		return protected
	}
	switch {
	case strings.HasPrefix(e.Text, "control handshake done"), strings.HasPrefix(e.Text, "control: TLS"):
		return true
	case strings.HasPrefix(e.Text, "CCC: close_notify exchanged"):
		return false
	}
	return protected
}

// verbOf returns the upper-cased command verb of a command entry.
func verbOf(text string) string {
	v, _, _ := strings.Cut(text, " ")
	return strings.ToUpper(v)
}

func commandMatches(sent, want string) bool {
	sent, want = strings.TrimSpace(sent), strings.TrimSpace(want)
	if strings.EqualFold(sent, want) {
		return true
	}
	return !strings.Contains(want, " ") && strings.EqualFold(verbOf(sent), want)
}

// DataProtected reports whether every data connection of the run was
// protected: by the server's evidence when the run has it (in-process),
// else by the client's transcript (no transfer completed without PROT P).
func (r *Result) DataProtected() bool {
	if len(r.ServerData) > 0 {
		for _, d := range r.ServerData {
			if !d.Protected {
				return false
			}
		}
		return true
	}
	return len(r.ClientTranscript.CleartextTransfers()) == 0
}

// CredentialsInClear returns the USER and PASS commands the run sent
// without TLS: from the client's transcript, or, when only the virtual
// network saw it, "PASS **** (seen on the virtual network)".
func (r *Result) CredentialsInClear() []string {
	lines := r.ClientTranscript.CleartextCredentials()
	if r.CleartextCredentials && len(lines) == 0 {
		lines = []string{"PASS **** (seen on the virtual network)"}
	}
	return lines
}
