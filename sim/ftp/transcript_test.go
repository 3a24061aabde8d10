package ftp

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// fixedClock returns a clock that advances one second per call, starting at
// a fixed instant, and is safe for concurrent use.
func fixedClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func TestTranscriptConcurrentAdd(t *testing.T) {
	const writers, perWriter = 32, 200
	tr := &Transcript{Now: fixedClock()}
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				tr.Add(EntryKind(1+(w+i)%5), "w%d %d", w, i)
			}
		}()
	}
	// Readers run while the writers append.
	done := make(chan struct{})
	var rg sync.WaitGroup
	rg.Add(1)
	go func() {
		defer rg.Done()
		for {
			select {
			case <-done:
				return
			default:
				_ = tr.String()
				_ = tr.Lines(EntryCommand)
				_ = tr.Entries()
			}
		}
	}()
	wg.Wait()
	close(done)
	rg.Wait()

	entries := tr.Entries()
	if len(entries) != writers*perWriter {
		t.Fatalf("got %d entries, want %d", len(entries), writers*perWriter)
	}
	next := make([]int, writers) // each writer's entries appear in its order
	for _, e := range entries {
		var w, i int
		if _, err := fmt.Sscanf(e.Text, "w%d %d", &w, &i); err != nil {
			t.Fatalf("entry %q: %v", e.Text, err)
		}
		if i != next[w] {
			t.Fatalf("writer %d: entry %d after %d", w, i, next[w]-1)
		}
		next[w]++
	}
	for i := 1; i < len(entries); i++ {
		if !entries[i].Time.After(entries[i-1].Time) {
			t.Fatalf("entry %d stamped %v, not after %v", i, entries[i].Time, entries[i-1].Time)
		}
	}
}

func TestTranscriptString(t *testing.T) {
	tr := &Transcript{Now: fixedClock()}
	tr.Add(EntryCommand, "USER anonymous")
	tr.Add(EntryReply, "%d %s", 331, "Need password")
	tr.Add(EntryTLS, "handshake TLS 1.3")
	tr.Add(EntryData, "dial 127.0.0.1:%d", 1025)
	tr.Add(EntryNote, "100%% done") // a format even without args, as vet assumes
	tr.Add(EntryReply, "211-Features:\n EPSV\n211 End")
	tr.Add(EntryKind(0), "zero kind")
	tr.Add(EntryKind(99), "unknown kind")
	want := "> USER anonymous\n" +
		"< 331 Need password\n" +
		"~ handshake TLS 1.3\n" +
		"= dial 127.0.0.1:1025\n" +
		"# 100% done\n" +
		"< 211-Features:\n   EPSV\n  211 End\n" +
		"? zero kind\n" +
		"? unknown kind\n"
	if got := tr.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	if e := tr.Entries()[0]; !e.Time.Equal(time.Date(2024, 1, 2, 3, 4, 6, 0, time.UTC)) {
		t.Errorf("first entry stamped %v, want the injected clock's time", e.Time)
	}
}

// TestParseEntriesRoundTrip: what Render writes, ParseEntries reads back
// (kinds and texts, multi-line included); "?" lines and headers are skipped.
func TestParseEntriesRoundTrip(t *testing.T) {
	in := []Entry{
		{Kind: EntryCommand, Text: "USER anonymous"},
		{Kind: EntryReply, Text: "211-Features:\n EPSV\n211 End"},
		{Kind: EntryTLS, Text: "handshake TLS 1.3 resumed=true"},
		{Kind: EntryData, Text: "dial 127.0.0.1:1025"},
		{Kind: EntryNote, Text: "100% done"},
	}
	text := "client transcript:\n" + Render(in) + "? unknown kind\n\n"
	got := ParseEntries(text)
	if len(got) != len(in) {
		t.Fatalf("parsed %d entries, want %d:\n%s", len(got), len(in), text)
	}
	for i := range in {
		if got[i] != in[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], in[i])
		}
	}
}

func TestTranscriptLines(t *testing.T) {
	var tr Transcript // the zero value is ready to use
	tr.Add(EntryCommand, "PASV")
	tr.Add(EntryReply, "227 Entering Passive Mode (127,0,0,1,4,1).")
	tr.Add(EntryData, "dial 127.0.0.1:1025")
	tr.Add(EntryCommand, "RETR a")
	tr.Add(EntryTLS, "handshake")
	tests := []struct {
		kinds []EntryKind
		want  []string
	}{
		{nil, []string{"PASV", "227 Entering Passive Mode (127,0,0,1,4,1).", "dial 127.0.0.1:1025", "RETR a", "handshake"}},
		{[]EntryKind{EntryCommand}, []string{"PASV", "RETR a"}},
		{[]EntryKind{EntryReply, EntryTLS}, []string{"227 Entering Passive Mode (127,0,0,1,4,1).", "handshake"}},
		{[]EntryKind{EntryNote}, nil},
	}
	for _, tt := range tests {
		if got := tr.Lines(tt.kinds...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Lines(%v) = %q, want %q", tt.kinds, got, tt.want)
		}
	}
	if e := tr.Entries()[0]; e.Time.IsZero() {
		t.Error("zero Transcript did not stamp entries with time.Now")
	}
}

func TestTranscriptEntriesIsACopy(t *testing.T) {
	var tr Transcript
	tr.Add(EntryNote, "original")
	tr.Entries()[0].Text = "changed"
	if got := tr.Lines(); got[0] != "original" {
		t.Errorf("Entries() aliases the transcript: %q", got)
	}
}

func TestTranscriptNil(t *testing.T) {
	var tr *Transcript
	tr.Add(EntryNote, "ignored") // must not panic
	if tr.Entries() != nil || tr.Lines() != nil || tr.String() != "" {
		t.Error("nil Transcript is not empty")
	}
}

func TestTranscriptTee(t *testing.T) {
	var teed []Entry
	tr := &Transcript{Now: fixedClock(), Tee: func(e Entry) { teed = append(teed, e) }}
	tr.Add(EntryCommand, "PASS ****")
	tr.Add(EntryReply, "%d %s", 230, "Logged in")
	if got := tr.Entries(); !reflect.DeepEqual(teed, got) {
		t.Errorf("Tee saw %v, transcript holds %v", teed, got)
	}
}
