package scenarios_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ftpsim/ftpsim/scenarios"
)

// ExampleRun runs a catalogue scenario in-process and prints its verdict.
func ExampleRun() {
	sc, _ := scenarios.Lookup("explicit-tls")
	res := scenarios.Run(context.Background(), sc, scenarios.RunOptions{})
	fmt.Println(res.Got.Result, res.Match)
	// Output: success true
}

// ExampleParse reads a scenario of your own: a server that requires TLS
// session reuse on data connections, and a client that does not reuse.
func ExampleParse() {
	list, err := scenarios.Parse([]byte(`
name: my-reuse-regression
server: {tls: required, reuse: same}
client: {reuse: none}
expect: {result: failure, phase: data-tls}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res := scenarios.Run(context.Background(), list[0], scenarios.RunOptions{})
	fmt.Println(list[0].Name, res.Got.Phase, res.Got.Code, res.Match)
	// Output: my-reuse-regression data-tls 522 true
}

// ExampleLoad starts a customer case from a catalogue entry: write it out
// as YAML, edit it (here: the client stops reusing TLS sessions), load the
// file back and run it.
func ExampleLoad() {
	sc, _ := scenarios.Lookup("explicit-tls")
	sc.Name = "customer-1234"
	sc.Client.Reuse = "none"
	sc.Server.Reuse = "same"
	sc.Expect = scenarios.Outcome{Result: "failure", Phase: "data-tls"}
	data, _ := scenarios.Marshal(sc)
	dir, _ := os.MkdirTemp("", "ftpsim-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "customer.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		fmt.Println(err)
		return
	}
	list, err := scenarios.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	res := scenarios.Run(context.Background(), list[0], scenarios.RunOptions{})
	fmt.Println(list[0].Name, res.Got.Result, res.Got.Phase, res.Match)
	// Output: customer-1234 failure data-tls true
}
