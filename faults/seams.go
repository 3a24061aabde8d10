package faults

import (
	"context"
	"net"
)

// ServerSeams are what an FTP server needs to live on a host: its control
// listener, a factory for passive listeners and a dialer for active-mode
// data connections. The field types match sim.Server's Listener,
// ListenPassive and DialActive, so wiring a server is one line:
//
//	s, err := host.ServerSeams("10.0.0.5:21")
//	srv.Listener, srv.ListenPassive, srv.DialActive = s.Listener, s.ListenPassive, s.DialActive
//
// A client needs no seams struct: pass [Host.DialContext] to
// clientsim.WithDialer and [Host.ListenContext] to
// clientsim.WithActiveListener.
type ServerSeams struct {
	Listener      net.Listener                                                         // the control listener
	ListenPassive func(network, address string) (net.Listener, error)                  // the host's Listen
	DialActive    func(ctx context.Context, network, address string) (net.Conn, error) // the host's DialContext
}

// ServerSeams opens the control listener on controlAddr, marks it as an
// FTP control listener (see [MarkControl]), and returns it with h's
// Listen and DialContext.
func (h *Host) ServerSeams(controlAddr string) (ServerSeams, error) {
	ln, err := h.Listen("tcp", controlAddr)
	if err != nil {
		return ServerSeams{}, err
	}
	MarkControl(ln)
	return ServerSeams{Listener: ln, ListenPassive: h.Listen, DialActive: h.DialContext}, nil
}
