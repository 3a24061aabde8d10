package suites

import (
	"strconv"
	"strings"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/internal/ftp"
	"github.com/ftpsim/ftpsim/scenarios"
)

// entry is one transcript entry: its marker ('>' command, '<' reply, '~'
// TLS, '=' data, '#' note) and its text.
type entry struct {
	kind byte
	text string
}

// transcriptOf returns the transcript held by actual: a rendered
// transcript (string, as Transcript.String returns it), a
// scenarios.Transcript, an *ftp.Transcript, a *clientsim.Conn or a
// *scenarios.Result (its client transcript).
func transcriptOf(actual any) ([]entry, bool) {
	switch v := actual.(type) {
	case string:
		return parseTranscript(v), true
	case *ftp.Transcript:
		if v == nil {
			return nil, false
		}
		var out []entry
		for _, e := range v.Entries() {
			out = append(out, entry{kind: e.Kind.String()[0], text: e.Text})
		}
		return out, true
	case *clientsim.Conn:
		if v == nil {
			return nil, false
		}
		return transcriptOf(v.Transcript())
	case scenarios.Transcript:
		return entriesOf(v), true
	case *scenarios.Result:
		if v == nil {
			return nil, false
		}
		return entriesOf(v.ClientTranscript), true
	}
	return nil, false
}

// entriesOf takes a scenario result's typed transcript as it is.
func entriesOf(t scenarios.Transcript) []entry {
	out := make([]entry, len(t))
	for i, e := range t {
		out[i] = entry{kind: e.Kind.String()[0], text: e.Text}
	}
	return out
}

// parseTranscript parses the rendering of Transcript.String
// (scenarios.ParseTranscript).
func parseTranscript(s string) []entry { return entriesOf(scenarios.ParseTranscript(s)) }

// looksLikeTranscript reports whether s is a rendered transcript rather
// than raw protocol bytes.
func looksLikeTranscript(s string) bool {
	for _, line := range strings.SplitN(s, "\n", 8) {
		if strings.HasPrefix(line, "> ") || strings.HasPrefix(line, "< ") || strings.HasPrefix(line, "# ") {
			return true
		}
	}
	return false
}

// replyCode returns the code of a reply entry's text, or 0.
func replyCode(text string) int {
	if len(text) < 3 {
		return 0
	}
	n, err := strconv.Atoi(text[:3])
	if err != nil {
		return 0
	}
	return n
}

// verb returns the upper-cased command verb of a command entry.
func verb(text string) string {
	v, _, _ := strings.Cut(text, " ")
	return strings.ToUpper(v)
}

// controlProtected updates whether the control channel is under TLS after
// a TLS entry of a clientsim or sim transcript.
func controlProtected(protected bool, e entry) bool {
	if e.kind != '~' {
		return protected
	}
	switch {
	case strings.HasPrefix(e.text, "control handshake done"), strings.HasPrefix(e.text, "control: TLS"):
		return true
	case strings.HasPrefix(e.text, "CCC: close_notify exchanged"):
		return false
	}
	return protected
}

// cleartextCredentialLines returns the USER and PASS commands sent while
// the control channel was not protected.
func cleartextCredentialLines(entries []entry) []string {
	var out []string
	protected := false
	for _, e := range entries {
		protected = controlProtected(protected, e)
		if e.kind == '>' && !protected {
			if v := verb(e.text); v == "USER" || v == "PASS" {
				out = append(out, e.text)
			}
		}
	}
	return out
}

// dataVerbs are the commands that move bytes over a data connection.
var dataVerbs = map[string]bool{"RETR": true, "STOR": true, "APPE": true, "STOU": true, "LIST": true, "NLST": true, "MLSD": true}

// cleartextTransfers returns the data commands that completed (226 or
// 250) while the data channel was unprotected: before a successful PROT P
// or after a successful PROT C.
func cleartextTransfers(entries []entry) []string {
	var out []string
	protected := false
	last := ""
	for _, e := range entries {
		switch e.kind {
		case '>':
			last = e.text
		case '<':
			code := replyCode(e.text)
			switch v := verb(last); {
			case v == "PROT" && code/100 == 2:
				protected = strings.EqualFold(strings.TrimSpace(last[4:]), "P")
			case dataVerbs[v] && (code == 226 || code == 250) && !protected:
				out = append(out, last)
			}
		}
	}
	return out
}

// exchange is a command and the replies it got.
type exchange struct {
	command string
	replies []string
}

// exchangesOf returns the exchanges of the commands matching command: the
// same verb and, when command has arguments, the same arguments
// (case-insensitive).
func exchangesOf(entries []entry, command string) []exchange {
	var out []exchange
	var cur *exchange
	for _, e := range entries {
		switch e.kind {
		case '>':
			cur = nil
			if commandMatches(e.text, command) {
				out = append(out, exchange{command: e.text})
				cur = &out[len(out)-1]
			}
		case '<':
			if cur != nil {
				cur.replies = append(cur.replies, e.text)
			}
		}
	}
	return out
}

func commandMatches(sent, want string) bool {
	sent, want = strings.TrimSpace(sent), strings.TrimSpace(want)
	if strings.EqualFold(sent, want) {
		return true
	}
	return !strings.Contains(want, " ") && strings.EqualFold(verb(sent), want)
}
