package dockersuite

import "github.com/ftpsim/ftpsim/scenarios"

// Difference is a scenario in which a product's container is expected to
// end differently from the product's in-process persona, and why. The
// suite checks the container against Want instead of the persona's
// outcome; every other scenario must end exactly as on the persona.
type Difference struct {
	Product, Scenario string
	// Want is the container's expected outcome (catalogue matching rules:
	// an empty Phase or Class, or a zero Code, match anything).
	Want scenarios.Outcome
	// Timing: the difference depends on timing, so the container may also
	// end exactly like the persona; that is not stale.
	Timing bool
	Why    string
}

// differences are the known ones, found by running the suite.
var differences = []Difference{{
	Product: "pure-ftpd", Scenario: "wrong-password",
	Want:   scenarios.Outcome{Result: scenarios.Failure, Phase: "login"},
	Timing: true,
	Why: "pure-ftpd 1.0.50 delays a failed login: 530 comes 4 to 5.5 s after PASS (seen here), against the " +
		"scenario runner's 5 s per reply, so the client gets either 530 or a timeout, both at login. The " +
		"sim.PureFTPd persona answers at once.",
}}

// bridgeActiveWhy is why active mode fails in a container on Docker's
// bridge, whatever the product.
const bridgeActiveWhy = "Docker's port mapping: the container sees the control connection coming from the bridge " +
	"gateway (172.17.0.1, the userland proxy), not from 127.0.0.1, so PORT/EPRT to the client's 127.0.0.1 is a " +
	"foreign address and the product refuses it with 500 (vsftpd port_promiscuous=NO, ProFTPD AllowForeignAddress " +
	"off, pure-ftpd, ftpsim); and from inside the container 127.0.0.1 is the container itself. The persona, on the " +
	"client's own host, sees one address and accepts. The catalogue runs active mode on the host's network " +
	"(docker.WithHostNetwork), where it matches the persona."

// BridgeDifferences are the differences of a container on Docker's bridge
// (the default) that the catalogue does not meet, because it runs those
// scenarios on the host's network instead: active mode, refused by every
// product behind Docker's proxy. The suite checks them on the bridge.
func BridgeDifferences() []Difference {
	refused := scenarios.Outcome{Result: scenarios.Failure, Phase: "data-connect", Code: 500, Class: "reply"}
	var ds []Difference
	for _, p := range []string{"vsftpd", "proftpd", "pure-ftpd", "ftpsim"} {
		for _, sc := range []string{"active-port", "active-eprt"} {
			ds = append(ds, Difference{Product: p, Scenario: sc, Want: refused, Why: bridgeActiveWhy})
		}
	}
	return ds
}

// Differences returns the known differences, in a stable order.
func Differences() []Difference { return append([]Difference(nil), differences...) }

// DifferenceFor returns the difference for the product and scenario.
func DifferenceFor(product, scenario string) (Difference, bool) {
	for _, d := range differences {
		if d.Product == product && d.Scenario == scenario {
			return d, true
		}
	}
	return Difference{}, false
}
