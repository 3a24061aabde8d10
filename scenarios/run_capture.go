package scenarios

import (
	"context"
	"net"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults/capture"
	"github.com/ftpsim/ftpsim/sim"
)

// Control ports a tapped loopback run shows for the server, so that
// Wireshark dissects FTP (and implicit FTPS) without "Decode As".
const (
	tapExplicitPort = 21
	tapImplicitPort = 990
)

// recordRun wires c into an in-process run: the server's and the
// client's TLS secrets, and the connections, through the virtual
// network's Pcap when there is one (bn), else by tapping the client's
// real loopback connections. It returns the client options to add.
func recordRun(c *capture.Capture, srv *sim.Server, bn *Network) []clientsim.Option {
	if c == nil {
		return nil
	}
	srv.KeyLogWriter = c.KeyLog()
	opts := []clientsim.Option{clientsim.WithKeyLog(c.KeyLog())}
	if bn != nil {
		bn.Net.Pcap = c
		return opts
	}
	return append(opts, tapOptions(c, srv)...)
}

// tapOptions dial and listen for the client on real loopback sockets,
// recording each connection with [capture.Capture.Tap]: the control
// connection shown on port 21 (990 for implicit FTPS), data
// connections marked as data.
func tapOptions(c *capture.Capture, srv *sim.Server) []clientsim.Option {
	var d net.Dialer
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		spec := capture.TapSpec{Dialed: true, Data: true}
		switch addr {
		case srv.Addr:
			spec = capture.TapSpec{Dialed: true, ListenerPort: tapExplicitPort}
		case srv.ImplicitAddr:
			spec = capture.TapSpec{Dialed: true, ListenerPort: tapImplicitPort}
		}
		return c.Tap(nc, spec), nil
	}
	listen := func(ctx context.Context, network, addr string) (net.Listener, error) {
		ln, err := (&net.ListenConfig{}).Listen(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return c.TapListener(ln, capture.TapSpec{Data: true}), nil
	}
	return []clientsim.Option{clientsim.WithDialer(dial), clientsim.WithActiveListener(listen)}
}
