package suites

import (
	"strings"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// transcriptOf returns the transcript held by actual: a rendered
// transcript (string, as Transcript.String returns it), a
// scenarios.Transcript, an *ftp.Transcript, a *clientsim.Conn or a
// *scenarios.Result (its client transcript).
func transcriptOf(actual any) (scenarios.Transcript, bool) {
	switch v := actual.(type) {
	case string:
		return scenarios.ParseTranscript(v), true
	case *ftp.Transcript:
		if v == nil {
			return nil, false
		}
		return scenarios.Transcript(v.Entries()), true
	case *clientsim.Conn:
		if v == nil {
			return nil, false
		}
		return transcriptOf(v.Transcript())
	case scenarios.Transcript:
		return v, true
	case *scenarios.Result:
		if v == nil {
			return nil, false
		}
		return v.ClientTranscript, true
	}
	return nil, false
}

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
