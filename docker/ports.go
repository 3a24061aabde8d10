package docker

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
)

// DefaultPassivePool is where [Run] looks for a free passive window when
// none is given: below Linux's ephemeral range (32768-60999), so that
// outgoing connections never sit on a window, and away from the ports the
// real-peer tests use (30000-30499).
var DefaultPassivePool = PortRange{Low: 26000, High: 29999}

// windows hands out passive windows within this process and remembers
// which are in use until their container terminates. Other processes are
// seen by probing: a port something listens on is not free.
var windows = &windowPool{used: map[uint16]bool{}}

type windowPool struct {
	mu   sync.Mutex
	used map[uint16]bool // first port of each window in use
}

// take finds a free window of n ports in pool: not handed out by this
// process, and every port bindable on 127.0.0.1 right now. Another process
// may take it before Docker binds it; Run retries on that conflict.
func (p *windowPool) take(pool PortRange, n int) (PortRange, error) {
	if n <= 0 || pool.Size() < n {
		return PortRange{}, fmt.Errorf("passive pool %s cannot hold %d ports", pool, n)
	}
	slots := pool.Size() / n
	start := rand.IntN(slots)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range slots {
		first := pool.Low + uint16(((start+i)%slots)*n)
		w := PortRange{Low: first, High: first + uint16(n) - 1}
		if p.used[first] || !bindable(w) {
			continue
		}
		p.used[first] = true
		return w, nil
	}
	return PortRange{}, fmt.Errorf("no free window of %d ports in %s", n, pool)
}

func (p *windowPool) release(w PortRange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.used, w.Low)
}

// bindable reports whether every port of w can be listened on at
// 127.0.0.1 (and on the wildcard address, which Docker may use).
func bindable(w PortRange) bool {
	for port := range w.All() {
		for _, host := range []string{"127.0.0.1", "0.0.0.0"} {
			ln, err := net.Listen("tcp4", net.JoinHostPort(host, strconv.Itoa(int(port))))
			if err != nil {
				return false
			}
			ln.Close()
		}
	}
	return true
}

// isPortConflict reports whether a container failed to start because a
// host port was taken between probing and binding.
func isPortConflict(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "port is already allocated") || strings.Contains(s, "address already in use")
}

// errNoWindow is returned when Run cannot find passive ports.
var errNoWindow = errors.New("no passive window")
