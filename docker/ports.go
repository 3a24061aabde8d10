package docker

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
// process, and every port bindable on 127.0.0.1 (and on the extra
// addresses) right now. Another process may take it before Docker binds
// it; Run retries on that conflict.
func (p *windowPool) take(pool PortRange, n int, extra ...netip.Addr) (PortRange, error) {
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
		if p.used[first] || !bindable(w, extra...) {
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
// 127.0.0.1, on the wildcard address (which Docker may use) and on the
// extra addresses.
func bindable(w PortRange, extra ...netip.Addr) bool {
	hosts := []string{"127.0.0.1", "0.0.0.0"}
	for _, a := range extra {
		hosts = append(hosts, a.String())
	}
	for port := range w.All() {
		for _, host := range hosts {
			if !portFree(host, int(port)) {
				return false
			}
		}
	}
	return true
}

// portFree reports whether nothing listens on host:port: a listen there
// succeeds, or fails for another reason than the address being in use
// (a port below 1024 without the privilege to bind it).
func portFree(host string, port int) bool {
	ln, err := net.Listen("tcp4", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return !errors.Is(err, syscall.EADDRINUSE)
	}
	ln.Close()
	return true
}

// hostNetworkPool is where [WithHostNetwork] with the zero address picks
// one: away from the faults package's 127.20.0.0-127.219.255.255.
var hostNetworkPool = [2]byte{127, 240}

// hostAddrs hands out host-network addresses within this process.
var hostAddrs = struct {
	mu   sync.Mutex
	used map[netip.Addr]bool
}{used: map[netip.Addr]bool{}}

// pickHostAddr returns a loopback address of hostNetworkPool, not handed
// out by this process, on which every port in ports is free right now.
func pickHostAddr(ports ...int) (netip.Addr, error) {
	hostAddrs.mu.Lock()
	defer hostAddrs.mu.Unlock()
	for range 200 {
		a := netip.AddrFrom4([4]byte{hostNetworkPool[0], hostNetworkPool[1], byte(1 + rand.IntN(254)), byte(1 + rand.IntN(254))})
		if hostAddrs.used[a] {
			continue
		}
		free := true
		for _, p := range ports {
			free = free && (p == 0 || portFree(a.String(), p))
		}
		if free {
			hostAddrs.used[a] = true
			return a, nil
		}
	}
	return netip.Addr{}, errors.New("no free host-network address in 127.240.0.0/16")
}

// releaseHostAddr returns an address of pickHostAddr.
func releaseHostAddr(a netip.Addr) {
	hostAddrs.mu.Lock()
	defer hostAddrs.mu.Unlock()
	delete(hostAddrs.used, a)
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
