package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// rowKind is how one row of a ladder is drawn.
type rowKind int

const (
	rowArrow rowKind = iota + 1 // a message from one lane to another
	rowBand                     // a TLS handshake between client and server
	rowMark                     // a network verdict at one lane
	rowNote                     // a remark of one side
)

// row is one line of a ladder diagram.
type row struct {
	Kind     rowKind
	From, To int    // lane indexes; equal for marks and notes
	Text     string // what happened, in full (drawn shortened)
	Class    string // CSS class: cmd, reply, reply-fail, connect, data, xfer, tls-full, ...
	Fail     bool   // the message did not arrive: the arrow ends in a cross
	Verdict  string // the faults verdict drawn ("dropped", ...): marks, blocked dials
	Lane     string // a blocked dial: the key of the lane that blocked it
	At       time.Duration
	when     time.Time
	order    int  // source order, for ties
	consumed bool // a timeline event already drawn with a client row
}

// ladder is the model of one scenario's diagram.
type ladder struct {
	Lanes []lane
	Rows  []row
}

// buildLadder turns a result into lanes and rows: the client's transcript
// is the backbone (its commands, replies, TLS handshakes and data
// connections), the server's remarks and the network's verdicts are
// merged in by time, each at the lane that produced it.
func buildLadder(res *scenarios.Result) ladder {
	lanes := lanesFor(res.Scenario)
	var events []faults.Event
	for _, e := range res.Timeline.Events {
		if showEvent(e) {
			events = append(events, e)
		}
	}
	if res.Scenario.Network != nil {
		for _, e := range events {
			if laneOfEvent(e) == laneInternet {
				lanes = ensureInternet(lanes, res.Scenario.Network)
				break
			}
		}
	}
	b := &builder{lanes: lanes, server: len(lanes) - 1, events: events, used: make([]bool, len(events))}
	b.clientRows(res.ClientTranscript, res.ClientTLS)
	b.serverRows(res.ClientTranscript, res.ServerTranscripts)
	b.eventRows()
	rows := b.rows
	slices.SortStableFunc(rows, func(a, c row) int {
		if d := a.when.Compare(c.when); d != 0 {
			return d
		}
		return cmp.Compare(a.order, c.order)
	})
	redirectSwallowed(rows)
	if len(rows) > 0 {
		start := rows[0].when
		for i := range rows {
			rows[i].At = rows[i].when.Sub(start)
		}
	}
	return ladder{Lanes: lanes, Rows: rows}
}

// showEvent reports whether a timeline event is drawn: every verdict
// that changes something; allowed flows and plain announcements are
// left to the transcripts.
func showEvent(e faults.Event) bool {
	switch e.Verdict {
	case faults.Allowed:
		return false
	case faults.Seen:
		return e.Rule != "" // a helper's or filter's remark on an announcement
	}
	return true
}

// builder collects the rows of one ladder.
type builder struct {
	lanes  []lane
	server int // index of the server lane
	events []faults.Event
	used   []bool // events drawn as part of a client row
	rows   []row
}

func (b *builder) add(r row) {
	r.order = len(b.rows)
	b.rows = append(b.rows, r)
}

func (b *builder) lane(key string) int { return laneIndex(b.lanes, key) }

// eventRows adds a mark for every event not yet drawn.
func (b *builder) eventRows() {
	for i, e := range b.events {
		if b.used[i] {
			continue
		}
		l := b.lane(laneOfEvent(e))
		b.add(row{Kind: rowMark, From: l, To: l, Text: eventText(e), Class: "v-" + e.Verdict.String(),
			Verdict: e.Verdict.String(), when: e.Time})
	}
}

// eventText renders an event for its mark: VERDICT detail [rule], the
// verdict left out when the detail already says it ("PASV ... rewritten
// to ...").
func eventText(e faults.Event) string {
	verdict := e.Verdict.String()
	s := strings.ToUpper(verdict)
	switch {
	case e.Detail != "" && strings.Contains(e.Detail, verdict):
		s = e.Detail
	case e.Detail != "":
		s += " " + e.Detail
	}
	if e.Rule != "" {
		s += " [" + e.Rule + "]"
	}
	return s
}

