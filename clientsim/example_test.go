package clientsim_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/ftpsim/ftpsim/clientsim"
)

// Example shows the usual session. It is compiled, not run: it needs an
// FTPS server on 127.0.0.1:2121 whose certificate pool is given.
func Example() {
	ctx := context.Background()
	var pool *x509.CertPool // the server's CA, e.g. srv.RootCAs()
	c, err := clientsim.Dial(ctx, "127.0.0.1:2121",
		clientsim.WithExplicitTLS(),
		clientsim.WithRootCAs(pool),
		clientsim.WithSessionReuse(clientsim.ReusePerConnection),
	)
	if err != nil {
		fmt.Println(clientsim.PhaseOf(err), err)
		return
	}
	defer c.Close()
	if err := c.Login(ctx, "ftpsim", "ftpsim"); err != nil {
		fmt.Println(err)
		return
	}
	f, _ := os.Open("a.bin")
	defer f.Close()
	if _, err := c.Store(ctx, "a.bin", f); err != nil {
		fmt.Println(err)
	}
	if _, err := c.Retrieve(ctx, "a.bin", os.Stdout); err != nil {
		switch {
		case errors.Is(err, clientsim.ErrTruncated):
			fmt.Println("server closed the data connection without close_notify")
		case clientsim.PhaseOf(err) == clientsim.PhaseDataTLS && clientsim.ReplyCode(err) == 522:
			fmt.Println("server wants the data connection to resume the TLS session")
		}
	}
	c.Quit(ctx)
}

// ExamplePhaseOf classifies an error by phase and reply code.
func ExamplePhaseOf() {
	var err error = &clientsim.Error{Phase: clientsim.PhaseDataTLS, Op: "RETR a.bin", Err: errors.New("522 SSL connection failed")}
	fmt.Println(clientsim.PhaseOf(err))
	fmt.Println(err)
	// Output:
	// data-tls
	// clientsim: data-tls: RETR a.bin: 522 SSL connection failed
}
