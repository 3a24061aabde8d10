package main

import (
	"net/netip"
	"strings"
	"sync"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// sessionTies names the server session a fault event belongs to, so
// serve's live output puts "s1" on the drop that makes s1's client hang.
// It learns from the server's transcript: each session's peer address
// (which is the control flow's source as the server sees it) and its
// passive listeners' ports (which a dial to the 227/229 address targets).
type sessionTies struct {
	mu       sync.Mutex
	byRemote map[netip.AddrPort]string // session peer -> session ID
	byPort   map[uint16]string         // passive port -> session ID (latest)
	flowSrc  map[int]netip.AddrPort    // control flow ID -> its source as the server sees it
}

func newSessionTies() *sessionTies {
	return &sessionTies{byRemote: map[netip.AddrPort]string{}, byPort: map[uint16]string{}, flowSrc: map[int]netip.AddrPort{}}
}

// note learns from one transcript entry of sess.
func (t *sessionTies) note(sess *sim.Session, e sim.TranscriptEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byRemote[sess.RemoteAddr] = sess.ID
	if rest, ok := strings.CutPrefix(e.Text, "passive listener "); ok {
		if ap, err := netip.ParseAddrPort(rest); err == nil {
			t.byPort[ap.Port()] = sess.ID
		}
	}
}

// session returns the ID of the server session e belongs to, or "". It
// is called from the network's OnEvent, so it must not call back into
// the network.
func (t *sessionTies) session(e faults.Event) string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.Flow != 0 && e.Flow == e.Session && e.Src.IsValid() {
		t.flowSrc[e.Flow] = e.Src // a control flow: its source is the session's peer
	}
	if src, ok := t.flowSrc[e.Session]; ok && e.Session != 0 {
		if id, ok := t.byRemote[src]; ok {
			return id
		}
	}
	if e.Dst.IsValid() {
		return t.byPort[e.Dst.Port()] // a dial to a session's passive port
	}
	return ""
}
