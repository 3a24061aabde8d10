package sim_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
)

// ExampleNewServer starts a server, uploads a file with clientsim and
// reads the server's evidence of the data connection.
func ExampleNewServer() {
	srv := sim.NewServer() // started, like httptest.NewServer
	defer srv.Close()

	ctx := context.Background()
	c, err := clientsim.DialServer(ctx, srv) // trusts srv's test CA
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err != nil {
		fmt.Println(err)
		return
	}
	n, err := c.Store(ctx, "report.csv", strings.NewReader("a,b\n1,2\n"))
	fmt.Println(n, err)
	c.Quit(ctx)

	data := srv.Sessions()[0].Data()[0]
	fmt.Println(data.Command, data.Reply, data.TLS.Version != 0)
	fmt.Println(strings.HasPrefix(srv.URL, "ftp://127.0.0.1:"))
	// Output:
	// 8 <nil>
	// STOR report.csv 226 true
	// true
}

// ExampleNewUnstartedPersonaServer makes a server answer like vsftpd,
// changes one setting, then starts it.
func ExampleNewUnstartedPersonaServer() {
	srv := sim.NewUnstartedPersonaServer(sim.Vsftpd())
	srv.ControlTLS = sim.TLSRequired // ssl_enable=YES, force_local_logins_ssl=YES
	srv.Start()
	defer srv.Close()

	ctx := context.Background()
	c, err := clientsim.DialServer(ctx, srv, clientsim.WithPlain())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	err = c.Login(ctx, sim.DefaultUser, sim.DefaultPassword)
	fmt.Println(err != nil, clientsim.PhaseOf(err))
	// Output:
	// true login
}
