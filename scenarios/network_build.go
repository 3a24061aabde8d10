package scenarios

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// buildNetwork makes the virtual network a spec describes. passive is the
// server's passive range, forwarded by default under ServerNAT.
func buildNetwork(spec NetworkSpec, passive sim.PortRange, implicit bool) (*builtNetwork, error) {
	n := &faults.Network{ControlPorts: []uint16{21, 990}}
	var err error
	if n.Unroutable, err = parseAction(spec.Unroutable, faults.Drop); err != nil {
		return nil, fmt.Errorf("network.unroutable %w", err)
	}
	n.AddZone("internet", nil)
	srvGW, serverAddr, err := serverGateway(spec, passive, implicit)
	if err != nil {
		return nil, err
	}
	n.AddZone("server-site", srvGW)
	b := &builtNetwork{net: n, serverAddr: serverAddr}
	alg, err := parseALG(spec.ClientALG)
	if err != nil {
		return nil, fmt.Errorf("network.client_alg: %w", err)
	}
	inbound, err := parseAction(spec.ClientInbound, faults.Drop)
	if err != nil {
		return nil, fmt.Errorf("network.client_inbound %w", err)
	}
	switch {
	case spec.ClientNAT:
		n.AddZone("client-lan", &faults.Gateway{Name: "client-nat", Public: clientNATAddr, ALG: alg, Inbound: inbound})
		b.client = n.AddHost("client", "client-lan", clientPrivate.String())
	case spec.ClientInbound != "":
		n.AddZone("client-site", &faults.Gateway{Name: "client-firewall", ALG: alg, Inbound: inbound})
		b.client = n.AddHost("client", "client-site", clientPublic.String())
	case spec.ClientALG != "":
		return nil, fmt.Errorf("network.client_alg needs client_nat or client_inbound")
	default:
		b.client = n.AddHost("client", "internet", clientPublic.String())
	}
	b.server = n.AddHost("server", "server-site", serverAddr.String())
	if err := addToxics(n, spec.Toxics); err != nil {
		return nil, err
	}
	return b, nil
}

func serverGateway(spec NetworkSpec, passive sim.PortRange, implicit bool) (*faults.Gateway, netip.Addr, error) {
	gw := &faults.Gateway{Name: "server-gateway"}
	var err error
	if gw.ALG, err = parseALG(spec.ALG); err != nil {
		return nil, netip.Addr{}, fmt.Errorf("network.alg: %w", err)
	}
	if gw.Inbound, err = parseAction(spec.Inbound, faults.Drop); err != nil {
		return nil, netip.Addr{}, fmt.Errorf("network.inbound %w", err)
	}
	if gw.IdleTimeout, err = parseDuration("network.idle_timeout", spec.IdleTimeout); err != nil {
		return nil, netip.Addr{}, err
	}
	gw.DropEPSV = spec.DropEPSV
	if err := addMiddleboxes(gw, spec); err != nil {
		return nil, netip.Addr{}, err
	}
	serverAddr := serverPublic
	if spec.ServerNAT {
		serverAddr = serverPrivate
		gw.Public = serverPublic
		gw.Forwards = []faults.Forward{{Ports: faults.Ports(21), To: netip.AddrPortFrom(serverPrivate, 21)}}
		if implicit {
			gw.Forwards = append(gw.Forwards, faults.Forward{Ports: faults.Ports(990), To: netip.AddrPortFrom(serverPrivate, 990)})
		}
		fwd, err := passiveForward(spec.PassiveForward, passive)
		if err != nil {
			return nil, netip.Addr{}, err
		}
		if fwd.Low != 0 {
			gw.Forwards = append(gw.Forwards, faults.Forward{Ports: fwd, To: netip.AddrPortFrom(serverPrivate, fwd.Low)})
		}
	} else if spec.PassiveForward != "" {
		return nil, netip.Addr{}, fmt.Errorf("network.passive_forward needs server_nat")
	}
	open := spec.OpenPorts
	if open == "" && !spec.ServerNAT {
		open = "1-65535"
	}
	ranges, err := parsePortList(open)
	if err != nil {
		return nil, netip.Addr{}, fmt.Errorf("network.open_ports: %w", err)
	}
	for _, r := range ranges {
		gw.Rules = append(gw.Rules, faults.Rule{Name: "allow " + r.String(), Action: faults.Accept, Ports: r})
	}
	return gw, serverAddr, nil
}

