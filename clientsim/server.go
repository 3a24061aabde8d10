package clientsim

import (
	"context"
	"crypto/tls"
)

// TestServer is what [DialServer] needs of an in-process test server: where
// to connect and a TLS configuration that trusts it. *sim.Server has both
// (clientsim does not import sim, so any server of your own can be one too).
type TestServer interface {
	// ControlAddr is the "host:port" a client connects to.
	ControlAddr() string
	// ClientTLSConfig trusts the server's certificate (its test CA) and
	// names the server as its certificate does.
	ClientTLSConfig() *tls.Config
}

// DialServer connects to srv trusting its certificate, like httptest's
// Server.Client: no WithRootCAs or WithServerName to pass. opts come after
// the trust settings, so they can still change them (and choose
// [WithImplicitTLS] or [WithPlain]); the connection is not logged in.
//
//	srv := sim.NewServer()
//	defer srv.Close()
//	c, err := clientsim.DialServer(ctx, srv)
func DialServer(ctx context.Context, srv TestServer, opts ...Option) (*Conn, error) {
	return Dial(ctx, srv.ControlAddr(), append([]Option{WithTLSConfig(srv.ClientTLSConfig())}, opts...)...)
}