// blockedText renders the drop or refusal of a dial drawn on the dial's
// own arrow, which names the address already: VERDICT: why [rule],
// without the flow ("client A -> B: ").
func blockedText(e faults.Event) string {
	why := e.Detail
	if flow, rest, ok := strings.Cut(why, ": "); ok && strings.Contains(flow, " -> ") {
		why = rest
	}
	s := strings.ToUpper(e.Verdict.String())
	if why != "" {
		s += ": " + why
	}
	if e.Rule != "" {
		s += " [" + e.Rule + "]"
	}
	return s
}

// blockedDial finds the undrawn drop or refusal of a dial to addr at or
// before t, marks it drawn and returns it.
func (b *builder) blockedDial(addr string, t time.Time) (faults.Event, bool) {
	for i, e := range b.events {
		if b.used[i] || (e.Verdict != faults.Dropped && e.Verdict != faults.Refused) || e.Time.After(t) {
			continue
		}
		if e.Dst.IsValid() && e.Dst.String() == addr {
			b.used[i] = true
			return e, true
		}
	}
	return faults.Event{}, false
}

// redirectSwallowed makes a command a middlebox answered itself end at
// the middlebox, and the reply it made up start there.
func redirectSwallowed(rows []row) {
	for i, r := range rows {
		if r.Kind != rowMark || r.Verdict != faults.Rewritten.String() || !strings.Contains(r.Text, "swallowed") {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if rows[j].Class == "cmd" {
				rows[j].To = r.From
				break
			}
		}
		for j := i + 1; j < len(rows); j++ {
			if rows[j].Class == "reply" || rows[j].Class == "reply-fail" {
				rows[j].From = r.From
				break
			}
		}
	}
}

// serverRows adds the server's own remarks (policy decisions, failed or
// refused handshakes, truncations) at the server lane. The server's
// clock may have been moved by advance-clock steps, so each entry is
// placed relative to the last command both sides share, and never after
// the client's next command.
func (b *builder) serverRows(client scenarios.Transcript, servers []scenarios.Transcript) {
	var cmds []ftp.Entry
	for _, e := range client {
		if e.Kind == ftp.EntryCommand {
			cmds = append(cmds, e)
		}
	}
	next := 0 // next client command to match
	for si, tr := range servers {
		var srvAnchor, cliAnchor, limit time.Time
		if si == 0 && len(client) > 0 && len(tr) > 0 {
			srvAnchor, cliAnchor = tr[0].Time, client[0].Time
		}
		if next < len(cmds) {
			limit = cmds[next].Time
		}
		for _, e := range tr {
			if e.Kind == ftp.EntryCommand {
				for j := next; j < len(cmds); j++ {
					if cmds[j].Text == e.Text {
						srvAnchor, cliAnchor, next = e.Time, cmds[j].Time, j+1
						limit = time.Time{}
						if next < len(cmds) {
							limit = cmds[next].Time
						}
						break
					}
				}
				continue
			}
			text, fail, ok := serverRemark(e)
			if !ok {
				continue
			}
			t := e.Time
			if !cliAnchor.IsZero() {
				t = cliAnchor.Add(max(e.Time.Sub(srvAnchor), 0))
				if !limit.IsZero() && !t.Before(limit) {
					t = limit.Add(-time.Nanosecond)
				}
			}
			class := "note"
			if fail {
				class = "note-fail"
			}
			b.add(row{Kind: rowNote, From: b.server, To: b.server, Text: "server: " + text, Class: class, Fail: fail, when: t})
		}
	}
}

// serverRemark says whether a server entry is drawn: what only the
// server knows. Successful handshakes, listeners and accepts are the
// client rows' business.
func serverRemark(e ftp.Entry) (text string, fail, ok bool) {
	t := e.Text
	switch e.Kind {
	case ftp.EntryNote:
		if strings.HasPrefix(t, "control connection ended") {
			return "", false, false
		}
		return t, isFailure(t), true
	case ftp.EntryTLS:
		if strings.Contains(t, "full handshake (ticket of") {
			return t + ": the ticket was not accepted", true, true
		}
		if strings.Contains(t, ": TLS 1.") || strings.HasPrefix(t, "CCC") {
			return "", false, false
		}
		return t, true, true
	case ftp.EntryData:
		if isFailure(t) || strings.Contains(t, "broken") {
			return t, true, true
		}
	}
	return "", false, false
}

// isFailure reports whether a remark tells of something going wrong.
func isFailure(s string) bool {
	for _, w := range []string{"fail", "refused", "rejected", "reset", "timeout", "truncated", "closing", "WARN", "not "} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
