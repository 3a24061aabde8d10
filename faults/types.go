package faults

import (
	"strings"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Stream is a direction of a flow, in Toxiproxy's words: upstream runs
// from the end that dialed to the end that accepted (client to server on
// a control flow and on a passive data flow; server to client on an
// active-mode data flow), downstream the other way. The zero value is
// [Downstream], Toxiproxy's default.
type Stream int

const (
	// Downstream runs from the listener's end to the dialer's end.
	Downstream Stream = iota
	// Upstream runs from the dialer's end to the listener's end.
	Upstream
	// BothStreams selects both directions (for toxics and middleboxes).
	BothStreams
)

func (s Stream) matches(dir Stream) bool { return s == BothStreams || s == dir }

// Channel says whether a flow is an FTP control connection or a data
// connection. The zero value, [AnyChannel], selects both in rules.
type Channel int

const (
	// AnyChannel matches control and data flows.
	AnyChannel Channel = iota
	// Control is a flow to a port marked as FTP control (see
	// [Network.ControlPorts] and [MarkControl]).
	Control
	// Data is every other flow.
	Data
)

func (c Channel) matches(ch Channel) bool { return c == AnyChannel || c == ch }

// Action is what a firewall does with a new flow. The zero value means
// "the default of the setting", which each setting documents.
type Action int

const (
	// Accept lets the flow through.
	Accept Action = iota + 1
	// Drop discards the SYN silently: the dialer waits until its context
	// or [Network.SYNTimeout] ends and gets a timeout.
	Drop
	// Reject answers with a reset: the dialer gets ECONNREFUSED at once.
	Reject
)

func (a Action) or(def Action) Action {
	if a == 0 {
		return def
	}
	return a
}

// Direction says which new flows a firewall rule looks at, relative to
// the zone behind the gateway. The zero value is [Inbound].
type Direction int

const (
	// Inbound flows come from outside the zone.
	Inbound Direction = iota
	// Outbound flows leave the zone.
	Outbound
	// BothDirections matches inbound and outbound flows.
	BothDirections
)

// PortRange is an inclusive range of TCP ports: [ftp.PortRange], the one
// port range type of ftpsim, under this package's name. The zero value
// matches every port where a range filters (a [Rule]), and
// is invalid where it names ports (a [Forward]).
type PortRange = ftp.PortRange

// Ports returns the range low-high; with one argument, that single port.
func Ports(low uint16, high ...uint16) PortRange {
	r := PortRange{Low: low, High: low}
	if len(high) > 0 {
		r.High = high[0]
	}
	return r
}

// matchesPort reports whether a filter's range selects p: the zero range
// selects every port.
func matchesPort(r PortRange, p uint16) bool { return r.IsZero() || r.Contains(p) }

// Verdict is what the network did, as recorded in the [Timeline].
type Verdict int

const (
	// Allowed: a new flow was let through.
	Allowed Verdict = iota + 1
	// Dropped: a new flow or a segment was discarded silently.
	Dropped
	// Refused: a new flow was answered with a reset (ECONNREFUSED).
	Refused
	// Rewritten: a segment's bytes were changed (ALG, middlebox).
	Rewritten
	// Cut: an established flow was closed or reset by the network.
	Cut
	// Delayed: a flow got a toxic that delays or shapes it.
	Delayed
	// Seen: an FTP announcement (227, 229, PORT, EPRT) crossed in cleartext.
	Seen
)

// ALGMode is the behaviour of a gateway's FTP helper. The zero value,
// [ALGOff], is no helper: announced data ports stay closed unless
// forwarded, and addresses are never rewritten.
type ALGMode int

const (
	// ALGOff disables the helper.
	ALGOff ALGMode = iota
	// ALGCorrect works like Linux nf_conntrack_ftp with nf_nat_ftp: it
	// opens each announced data port for one related flow and rewrites the
	// inside address of 227, PORT and EPRT to the gateway's public one.
	ALGCorrect
	// ALGSwapPort rewrites the address but writes the port bytes of 227
	// and PORT in the wrong order (p2,p1), while opening the right port.
	ALGSwapPort
	// ALGKeepAddress opens the data port but leaves the private address
	// in 227, PORT and EPRT.
	ALGKeepAddress
	// ALGNoEPSV handles 227, PORT and EPRT correctly but does not know
	// 229: EPSV data ports stay closed.
	ALGNoEPSV
)

// upper returns s upper-cased in ASCII, for verb matching.
func upper(s string) string { return strings.ToUpper(s) }
