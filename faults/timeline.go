package faults

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Event is one decision of the network: a verdict on a flow, with the rule
// that decided it.
type Event struct {
	Time    time.Time // on the network's clock
	Flow    int       // flow ID; 0 for a dial that never became a flow
	Verdict Verdict   // what happened
	Rule    string    // the rule, forward, gateway or toxic that decided; may be empty
	Detail  string    // what happened, in words
	// Session is the ID of the control flow the event's flow belongs to
	// ([Flow.Session]); 0 when unknown.
	Session int
	// Dst is the virtual address dialed, as the dialer saw it, when the
	// event is about one flow or dial; zero otherwise.
	Dst netip.AddrPort
	// Src is the dialer's address as the listener sees it (after source
	// NAT) when the event is about a flow; zero otherwise. A server
	// session's peer address is the Src of its control flow.
	Src netip.AddrPort
}

// String renders the event without its time.
func (e Event) String() string {
	var b strings.Builder
	if e.Flow != 0 {
		fmt.Fprintf(&b, "#%d ", e.Flow)
	} else {
		b.WriteString("-- ")
	}
	b.WriteString(e.Verdict.String())
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Rule != "" {
		b.WriteString(" [" + e.Rule + "]")
	}
	return b.String()
}

// Timeline is the network's record of verdicts, oldest first.
type Timeline struct {
	Start  time.Time // when the network started; times render relative to it
	Events []Event   // oldest first
	Lost   int       // events not kept because of [Network.MaxEvents]
}

// String renders one event per line, with its time since Start, for
// transcripts and failure reports.
func (t Timeline) String() string {
	var b strings.Builder
	for _, e := range t.Events {
		fmt.Fprintf(&b, "%9.3fs %s\n", e.Time.Sub(t.Start).Seconds(), e)
	}
	if t.Lost > 0 {
		fmt.Fprintf(&b, "(%d more events not kept)\n", t.Lost)
	}
	return b.String()
}

// Filter returns the events of the given verdicts (all when none given)
// and, if flow is not zero, of that flow only.
func (t Timeline) Filter(flow int, verdicts ...Verdict) []Event {
	var out []Event
	for _, e := range t.Events {
		if flow != 0 && e.Flow != flow {
			continue
		}
		if len(verdicts) == 0 || containsVerdict(verdicts, e.Verdict) {
			out = append(out, e)
		}
	}
	return out
}

func containsVerdict(vs []Verdict, v Verdict) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// Timeline returns a copy of the network's timeline so far.
func (n *Network) Timeline() Timeline {
	n.mu.Lock()
	n.startLocked()
	start := n.start
	n.mu.Unlock()
	n.tmu.Lock()
	defer n.tmu.Unlock()
	return Timeline{Start: start, Events: append([]Event(nil), n.events...), Lost: n.lost}
}

// event records a verdict on a flow (f may be nil).
func (n *Network) event(f *Flow, v Verdict, rule, format string, args ...any) {
	var dst netip.AddrPort
	if f != nil {
		dst = f.Pre.Dst
	}
	n.eventTo(f, dst, v, rule, format, args...)
}

// eventTo records an event about a dial to dst (f may be nil: a dial
// that never became a flow).
func (n *Network) eventTo(f *Flow, dst netip.AddrPort, v Verdict, rule, format string, args ...any) {
	e := Event{Time: n.now(), Verdict: v, Rule: rule, Detail: fmt.Sprintf(format, args...), Dst: dst}
	if f != nil {
		e.Flow, e.Session, e.Src = f.ID, f.Session, f.Post.Src
	}
	max := n.MaxEvents
	if max <= 0 {
		max = 10000
	}
	n.tmu.Lock()
	if len(n.events) >= max {
		n.lost++
	} else {
		n.events = append(n.events, e)
	}
	n.tmu.Unlock()
	if n.OnEvent != nil {
		n.OnEvent(e)
	}
}
