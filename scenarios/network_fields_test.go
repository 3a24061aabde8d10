package scenarios

import (
	"testing"

	"github.com/ftpsim/ftpsim/faults"
)

// A spec that sets every field builds, and each field explains itself
// once, under its key.
func TestEveryFieldBuildsAndExplains(t *testing.T) {
	var spec NetworkSpec
	for _, f := range []string{"server_nat", "passive_forward=none", "open_ports=21", "inbound=reject", "alg=correct", "drop_epsv",
		"idle_timeout=1s", "client_nat", "client_inbound=reject", "client_alg=correct", "auth_filter=502", "reset_on_client_hello=control",
		"corrupt_record=data", "unroutable=reject", "toxic=latency,latency=5ms"} {
		if err := spec.Apply(f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	n, err := spec.Build(faults.PortRange{}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Net.Close()
	c := &explainContext{spec: spec, advertised: n.ServerAddr, passive: n.Passive}
	got := c.experiences()
	if len(got) != len(networkFields)+1 {
		t.Fatalf("%d experiences for %d fields and a toxic: %v", len(got), len(networkFields), got)
	}
	for i, e := range got {
		if e.Effect == "" {
			t.Errorf("%s explains nothing", e.Fault)
		}
		if i < len(networkFields) && e.Fault[:len(networkFields[i].Key)] != networkFields[i].Key {
			t.Errorf("experience %d is %s, want %s first", i, e.Fault, networkFields[i].Key)
		}
	}
	if n.ServerAddr != ServerPrivateAddr || n.Passive != DefaultPassive {
		t.Errorf("server at %s, passive %s", n.ServerAddr, n.Passive)
	}
}
