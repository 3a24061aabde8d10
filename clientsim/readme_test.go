package clientsim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
)

// TestUploadResumesTLSSession is the README's "test in 20 lines", kept
// here so the README cannot drift from the API.
func TestUploadResumesTLSSession(t *testing.T) {
	srv := sim.NewUnstartedServer()
	srv.ControlTLS = sim.TLSRequired
	srv.Reuse = sim.ReuseSame // like vsftpd, ProFTPD, FileZilla Server
	srv.Start()
	defer srv.Close()

	ctx := context.Background()
	c, err := clientsim.Dial(ctx, srv.Addr, clientsim.WithRootCAs(srv.RootCAs()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store(ctx, "report.csv", strings.NewReader("a,b\n")); err != nil {
		t.Fatal(err) // a *clientsim.Error with phase, command and reply code
	}
	data := srv.Sessions()[0].Data()[0]
	if !data.TLS.Resumed {
		t.Fatalf("data connection did a full handshake: %s", data.TLS)
	}
}
