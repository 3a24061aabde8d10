package faults_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

const (
	serverPublic = "203.0.113.7"  // the DMZ gateway's public address
	serverInside = "10.0.0.5"     // the server's address behind it
	clientPublic = "198.51.100.2" // the client LAN gateway's public address
	clientInside = "192.168.1.10"
)

// payload is the file every scenario downloads.
var payload = bytes.Repeat([]byte("ftpsim-faults "), 4096)

// env is a client LAN behind a NAT, a server behind the DMZ gateway under
// test, and an attacker on the internet, with a sim server running.
type env struct {
	t        *testing.T
	n        *faults.Network
	cli      *faults.Host
	srvHost  *faults.Host
	attacker *faults.Host
	srv      *sim.Server
	fs       *sim.MemFS
}

// natDMZ is the usual DMZ gateway: NAT to serverPublic, forwarding the
// control port and the whole passive range 30000-30009.
func natDMZ() *faults.Gateway {
	return &faults.Gateway{
		Public: netip.MustParseAddr(serverPublic),
		Forwards: []faults.Forward{
			{Ports: faults.Ports(21), To: netip.MustParseAddrPort(serverInside + ":21")},
			{Ports: faults.Ports(30000, 30009), To: netip.MustParseAddrPort(serverInside + ":30000")},
		},
	}
}

// routedDMZ is a firewall without NAT in front of a server with a public
// address: the control port and the passive range are open.
func routedDMZ() *faults.Gateway {
	return &faults.Gateway{Rules: []faults.Rule{
		{Action: faults.Accept, Ports: faults.Ports(21)},
		{Action: faults.Accept, Ports: faults.Ports(30000, 30009)},
	}}
}

// newEnv builds the network and starts the server; setup may change the
// server's settings before Start. The server lives on serverInside
// behind a NAT gateway, on serverPublic behind a routing one.
func newEnv(t *testing.T, dmz *faults.Gateway, setup func(*sim.Server)) *env {
	t.Helper()
	return newEnvNet(t, &faults.Network{}, nil, dmz, setup)
}

// newEnvLAN is newEnv with the client LAN's gateway given.
func newEnvLAN(t *testing.T, lan, dmz *faults.Gateway, setup func(*sim.Server)) *env {
	t.Helper()
	return newEnvNet(t, &faults.Network{}, lan, dmz, setup)
}

// newEnvNet is newEnv on a network with settings, and with the client
// LAN's gateway given (nil: a plain NAT to clientPublic).
func newEnvNet(t *testing.T, n *faults.Network, lan, dmz *faults.Gateway, setup func(*sim.Server)) *env {
	t.Helper()
	e := &env{t: t, n: n}
	if lan == nil {
		lan = &faults.Gateway{Public: netip.MustParseAddr(clientPublic)}
	}
	e.n.AddZone("internet", nil)
	e.n.AddZone("lan", lan)
	e.n.AddZone("dmz", dmz)
	e.cli = e.n.AddHost("client", "lan", clientInside)
	addr := serverInside
	if !dmz.Public.IsValid() {
		addr = serverPublic
	}
	e.srvHost = e.n.AddHost("server", "dmz", addr)
	e.attacker = e.n.AddHost("attacker", "internet", "192.0.2.66")
	seams, err := e.srvHost.ServerSeams(addr + ":21")
	if err != nil {
		t.Fatal(err)
	}
	e.srv = sim.NewUnstartedServer()
	e.srv.Listener, e.srv.ListenPassive, e.srv.DialActive, e.srv.ResolveActive = seams.Listener, seams.ListenPassive, seams.DialActive, seams.ResolveActive
	e.srv.PassivePorts = sim.PortRange{Low: 30000, High: 30009}
	e.srv.DataTimeout = 2 * time.Second
	e.fs = sim.NewMemFS(nil)
	e.fs.WriteFile("/a.bin", payload)
	e.srv.FS = e.fs
	if setup != nil {
		setup(e.srv)
	}
	e.srv.Start()
	t.Cleanup(func() {
		e.srv.Close()
		e.n.Close()
		if t.Failed() {
			t.Logf("network timeline:\n%s", e.n.Timeline())
		}
	})
	return e
}

// ctx returns a context that ends before the test's own deadline.
func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// dial connects the client to the server's public control address.
func (e *env) dial(ctx context.Context, opts ...clientsim.Option) (*clientsim.Conn, error) {
	base := []clientsim.Option{
		clientsim.WithDialer(e.cli.DialContext),
		clientsim.WithActiveListener(e.cli.ListenContext),
		clientsim.WithRootCAs(e.srv.RootCAs()),
		clientsim.WithServerName("localhost"),
		clientsim.WithTimeouts(clientsim.Timeouts{Connect: 300 * time.Millisecond, Reply: 2 * time.Second, Data: 2 * time.Second}),
	}
	return clientsim.Dial(ctx, serverPublic+":21", append(base, opts...)...)
}

// fetch dials, logs in and downloads /a.bin, closing the connection.
func (e *env) fetch(ctx context.Context, opts ...clientsim.Option) ([]byte, error) {
	c, err := e.dial(ctx, opts...)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	_, err = c.Retrieve(ctx, "a.bin", &buf)
	if err == nil && !bytes.Equal(buf.Bytes(), payload) {
		err = errors.New("downloaded data differs")
	}
	return buf.Bytes(), err
}

// mustFetch fails the test unless the download works.
func (e *env) mustFetch(ctx context.Context, opts ...clientsim.Option) {
	e.t.Helper()
	if _, err := e.fetch(ctx, opts...); err != nil {
		e.t.Fatalf("download failed: %v", err)
	}
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// wantFailure checks the phase and the cause of a failed operation.
func wantFailure(t *testing.T, err error, phase clientsim.Phase, cause string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want a %s failure (%s)", phase, cause)
	}
	if got := clientsim.PhaseOf(err); got != phase {
		t.Fatalf("phase %q, want %q: %v", got, phase, err)
	}
	ok := false
	switch cause {
	case "timeout":
		ok = isTimeout(err)
	case "refused":
		ok = errors.Is(err, syscall.ECONNREFUSED)
	case "reset":
		ok = errors.Is(err, syscall.ECONNRESET)
	default:
		ok = strings.Contains(err.Error(), cause)
	}
	if !ok {
		t.Fatalf("error %v is not %s", err, cause)
	}
}

// trustPASV makes the client use the 227 address as given, with PASV only.
var trustPASV = []clientsim.Option{clientsim.WithPassive(clientsim.PASVOnly), clientsim.WithPASVAddress(clientsim.Trust)}

func opts(groups ...[]clientsim.Option) []clientsim.Option {
	var out []clientsim.Option
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
