package faults

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Endpoints are the two addresses of a flow as one side sees them.
type Endpoints struct {
	Src netip.AddrPort // the dialing end
	Dst netip.AddrPort // the listening end
}

// String renders "src -> dst".
func (e Endpoints) String() string { return e.Src.String() + " -> " + e.Dst.String() }

// Flow is one TCP connection on the network, with its FTP context. The
// exported fields are set when the flow opens and never change, except
// Command, which is fixed by then too; the methods report what happened
// since.
type Flow struct {
	// ID numbers flows from 1 in the order they opened.
	ID int
	// Channel is Control for a flow to an FTP control port, else Data.
	Channel Channel
	// Dialer and Listener are the hosts at the two ends.
	Dialer, Listener *Host
	// Pre is the flow as the dialer sees it: its own address and the
	// address it dialed (before NAT).
	Pre Endpoints
	// Post is the flow as the listener sees it: the peer's address after
	// source NAT and its own address after port forwarding.
	Post Endpoints
	// Gateways are the names of the gateways crossed, dialer side first.
	Gateways []string
	// Session is the ID of the control flow this flow belongs to: its own
	// ID for a control flow; for a data flow the most recent live control
	// flow between the same two hosts; 0 if there is none.
	Session int
	// DataN is the position of a data flow in its session (1 for the
	// first); 0 for control flows and data flows without session.
	DataN int
	// Command is the command whose announcement opened this data flow
	// ("PASV", "EPSV", "PORT" or "EPRT"), when it crossed in cleartext.
	Command string

	net      *Network
	up, down *link
	gws      []*Gateway
	session  *Flow
	release  []func()
	entry    *Entry         // set when a real program dialed through an Entry
	real     netip.AddrPort // that real program's address (its end of the real connection)
	// toBackend says a Backend's real server is the listening end
	toBackend bool

	onStart []func() // run once the listener end is queued (ResetPeer 0)

	idle       time.Duration
	idleAction Action
	idleBy     string

	mu       sync.Mutex
	last     time.Time // last segment (network clock)
	inFlight time.Time // when the last queued chunk is delivered (time package)
	expired  bool
	drops    int
	ends     int // bit 1: dialer end closed, bit 2: listener end closed
	done     bool
	wasReset bool
	timers   []*time.Timer
	captured [2][]byte // indexed by Stream
	anns     []announcement
	nData    int

	pcap *flowPcap // nil unless Network.Pcap records the flow
}

// announcement is a data address announced on a control flow, as it
// crossed the network in cleartext.
type announcement struct {
	cmd  string         // PASV, EPSV, PORT, EPRT
	addr netip.AddrPort // address as delivered; for EPSV the address is invalid
	dir  Stream
}

// String describes the flow in one line.
func (f *Flow) String() string { return fmt.Sprintf("#%d %s", f.ID, f.desc()) }

// desc describes the flow without its ID.
func (f *Flow) desc() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", f.Channel, f.Dialer.Name, f.Pre)
	if f.Post != f.Pre {
		fmt.Fprintf(&b, " (%s sees %s)", f.Listener.Name, f.Post)
	} else {
		fmt.Fprintf(&b, " (%s)", f.Listener.Name)
	}
	if f.Channel == Data && f.Session != 0 {
		fmt.Fprintf(&b, " session #%d data %d", f.Session, f.DataN)
		if f.Command != "" {
			b.WriteString(" " + f.Command)
		}
	}
	return b.String()
}

// Captured returns the bytes the given end put on the network in the
// stream s (Upstream: the dialer's, Downstream: the listener's), as it
// sent them, before any middlebox or ALG changed them. Only control
// flows are captured (see [Network.CaptureLimit]).
func (f *Flow) Captured(s Stream) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s != Upstream && s != Downstream {
		return append(append([]byte(nil), f.captured[Upstream]...), f.captured[Downstream]...)
	}
	return append([]byte(nil), f.captured[s]...)
}

// Expired reports whether a gateway's conntrack forgot the flow (idle).
func (f *Flow) Expired() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.expired
}

// Done reports whether both ends closed or the network cut the flow.
func (f *Flow) Done() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.done
}

