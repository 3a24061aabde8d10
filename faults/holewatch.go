package faults

import (
	"bufio"
	"encoding/hex"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// holeWatchInterval is how often the black holes' SYN watcher looks.
const holeWatchInterval = 50 * time.Millisecond

// holeWatch reports, as they happen, the real programs whose connect to
// a black hole hangs. The kernel drops their SYNs without telling the
// listener, so the watcher reads the kernel's socket table (Linux's
// /proc/net/tcp) for sockets in SYN-SENT state towards a black hole's
// address: each is one Dropped event, once per connection attempt. On a
// system without that table it reports nothing (the start-up event that
// names the black-holed ports still does).
type holeWatch struct {
	e    *Entry
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func (e *Entry) watchHoles() {
	if e.watch != nil {
		return
	}
	e.watch = &holeWatch{e: e, stop: make(chan struct{}), done: make(chan struct{})}
	go e.watch.run()
}

func (w *holeWatch) close() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}

func (w *holeWatch) run() {
	defer close(w.done)
	t := time.NewTicker(holeWatchInterval)
	defer t.Stop()
	seen := map[[2]netip.AddrPort]bool{}
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		holes := w.e.holeAddrs()
		if len(holes) == 0 {
			continue
		}
		now := map[[2]netip.AddrPort]bool{}
		for _, c := range synSent() {
			virt, ok := holes[c[1]]
			if !ok {
				continue
			}
			now[c] = true
			if seen[c] {
				continue
			}
			w.e.host.net.eventTo(nil, virt, Dropped, "black hole "+c[1].String(),
				"a real program at %s dials %s (it stands for %s): its SYN gets no answer, so the connect hangs until the program's own timeout",
				c[0], c[1], virt)
		}
		seen = now
	}
}

// holeAddrs maps each black hole's real address to the virtual one.
func (e *Entry) holeAddrs() map[netip.AddrPort]netip.AddrPort {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := make(map[netip.AddrPort]netip.AddrPort, len(e.holes))
	for _, h := range e.holes {
		m[h.real] = h.virt
	}
	return m
}

// synSent lists the (local, remote) addresses of the system's IPv4 TCP
// sockets in SYN-SENT state.
func synSent() [][2]netip.AddrPort {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out [][2]netip.AddrPort
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || fields[3] != "02" { // 02: TCP_SYN_SENT
			continue
		}
		local, ok1 := parseProcAddr(fields[1])
		remote, ok2 := parseProcAddr(fields[2])
		if ok1 && ok2 {
			out = append(out, [2]netip.AddrPort{local, remote})
		}
	}
	return out
}

// parseProcAddr reads /proc/net/tcp's "0100007F:1F90" (the IPv4 address
// as a little-endian 32-bit word, the port big-endian) as 127.0.0.1:8080.
func parseProcAddr(s string) (netip.AddrPort, bool) {
	ip, port, ok := strings.Cut(s, ":")
	if !ok || len(ip) != 8 {
		return netip.AddrPort{}, false
	}
	b, err := hex.DecodeString(ip)
	if err != nil {
		return netip.AddrPort{}, false
	}
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{b[3], b[2], b[1], b[0]}), uint16(p)), true
}
