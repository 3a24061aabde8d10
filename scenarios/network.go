package scenarios

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// NetworkSpec puts the scenario's client and server on a virtual network
// ([faults.Network], in memory) instead of loopback. Addresses are
// virtual and never reach the operating system:
//
//	client 198.51.100.10 on the internet, or 192.168.1.10 behind a NAT router
//	        whose public address is 198.51.100.2 (ClientNAT)
//	server 203.0.113.7 behind a firewall, or 10.0.0.5 behind a NAT router
//	        whose public address is 203.0.113.7 (ServerNAT)
//
// The client always dials 203.0.113.7:21 (990 for implicit FTPS). With a
// network, the server's passive range defaults to 30000-30009.
type NetworkSpec struct {
	// ServerNAT puts the server at 10.0.0.5 behind a NAT that forwards port
	// 21 (and 990) and PassiveForward; the server sees its private address
	// and advertises it unless server.passive_addr says otherwise.
	ServerNAT bool `yaml:"server_nat"`
	// PassiveForward is the public port range the server's NAT forwards to
	// the same ports inside: "LOW-HIGH", "none", or empty for the server's
	// passive range.
	PassiveForward string `yaml:"passive_forward"`
	// OpenPorts are the ports the server's firewall lets in without NAT
	// ("21,30000-30009"); empty means every port. Inbound decides the rest.
	OpenPorts string `yaml:"open_ports"`
	// Inbound is what the server's gateway does with inbound flows no rule,
	// forward or ALG expectation allows: drop (default) or reject.
	Inbound string `yaml:"inbound"`
	// ALG is the server gateway's FTP helper: off (default), correct,
	// swap-port, keep-address, no-epsv.
	ALG string `yaml:"alg"`
	// DropEPSV black-holes data connections to ports announced by 229.
	DropEPSV bool `yaml:"drop_epsv"`
	// IdleTimeout is the server gateway's conntrack idle timeout ("300ms").
	IdleTimeout string `yaml:"idle_timeout"`
	// ClientNAT puts the client at 192.168.1.10 behind a masquerading NAT
	// (198.51.100.2) that lets nothing in unless its ALG opens it.
	ClientNAT bool `yaml:"client_nat"`
	// ClientALG is the client gateway's FTP helper (as ALG).
	ClientALG string `yaml:"client_alg"`
	// ClientInbound is what the client's gateway does with inbound flows
	// nothing opens (active-mode data connections its helper did not
	// expect): drop (default) or reject. Without ClientNAT it puts the
	// client, still at the routable 198.51.100.10, behind a stateful
	// firewall without NAT ("client-firewall").
	ClientInbound string `yaml:"client_inbound"`
	// AuthFilter, when non-zero, is a middlebox on the server's gateway
	// that strips AUTH from FEAT and answers AUTH with this code (S20).
	AuthFilter int `yaml:"auth_filter"`
	// ResetOnClientHello resets the flow at the TLS ClientHello on the
	// control or data channel ("control", "data", "any").
	ResetOnClientHello string `yaml:"reset_on_client_hello"`
	// CorruptRecord flips a byte of the first TLS record with application
	// data on the control or data channel, both directions.
	CorruptRecord string `yaml:"corrupt_record"`
	// Unroutable is what a dial to a private address of another zone
	// meets: drop (default: the client times out) or reject.
	Unroutable string `yaml:"unroutable"`
	// Toxics are Toxiproxy-style byte faults on the flows.
	Toxics []ToxicSpec `yaml:"toxics"`
}

// ToxicSpec is one toxic in Toxiproxy's vocabulary and units.
type ToxicSpec struct {
	// Type is latency, bandwidth, slicer, reset_peer, timeout, limit_data
	// or slow_close.
	Type string `yaml:"type"`
	// Stream is downstream (server to client, the default), upstream or both.
	Stream string `yaml:"stream"`
	// Channel is any (default), control or data.
	Channel string `yaml:"channel"`
	// Nth selects only the nth selected flow (1-based); zero means all.
	Nth int `yaml:"nth"`
	// Toxicity is the probability a flow gets the toxic (zero: always).
	Toxicity float64 `yaml:"toxicity"`

	Latency       string `yaml:"latency"`        // latency: delay per chunk
	Jitter        string `yaml:"jitter"`         // latency: +/- jitter
	Rate          int    `yaml:"rate"`           // bandwidth: KB/s
	AverageSize   int    `yaml:"average_size"`   // slicer: bytes
	SizeVariation int    `yaml:"size_variation"` // slicer: bytes
	Delay         string `yaml:"delay"`          // slicer, slow_close
	Timeout       string `yaml:"timeout"`        // reset_peer, timeout
	Bytes         int64  `yaml:"bytes"`          // limit_data
}

// Virtual addresses of the scenario network.
var (
	serverPublic   = netip.MustParseAddr("203.0.113.7")
	serverPrivate  = netip.MustParseAddr("10.0.0.5")
	clientPublic   = netip.MustParseAddr("198.51.100.10")
	clientPrivate  = netip.MustParseAddr("192.168.1.10")
	clientNATAddr  = netip.MustParseAddr("198.51.100.2")
	defaultPassive = "30000-30009"
)

// builtNetwork is a scenario's network with its two hosts.
type builtNetwork struct {
	net            *faults.Network
	client, server *faults.Host
	serverAddr     netip.Addr // where the server listens
}

func parseALG(s string) (faults.ALGMode, error) {
	switch strings.ToLower(s) {
	case "", "off", "none":
		return faults.ALGOff, nil
	case "correct":
		return faults.ALGCorrect, nil
	case "swap-port":
		return faults.ALGSwapPort, nil
	case "keep-address":
		return faults.ALGKeepAddress, nil
	case "no-epsv":
		return faults.ALGNoEPSV, nil
	}
	return 0, fmt.Errorf("alg %q: want off, correct, swap-port, keep-address or no-epsv", s)
}

func parseAction(s string, def faults.Action) (faults.Action, error) {
	switch strings.ToLower(s) {
	case "":
		return def, nil
	case "drop":
		return faults.Drop, nil
	case "reject":
		return faults.Reject, nil
	case "accept":
		return faults.Accept, nil
	}
	return 0, fmt.Errorf("%q: want drop, reject or accept", s)
}

func parseChannel(s string) (faults.Channel, error) {
	switch strings.ToLower(s) {
	case "", "any":
		return faults.AnyChannel, nil
	case "control":
		return faults.Control, nil
	case "data":
		return faults.Data, nil
	}
	return 0, fmt.Errorf("channel %q: want any, control or data", s)
}

func parseStream(s string) (faults.Stream, error) {
	switch strings.ToLower(s) {
	case "", "downstream":
		return faults.Downstream, nil
	case "upstream":
		return faults.Upstream, nil
	case "both":
		return faults.BothStreams, nil
	}
	return 0, fmt.Errorf("stream %q: want downstream, upstream or both", s)
}

func parseDuration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w", field, s, err)
	}
	return d, nil
}

// parsePortList parses "21,30000-30009" into port ranges.
func parsePortList(s string) ([]faults.PortRange, error) {
	var out []faults.PortRange
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		r, err := sim.ParsePortRange(part)
		if err != nil {
			return nil, fmt.Errorf("port list %q: %w", s, err)
		}
		out = append(out, faults.Ports(r.Low, r.High))
	}
	return out, nil
}
