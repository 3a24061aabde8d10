package dockersuite

import (
	"fmt"
	"net/netip"

	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

// DockerHost is a Docker host as faults values, on the scenario network's
// addresses: a client on the internet ([scenarios.ClientPublicAddr]) and a
// gateway at [scenarios.ServerPublicAddr] that forwards port 21 and
// the passive range to a server behind it at Bridge, the way Docker
// publishes a container's ports. The server is either a container (its
// ports served on the server host by docker.Front) or an in-process
// persona (on the host's seams); both meet the same network.
type DockerHost struct {
	// Bridge is the server's address behind the gateway: for a container,
	// its real bridge address, so that what it advertises by itself is
	// exactly that.
	Bridge netip.Addr
	// Passive is the passive range, forwarded 1:1 unless NoPassiveForward.
	Passive docker.PortRange
	// NoPassiveForward publishes the control port only.
	NoPassiveForward bool
	// Toxics are added to the network as they are.
	Toxics []faults.ToxicRule
}

// Build makes the network. Dials nobody routes and inbound flows nothing
// admits are rejected (ECONNREFUSED at once), so failures are quick and
// classified "refused" rather than timing out.
func (d DockerHost) Build() (n *faults.Network, client, server *faults.Host, err error) {
	if !d.Bridge.IsValid() || d.Passive.Size() == 0 {
		return nil, nil, nil, fmt.Errorf("docker host network: bridge %v, passive %v", d.Bridge, d.Passive)
	}
	fwd := []faults.Forward{{Ports: faults.Ports(scenarios.ControlPort), To: netip.AddrPortFrom(d.Bridge, scenarios.ControlPort)}}
	if !d.NoPassiveForward {
		fwd = append(fwd, faults.Forward{
			Ports: d.Passive,
			To:    netip.AddrPortFrom(d.Bridge, d.Passive.Low),
		})
	}
	n = &faults.Network{Unroutable: faults.Reject}
	n.AddZone("internet", nil)
	n.AddZone("docker", &faults.Gateway{Public: scenarios.ServerPublicAddr, Forwards: fwd, Inbound: faults.Reject})
	client = n.AddHost("client", "internet", scenarios.ClientPublicAddr.String())
	server = n.AddHost("docker-host", "docker", d.Bridge.String())
	for _, t := range d.Toxics {
		n.AddToxic(t)
	}
	return n, client, server, nil
}

// AttachPersona puts an unstarted persona on the server host: control on
// Bridge:21, passive listeners and active dials through the network, the
// passive range of d.
func (d DockerHost) AttachPersona(srv *sim.Server, server *faults.Host) error {
	seams, err := server.ServerSeams(netip.AddrPortFrom(d.Bridge, scenarios.ControlPort).String())
	if err != nil {
		return err
	}
	srv.Listener, srv.ListenPassive, srv.DialActive, srv.ResolveActive = seams.Listener, seams.ListenPassive, seams.DialActive, seams.ResolveActive
	srv.PassivePorts = d.Passive
	srv.Implicit = false
	return nil
}

// ControlAddr is where the client dials: the Docker host's port 21.
func (DockerHost) ControlAddr() string {
	return netip.AddrPortFrom(scenarios.ServerPublicAddr, scenarios.ControlPort).String()
}