// pass applies conntrack idle expiry to one segment and reports whether
// the segment may go on. It runs with the link's write lock held.
func (f *Flow) pass(l *link) bool {
	if f.idle <= 0 {
		return true
	}
	now := f.net.now()
	f.mu.Lock()
	idle := now.Sub(f.last)
	if d := time.Until(f.inFlight); d > 0 {
		idle = 0 // segments still crossing keep the entry alive
	}
	expiredNow := !f.expired && idle > f.idle
	if expiredNow {
		f.expired = true
	}
	if !f.expired {
		f.last = now
	} else {
		f.drops++
	}
	firstDrop := f.expired && f.drops == 1
	f.mu.Unlock()
	if expiredNow {
		f.net.event(f, Cut, f.idleBy, "conntrack entry expired after %s idle (timeout %s)", idle.Round(time.Millisecond), f.idle)
	}
	if !firstDrop {
		return !f.expired
	}
	if f.idleAction == Reject {
		f.net.event(f, Cut, f.idleBy, "%s segment of expired flow answered with a reset", l.dir)
		f.reset()
	} else {
		f.net.event(f, Dropped, f.idleBy, "%s segments of expired flow dropped from now on", l.dir)
	}
	return false
}

// delivering records when a queued chunk will cross the network, so that
// conntrack counts a slow delivery as activity.
func (f *Flow) delivering(at time.Time) {
	f.mu.Lock()
	if at.After(f.inFlight) {
		f.inFlight = at
	}
	f.mu.Unlock()
}

// capture keeps the bytes a control flow's end sent.
func (f *Flow) capture(dir Stream, seg []byte) {
	if f.Channel != Control {
		return
	}
	limit := f.net.captureLimit()
	f.mu.Lock()
	if room := limit - len(f.captured[dir]); room > 0 {
		f.captured[dir] = append(f.captured[dir], seg[:min(room, len(seg))]...)
	}
	f.mu.Unlock()
}

// observe records FTP announcements delivered in cleartext on a control
// flow and tells the attackers.
func (f *Flow) observe(l *link, b []byte) {
	if f.Channel != Control || !isText(b) {
		return
	}
	for _, line := range lines(b) {
		a, ok := parseAnnouncement(line, l.dir)
		if !ok {
			continue
		}
		f.mu.Lock()
		f.anns = append(f.anns, a)
		if len(f.anns) > 64 {
			f.anns = f.anns[1:]
		}
		f.mu.Unlock()
		what := a.addr.String()
		if !a.addr.IsValid() {
			what = fmt.Sprintf("port %d", a.addr.Port())
		}
		f.net.event(f, Seen, "", "%s announces %s in cleartext", a.cmd, what)
		f.net.announced(f, a)
	}
}

// announcementFor returns the command that announced the port a data flow
// dialed, searching the newest announcement first.
func (f *Flow) announcementFor(data *Flow) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	passive := data.Dialer == f.Dialer
	for i := len(f.anns) - 1; i >= 0; i-- {
		a := f.anns[i]
		isPassive := a.cmd == "PASV" || a.cmd == "EPSV"
		if isPassive == passive && a.addr.Port() == data.Pre.Dst.Port() {
			return a.cmd
		}
	}
	return ""
}

// nextData numbers a data flow of this session.
func (f *Flow) nextData() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nData++
	return f.nData
}

// live reports whether the flow can still carry bytes.
func (f *Flow) live() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.done
}

// after runs fn after d unless the flow ends first.
func (f *Flow) after(d time.Duration, fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done {
		f.timers = append(f.timers, time.AfterFunc(d, fn))
	}
}

// reset aborts the flow like a TCP RST: both ends fail with ECONNRESET.
func (f *Flow) reset() {
	f.pcapRST(false)
	f.mu.Lock()
	f.wasReset = true
	f.mu.Unlock()
	f.up.sink.abort()
	f.down.sink.abort()
	f.finish()
}

// isReset reports whether the network reset the flow.
func (f *Flow) isReset() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wasReset
}

// cut ends the flow like a FIN from the network: both ends read what is
// queued, then EOF; their writes fail.
func (f *Flow) cut() {
	f.pcapCut()
	now := time.Now()
	f.up.sink.cut(now)
	f.down.sink.cut(now)
	f.finish()
}

// abort resets the flow without recording it (Network.Close).
func (f *Flow) abort() {
	f.pcapStop()
	f.reset()
}

// endClosed records that one end closed; when both have, the flow ends.
func (f *Flow) endClosed(dialer bool) {
	bit := 2
	if dialer {
		bit = 1
	}
	f.pcapFIN(dialer, true)
	f.mu.Lock()
	f.ends |= bit
	both := f.ends == 3
	f.mu.Unlock()
	if both {
		f.finish()
	}
}

// finish marks the flow done and releases its ports and timers, once.
func (f *Flow) finish() {
	f.mu.Lock()
	if f.done {
		f.mu.Unlock()
		return
	}
	f.done = true
	timers, release := f.timers, f.release
	f.timers, f.release = nil, nil
	f.mu.Unlock()
	for _, t := range timers {
		t.Stop()
	}
	for _, fn := range release {
		fn()
	}
}
