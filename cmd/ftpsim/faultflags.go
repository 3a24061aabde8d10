package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ftpsim/ftpsim/scenarios"
)

// faultFlags are the --fault, --network and --scenario flags of serve and
// proxy: they describe a scenarios.NetworkSpec between the client and the
// server.
type faultFlags struct {
	list     faultList
	network  string // --network FILE
	scenario string // --scenario NAME (serve only)
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
	fs.StringVar(&f.network, "network", "", "read the faults from `FILE`, a YAML network document (the network: part of a scenario); --fault adds to it")
	if withScenario {
		fs.StringVar(&f.scenario, "scenario", "", "serve the server side of catalogue scenario `NAME` (its server and network), and print what its client should see and why")
	}
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		printVocabulary(fs.Output())
	}
}

// active reports whether any fault flag was given.
func (f *faultFlags) active() bool {
	return len(f.list) > 0 || f.network != "" || f.scenario != ""
}

// spec returns the network the flags describe and, with --scenario, the
// scenario (whose network is the base the faults add to).
func (f *faultFlags) spec() (scenarios.NetworkSpec, *scenarios.Scenario, error) {
	var spec scenarios.NetworkSpec
	var sc *scenarios.Scenario
	switch {
	case f.scenario != "" && f.network != "":
		return spec, nil, errors.New("--scenario brings its own network; drop --network")
	case f.scenario != "":
		s, ok := scenarios.Lookup(f.scenario)
		if !ok {
			return spec, nil, fmt.Errorf("--scenario %q: no such scenario; see ftpsim list", f.scenario)
		}
		sc = &s
		if s.Network != nil {
			spec = *s.Network
		}
	case f.network != "":
		data, err := os.ReadFile(f.network)
		if err != nil {
			return spec, nil, fmt.Errorf("--network: %w", err)
		}
		if err := decodeStrict(data, &spec); err != nil {
			return spec, nil, fmt.Errorf("--network %s: %w", f.network, err)
		}
	}
	for _, s := range f.list {
		if err := applyFault(&spec, s); err != nil {
			return spec, nil, err
		}
	}
	// A forward is a NAT's, a client-side helper a client NAT's.
	spec.ServerNAT = spec.ServerNAT || spec.PassiveForward != ""
	spec.ClientNAT = spec.ClientNAT || spec.ClientALG != "" && spec.ClientInbound == ""
	return spec, sc, nil
}

// applyFault adds one --fault KEY[=VALUE] to spec. Keys are the YAML
// names of scenarios.NetworkSpec, decoded by the YAML package so that the
// vocabulary and the value syntax are exactly those of network files; a
// key without a value is true. "toxic=TYPE,KEY=VALUE,..." adds a toxic.
func applyFault(spec *scenarios.NetworkSpec, s string) error {
	key, value, hasValue := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if key == "toxic" || key == "toxics" {
		t, err := parseToxic(value)
		if err != nil {
			return fmt.Errorf("--fault %s: %w", s, err)
		}
		spec.Toxics = append(spec.Toxics, t)
		return nil
	}
	if _, ok := yamlFields(reflect.TypeFor[scenarios.NetworkSpec]())[key]; !ok {
		return fmt.Errorf("--fault %s: unknown fault %q (see FAULTS in ftpsim serve --help)", s, key)
	}
	if !hasValue {
		value = "true"
	}
	if err := decodePairs([][2]string{{key, value}}, spec); err != nil {
		return fmt.Errorf("--fault %s: %w", s, err)
	}
	return nil
}

// parseToxic parses "TYPE,KEY=VALUE,..." (or "type=TYPE,...") into a
// toxic of scenarios.ToxicSpec's YAML vocabulary.
func parseToxic(s string) (scenarios.ToxicSpec, error) {
	var t scenarios.ToxicSpec
	fields := yamlFields(reflect.TypeFor[scenarios.ToxicSpec]())
	var pairs [][2]string
	for i, item := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok && i == 0 {
			k, v = "type", k
		} else if !ok {
			return t, fmt.Errorf("toxic setting %q: want KEY=VALUE", item)
		}
		if _, known := fields[k]; !known {
			return t, fmt.Errorf("unknown toxic setting %q (see TOXICS in ftpsim serve --help)", k)
		}
		pairs = append(pairs, [2]string{k, v})
	}
	if err := decodePairs(pairs, &t); err != nil {
		return t, err
	}
	if t.Type == "" {
		return t, errors.New("toxic without a type: toxic=TYPE,KEY=VALUE,...")
	}
	return t, nil
}

// decodePairs decodes KEY: VALUE pairs into v as a YAML mapping of plain
// scalars (so 502 is a number, true a boolean and 300ms a string), keeping
// fields not named.
func decodePairs(pairs [][2]string, v any) error {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, p := range pairs {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: p[0]}, &yaml.Node{Kind: yaml.ScalarNode, Value: p[1]})
	}
	b, err := yaml.Marshal(m)
	if err != nil {
		return err
	}
	return decodeStrict(b, v)
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

