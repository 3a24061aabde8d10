package scenarios

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/ftpsim/ftpsim/faults"
)

// Network is the virtual network a [NetworkSpec] describes, made by
// [NetworkSpec.Build]: a [faults.Network] with the client's host and the
// server's host on the scenario topology. Put a server on Server (an
// in-process one with [Network.Attach], a real one with
// [Network.Backend]) and dial [Network.ControlAddr] from Client.
type Network struct {
	Net            *faults.Network
	Client, Server *faults.Host
	// ServerAddr is where the server listens: [ServerPrivateAddr] under
	// ServerNAT, else [ServerPublicAddr].
	ServerAddr netip.Addr
	// Passive is the server's passive range, which ServerNAT forwards.
	Passive faults.PortRange
	// Implicit says whether port 990 is forwarded and served too.
	Implicit bool
}

// plan is a network under construction: each field of the spec adds its
// part to the gateways, then assemble makes the zones and hosts.
type plan struct {
	spec     NetworkSpec
	passive  faults.PortRange
	implicit bool
	net      *faults.Network
	server   *faults.Gateway // the server site's gateway
	client   *faults.Gateway // the client's NAT or firewall, or nil
	// clientFirewall: client is a firewall without NAT (client_inbound
	// without client_nat); the client keeps its public address.
	clientFirewall bool
	serverAddr     netip.Addr
}

// forward makes the server's NAT forward ports to the same ports inside.
func (p *plan) forward(ports faults.PortRange) {
	p.server.Forwards = append(p.server.Forwards, faults.Forward{Ports: ports, To: netip.AddrPortFrom(ServerPrivateAddr, ports.Low)})
}

// Build makes the virtual network s describes, with no server yet.
// passive is the server's passive range (zero: [DefaultPassive]), which
// ServerNAT forwards unless PassiveForward says otherwise; implicit adds
// implicit FTPS on port 990. Close the network with n.Net.Close.
func (s NetworkSpec) Build(passive faults.PortRange, implicit bool) (*Network, error) {
	if passive.Size() == 0 {
		passive = DefaultPassive
	}
	p := &plan{
		spec: s, passive: passive, implicit: implicit,
		net:        &faults.Network{ControlPorts: []uint16{ControlPort, ImplicitPort}},
		server:     &faults.Gateway{Name: "server-gateway"},
		serverAddr: s.ServerAddr(),
	}
	for _, f := range networkFields {
		if err := f.build(p); err != nil {
			return nil, err
		}
	}
	for i, t := range s.Toxics {
		if t.Toxic == nil {
			return nil, fmt.Errorf("network.toxics[%d]: no toxic", i)
		}
	}
	n := &Network{Net: p.net, ServerAddr: p.serverAddr, Passive: passive, Implicit: implicit}
	p.net.AddZone("internet", nil)
	p.net.AddZone("server-site", p.server)
	if p.clientFirewall {
		p.net.AddZone("client-site", p.client)
		n.Client = p.net.AddHost("client", "client-site", ClientPublicAddr.String())
	} else if p.client != nil {
		p.net.AddZone("client-lan", p.client)
		n.Client = p.net.AddHost("client", "client-lan", ClientPrivateAddr.String())
	} else {
		n.Client = p.net.AddHost("client", "internet", ClientPublicAddr.String())
	}
	n.Server = p.net.AddHost("server", "server-site", p.serverAddr.String())
	for _, t := range s.Toxics {
		p.net.AddToxic(t)
	}
	return n, nil
}

// ServerAddr is the address the server has on the network:
// [ServerPrivateAddr] behind ServerNAT, else [ServerPublicAddr]. A server
// on it advertises it in 227 replies unless told another.
func (s NetworkSpec) ServerAddr() netip.Addr {
	if s.ServerNAT {
		return ServerPrivateAddr
	}
	return ServerPublicAddr
}

// ControlAddr is the virtual address the client dials for explicit FTPS
// and plain FTP: the server site's public address, port 21.
func (n *Network) ControlAddr() string {
	return netip.AddrPortFrom(ServerPublicAddr, ControlPort).String()
}

// ImplicitAddr is the virtual address for implicit FTPS, port 990.
func (n *Network) ImplicitAddr() string {
	return netip.AddrPortFrom(ServerPublicAddr, ImplicitPort).String()
}

// Backend puts a real server behind the server host: its control port
// is target, its passive range n.Passive at the same numbers on target's
// address (a loopback address, or a container's published ports). See
// [faults.Backend] for what crosses the network in cleartext and under
// TLS.
func (n *Network) Backend(target netip.AddrPort) (*faults.Backend, error) {
	if !target.IsValid() {
		return nil, errors.New("network backend: no target address")
	}
	return n.Server.Backend(target.Addr(),
		faults.PortMap{Virtual: faults.Ports(ControlPort), Real: target.Port()},
		faults.PortMap{Virtual: n.Passive})
}
