package clientsim_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
)

// ExampleDialServer connects to an in-process server with its test CA
// trusted: nothing else to pass, like httptest's srv.Client().
func ExampleDialServer() {
	srv := sim.NewServer()
	defer srv.Close()

	ctx := context.Background()
	c, err := clientsim.DialServer(ctx, srv, clientsim.WithSessionReuse(clientsim.ReusePerConnection))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := c.Store(ctx, "a.txt", strings.NewReader("hello")); err != nil {
		fmt.Println(err)
		return
	}
	var got strings.Builder
	n, err := c.Retrieve(ctx, "a.txt", &got)
	fmt.Println(n, err, got.String())
	// Output: 5 <nil> hello
}
