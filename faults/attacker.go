package faults

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Attacker races FTP clients to the passive data ports their servers
// announce (connection stealing, S30). When a 227 or 229 reply crosses
// the network in cleartext, the attacker connects to the announced port
// from its own host before the reply reaches the client. When the control
// channel is TLS it sees nothing, so if Ports is set it scans that range
// on every server-to-client control segment instead. Whatever a stolen
// connection delivers is kept as a [Theft].
//
// The zero value of every field but Host is a documented default. Add an
// attacker with [Network.AddAttacker]; [Network.Close] stops it.
type Attacker struct {
	// Host is where the attacker runs. Required.
	Host *Host
	// Ports is the passive range to scan when announcements are not
	// visible. The zero value scans nothing.
	Ports PortRange
	// Target is the address scanned. Zero means the server address the
	// client dialed for control.
	Target netip.Addr
	// TLS, if set, makes the attacker handshake as a TLS client on each
	// stolen connection (as for PROT P data). Nil reads cleartext.
	TLS *tls.Config
	// ReadTimeout bounds each stolen connection. Zero means 5 seconds.
	ReadTimeout time.Duration

	n      *Network
	mu     sync.Mutex
	thefts []Theft
	busy   map[netip.AddrPort]bool
	conns  []net.Conn
	closed bool
	wg     sync.WaitGroup
}

// Theft is what one stolen data connection delivered.
type Theft struct {
	Flow *Flow  // the attacker's flow
	Data []byte // bytes read before EOF, error or ReadTimeout
	Err  error  // how reading ended (nil at a clean EOF)
}

// maxTheft bounds the bytes kept per stolen connection.
const maxTheft = 16 << 20

// AddAttacker starts a on the network. It panics if a.Host is nil.
func (n *Network) AddAttacker(a *Attacker) {
	if a.Host == nil {
		panic("faults: Attacker without Host")
	}
	a.n = n
	a.busy = map[netip.AddrPort]bool{}
	n.mu.Lock()
	n.attackers = append(n.attackers, a)
	n.mu.Unlock()
}

// Thefts returns what the attacker's finished connections delivered.
func (a *Attacker) Thefts() []Theft {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Theft(nil), a.thefts...)
}

// Stolen returns all bytes the attacker has read so far, in order.
func (a *Attacker) Stolen() []byte {
	var out []byte
	for _, t := range a.Thefts() {
		out = append(out, t.Data...)
	}
	return out
}

// Wait waits until every stolen connection has ended (EOF, error or
// ReadTimeout), without closing any.
func (a *Attacker) Wait() { a.wg.Wait() }

// Close closes the attacker's connections and waits for its goroutines.
func (a *Attacker) Close() {
	a.mu.Lock()
	a.closed = true
	conns := a.conns
	a.conns = nil
	a.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	a.wg.Wait()
}

// attackerList returns the attackers; n.mu must not be held.
func (n *Network) attackerList() []*Attacker {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Attacker(nil), n.attackers...)
}

// announced tells the attackers about a cleartext announcement.
func (n *Network) announced(f *Flow, ann announcement) {
	if ann.cmd != "PASV" && ann.cmd != "EPSV" {
		return
	}
	for _, a := range n.attackerList() {
		if a.Host == f.Dialer || a.Host == f.Listener {
			continue
		}
		dst := ann.addr
		if ann.cmd == "EPSV" {
			dst = netip.AddrPortFrom(f.Pre.Dst.Addr(), ann.addr.Port())
		}
		a.steal(dst)
	}
}

// scan lets blind attackers probe their range after a server-to-client
// control segment.
func (n *Network) scan(f *Flow) {
	for _, a := range n.attackerList() {
		if a.Ports.IsZero() || a.Host == f.Dialer || a.Host == f.Listener {
			continue
		}
		target := a.Target
		if !target.IsValid() {
			target = f.Pre.Dst.Addr()
		}
		for p := range a.Ports.All() {
			a.steal(netip.AddrPortFrom(target, p))
		}
	}
}

// steal connects to dst at once (a dropped SYN fails at once too, so the
// flow that triggered the attack is not held up) and reads in the
// background what the connection delivers.
func (a *Attacker) steal(dst netip.AddrPort) {
	a.mu.Lock()
	skip := a.closed || a.busy[dst]
	a.mu.Unlock()
	if skip {
		return
	}
	c, err := a.Host.dial(context.Background(), "tcp", dst.String(), false, nil, netip.AddrPort{})
	if err != nil {
		return
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		c.Close()
		return
	}
	a.busy[dst] = true
	a.conns = append(a.conns, c)
	a.wg.Add(1)
	a.mu.Unlock()
	go a.read(c, dst)
}

func (a *Attacker) read(c net.Conn, dst netip.AddrPort) {
	defer a.wg.Done()
	defer c.Close()
	timeout := a.ReadTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	c.SetDeadline(time.Now().Add(timeout))
	var r io.Reader = c
	th := Theft{Flow: FlowOf(c)}
	if a.TLS != nil {
		tc := tls.Client(c, a.TLS)
		th.Err = tc.Handshake()
		r = tc
	}
	if th.Err == nil {
		th.Data, th.Err = io.ReadAll(io.LimitReader(r, maxTheft))
	}
	a.mu.Lock()
	a.thefts = append(a.thefts, th)
	delete(a.busy, dst)
	a.mu.Unlock()
}
