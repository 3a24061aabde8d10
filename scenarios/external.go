package scenarios

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// ExternalOptions say where real programs (curl, lftp, FileZilla, your
// client) meet a scenario network.
type ExternalOptions struct {
	// Entry is the loopback address and real port of the control channel
	// (virtual 203.0.113.7:21). The server's passive range is served on
	// the same address at the same port numbers, so that clients that use
	// the control address for data (curl's default, EPSV) go through the
	// network. Port zero picks a free port.
	Entry netip.AddrPort
	// Implicit serves implicit FTPS (virtual 990) on the entry too, at
	// real port ImplicitPort; zero picks a free port.
	Implicit bool
	// ImplicitPort, when not zero, is the entry's real port for implicit
	// FTPS, and implies Implicit.
	ImplicitPort uint16
	// OnEvent receives the network's timeline events as they happen.
	OnEvent func(faults.Event)
	// ClientAddr, when valid, is the address the server's address policy
	// (sim.Server.AllowIPs and DenyIPs) was written for: the loopback
	// address of a scenario's client run in-process without a network
	// (127.0.0.1), which real clients do not have on the network. The
	// server then admits or refuses the address it sees real clients at
	// ([External.ClientSeen]) exactly as it does ClientAddr, so that a
	// deny list of 127.0.0.0/8 refuses them as it refuses the scenario's
	// client. Left zero, the policy applies to the virtual addresses as
	// written (a scenario with a network names them).
	ClientAddr netip.Addr
}

// External is a scenario network that real programs on this machine use
// through a [faults.Entry] on the client host: everything they connect
// to crosses the client's and the server's gateways, and every address
// they are shown is a loopback address.
type External struct {
	// Spec is the network's description.
	Spec           NetworkSpec
	Network        *faults.Network
	Client, Server *faults.Host
	Entry          *faults.Entry
	// Passive is the server's passive range, served by the entry too.
	Passive sim.PortRange
	// Advertised is the virtual address the server puts in 227 replies,
	// and Shown the loopback address real programs see in its place: the
	// entry's own address for the public address, else an alias that
	// behaves as Advertised does from the client (see [faults.Entry.Alias]).
	Advertised, Shown netip.Addr
	// ClientSeen is the virtual address the server sees real clients at:
	// the client's own (198.51.100.10), or its NAT's (198.51.100.2) under
	// ClientNAT. The server's allow and deny lists are checked against it.
	ClientSeen netip.Addr
}

// ControlAddr returns the real address real clients connect to.
func (x *External) ControlAddr() netip.AddrPort {
	ap, _ := x.Entry.Addr(ControlPort)
	return ap
}

// ImplicitAddr returns the real address for implicit FTPS, if any.
func (x *External) ImplicitAddr() (netip.AddrPort, bool) { return x.Entry.Addr(ImplicitPort) }

// AdvertisedReachable reports whether a client that trusts the 227
// address reaches the server's public side: whether Shown is the entry.
func (x *External) AdvertisedReachable() bool { return x.Shown == x.Entry.IP() }

// Experiences says, fault by fault in the order of [NetworkHelp], what
// a real client meets on the network: the text of ftpsim's banners.
func (x *External) Experiences() []Experience {
	c := &explainContext{spec: x.Spec, reachable: x.AdvertisedReachable(), advertised: x.Advertised, passive: x.Passive}
	return c.experiences()
}

// Close closes the network, its entry and any backend.
func (x *External) Close() error { return x.Network.Close() }

// ServeExternal puts srv, not yet started, on the network spec describes
// (in memory) and opens an entry for real clients on the client host. The
// server's passive range defaults to 30000-30009. srv.PassiveAddr, if
// set, is a virtual address (203.0.113.7 for a server that advertises
// its NAT's address); it is replaced by the loopback address real
// programs must see, which the server host translates back in cleartext
// so that NAT and FTP helpers act as in the scenario.
func ServeExternal(srv *sim.Server, spec NetworkSpec, opts ExternalOptions) (*External, error) {
	if opts.ImplicitPort != 0 || opts.Implicit {
		opts.Implicit, srv.Implicit = true, true
	}
	n, err := attachNetwork(srv, spec)
	if err != nil {
		return nil, err
	}
	n.Net.OnEvent = opts.OnEvent
	x := &External{Spec: spec, Network: n.Net, Client: n.Client, Server: n.Server, Passive: srv.PassivePorts}
	if err := x.enter(opts, srv.Implicit); err != nil {
		n.Net.Close()
		return nil, err
	}
	x.Advertised = n.ServerAddr
	if srv.PassiveAddr.IsValid() {
		x.Advertised = srv.PassiveAddr
	}
	if x.Shown, err = x.Entry.Advertise(n.Server, x.Advertised); err != nil {
		n.Net.Close()
		return nil, err
	}
	srv.PassiveAddr = x.Shown
	x.ClientSeen = spec.clientSeen()
	if a := opts.ClientAddr.Unmap(); a.IsValid() {
		srv.AllowIPs = decideAs(srv.AllowIPs, x.ClientSeen, a)
		srv.DenyIPs = decideAs(srv.DenyIPs, x.ClientSeen, a)
	}
	return x, nil
}

// clientSeen is the source address the server sees connections from the
// client host at: the client's NAT's when it has one.
func (s NetworkSpec) clientSeen() netip.Addr {
	if s.ClientNAT {
		return ClientNATAddr
	}
	return ClientPublicAddr
}

