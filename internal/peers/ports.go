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

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// PortRange is an inclusive range of TCP ports on 127.0.0.1:
// [ftp.PortRange], the one port range type of ftpsim. The zero value is
// the empty range.
type PortRange = ftp.PortRange

// lowestPort is the bottom of the window FreePort and FreePortRange pick
// from; the top is the start of the kernel's ephemeral range, so a client's
// outgoing connection never occupies a port a server is about to bind.
const lowestPort = 20000

var (
	portsMu  sync.Mutex
	reserved = map[uint16]bool{} // ports already handed out by this process
)

// FreePort returns a TCP port that is free on 127.0.0.1 and that no earlier
// call of FreePort or FreePortRange in this process returned.
func FreePort() (int, error) {
	r, err := FreePortRange(1)
	return int(r.Low), err
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
		r := PortRange{Low: uint16(first), High: uint16(first + n - 1)}
		if !rangeFree(r) {
			continue
		}
		for p := range r.All() {
			reserved[p] = true
		}
		return r, nil
	}
	return PortRange{}, fmt.Errorf("free port range: no %d free consecutive ports on 127.0.0.1", n)
}

// rangeFree reports whether every port of r is unreserved and bindable.
func rangeFree(r PortRange) bool {
	for p := range r.All() {
		if reserved[p] {
			return false
		}
	}
	for p := range r.All() {
		ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p))))
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
	if pasv.Size() == 0 {
		r, err := FreePortRange(pasvLen)
		if err != nil {
			return err
		}
		*pasv = r
	}
	return nil
}
