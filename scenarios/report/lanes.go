package report

import (
	"fmt"
	"strings"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
)

// Lane keys: one vertical line of the ladder each, client on the left,
// server on the right, the boxes of the network in between in the order
// a packet from the client meets them.
const (
	laneClient    = "client"
	laneClientGW  = "client-gw"  // the client's NAT or firewall
	laneClientALG = "client-alg" // its FTP helper
	laneInternet  = "internet"   // routing and toxics
	laneMiddlebox = "middlebox"  // AUTH filter, ClientHello reset, record corruption
	laneServerALG = "server-alg" // the server gateway's FTP helper
	laneServerGW  = "server-gw"  // the server's NAT or firewall
	laneServer    = "server"
)

// lane is one participant of a ladder.
type lane struct {
	Key   string
	Title string
	Sub   string // address or settings, one short line
}

// lanesFor returns the participants a scenario's spec declares. The
// internet lane is added later, only when a verdict or a toxic is there.
func lanesFor(sc *scenarios.Scenario) []lane {
	server := lane{Key: laneServer, Title: "server", Sub: "in-process, loopback"}
	if p := sc.Server.Persona; p != "" {
		server.Title = "server (" + p + ")"
	}
	n := sc.Network
	if n == nil {
		return []lane{{Key: laneClient, Title: "client", Sub: "loopback"}, server}
	}
	client := lane{Key: laneClient, Title: "client", Sub: scenarios.ClientPublicAddr.String()}
	out := []lane{client}
	switch {
	case n.ClientNAT:
		out[0].Sub = scenarios.ClientPrivateAddr.String()
		out = append(out, lane{Key: laneClientGW, Title: "client NAT", Sub: scenarios.ClientNATAddr.String() + inboundNote(n.ClientInbound)})
	case n.ClientInbound != nil:
		out = append(out, lane{Key: laneClientGW, Title: "client firewall", Sub: "stateful" + inboundNote(n.ClientInbound)})
	}
	if n.ClientALG != faults.ALGOff {
		out = append(out, lane{Key: laneClientALG, Title: "client ALG", Sub: n.ClientALG.String()})
	}
	if len(n.Toxics) > 0 {
		out = append(out, internetLane(n))
	}
	if mb := middleboxNote(n); mb != "" {
		out = append(out, lane{Key: laneMiddlebox, Title: "middlebox", Sub: mb})
	}
	if n.ALG != faults.ALGOff {
		out = append(out, lane{Key: laneServerALG, Title: "server ALG", Sub: n.ALG.String()})
	}
	gw := lane{Key: laneServerGW, Title: "server firewall", Sub: scenarios.ServerPublicAddr.String()}
	if n.ServerNAT {
		gw.Title = "server NAT"
	}
	if n.DropEPSV {
		gw.Sub += ", drops EPSV ports"
	}
	if n.IdleTimeout > 0 {
		gw.Sub += fmt.Sprintf(", idle %s", n.IdleTimeout)
	}
	server.Sub = n.ServerAddr().String()
	return append(out, gw, server)
}

// internetLane is the path between the sites, where toxics act.
func internetLane(n *scenarios.NetworkSpec) lane {
	var names []string
	for _, t := range n.Toxics {
		names = append(names, t.Label())
	}
	sub := "routing"
	if len(names) > 0 {
		sub = strings.Join(names, ", ")
	}
	return lane{Key: laneInternet, Title: "internet", Sub: sub}
}

func inboundNote(a *faults.Action) string {
	if a == nil {
		return ""
	}
	return ", " + a.String() + "s inbound"
}

// middleboxNote says what the server site's middlebox does, or "".
func middleboxNote(n *scenarios.NetworkSpec) string {
	var what []string
	if n.AuthFilter != 0 {
		what = append(what, fmt.Sprintf("AUTH answered %d", n.AuthFilter))
	}
	if n.ResetOnClientHello != nil {
		what = append(what, "resets ClientHello ("+n.ResetOnClientHello.String()+")")
	}
	if n.CorruptRecord != nil {
		what = append(what, "corrupts a TLS record ("+n.CorruptRecord.String()+")")
	}
	return strings.Join(what, ", ")
}

// laneOfEvent is the lane of the box whose rule decided e: a gateway's
// rule, forward or helper, the middlebox, the route, or a toxic (the
// internet).
func laneOfEvent(e faults.Event) string {
	rule := e.Rule
	switch {
	case strings.HasPrefix(rule, "client-nat"), strings.HasPrefix(rule, "client-firewall"):
		if strings.Contains(rule, " ALG") {
			return laneClientALG
		}
		return laneClientGW
	case strings.HasPrefix(rule, "server-gateway"):
		switch {
		case strings.Contains(rule, " ALG"):
			return laneServerALG
		case strings.Contains(rule, "auth-filter"), strings.Contains(rule, "corrupt-record"), strings.Contains(rule, "reset-on-client-hello"):
			return laneMiddlebox
		}
		return laneServerGW
	case strings.HasPrefix(rule, "allow "), strings.HasPrefix(rule, "forward"):
		return laneServerGW
	case rule == "unroutable":
		return laneInternet
	case strings.HasPrefix(rule, "backend"):
		return laneServer
	case rule == "":
		return endOfEvent(e)
	}
	return laneInternet // a toxic
}

// endOfEvent is the lane of the flow end an event without a rule is
// about ("listener end closed ...", "reset by the real end").
func endOfEvent(e faults.Event) string {
	serverListens := e.Dst.Addr() == scenarios.ServerPublicAddr || e.Dst.Addr() == scenarios.ServerPrivateAddr
	dialer := strings.HasPrefix(e.Detail, "dialer end")
	if serverListens == dialer {
		return laneClient
	}
	return laneServer
}

// ensureInternet adds the internet lane, between the client's side and
// the server's, when it is missing.
func ensureInternet(lanes []lane, n *scenarios.NetworkSpec) []lane {
	at := 0
	for i, l := range lanes {
		switch l.Key {
		case laneInternet:
			return lanes
		case laneClient, laneClientGW, laneClientALG:
			at = i + 1
		}
	}
	return append(lanes[:at], append([]lane{internetLane(n)}, lanes[at:]...)...)
}

// laneIndex finds key in lanes, falling back to the box that holds it
// (an ALG's gateway), then to the server.
func laneIndex(lanes []lane, key string) int {
	for _, k := range []string{key, fallbackLane[key], laneServer} {
		for i, l := range lanes {
			if l.Key == k {
				return i
			}
		}
	}
	return len(lanes) - 1
}

var fallbackLane = map[string]string{
	laneClientALG: laneClientGW,
	laneServerALG: laneServerGW,
	laneMiddlebox: laneServerGW,
	laneInternet:  laneServerGW,
}
