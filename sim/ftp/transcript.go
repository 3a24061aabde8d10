package ftp

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// EntryKind says what a transcript entry records.
type EntryKind int

// The kinds of transcript entries.
const (
	EntryCommand EntryKind = iota + 1 // a command, client to server
	EntryReply                        // a reply, server to client
	EntryTLS                          // a TLS event: handshake, resumption, shutdown, failure
	EntryData                         // a data-connection event: listen, dial, accept, bytes, close
	EntryNote                         // anything else worth knowing (policy decisions, errors)
)

// String returns the kind's transcript marker.
func (k EntryKind) String() string {
	switch k {
	case EntryCommand:
		return ">"
	case EntryReply:
		return "<"
	case EntryTLS:
		return "~"
	case EntryData:
		return "="
	case EntryNote:
		return "#"
	}
	return "?"
}

// Entry is one line of a transcript.
type Entry struct {
	Time time.Time
	Kind EntryKind
	Text string
}

// Transcript is an append-only, concurrency-safe log of one FTP session as
// seen by one side: commands, replies, TLS and data-connection events.
// The zero value is ready to use and timestamps with [time.Now].
type Transcript struct {
	// Now stamps entries; nil means time.Now. It is called with the
	// transcript locked, so it must not call back into the transcript.
	Now func() time.Time
	// Tee, if set, is called with every entry as it is added (for live
	// logs). It runs on the goroutine that adds the entry.
	Tee func(Entry)

	mu      sync.Mutex
	entries []Entry
}

// Add appends an entry, formatting it as [fmt.Sprintf] does (so "%%" is a
// percent sign even without args). Multi-line text is kept as one entry.
func (t *Transcript) Add(kind EntryKind, format string, args ...any) {
	if t == nil {
		return
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	e := Entry{Kind: kind, Text: fmt.Sprintf(format, args...)}
	t.mu.Lock()
	e.Time = now() // stamped under the lock, so entry order and time order agree
	t.entries = append(t.entries, e)
	t.mu.Unlock()
	if t.Tee != nil {
		t.Tee(e)
	}
}

// Entries returns a copy of the entries so far.
func (t *Transcript) Entries() []Entry {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Entry(nil), t.entries...)
}

// Lines returns the entries of the given kinds (all kinds when none are
// given) as text, without markers or times.
func (t *Transcript) Lines(kinds ...EntryKind) []string {
	var out []string
	for _, e := range t.Entries() {
		if len(kinds) == 0 || containsKind(kinds, e.Kind) {
			out = append(out, e.Text)
		}
	}
	return out
}

func containsKind(ks []EntryKind, k EntryKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// String renders the transcript one entry per line (see [Entry.String]).
func (t *Transcript) String() string { return Render(t.Entries()) }

// String renders the entry as one transcript line: its kind's marker, a
// space and the text, continuation lines of multi-line text indented by
// two spaces, with no trailing newline.
func (e Entry) String() string {
	return e.Kind.String() + " " + strings.ReplaceAll(e.Text, "\n", "\n  ")
}

// Render renders entries one per line, each ending in a newline: "> "
// command, "< " reply, "~ " TLS, "= " data, "# " note. [ParseEntries]
// reads the result back.
func Render(entries []Entry) string {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseEntries reads the rendering of [Render] back: a marker and a space,
// then the text; lines indented by two spaces continue the entry before.
// Other lines (headers, blank lines) are skipped, and times are zero.
func ParseEntries(s string) []Entry {
	var out []Entry
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		switch {
		case len(line) >= 2 && line[1] == ' ' && markerKind(line[0]) != 0:
			out = append(out, Entry{Kind: markerKind(line[0]), Text: line[2:]})
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
