package conformance_test

import (
	"context"
	"fmt"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/suites/conformance"
)

// Classify judges runs against a server: here a lenient one, where TLS is
// optional, as a plain client and a client without session reuse see it.
func Example() {
	ctx := context.Background()
	srv := sim.NewServer() // TLS optional, no session reuse required
	defer srv.Close()
	target := &scenarios.Target{Addr: srv.Addr, User: sim.DefaultUser, Password: sim.DefaultPassword, RootCAs: srv.RootCAs()}

	catalogue := scenarios.Catalogue()
	var list []scenarios.Scenario
	for _, name := range []string{"plain-ftp", "reuse-off-full-handshake", "explicit-tls"} {
		sc, _ := scenarios.Lookup(name)
		list = append(list, sc)
	}
	refs, err := scenarios.References(ctx, list, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, sc := range list {
		res := scenarios.Run(ctx, target.Adapt(sc), scenarios.RunOptions{Target: target})
		v := scenarios.Judge(res, refs[sc.Name], catalogue)
		fmt.Printf("%s: %s (fails the spec: %t)\n", sc.Name, v.Kind, v.Failed())
	}
	// Output:
	// plain-ftp: insecure (fails the spec: true)
	// reuse-off-full-handshake: reproduces (fails the spec: false)
	// explicit-tls: well-configured (fails the spec: false)
}

// Settings turn the FTPSIM_TARGET* variables (or flags) into a target.
func ExampleSettings_Target() {
	s := conformance.Settings{URL: "ftp://alice:s%40cret@ftp.example.com:2121", ImplicitURL: "ftps://ftp.example.com", Insecure: true}
	t, err := s.Target()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Name())
	fmt.Println(t.Addr, t.ImplicitAddr, t.User, t.Insecure)
	// Output:
	// ftp://alice:xxxxx@ftp.example.com:2121 + ftps://ftp.example.com
	// ftp.example.com:2121 ftp.example.com:990 alice true
}
