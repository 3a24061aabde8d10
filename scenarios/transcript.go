package scenarios

import (
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/internal/ftp"
)

// EntryKind says what a [TranscriptEntry] records.
type EntryKind int

// The kinds of transcript entries, with their markers in
// [Transcript.String].
const (
	EntryCommand EntryKind = iota + 1 // ">" a command, client to server
	EntryReply                        // "<" a reply, server to client
	EntryTLS                          // "~" a TLS event: handshake, resumption, shutdown, failure
	EntryData                         // "=" a data-connection event: listen, dial, accept, bytes, close
	EntryNote                         // "#" anything else worth knowing (policy decisions, errors)
)

// String returns the kind's marker: ">", "<", "~", "=" or "#". The
// kinds have the values of the transcript vocabulary sim and clientsim
// record with (internal/ftp), so the conversion is direct.
func (k EntryKind) String() string { return ftp.EntryKind(k).String() }

// TranscriptEntry is one entry of a [Transcript].
type TranscriptEntry struct {
	Time time.Time
	Kind EntryKind
	// Text is the command (password redacted), the reply (lines joined
	// with "\n") or the event, in words.
	Text string
}

// Transcript is one side's view of an FTP session, oldest entry first.
type Transcript []TranscriptEntry

// String renders the transcript one entry per line: the marker, a space
// and the text, continuation lines indented by two spaces.
func (t Transcript) String() string {
	var b strings.Builder
	for _, e := range t {
		b.WriteString(e.Kind.String())
		b.WriteByte(' ')
		b.WriteString(strings.ReplaceAll(e.Text, "\n", "\n  "))
		b.WriteByte('\n')
	}
	return b.String()
}

// Replies returns the reply entries.
func (t Transcript) Replies() Transcript { return t.only(EntryReply) }

// Commands returns the command entries.
func (t Transcript) Commands() Transcript { return t.only(EntryCommand) }

func (t Transcript) only(k EntryKind) Transcript {
	var out Transcript
	for _, e := range t {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// transcriptOf copies an ftp.Transcript.
func transcriptOf(tr *ftp.Transcript) Transcript {
	entries := tr.Entries()
	if len(entries) == 0 {
		return nil
	}
	out := make(Transcript, len(entries))
	for i, e := range entries {
		out[i] = TranscriptEntry{Time: e.Time, Kind: entryKind(e.Kind), Text: e.Text}
	}
	return out
}

func entryKind(k ftp.EntryKind) EntryKind { return EntryKind(k) }

// ParseTranscript reads the rendering of [Transcript.String] back: a
// marker and a space, then the text; lines indented by two spaces continue
// the entry before. Other lines (headers, blank lines) are skipped, and
// times are zero.
func ParseTranscript(s string) Transcript {
	var out Transcript
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		switch {
		case len(line) >= 2 && line[1] == ' ' && markerKind(line[0]) != 0:
			out = append(out, TranscriptEntry{Kind: markerKind(line[0]), Text: line[2:]})
		case strings.HasPrefix(line, "  ") && len(out) > 0:
			out[len(out)-1].Text += "\n" + line[2:]
		}
	}
	return out
}

func markerKind(b byte) EntryKind {
	for k := EntryCommand; k <= EntryNote; k++ {
		if k.String()[0] == b {
			return k
		}
	}
	return 0
}
