package dockersuite

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// Persona returns an unstarted in-process server that answers like the
// product's container as this package configures it: sim.Vsftpd,
// sim.ProFTPD and sim.PureFTPd, and for ftpsim [sim.WellConfigured] with
// lenient TLS EOF, as its image runs ftpsim serve.
func Persona(p *docker.Product, set *pki.Set) (*sim.Server, error) {
	var srv *sim.Server
	switch p.Name {
	case "ftpsim":
		srv = sim.NewUnstartedServer()
		sim.WellConfigured(srv) // the image runs ftpsim serve --well-configured --lenient-tls-eof
		srv.LenientTLSEOF = true
	default:
		persona, ok := sim.PersonaByName(p.Name)
		if !ok {
			return nil, fmt.Errorf("no sim persona for %s", p.Name)
		}
		srv = sim.NewUnstartedPersonaServer(persona)
	}
	srv.PKI = set
	srv.Implicit = p.Implicit
	srv.IdleTimeout = time.Minute
	srv.DataTimeout = 5 * time.Second
	return srv, nil
}

// Realization is a catalogue scenario made ready for a product: its
// server side as container options and persona settings, its client side
// as a scenario that runs against a target.
type Realization struct {
	// Scenario is the scenario with the server settings the container and
	// the persona realize removed (a target ignores them, and
	// scenarios.Run refuses a target scenario that has them). Its Network,
	// if any, is the one to run both on.
	Scenario scenarios.Scenario
	// Key names the container the scenario needs: "" is the product's
	// default one; scenarios with the same key share a container.
	Key string
	// Container are the options of that container.
	Container []testcontainers.ContainerCustomizer
	// Apply sets the same on the persona.
	Apply func(*sim.Server)
	// Skip, if set, says why the scenario cannot run against the product.
	Skip string
}

// Realize maps sc's server side onto the product: a certificate kind is
// served by the container and the persona, a passive address advertised
// by both, active mode runs on a container in the host's network
// namespace (docker.WithHostNetwork), and a virtual network is kept in
// the scenario, for the caller to put the container (with
// scenarios.Network.Backend) or the persona (Network.Attach) on it; both
// then advertise the network server's address. Settings a product has by configuration (TLS policies, reuse)
// are the product's: the persona stands for them. What cannot be put in a
// container from outside (files, extra users, deny lists, a data-only
// certificate, a server without TLS, a virtual network) is skipped with
// the reason. A nil set only decides whether sc can run.
func Realize(sc scenarios.Scenario, p *docker.Product, set *pki.Set) Realization {
	r := Realization{Scenario: sc, Apply: func(*sim.Server) {}}
	sp := sc.Server
	switch {
	case sc.Network != nil && sc.Client.Active != "":
		r.Skip = "active mode on a virtual network: a real product dials the PORT address itself, which faults.Backend does not proxy"
	case sc.Network != nil && sc.Client.DialsImplicit():
		r.Skip = "implicit FTPS on a virtual network: the suite backs only the control port 21 with the container"
	case sc.Client.DialsImplicit() && !p.Implicit:
		r.Skip = p.Name + " has no implicit FTPS (not built into Debian's package), and the scenario's client dials the implicit port"
	}
	for _, n := range sc.ServerNeeds() {
		switch n {
		case scenarios.NeedCertificate, scenarios.NeedPassiveAddr, scenarios.NeedNetwork:
			// given to the container and the persona below
		default:
			if r.Skip == "" {
				r.Skip = "needs " + n.String() + ", which a product cannot be given from outside"
			}
		}
	}
	if r.Skip != "" {
		return r
	}
	var keys []string
	if sp.Certificate != "" && set == nil {
		r.Scenario.Server.Certificate = ""
	}
	if sp.Certificate != "" && set != nil {
		kind, err := pki.ParseKind(sp.Certificate)
		if err != nil {
			r.Skip = err.Error()
			return r
		}
		cert := set.Get(kind)
		tc := cert.TLSCertificate()
		r.Container = append(r.Container, docker.WithCertificate(cert, set.CA))
		prev := r.Apply
		r.Apply = func(s *sim.Server) { prev(s); s.Certificate = &tc }
		keys = append(keys, "cert="+kind.String())
	}
	pasv := sp.PassiveAddr
	if pasv == "" && sc.Network != nil {
		// Under TLS nothing on the network can translate what a product
		// behind a Backend advertises by itself, so it is told the address
		// a server on the network's server host advertises.
		pasv = sc.Network.ServerAddr().String()
	}
	if pasv != "" {
		addr, err := netip.ParseAddr(pasv)
		if err != nil {
			r.Skip = err.Error()
			return r
		}
		r.Container = append(r.Container, docker.WithAdvertisedAddr(addr))
		prev := r.Apply
		r.Apply = func(s *sim.Server) { prev(s); s.PassiveAddr = addr }
		keys = append(keys, "pasv="+addr.String())
	}
	if sc.Client.Active != "" {
		// Behind Docker's proxy every product refuses PORT to 127.0.0.1
		// (BridgeDifferences); on the host's network, bound to a loopback
		// address of its own, it dials the client for real.
		r.Container = append(r.Container, docker.WithHostNetwork(netip.Addr{}))
		keys = append(keys, "host-network")
	}
	r.Key = strings.Join(keys, ",")
	r.Scenario.Server.Certificate, r.Scenario.Server.PassiveAddr = "", ""
	return r
}
