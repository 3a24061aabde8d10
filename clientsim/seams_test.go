package clientsim

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// virtualAddr is a net.Addr that is not a *net.TCPAddr, as a virtual
// network might hand out.
type virtualAddr string

func (a virtualAddr) Network() string { return "virtual" }
func (a virtualAddr) String() string  { return string(a) }

// virtualConn reports its addresses as virtualAddr.
type virtualConn struct {
	net.Conn
	local, remote net.Addr
}

func (c *virtualConn) LocalAddr() net.Addr  { return c.local }
func (c *virtualConn) RemoteAddr() net.Addr { return c.remote }

// TestSeamAddressTypes checks that the client reads addresses from their
// String, whatever their type, and falls back to the dialed host when the
// string is not an IP address.
func TestSeamAddressTypes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remote func(real net.Addr) net.Addr
	}{
		{"virtual type, IP string", func(a net.Addr) net.Addr { return virtualAddr(a.String()) }},
		{"unparseable string", func(net.Addr) net.Addr { return virtualAddr("node-7/ftp") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{requireReuse: true})
			s.setFile("f", []byte("virtual"))
			dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &virtualConn{Conn: c, local: virtualAddr("local"), remote: tc.remote(c.RemoteAddr())}, nil
			}
			c := loginFake(t, s, WithDialer(dial), WithPASVAddress(SkipLikeCurl))
			var b bytes.Buffer
			if _, err := c.Retrieve(testCtx(t), "f", &b); err != nil || b.String() != "virtual" {
				t.Fatalf("Retrieve = %q, %v\n%s", b.String(), err, c.Transcript())
			}
		})
	}
}

// TestActiveListenerSeam checks that active mode listens through the seam
// with the configured address.
func TestActiveListenerSeam(t *testing.T) {
	s := newFakeServer(t, fakeOpts{})
	s.setFile("f", []byte("active"))
	var mu sync.Mutex
	var asked []string
	listen := func(ctx context.Context, network, addr string) (net.Listener, error) {
		mu.Lock()
		asked = append(asked, network+" "+addr)
		mu.Unlock()
		return (&net.ListenConfig{}).Listen(ctx, network, addr)
	}
	c := loginFake(t, s, WithActive(PORT), WithActiveListener(listen), WithActiveAddr("127.0.0.1:0"))
	for i := 0; i < 2; i++ {
		var b bytes.Buffer
		if _, err := c.Retrieve(testCtx(t), "f", &b); err != nil || b.String() != "active" {
			t.Fatalf("Retrieve = %q, %v", b.String(), err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(asked, ",") != "tcp 127.0.0.1:0,tcp 127.0.0.1:0" {
		t.Fatalf("listen calls = %q", asked)
	}
	if !hasCommand(s.commands(), "PORT 127,0,0,1,") {
		t.Fatalf("commands = %q", s.commands())
	}
}

// TestActiveNobodyConnects checks the two ways an active data connection
// fails: the server cannot connect and says so (425 instead of 150), or
// it answers 150 and never connects (the accept is bounded by Connect).
func TestActiveNobodyConnects(t *testing.T) {
	lying := func(ctx context.Context, network, addr string) (net.Listener, error) {
		ln, err := (&net.ListenConfig{}).Listen(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &lyingListener{Listener: ln}, nil
	}
	for _, tc := range []struct {
		name   string
		srv    fakeOpts
		listen ListenFunc
	}{
		{"425 instead of 150", fakeOpts{}, lying},
		{"150, no connection", fakeOpts{noConnectBack: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, tc.srv)
			s.setFile("f", []byte("x"))
			opts := []Option{WithActive(EPRT), WithTimeouts(Timeouts{Connect: 200 * time.Millisecond})}
			if tc.listen != nil {
				opts = append(opts, WithActiveListener(tc.listen))
			}
			c := loginFake(t, s, opts...)
			_, err := c.Retrieve(testCtx(t), "f", &bytes.Buffer{})
			if PhaseOf(err) != PhaseDataConnect || ReplyCode(err) != 425 {
				t.Fatalf("err = %v\n%s", err, c.Transcript())
			}
			if err := c.Noop(testCtx(t)); err != nil {
				t.Fatalf("Noop: %v", err)
			}
		})
	}
}

// lyingListener announces a port nobody listens on.
type lyingListener struct{ net.Listener }

func (l *lyingListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9} }
