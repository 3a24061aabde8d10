package faults

import (
	"fmt"
	"time"
)

// Toxic is a network fault in Toxiproxy's vocabulary and units. A toxic
// is a small value holding settings only: the state it needs on each
// flow lives with the flow, so one toxic serves many flows. Attach
// toxics with [Network.AddToxic].
type Toxic interface {
	// Kind returns the Toxiproxy type name: "latency", "bandwidth", ...
	Kind() string
	install(l *link, name string)
}

// Latency delays every chunk by Latency plus a uniform jitter in
// [-Jitter, +Jitter). Chunks keep their order, and the delay does not cap
// throughput beyond [Network.BufferSize] per round trip, as in Toxiproxy.
type Latency struct {
	Latency time.Duration // added to every chunk
	Jitter  time.Duration // up to this much more or less
}

// Bandwidth limits throughput to Rate KB/s (1 KB = 1000 bytes, as in
// Toxiproxy). Zero is unlimited.
type Bandwidth struct {
	Rate int // KB/s
}

// Slicer cuts the stream into pieces of AverageSize ± SizeVariation bytes,
// Delay apart, and no read returns more than one piece, so peers see
// short reads. Toxiproxy gives Delay in microseconds; here it is a
// Duration.
type Slicer struct {
	AverageSize   int           // bytes per piece on average
	SizeVariation int           // ± bytes
	Delay         time.Duration // between pieces
}

// ResetPeer resets the flow (ECONNRESET at both ends) Timeout after it
// opened; zero resets it as soon as it is established.
type ResetPeer struct {
	Timeout time.Duration // after the flow opens; zero: at once
}

// Timeout drops every byte of the stream and closes the flow Timeout
// after it opened. Zero black-holes the stream for good.
type Timeout struct {
	Timeout time.Duration // until the flow closes; zero: never
}

// LimitData lets Bytes bytes of the stream through, then closes the flow
// (both ends read EOF after what was delivered).
type LimitData struct {
	Bytes int64 // delivered before the flow closes
}

// SlowClose delays the end of the stream (the FIN) by Delay after the
// writer closes.
type SlowClose struct {
	Delay time.Duration // between the writer's close and the peer's EOF
}

// Kind returns "latency".
func (Latency) Kind() string { return "latency" }

// Kind returns "bandwidth".
func (Bandwidth) Kind() string { return "bandwidth" }

// Kind returns "slicer".
func (Slicer) Kind() string { return "slicer" }

// Kind returns "reset_peer".
func (ResetPeer) Kind() string { return "reset_peer" }

// Kind returns "timeout".
func (Timeout) Kind() string { return "timeout" }

// Kind returns "limit_data".
func (LimitData) Kind() string { return "limit_data" }

// Kind returns "slow_close".
func (SlowClose) Kind() string { return "slow_close" }

func (t Latency) install(l *link, name string) {
	l.tm.latency += t.Latency
	l.tm.jitter += t.Jitter
	l.flow.net.event(l.flow, Delayed, name, "%s by %s ± %s", l.dir, t.Latency, t.Jitter)
}

func (t Bandwidth) install(l *link, name string) {
	if t.Rate <= 0 {
		return
	}
	if l.tm.rate == 0 || t.Rate < l.tm.rate {
		l.tm.rate = t.Rate
	}
	l.flow.net.event(l.flow, Delayed, name, "%s limited to %d KB/s", l.dir, t.Rate)
}

func (t Slicer) install(l *link, name string) {
	if t.AverageSize <= 0 {
		return
	}
	l.tm.slicer = &t
	l.flow.net.event(l.flow, Delayed, name, "%s sliced into %d±%d bytes every %s", l.dir, t.AverageSize, t.SizeVariation, t.Delay)
}

func (t SlowClose) install(l *link, name string) {
	l.tm.slowClose += t.Delay
	l.flow.net.event(l.flow, Delayed, name, "%s close delayed by %s", l.dir, t.Delay)
}

func (t ResetPeer) install(l *link, name string) {
	f := l.flow
	reset := func() {
		if f.live() {
			f.net.event(f, Cut, name, "reset after %s", t.Timeout)
			f.reset()
		}
	}
	if t.Timeout <= 0 {
		f.mu.Lock()
		f.onStart = append(f.onStart, reset)
		f.mu.Unlock()
		return
	}
	f.after(t.Timeout, reset)
}

