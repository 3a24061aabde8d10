package scenarios

import (
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Transcript is one side's view of an FTP session, oldest entry first: a
// snapshot of the [ftp.Transcript] sim or clientsim recorded. Each
// entry's Text is the command (password redacted), the reply (lines
// joined with "\n") or the event, in words.
type Transcript []ftp.Entry

// String renders the transcript one entry per line (see [ftp.Render]).
func (t Transcript) String() string { return ftp.Render(t) }

// Replies returns the reply entries.
func (t Transcript) Replies() Transcript { return t.only(ftp.EntryReply) }

// Commands returns the command entries.
func (t Transcript) Commands() Transcript { return t.only(ftp.EntryCommand) }

func (t Transcript) only(k ftp.EntryKind) Transcript {
	var out Transcript
	for _, e := range t {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// transcriptOf snapshots an ftp.Transcript.
func transcriptOf(tr *ftp.Transcript) Transcript {
	entries := tr.Entries()
	if len(entries) == 0 {
		return nil
	}
	return Transcript(entries)
}

// ParseTranscript reads the rendering of [Transcript.String] back (see
// [ftp.ParseEntries]); times are zero.
func ParseTranscript(s string) Transcript { return Transcript(ftp.ParseEntries(s)) }
