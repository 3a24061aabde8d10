package scenarios

import (
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// TestClassNames: every certificate failure the PKI classifies has its
// class, spelled by the PKI; every class parses back; unknown names fail
// with the list, in Go and in YAML.
func TestClassNames(t *testing.T) {
	for f := pki.FailNone + 1; f < pki.FailOther; f++ {
		c := certificateClass(f)
		if c == "" {
			t.Errorf("%v has no class", f)
			continue
		}
		if got, err := ParseClass(string(c)); err != nil || got != c {
			t.Errorf("ParseClass(%q) = %q, %v", c, got, err)
		}
	}
	if c := certificateClass(pki.FailOther); c != "" {
		t.Errorf("FailOther maps to %q; it must fall through to the network classes", c)
	}
	for _, c := range Classes() {
		if got, err := ParseClass(string(c)); err != nil || got != c {
			t.Errorf("ParseClass(%q) = %q, %v", c, got, err)
		}
	}
	_, err := ParseClass("expird")
	if err == nil || !strings.Contains(err.Error(), `unknown class "expird"`) || !strings.Contains(err.Error(), "not-reproducible") {
		t.Errorf("ParseClass(expird): %v", err)
	}
	doc := "name: x\nexpect:\n  result: failure\n  class: expird\n"
	if _, err := Parse([]byte(doc)); err == nil || !strings.Contains(err.Error(), `unknown class "expird"`) {
		t.Errorf("YAML with a bad class: %v", err)
	}
}

// TestNotReproducibleFromWire: a remote ftpsim serve's guarded reply is
// recognised from its text alone, with its limitation; other replies are
// not.
func TestNotReproducibleFromWire(t *testing.T) {
	msg := "clientsim: data-tls: LIST: 522 " + sim.NotReproducibleMarker + " (tls12-session-id-resumption): vsftpd 3.0.3 would resume"
	if got := notReproducible(nil, msg); got != sim.LimitSessionIDResumption {
		t.Errorf("got %q", got)
	}
	for _, m := range []string{"522 SSL connection failed: session reuse required", sim.NotReproducibleMarker + " without a key"} {
		if got := notReproducible(nil, m); got != "" {
			t.Errorf("%q: got %q", m, got)
		}
	}
	ev := []sim.DataEvidence{{}, {NotReproducible: sim.LimitSessionIDResumption}}
	if got := notReproducible(ev, ""); got != sim.LimitSessionIDResumption {
		t.Errorf("from evidence: got %q", got)
	}
}
