package scenarios

import (
	"bytes"
	"net/netip"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// attachNetwork builds the spec's network and puts srv on its server host.
func attachNetwork(srv *sim.Server, spec NetworkSpec) (*Network, error) {
	if srv.PassivePorts.Size() == 0 {
		srv.PassivePorts = DefaultPassive
	}
	n, err := spec.Build(srv.PassivePorts, srv.Implicit)
	if err != nil {
		return nil, err
	}
	if err := n.Attach(srv); err != nil {
		n.Net.Close()
		return nil, err
	}
	return n, nil
}

// Attach puts srv, an unstarted in-process server, on the server host:
// its control listener on ServerAddr:21 (and 990 if srv.Implicit), its
// passive listeners and active dials through the network, its passive
// range n.Passive.
func (n *Network) Attach(srv *sim.Server) error {
	seams, err := n.Server.ServerSeams(netip.AddrPortFrom(n.ServerAddr, ControlPort).String())
	if err != nil {
		return err
	}
	srv.Listener, srv.ListenPassive, srv.DialActive, srv.ResolveActive = seams.Listener, seams.ListenPassive, seams.DialActive, seams.ResolveActive
	srv.PassivePorts = n.Passive
	if srv.Implicit {
		ln, err := n.Server.Listen("tcp", netip.AddrPortFrom(n.ServerAddr, ImplicitPort).String())
		if err != nil {
			return err
		}
		faults.MarkControl(ln)
		srv.ImplicitListener = ln
	}
	return nil
}

// clientTargets are the addresses the client dials: always the server
// site's public address.
func (n *Network) clientTargets(implicit bool) (explicitAddr, implicitAddr string) {
	explicitAddr = n.ControlAddr()
	if implicit {
		implicitAddr = n.ImplicitAddr()
	}
	return explicitAddr, implicitAddr
}

// clientOptions put the client on its host. The server certificate names
// localhost, so that is the name verified unless the scenario says otherwise.
func (n *Network) clientOptions(spec ClientSpec) []clientsim.Option {
	opts := []clientsim.Option{clientsim.WithDialer(n.Client.DialContext), clientsim.WithActiveListener(n.Client.ListenContext)}
	if spec.ServerName == "" {
		opts = append(opts, clientsim.WithServerName("localhost"))
	}
	return opts
}

// report adds the network's evidence to res and closes the network. It
// runs after the server has closed (defers run last in, first out).
func (n *Network) report(res *Result) {
	n.evidence(res)
	n.Net.Close()
}

// evidence adds the network's timeline and what it saw of the
// credentials to res.
func (n *Network) evidence(res *Result) {
	res.Timeline = n.Net.Timeline()
	for _, f := range n.Net.Flows() {
		if f.Channel == faults.Control && hasCleartextPass(f.Captured(faults.Upstream)) {
			res.CleartextCredentials = true
		}
	}
}

// hasCleartextPass reports whether a PASS command appears at the start of a
// line in captured control bytes.
func hasCleartextPass(b []byte) bool {
	for _, line := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(bytes.ToUpper(bytes.TrimLeft(line, "\r")), []byte("PASS ")) {
			return true
		}
	}
	return false
}