func (t Timeout) install(l *link, name string) {
	f := l.flow
	l.stages = append(l.stages, dropStage{})
	if t.Timeout <= 0 {
		f.net.event(f, Dropped, name, "%s black-holed", l.dir)
		return
	}
	f.net.event(f, Dropped, name, "%s black-holed, flow closes after %s", l.dir, t.Timeout)
	f.after(t.Timeout, func() {
		if f.live() {
			f.net.event(f, Cut, name, "closed after %s", t.Timeout)
			f.cut()
		}
	})
}

func (t LimitData) install(l *link, name string) {
	l.stages = append(l.stages, &limitStage{left: t.Bytes, limit: t.Bytes, name: name})
}

// dropStage discards every segment (Timeout).
type dropStage struct{}

func (dropStage) segment(*link, []byte) []byte { return nil }

// limitStage passes the first bytes of a stream, then cuts the flow.
type limitStage struct {
	left, limit int64
	name        string
}

func (s *limitStage) segment(l *link, p []byte) []byte {
	if s.left <= 0 {
		return nil
	}
	if int64(len(p)) < s.left {
		s.left -= int64(len(p))
		return p
	}
	p = p[:s.left]
	s.left = 0
	f := l.flow
	f.net.event(f, Cut, s.name, "%s reached %d bytes; flow closed", l.dir, s.limit)
	l.afterPush = append(l.afterPush, f.cut) // deliver the last bytes, then close
	return p
}

// ToxicRule attaches a toxic to the flows it selects when they open (flows
// already open keep their toxics). Every zero field selects everything,
// except Stream, whose zero value is [Downstream] as in Toxiproxy.
type ToxicRule struct {
	// Name names the toxic in the timeline. Empty means kind_stream, as
	// in Toxiproxy ("latency_downstream").
	Name  string
	Toxic Toxic // the fault; required
	// Stream is the direction the toxic applies to.
	Stream Stream
	// Channel selects control or data flows.
	Channel Channel
	// Nth, when positive, selects only the nth flow (1-based) among those
	// the other fields select.
	Nth int
	// Toxicity is the probability that a selected flow gets the toxic,
	// rolled once per flow from [Network.Seed]. Zero means 1 (always).
	Toxicity float64
	// Hosts, when not empty, selects flows with one of these hosts at
	// either end.
	Hosts []string
}

// Label is the rule's name in the timeline and for [Network.RemoveToxic]:
// Name, or without one kind_stream as in Toxiproxy ("latency_downstream").
func (r ToxicRule) Label() string {
	if r.Name != "" {
		return r.Name
	}
	return fmt.Sprintf("%s_%s", r.Toxic.Kind(), r.Stream)
}

// toxicRule is a ToxicRule with its count of selected flows.
type toxicRule struct {
	ToxicRule
	seen int
}

// AddToxic attaches a toxic to the flows that open from now on. It panics
// if r.Toxic is nil.
func (n *Network) AddToxic(r ToxicRule) {
	if r.Toxic == nil {
		panic("faults: AddToxic without a toxic")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.startLocked()
	n.toxics = append(n.toxics, &toxicRule{ToxicRule: r})
}

// RemoveToxic detaches the toxics with the given name from flows opened
// from now on, and reports whether there were any.
func (n *Network) RemoveToxic(name string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	kept := n.toxics[:0]
	for _, t := range n.toxics {
		if t.Label() != name {
			kept = append(kept, t)
		}
	}
	found := len(kept) != len(n.toxics)
	n.toxics = kept
	return found
}

// Toxics returns the toxics attached to flows that open from now on, in
// the order they were added, each with its Name set to its [ToxicRule.Label].
func (n *Network) Toxics() []ToxicRule {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]ToxicRule, 0, len(n.toxics))
	for _, t := range n.toxics {
		r := t.ToxicRule
		r.Name = r.Label()
		out = append(out, r)
	}
	return out
}

// selects reports whether the rule applies to f, counting it for Nth and
// rolling Toxicity.
func (n *Network) selectsLocked(r *toxicRule, f *Flow) bool {
	if !r.Channel.matches(f.Channel) {
		return false
	}
	if len(r.Hosts) > 0 && !containsString(r.Hosts, f.Dialer.Name) && !containsString(r.Hosts, f.Listener.Name) {
		return false
	}
	r.seen++
	if r.Nth > 0 && r.seen != r.Nth {
		return false
	}
	if t := r.Toxicity; t > 0 && t < 1 && n.rngLocked().Float64() >= t {
		return false
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
