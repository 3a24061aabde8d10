package scenarios

import (
	"bytes"
	"net/netip"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// attachNetwork builds the spec's network and puts srv on its server host.
func attachNetwork(srv *sim.Server, spec NetworkSpec) (*builtNetwork, error) {
	if srv.PassivePorts.Size() == 0 {
		srv.PassivePorts, _ = sim.ParsePortRange(defaultPassive)
	}
	bn, err := buildNetwork(spec, srv.PassivePorts, srv.Implicit)
	if err != nil {
		return nil, err
	}
	seams, err := bn.server.ServerSeams(netip.AddrPortFrom(bn.serverAddr, 21).String())
	if err != nil {
		bn.net.Close()
		return nil, err
	}
	srv.Listener, srv.ListenPassive, srv.DialActive, srv.ResolveActive = seams.Listener, seams.ListenPassive, seams.DialActive, seams.ResolveActive
	if srv.Implicit {
		ln, err := bn.server.Listen("tcp", netip.AddrPortFrom(bn.serverAddr, 990).String())
		if err != nil {
			bn.net.Close()
			return nil, err
		}
		faults.MarkControl(ln)
		srv.ImplicitListener = ln
	}
	return bn, nil
}

// clientTargets are the addresses the client dials: always the server
// site's public address.
func (b *builtNetwork) clientTargets(implicit bool) (explicitAddr, implicitAddr string) {
	explicitAddr = netip.AddrPortFrom(serverPublic, 21).String()
	if implicit {
		implicitAddr = netip.AddrPortFrom(serverPublic, 990).String()
	}
	return explicitAddr, implicitAddr
}

// clientOptions put the client on its host. The server certificate names
// localhost, so that is the name verified unless the scenario says otherwise.
func (b *builtNetwork) clientOptions(spec ClientSpec) []clientsim.Option {
	opts := []clientsim.Option{clientsim.WithDialer(b.client.DialContext), clientsim.WithActiveListener(b.client.ListenContext)}
	if spec.ServerName == "" {
		opts = append(opts, clientsim.WithServerName("localhost"))
	}
	return opts
}

// report adds the network's evidence to res and closes the network. It
// runs after the server has closed (defers run last in, first out).
func (b *builtNetwork) report(res *Result) {
	res.Timeline = b.net.Timeline().String()
	for _, f := range b.net.Flows() {
		if f.Channel == faults.Control && hasCleartextPass(f.Captured(faults.Upstream)) {
			res.CleartextCredentials = true
		}
	}
	b.net.Close()
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
