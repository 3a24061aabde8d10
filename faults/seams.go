package faults

import (
	"context"
	"net"
	"net/netip"
)

// ServerSeams are what an FTP server needs to live on a host: its control
// listener, a factory for passive listeners, a dialer for active-mode
// data connections and the meaning of the PORT and EPRT addresses it
// reads. The field types match sim.Server's Listener, ListenPassive,
// DialActive and ResolveActive, so wiring a server is one line:
//
//	s, err := host.ServerSeams("10.0.0.5:21")
//	srv.Listener, srv.ListenPassive, srv.DialActive, srv.ResolveActive = s.Listener, s.ListenPassive, s.DialActive, s.ResolveActive
//
// A client needs no seams struct: pass [Host.DialContext] to
// clientsim.WithDialer and [Host.ListenContext] to
// clientsim.WithActiveListener.
type ServerSeams struct {
	Listener      net.Listener                                                         // the control listener
	ListenPassive func(network, address string) (net.Listener, error)                  // the host's Listen
	DialActive    func(ctx context.Context, network, address string) (net.Conn, error) // the host's DialContext
	ResolveActive func(control net.Conn, announced netip.AddrPort) netip.AddrPort      // [ResolveActive]
}

// ServerSeams opens the control listener on controlAddr, marks it as an
// FTP control listener (see [MarkControl]), and returns it with h's
// Listen and DialContext, and [ResolveActive].
func (h *Host) ServerSeams(controlAddr string) (ServerSeams, error) {
	ln, err := h.Listen("tcp", controlAddr)
	if err != nil {
		return ServerSeams{}, err
	}
	MarkControl(ln)
	return ServerSeams{Listener: ln, ListenPassive: h.Listen, DialActive: h.DialContext, ResolveActive: ResolveActive}, nil
}
