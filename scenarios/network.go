package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// NetworkSpec puts the scenario's client and server on a virtual network
// ([faults.Network], in memory) instead of loopback. Addresses are
// virtual and never reach the operating system (see [ServerPublicAddr]
// and the other addresses of the topology):
//
//	client 198.51.100.10 on the internet, or 192.168.1.10 behind a NAT router
//	        whose public address is 198.51.100.2 (ClientNAT)
//	server 203.0.113.7 behind a firewall, or 10.0.0.5 behind a NAT router
//	        whose public address is 203.0.113.7 (ServerNAT)
//
// The client always dials 203.0.113.7:21 (990 for implicit FTPS). With a
// network, the server's passive range defaults to [DefaultPassive].
//
// The fields are typed; their text form (YAML keys and values, ftpsim's
// --fault KEY=VALUE, the help that lists them) is one table, which
// [NetworkSpec.Apply], [NetworkHelp] and the YAML methods read. Every zero
// value is the documented default.
type NetworkSpec struct {
	// ServerNAT puts the server at 10.0.0.5 behind a NAT that forwards port
	// 21 (and 990) and PassiveForward; the server sees its private address
	// and advertises it unless server.passive_addr says otherwise.
	ServerNAT bool
	// PassiveForward is what the server's NAT forwards of the passive
	// range, to the same ports inside; the zero value forwards the
	// server's passive range.
	PassiveForward Forwarding
	// OpenPorts are the ports the server's firewall lets in without NAT
	// (YAML "21,30000-30009"); empty means every port without ServerNAT and
	// none but the forwards with it. Inbound decides the rest.
	OpenPorts []faults.PortRange
	// Inbound is what the server's gateway does with inbound flows no rule,
	// forward or ALG expectation allows; zero: [faults.Drop].
	Inbound faults.Action
	// ALG is the server gateway's FTP helper.
	ALG faults.ALGMode
	// DropEPSV black-holes data connections to ports announced by 229.
	DropEPSV bool
	// IdleTimeout is the server gateway's conntrack idle timeout; zero:
	// flows are never forgotten.
	IdleTimeout time.Duration
	// ClientNAT puts the client at 192.168.1.10 behind a masquerading NAT
	// (198.51.100.2) that lets nothing in unless its ALG opens it.
	ClientNAT bool
	// ClientInbound, when set, is what the client's gateway does with
	// inbound flows nothing opens (active-mode data connections its helper
	// did not expect): drop or reject. Without ClientNAT it puts the
	// client, still at the routable ClientPublicAddr, behind a stateful
	// firewall without NAT ("client-firewall").
	ClientInbound *faults.Action
	// ClientALG is the client gateway's FTP helper (needs ClientNAT or
	// ClientInbound).
	ClientALG faults.ALGMode
	// AuthFilter, when non-zero, is a middlebox on the server's gateway
	// that strips AUTH from FEAT and answers AUTH with this code (S20).
	AuthFilter int
	// ResetOnClientHello, when set, resets the flow at the TLS ClientHello
	// on that channel ([faults.AnyChannel]: control or data).
	ResetOnClientHello *faults.Channel
	// CorruptRecord, when set, flips a byte of the first TLS record with
	// application data on that channel, both directions.
	CorruptRecord *faults.Channel
	// Unroutable is what a dial to a private address of another zone
	// meets; zero: [faults.Drop] (the client times out).
	Unroutable faults.Action
	// Toxics are Toxiproxy-style byte faults on the flows. In YAML each is
	// a mapping of [faults.ParseToxicRule]'s settings.
	Toxics []faults.ToxicRule
}

// Forwarding is the part of the passive range a server's NAT forwards.
// The zero value forwards the server's passive range.
type Forwarding struct {
	None  bool             // forward no passive port ("none")
	Ports faults.PortRange // forward these ports instead ("LOW-HIGH")
}