// decideAs returns list (a new slice when it changes) such that it holds
// seen exactly when it holds as: seen is added as a host prefix, or cut
// out of the prefixes that hold it.
func decideAs(list []netip.Prefix, seen, as netip.Addr) []netip.Prefix {
	want, has := holds(list, as), holds(list, seen)
	switch {
	case want == has:
		return list
	case want:
		return append(slices.Clip(list), netip.PrefixFrom(seen, seen.BitLen()))
	}
	var out []netip.Prefix
	for _, p := range list {
		if p.Contains(seen) {
			out = append(out, cutOut(p, seen)...)
		} else {
			out = append(out, p)
		}
	}
	return out
}

// holds reports whether a prefix of list contains a.
func holds(list []netip.Prefix, a netip.Addr) bool {
	return slices.ContainsFunc(list, func(p netip.Prefix) bool { return p.Contains(a) })
}

// cutOut returns the prefixes that together cover p but for a, which p
// contains: at every length below a's, the half that does not hold a.
func cutOut(p netip.Prefix, a netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for bits := p.Bits() + 1; bits <= a.BitLen(); bits++ {
		b := a.AsSlice()
		b[(bits-1)/8] ^= 0x80 >> ((bits - 1) % 8) // a with bit bits-1 flipped: the other half
		other, _ := netip.AddrFromSlice(b)
		out = append(out, netip.PrefixFrom(other, bits).Masked())
	}
	return out
}

// ProxyExternal builds the network spec describes with a real server in
// the server's place: its control port is target, its passive range is
// passive on target's address (the ports the server listens on, which
// must be known in advance because FTPS hides the 227 replies). Real
// clients connect to the entry; opts.Entry must not be target's address,
// since the entry listens on the same passive port numbers.
//
// Under TLS the 227 replies carry whatever the server advertises, which
// nothing can rewrite: clients that use EPSV or the control address
// (curl's default) go through the network, clients that trust the 227
// address go to the server directly unless it advertises the entry's
// address. In cleartext the server's own address becomes the server
// host's virtual one and the rest follows the scenario.
func ProxyExternal(spec NetworkSpec, target netip.AddrPort, passive sim.PortRange, opts ExternalOptions) (*External, error) {
	if passive.Size() == 0 {
		return nil, errors.New("proxy: the target's passive port range is required")
	}
	if opts.Entry.Addr() == target.Addr() {
		return nil, fmt.Errorf("proxy: the entry %s and the target %s share an address, and the entry must listen on the target's passive ports %s: give the entry another loopback address (all of 127.0.0.0/8 is loopback)", opts.Entry.Addr(), target, passive)
	}
	n, err := spec.Build(passive, false)
	if err != nil {
		return nil, err
	}
	n.Net.OnEvent = opts.OnEvent
	x := &External{Spec: spec, Network: n.Net, Client: n.Client, Server: n.Server, Passive: passive, Advertised: n.ServerAddr, ClientSeen: spec.clientSeen()}
	_, err = n.Backend(target)
	if err == nil {
		err = x.enter(opts, false)
	}
	if err == nil {
		n.Server.Translate(x.Entry.IP(), ServerPublicAddr)
		x.Shown, err = x.Entry.Alias(n.ServerAddr)
	}
	if err != nil {
		n.Net.Close()
		return nil, fmt.Errorf("proxy: %w", err)
	}
	return x, nil
}

// enter opens the entry on the client host.
func (x *External) enter(opts ExternalOptions, implicit bool) error {
	ip := opts.Entry.Addr()
	if !ip.IsLoopback() {
		return fmt.Errorf("entry %s: not a loopback address; real clients must only ever dial loopback", opts.Entry)
	}
	port, err := portOrFree(ip, opts.Entry.Port())
	if err != nil {
		return err
	}
	maps := []faults.PortMap{{Virtual: faults.Ports(ControlPort), Real: port}}
	if implicit && opts.Implicit {
		iport, err := portOrFree(ip, opts.ImplicitPort)
		if err != nil {
			return err
		}
		maps = append(maps, faults.PortMap{Virtual: faults.Ports(ImplicitPort), Real: iport})
	}
	maps = append(maps, faults.PortMap{Virtual: x.Passive})
	e, err := x.Client.Enter(ip, ServerPublicAddr, maps...)
	if err != nil {
		return err
	}
	x.Entry = e
	return nil
}

// portOrFree returns port, or when it is zero a port free on ip at the
// time of the call.
func portOrFree(ip netip.Addr, port uint16) (uint16, error) {
	if port != 0 {
		return port, nil
	}
	ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
	if err != nil {
		return 0, fmt.Errorf("entry: %w", err)
	}
	defer ln.Close()
	return uint16(ln.Addr().(*net.TCPAddr).Port), nil
}

// BuildServer returns the unstarted server a scenario's ServerSpec
// describes, with its certificates taken from set and its files in
// memory (ftpsim serve --scenario).
func BuildServer(spec ServerSpec, set *pki.Set) (*sim.Server, error) {
	srv, err := buildServer(spec)
	if err != nil {
		return nil, err
	}
	applyCertificates(srv, spec, set)
	mem := sim.NewMemFS(nil)
	for _, f := range spec.Files {
		mem.WriteFile(f.Path, fileContent(f.Path, f.Text, f.Size))
	}
	srv.FS = mem
	return srv, nil
}
