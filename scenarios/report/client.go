package report

import (
	"crypto/tls"
	"strings"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// clientRows adds a row for every entry of the client's transcript that
// says something about the exchange; evidence is the client's TLS
// evidence, one per handshake in transcript order, which decides full
// versus resumed.
func (b *builder) clientRows(tr scenarios.Transcript, evidence []clientsim.TLSEvidence) {
	hs := 0
	for _, e := range tr {
		r := row{From: 0, To: b.server, Text: e.Text, when: e.Time}
		switch e.Kind {
		case ftp.EntryCommand:
			r.Kind, r.Class = rowArrow, "cmd"
		case ftp.EntryReply:
			r.Kind, r.From, r.To, r.Class = rowArrow, b.server, 0, "reply"
			first, rest, multi := strings.Cut(e.Text, "\n")
			if multi {
				r.Text = first + " (+" + plural(strings.Count(rest, "\n")+1, "line") + ")"
			}
			if len(first) > 0 && first[0] >= '4' {
				r.Class = "reply-fail"
			}
		case ftp.EntryTLS:
			var ok bool
			if r, ok = b.tlsRow(r, e.Text, evidence, &hs); !ok {
				continue
			}
		case ftp.EntryData:
			var ok bool
			if r, ok = b.dataRow(r, e.Text); !ok {
				continue
			}
		default:
			r = clientNote(r, e.Text)
		}
		b.add(r)
	}
}

// clientNote is a client remark; the connect note becomes an arrow.
func clientNote(r row, text string) row {
	if rest, ok := strings.CutPrefix(text, "control connected "); ok {
		r.Kind, r.Class = rowArrow, "connect"
		r.Text = "TCP connect " + rest
		if _, to, ok := strings.Cut(rest, "-> "); ok {
			r.Text = "TCP connect to " + to
		}
		return r
	}
	r.Kind, r.To, r.Class = rowNote, 0, "note"
	r.Text = "client: " + text
	if isFailure(text) {
		r.Class, r.Fail = "note-fail", true
	}
	return r
}

// tlsRow draws a TLS entry of the client: handshakes as bands (full or
// resumed from the evidence), CCC as a band, cache bookkeeping not at all.
func (b *builder) tlsRow(r row, text string, evidence []clientsim.TLSEvidence, hs *int) (row, bool) {
	r.Kind = rowBand
	switch {
	case strings.Contains(text, "handshake done") || strings.Contains(text, "handshake with"):
		channel, _, _ := strings.Cut(text, " ")
		var ev *clientsim.TLSEvidence
		if *hs < len(evidence) {
			ev = &evidence[*hs]
		}
		*hs++
		failed := strings.Contains(text, "failed")
		resumed := strings.Contains(text, "resumed=true")
		version := ""
		if ev != nil {
			failed, resumed = ev.Err != nil, ev.Resumed
			if ev.Version != 0 {
				version = tls.VersionName(ev.Version) + " "
			}
		}
		switch {
		case failed:
			r.Class, r.Fail = "tls-fail", true
			_, why, _ := strings.Cut(text, "failed: ")
			r.Text = channel + " TLS handshake failed: " + why
		case resumed:
			r.Class = "tls-resumed"
			r.Text = channel + " " + version + "RESUMED session"
		default:
			r.Class = "tls-full"
			r.Text = channel + " " + version + "FULL handshake"
		}
	case strings.HasPrefix(text, "CCC"):
		r.Class = "tls-ccc"
	case strings.Contains(text, "session") && (strings.Contains(text, "stored") || strings.Contains(text, "evicted")):
		return r, false
	default:
		return clientNote(r, text), true
	}
	return r, true
}

// dataRow draws a data-connection entry of the client: connects, bytes
// moved and failures; a dial the network blocked ends at the box that
// blocked it.
func (b *builder) dataRow(r row, text string) (row, bool) {
	r.Kind = rowArrow
	switch {
	case strings.HasPrefix(text, "listening for data"):
		return r, false
	case strings.HasPrefix(text, "dialed data "):
		r.Class = "data"
		if _, to, ok := strings.Cut(text, "-> "); ok {
			r.Text = "data connection to " + to
		}
	case strings.HasPrefix(text, "accepted data "):
		r.From, r.To, r.Class = b.server, 0, "data"
		if _, from, ok := strings.Cut(text, "<- "); ok {
			r.Text = "data connection from " + from + " (active)"
		}
	case strings.HasPrefix(text, "dial data "):
		r.Class, r.Fail = "data-fail", true
		addr, why, _ := strings.Cut(strings.TrimPrefix(text, "dial data "), " failed: ")
		r.Text = "data connection to " + addr + " failed: " + lastClause(why)
		if ev, ok := b.blockedDial(addr, r.when); ok {
			r.To = b.lane(laneOfEvent(ev))
			r.Verdict, r.Lane = ev.Verdict.String(), b.lanes[r.To].Key
			r.Text += " -- " + blockedText(ev)
		}
	case strings.HasPrefix(text, "uploaded "):
		r.Class = "xfer"
		if strings.Contains(text, "failed") || strings.Contains(text, "not seen") || strings.Contains(text, "reset") {
			r.Class, r.Fail = "xfer-fail", true
		}
	case strings.HasPrefix(text, "data stream "):
		r.From, r.To, r.Class = b.server, 0, "xfer"
		if strings.Contains(text, "cut") || isFailure(text) {
			r.Class, r.Fail = "xfer-fail", true
		}
	default:
		return clientNote(r, text), true
	}
	return r, true
}

// lastClause is the end of a wrapped error: "i/o timeout".
func lastClause(err string) string {
	if i := strings.LastIndex(err, ": "); i >= 0 {
		return err[i+2:]
	}
	return err
}