// ParseForwarding parses "none", "LOW-HIGH", or "" for the zero value.
func ParseForwarding(s string) (Forwarding, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return Forwarding{}, nil
	case "none":
		return Forwarding{None: true}, nil
	}
	r, err := ftp.ParsePortRange(s)
	if err != nil {
		return Forwarding{}, fmt.Errorf("%w, or none", err)
	}
	return Forwarding{Ports: r}, nil
}

// String renders "none", "LOW-HIGH", or "" for the zero value.
func (f Forwarding) String() string {
	switch {
	case f.None:
		return "none"
	case f.Ports.IsZero():
		return ""
	}
	return f.Ports.String()
}

// MarshalText renders f as String does.
func (f Forwarding) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText parses f as [ParseForwarding] does.
func (f *Forwarding) UnmarshalText(b []byte) error {
	v, err := ParseForwarding(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Apply adds one fault in ftpsim's --fault syntax to s: "KEY=VALUE" with
// a key of [NetworkHelp], "KEY" alone for a true boolean, or
// "toxic=TYPE,KEY=VALUE,..." for one toxic (the first item may omit
// "type="; see [faults.ParseToxicRule]). Values read as in YAML network
// documents, through the same table.
func (s *NetworkSpec) Apply(fault string) error {
	key, value, hasValue := strings.Cut(fault, "=")
	key = strings.TrimSpace(key)
	if key == "toxic" || key == "toxics" {
		r, err := parseToxicFlag(value)
		if err != nil {
			return err
		}
		s.Toxics = append(s.Toxics, r)
		return nil
	}
	f, ok := networkFields.lookup(key)
	if !ok {
		return fmt.Errorf("unknown fault %q (want %s or toxic)", key, networkFields.keys())
	}
	if !hasValue {
		if f.Arg != "" {
			return fmt.Errorf("fault %s needs a value: %s", key, f.Usage())
		}
		value = "true"
	}
	return f.Parse(s, value)
}

// Faults renders s as the --fault strings that [NetworkSpec.Apply] reads
// back into s: one per field that is not zero, in [NetworkHelp]'s order,
// then one "toxic=TYPE,KEY=VALUE,..." per toxic (toxic names and hosts,
// which have no text form, are left out).
func (s NetworkSpec) Faults() []string {
	var out []string
	for _, f := range networkFields {
		v := f.Format(s)
		switch {
		case v == "":
		case v == "true" && f.Arg == "":
			out = append(out, f.Key)
		default:
			out = append(out, f.Key+"="+v)
		}
	}
	for _, t := range s.Toxics {
		out = append(out, ToxicFault(t))
	}
	return out
}

// ToxicFault renders one toxic in --fault form: "toxic=latency,latency=200ms".
func ToxicFault(r faults.ToxicRule) string {
	var items []string
	for i, kv := range r.Settings() {
		if i == 0 && kv[0] == "type" {
			items = append(items, kv[1])
			continue
		}
		items = append(items, kv[0]+"="+kv[1])
	}
	return "toxic=" + strings.Join(items, ",")
}

// parseToxicFlag parses "TYPE,KEY=VALUE,..." (or "type=TYPE,...").
func parseToxicFlag(s string) (faults.ToxicRule, error) {
	var settings [][2]string
	for i, item := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok && i == 0 {
			k, v = "type", k
		} else if !ok {
			return faults.ToxicRule{}, fmt.Errorf("toxic setting %q: want KEY=VALUE", item)
		}
		settings = append(settings, [2]string{k, v})
	}
	return faults.ParseToxicRule(settings)
}

// NetworkHelp returns one help line per fault of the network vocabulary,
// in [NetworkSpec]'s order, the toxic last; [faults.ToxicRuleHelp] and
// [faults.ToxicKinds] describe a toxic's settings.
func NetworkHelp() []faults.SettingHelp {
	var out []faults.SettingHelp
	for _, f := range networkFields {
		out = append(out, faults.SettingHelp{Usage: f.Usage(), Help: f.Help})
	}
	return append(out, faults.SettingHelp{Usage: "toxic=TYPE,KEY=VALUE,...", Help: "a Toxiproxy-style toxic (repeatable; YAML: a list under toxics); see TOXICS"})
}
