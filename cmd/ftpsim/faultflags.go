package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
)

// faultFlags are the --fault, --network and --scenario flags of serve and
// proxy: they describe a scenarios.NetworkSpec between the client and the
// server.
type faultFlags struct {
	list     faultList
	network  string // --network FILE
	scenario string // --scenario NAME (serve only)
	api      string // --api HOST:PORT: the runtime fault API
}

// faultList collects repeated --fault flags.
type faultList []string

func (l *faultList) String() string { return strings.Join(*l, " ") }

func (l *faultList) Set(s string) error {
	var spec scenarios.NetworkSpec
	if err := applyFault(&spec, s); err != nil { // fail at parse time, with the flag
		return err
	}
	*l = append(*l, s)
	return nil
}

func (f *faultFlags) register(fs *flag.FlagSet, withScenario bool) {
	fs.Var(&f.list, "fault", "put the server behind a fault: `KEY[=VALUE]` (repeatable; see FAULTS below)")
	fs.StringVar(&f.network, "network", "", "read the faults from `FILE`: a YAML network document (the keys of a scenario's network: section, with or without the network: line above them), or a scenario file whose network: section is used; --fault adds to it")
	fs.StringVar(&f.api, "api", "", "serve the fault API on loopback `HOST:PORT` (e.g. 127.0.0.1:8474): add and remove toxics while running, with curl or \"ftpsim fault\" (README: fault API)")
	if withScenario {
		fs.StringVar(&f.scenario, "scenario", "", "serve the server side of scenario `NAME|FILE.yaml[#NAME]` (its server and network): a catalogue name or a scenario file of your own; print what its client should see and why")
	}
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		printVocabulary(fs.Output())
	}
}

// active reports whether any fault flag was given.
func (f *faultFlags) active() bool {
	return len(f.list) > 0 || f.network != "" || f.scenario != "" || f.api != ""
}

// spec returns the network the flags describe and, with --scenario, the
// scenario (whose network is the base the faults add to).
func (f *faultFlags) spec() (scenarios.NetworkSpec, *scenarios.Scenario, error) {
	var spec scenarios.NetworkSpec
	var sc *scenarios.Scenario
	if f.api != "" {
		if err := checkAPIAddr(f.api); err != nil {
			return spec, nil, err
		}
	}
	switch {
	case f.scenario != "" && f.network != "":
		return spec, nil, errors.New("--scenario brings its own network; drop --network")
	case f.scenario != "":
		s, err := scenarioFlag(f.scenario)
		if err != nil {
			return spec, nil, err
		}
		sc = s
		if s.Network != nil {
			spec = *s.Network
		}
	case f.network != "":
		var err error
		if spec, err = networkFlag(f.network); err != nil {
			return spec, nil, err
		}
	}
	for _, s := range f.list {
		if err := applyFault(&spec, s); err != nil {
			return spec, nil, err
		}
	}
	// A forward is a NAT's, a client-side helper a client NAT's.
	spec.ServerNAT = spec.ServerNAT || spec.PassiveForward != scenarios.Forwarding{}
	spec.ClientNAT = spec.ClientNAT || spec.ClientALG != faults.ALGOff && spec.ClientInbound == nil
	return spec, sc, nil
}

// applyFault adds one --fault KEY[=VALUE] to spec, through the network
// vocabulary of scenarios (the YAML keys and values of network files).
func applyFault(spec *scenarios.NetworkSpec, s string) error {
	if err := spec.Apply(s); err != nil {
		return fmt.Errorf("--fault %s: %w (see FAULTS in ftpsim serve --help)", s, err)
	}
	return nil
}

// decodeStrict decodes YAML into v, refusing unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// printVocabulary prints the fault and toxic vocabularies, one line each,
// from the tables of scenarios and faults.
func printVocabulary(w io.Writer) {
	line := func(h faults.SettingHelp) { fmt.Fprintf(w, "  %-30s %s\n", h.Usage, h.Help) }
	fmt.Fprintln(w, `
FAULTS (--fault KEY[=VALUE]; the keys of a scenario's network: section):`)
	for _, h := range scenarios.NetworkHelp() {
		line(h)
	}
	fmt.Fprintln(w, `
TOXICS (--fault toxic=TYPE,KEY=VALUE,...; Toxiproxy's names and units):`)
	for _, h := range faults.ToxicRuleHelp() {
		line(h)
	}
	for _, k := range faults.ToxicKinds() {
		line(faults.SettingHelp{Usage: k.Name, Help: k.Help})
		for _, a := range k.Attributes {
			line(faults.SettingHelp{Usage: "  " + a.Usage, Help: a.Help})
		}
	}
	fmt.Fprintf(w, `
Examples:
  --fault server_nat                                  NAT without a public passive address (S10)
  --fault passive_forward=none --fault inbound=reject only port 21 forwarded, the rest refused (S12)
  --fault alg=correct --fault passive_forward=none    works in plain FTP, hangs in FTPS (S14)
  --fault auth_filter=502                             AUTH stripped (S20)
  --fault toxic=latency,latency=200ms,jitter=50ms     a slow link
  --fault toxic=limit_data,bytes=100000,channel=data,stream=upstream   truncated uploads (426)

Real clients only ever see loopback addresses: the address you connect to stands
for the server's public address %s, and every address in a 227 reply is
shown as a loopback address that behaves as the virtual one does (an unroutable
private address becomes a black hole or a closed address).
`, scenarios.ServerPublicAddr)
}