func passiveForward(s string, passive sim.PortRange) (faults.PortRange, error) {
	switch strings.ToLower(s) {
	case "":
		return faults.Ports(passive.Low, passive.High), nil
	case "none":
		return faults.PortRange{}, nil
	}
	r, err := sim.ParsePortRange(s)
	if err != nil {
		return faults.PortRange{}, fmt.Errorf("network.passive_forward: %w", err)
	}
	return faults.Ports(r.Low, r.High), nil
}

func addMiddleboxes(gw *faults.Gateway, spec NetworkSpec) error {
	if spec.AuthFilter != 0 {
		gw.Middleboxes = append(gw.Middleboxes, faults.AUTHFilter{Code: spec.AuthFilter})
	}
	if spec.ResetOnClientHello != "" {
		ch, err := parseChannel(spec.ResetOnClientHello)
		if err != nil {
			return fmt.Errorf("network.reset_on_client_hello: %w", err)
		}
		gw.Middleboxes = append(gw.Middleboxes, faults.ResetOnClientHello{Channel: ch})
	}
	if spec.CorruptRecord != "" {
		ch, err := parseChannel(spec.CorruptRecord)
		if err != nil {
			return fmt.Errorf("network.corrupt_record: %w", err)
		}
		gw.Middleboxes = append(gw.Middleboxes, faults.CorruptRecord{Stream: faults.BothStreams, Channel: ch})
	}
	return nil
}

func addToxics(n *faults.Network, specs []ToxicSpec) error {
	for i, t := range specs {
		toxic, err := buildToxic(t)
		if err != nil {
			return fmt.Errorf("network.toxics[%d]: %w", i, err)
		}
		rule := faults.ToxicRule{Toxic: toxic, Nth: t.Nth, Toxicity: t.Toxicity}
		if rule.Stream, err = parseStream(t.Stream); err != nil {
			return fmt.Errorf("network.toxics[%d]: %w", i, err)
		}
		if rule.Channel, err = parseChannel(t.Channel); err != nil {
			return fmt.Errorf("network.toxics[%d]: %w", i, err)
		}
		n.AddToxic(rule)
	}
	return nil
}

func buildToxic(t ToxicSpec) (faults.Toxic, error) {
	d := func(field, v string) (dur durationOrErr) {
		dur.d, dur.err = parseDuration(field, v)
		return dur
	}
	switch strings.ToLower(t.Type) {
	case "latency":
		l, j := d("latency", t.Latency), d("jitter", t.Jitter)
		return faults.Latency{Latency: l.d, Jitter: j.d}, firstErr(l.err, j.err)
	case "bandwidth":
		return faults.Bandwidth{Rate: t.Rate}, nil
	case "slicer":
		x := d("delay", t.Delay)
		return faults.Slicer{AverageSize: t.AverageSize, SizeVariation: t.SizeVariation, Delay: x.d}, x.err
	case "reset_peer":
		x := d("timeout", t.Timeout)
		return faults.ResetPeer{Timeout: x.d}, x.err
	case "timeout":
		x := d("timeout", t.Timeout)
		return faults.Timeout{Timeout: x.d}, x.err
	case "limit_data":
		return faults.LimitData{Bytes: t.Bytes}, nil
	case "slow_close":
		x := d("delay", t.Delay)
		return faults.SlowClose{Delay: x.d}, x.err
	}
	return nil, fmt.Errorf("toxic type %q: want latency, bandwidth, slicer, reset_peer, timeout, limit_data or slow_close", t.Type)
}

type durationOrErr struct {
	d   time.Duration
	err error
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
