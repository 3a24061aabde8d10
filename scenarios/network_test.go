package scenarios_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
)

// YAML and --fault read values through the same table.
func TestNetworkYAMLAndApplyAgree(t *testing.T) {
	const doc = `
name: x
expect: {result: success}
network:
  server_nat: true
  passive_forward: 31000-31009
  inbound: reject
  alg: correct
  idle_timeout: 300ms
  open_ports: 21,990
  reset_on_client_hello: data
  toxics:
    - {type: latency, latency: 50ms, channel: data}
`
	list, err := scenarios.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var spec scenarios.NetworkSpec
	for _, f := range []string{"server_nat", "passive_forward=31000-31009", "inbound=reject", "alg=correct", "idle_timeout=300ms",
		"open_ports=21,990", "reset_on_client_hello=data", "toxic=latency,latency=50ms,channel=data"} {
		if err := spec.Apply(f); err != nil {
			t.Fatalf("Apply(%s): %v", f, err)
		}
	}
	want := scenarios.NetworkSpec{
		ServerNAT: true, PassiveForward: scenarios.Forwarding{Ports: faults.Ports(31000, 31009)}, Inbound: faults.Reject,
		ALG: faults.ALGCorrect, IdleTimeout: 300 * time.Millisecond, OpenPorts: []faults.PortRange{faults.Ports(21), faults.Ports(990)},
		ResetOnClientHello: new(faults.Data),
		Toxics:             []faults.ToxicRule{{Toxic: faults.Latency{Latency: 50 * time.Millisecond}, Channel: faults.Data}},
	}
	if !reflect.DeepEqual(*list[0].Network, want) || !reflect.DeepEqual(spec, want) {
		t.Errorf("YAML %+v\n--fault %+v\nwant %+v", *list[0].Network, spec, want)
	}
}

// Errors give the line, the field, the value and what is allowed.
func TestNetworkYAMLErrors(t *testing.T) {
	for _, tc := range []struct {
		network string
		want    []string
	}{
		{"{alg: bogus}", []string{"line", "network.alg", `"bogus"`, "off, correct, swap-port, keep-address or no-epsv"}},
		{"{client_nat: true, client_alg: bogus}", []string{"network.client_alg", `"bogus"`, "no-epsv"}},
		{"{inbound: maybe}", []string{"network.inbound", `"maybe"`, "accept, drop or reject"}},
		{"{unroutable: maybe}", []string{"network.unroutable", `"maybe"`, "drop or reject"}},
		{"{idle_timeout: soon}", []string{"network.idle_timeout", `"soon"`, "duration"}},
		{"{idle_timeout: 300}", []string{"network.idle_timeout", `"300"`, "duration"}},
		{"{server_nat: true, passive_forward: 9-1}", []string{"network.passive_forward", `"9-1"`, "LOW-HIGH", "none"}},
		{"{open_ports: '21,x'}", []string{"network.open_ports", `"x"`, "LOW-HIGH"}},
		{"{corrupt_record: sideways}", []string{"network.corrupt_record", `"sideways"`, "any, control or data"}},
		{"{server_nat: maybe}", []string{"network.server_nat", `"maybe"`, "true or false"}},
		{"{auth_filter: five}", []string{"network.auth_filter", `"five"`, "whole number"}},
		{"{bogus: 1}", []string{"unknown field", `"bogus"`, "server_nat"}},
		{"{passive_forward: none}", []string{"network.passive_forward needs server_nat"}},
		{"{client_alg: correct}", []string{"network.client_alg needs client_nat"}},
		{"{toxics: [{type: laggy}]}", []string{"network.toxics[0]", `"laggy"`, "latency, bandwidth"}},
		{"{toxics: [{type: latency, rate: 5}]}", []string{"network.toxics[0]", `"rate"`, "latency or jitter"}},
		{"{toxics: [{type: latency, stream: up}]}", []string{"network.toxics[0]", `"up"`, "downstream, upstream or both"}},
		{"{toxics: [{latency: 5ms}]}", []string{"network.toxics[0]", "without a type"}},
	} {
		_, err := scenarios.Parse([]byte("name: x\nexpect: {result: success}\nnetwork: " + tc.network + "\n"))
		if err == nil {
			t.Errorf("%s accepted", tc.network)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.network, err, w)
			}
		}
	}
}

// Every fault of the help is a key Apply knows; a boolean alone is true.
func TestNetworkHelpKeys(t *testing.T) {
	for _, h := range scenarios.NetworkHelp() {
		key, _, hasArg := strings.Cut(h.Usage, "=")
		if key == "toxic" {
			continue
		}
		var spec scenarios.NetworkSpec
		err := spec.Apply(key)
		if hasArg && (err == nil || !strings.Contains(err.Error(), h.Usage)) {
			t.Errorf("%s without a value: %v", key, err)
		}
		if !hasArg && err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
}

// The help is shared: serve, run and proxy print it, and it describes the
// keys of a YAML network section. A command-line flag it names would be
// untrue in some of them (proxy has no --pasv-addr), so it names none.
func TestNetworkHelpNamesNoFlag(t *testing.T) {
	flag := regexp.MustCompile(`(^|[\s(])--[a-z]`)
	for _, h := range scenarios.NetworkHelp() {
		if flag.MatchString(h.Help) {
			t.Errorf("%s: help names a flag of one command: %s", h.Usage, h.Help)
		}
	}
	for _, h := range scenarios.NetworkHelp() {
		if strings.HasPrefix(h.Usage, "server_nat") &&
			(!strings.Contains(h.Help, scenarios.ServerPrivateAddr.String()) || !strings.Contains(h.Help, scenarios.ServerPublicAddr.String())) {
			t.Errorf("server_nat help lost its addresses: %s", h.Help)
		}
	}
}

// Faults is Apply's inverse: every catalogue network, and one with every
// kind of field, comes back the same from its --fault strings.
func TestNetworkFaultsRoundTrip(t *testing.T) {
	specs := []scenarios.NetworkSpec{{
		ServerNAT: true, PassiveForward: scenarios.Forwarding{Ports: faults.Ports(31000, 31009)}, Inbound: faults.Reject,
		ALG: faults.ALGCorrect, IdleTimeout: 300 * time.Millisecond, OpenPorts: []faults.PortRange{faults.Ports(21), faults.Ports(990)},
		ResetOnClientHello: new(faults.Data), DropEPSV: true,
		Toxics: []faults.ToxicRule{{Toxic: faults.Latency{Latency: 50 * time.Millisecond}, Channel: faults.Data},
			{Toxic: faults.LimitData{Bytes: 1000}, Stream: faults.Upstream, Nth: 2}},
	}}
	for _, sc := range scenarios.Catalogue() {
		if sc.Network != nil {
			specs = append(specs, *sc.Network)
		}
	}
	for _, want := range specs {
		var got scenarios.NetworkSpec
		for _, f := range want.Faults() {
			if err := got.Apply(f); err != nil {
				t.Fatalf("Apply(%q) of %v: %v", f, want.Faults(), err)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v came back as\n%+v, want\n%+v", want.Faults(), got, want)
		}
	}
	if got := specs[0].Faults(); got[0] != "server_nat" || got[len(got)-1] != "toxic=limit_data,stream=upstream,nth=2,bytes=1000" {
		t.Errorf("Faults() = %q", got)
	}
}
