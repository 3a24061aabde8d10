package scenarios_test

import (
	"context"
	"fmt"

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