// yamlFields returns the YAML names of a struct's fields.
func yamlFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// faultHelp is one line of the fault vocabulary per NetworkSpec field,
// in the struct's order; toxicHelp the same for ToxicSpec.
var faultHelp = []struct{ key, help string }{
	{"server_nat", "server at 10.0.0.5 behind NAT 203.0.113.7, which forwards 21 and the passive range; it advertises 10.0.0.5 in 227 unless --pasv-addr 203.0.113.7"},
	{"passive_forward=LOW-HIGH|none", "public ports the server's NAT forwards (default: the passive range); implies server_nat"},
	{"open_ports=LIST", "ports the firewall in front of the server lets in, e.g. 21,30000-30009 (default: all; under server_nat: none but forwards)"},
	{"inbound=drop|reject", "fate of inbound flows nothing allows: drop (default: the client hangs) or reject (it fails at once)"},
	{"alg=MODE", "the server gateway's FTP helper, which reads cleartext only: off, correct, swap-port, keep-address, no-epsv"},
	{"drop_epsv", "black-hole data connections to ports announced by 229 (EPSV) in cleartext"},
	{"idle_timeout=DURATION", "the server gateway's conntrack forgets flows idle this long, e.g. 30s (a quiet control connection during a long transfer)"},
	{"client_nat", "client at 192.168.1.10 behind NAT 198.51.100.2 (the server sees 198.51.100.2)"},
	{"client_alg=MODE", "the client gateway's FTP helper, as alg; implies client_nat unless client_inbound is given"},
	{"client_inbound=drop|reject", "fate of inbound flows the client's gateway did not expect (active-mode data connections): drop (default) or reject; without client_nat, a firewall without NAT in front of the client at 198.51.100.10"},
	{"auth_filter=CODE", "a middlebox strips AUTH from FEAT and answers AUTH itself with CODE (500, 502, 504)"},
	{"reset_on_client_hello=CHANNEL", "reset connections at the TLS ClientHello: control, data or any"},
	{"corrupt_record=CHANNEL", "flip a byte of the first TLS record with application data: control, data or any"},
	{"unroutable=drop|reject", "dials to unroutable addresses, such as the server's private 10.0.0.5: drop (time out, default) or reject"},
	{"toxic=TYPE,KEY=VALUE,...", "a Toxiproxy-style toxic (repeatable); see TOXICS"},
}

var toxicHelp = []struct{ key, help string }{
	{"type", "latency, bandwidth, slicer, reset_peer, timeout, limit_data or slow_close (may be given first, without type=)"},
	{"stream", "downstream (default: server to client on control and passive data), upstream or both"},
	{"channel", "any (default), control or data"},
	{"nth", "only the Nth flow the toxic selects (1-based)"},
	{"toxicity", "probability that a selected flow gets the toxic (default 1)"},
	{"latency", "latency: delay of every chunk, e.g. 50ms"},
	{"jitter", "latency: up to this much more or less"},
	{"rate", "bandwidth: KB/s"},
	{"average_size", "slicer: bytes per piece"},
	{"size_variation", "slicer: +/- bytes"},
	{"delay", "slicer: between pieces; slow_close: before the close"},
	{"timeout", "reset_peer: reset after; timeout: black-hole, close after (0: never)"},
	{"bytes", "limit_data: bytes let through before the flow is closed"},
}

// printVocabulary prints the fault and toxic vocabularies, one line each.
func printVocabulary(w io.Writer) {
	fmt.Fprintln(w, `
FAULTS (--fault KEY[=VALUE]; the keys of a scenario's network: section):`)
	for _, h := range faultHelp {
		fmt.Fprintf(w, "  %-30s %s\n", h.key, h.help)
	}
	fmt.Fprintln(w, `
TOXICS (--fault toxic=TYPE,KEY=VALUE,...; Toxiproxy's names and units):`)
	for _, h := range toxicHelp {
		fmt.Fprintf(w, "  %-30s %s\n", h.key, h.help)
	}
	fmt.Fprintln(w, `
Examples:
  --fault server_nat                                  NAT without a public passive address (S10)
  --fault passive_forward=none --fault inbound=reject only port 21 forwarded, the rest refused (S12)
  --fault alg=correct --fault passive_forward=none    works in plain FTP, hangs in FTPS (S14)
  --fault auth_filter=502                             AUTH stripped (S20)
  --fault toxic=latency,latency=200ms,jitter=50ms     a slow link
  --fault toxic=limit_data,bytes=100000,channel=data,stream=upstream   truncated uploads (426)

Real clients only ever see loopback addresses: the address you connect to stands
for the server's public address 203.0.113.7, and every address in a 227 reply is
shown as a loopback address that behaves as the virtual one does (an unroutable
private address becomes a black hole or a closed address).`)
}
