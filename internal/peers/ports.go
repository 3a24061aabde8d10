package peers

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// PortRange is an inclusive range of TCP ports on 127.0.0.1. The zero value
// is the empty range.
type PortRange struct {
	First, Last int
}

// Len returns the number of ports in r.
func (r PortRange) Len() int {
	if r.First <= 0 || r.Last < r.First {
		return 0
	}
	return r.Last - r.First + 1
}

// Contains reports whether port is in r.
func (r PortRange) Contains(port int) bool {
	return r.Len() > 0 && port >= r.First && port <= r.Last
}

// String returns "first-last".
func (r PortRange) String() string {
	return fmt.Sprintf("%d-%d", r.First, r.Last)
}

// lowestPort is the bottom of the window FreePort and FreePortRange pick
// from; the top is the start of the kernel's ephemeral range, so a client's
// outgoing connection never occupies a port a server is about to bind.
const lowestPort = 20000

var (
	portsMu  sync.Mutex
	reserved = map[int]bool{} // ports already handed out by this process
)

// FreePort returns a TCP port that is free on 127.0.0.1 and that no earlier
// call of FreePort or FreePortRange in this process returned.
func FreePort() (int, error) {
	r, err := FreePortRange(1)
	return r.First, err
}

// FreePortRange returns n consecutive TCP ports that are free on 127.0.0.1,
// disjoint from every port FreePort and FreePortRange returned before in this
// process. The ports lie below the kernel's ephemeral range.
func FreePortRange(n int) (PortRange, error) {
	if n <= 0 {
		return PortRange{}, fmt.Errorf("free port range: bad length %d", n)
	}
	top := ephemeralLow()
	if top-lowestPort < n {
		return PortRange{}, errors.New("free port range: no room below the ephemeral range")
	}
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 500 {
		first := lowestPort + rand.IntN(top-lowestPort-n+1)
		r := PortRange{First: first, Last: first + n - 1}
		if !rangeFree(r) {
			continue
		}
		for p := r.First; p <= r.Last; p++ {
			reserved[p] = true
		}
		return r, nil
	}
	return PortRange{}, fmt.Errorf("free port range: no %d free consecutive ports on 127.0.0.1", n)
}

// rangeFree reports whether every port of r is unreserved and bindable.
func rangeFree(r PortRange) bool {
	for p := r.First; p <= r.Last; p++ {
		if reserved[p] {
			return false
		}
	}
	for p := r.First; p <= r.Last; p++ {
		ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		ln.Close()
	}
	return true
}

// ephemeralLow returns the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if lo, err := strconv.Atoi(f[0]); err == nil && lo > lowestPort {
				return lo
			}
		}
	}
	return 32768
}

// reservePorts fills in a control port and a passive range where the caller
// left zero values.
func reservePorts(port *int, pasv *PortRange, pasvLen int) error {
	if *port == 0 {
		p, err := FreePort()
		if err != nil {
			return err
		}
		*port = p
	}
	if pasv.Len() == 0 {
		r, err := FreePortRange(pasvLen)
		if err != nil {
			return err
		}
		*pasv = r
	}
	return nil
}
