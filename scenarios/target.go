package scenarios

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/ftpsim/ftpsim/clientsim"
)

// Target is an FTP server ftpsim did not start — a user's product, a
// container, a real vsftpd — that the client side of scenarios runs
// against. The scenario's ServerSpec is then ignored: the server is what it
// is, and the run observes how it behaves.
type Target struct {
	// Addr is the explicit-FTPS (or plain) control address, host:port.
	Addr string
	// ImplicitAddr is the implicit-FTPS address, if the server has one.
	ImplicitAddr string
	// User and Password log in (a scenario's own client credentials win).
	User, Password string
	// RootCAs verifies the server's certificate; nil means the system roots.
	RootCAs *x509.CertPool
	// ServerName is the TLS name to verify (default: the host of Addr).
	ServerName string
	// Insecure skips certificate verification.
	Insecure bool
	// Dial, if set, dials control and data connections (the fault layer's
	// seam); nil means the default dialer.
	Dial clientsim.DialFunc
	// Network, if set, is the virtual network the target lives on: a real
	// server put behind its server host with [Network.Backend], the
	// network built from the scenario's own [NetworkSpec]. The client then
	// runs from n.Client, dials n.ControlAddr (Addr and ImplicitAddr, if
	// empty, default to the network's), uses the short timeouts of network
	// scenarios, and the result carries the network's timeline. The
	// scenario's NetworkSpec no longer makes it inapplicable. The caller
	// closes the network.
	Network *Network
}

// ParseTarget parses "ftp://user:pass@host:port" (explicit FTPS, default
// port 21) or "ftps://user:pass@host:port" (implicit FTPS, default port
// 990). The password may be percent-encoded.
func ParseTarget(raw string) (*Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", raw, err)
	}
	if u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("target %q: want ftp://user:pass@host:port or ftps://…", raw)
	}
	t := &Target{}
	if u.User != nil {
		t.User = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	host, port := u.Hostname(), u.Port()
	switch strings.ToLower(u.Scheme) {
	case "ftp", "ftpes":
		if port == "" {
			port = "21"
		}
		t.Addr = net.JoinHostPort(host, port)
	case "ftps":
		if port == "" {
			port = "990"
		}
		t.ImplicitAddr = net.JoinHostPort(host, port)
	default:
		return nil, fmt.Errorf("target %q: scheme %q: want ftp (explicit FTPS) or ftps (implicit FTPS)", raw, u.Scheme)
	}
	return t, nil
}

// Need is something a scenario needs of its server beyond an account
// and FTPS, which a server ftpsim does not control may not offer.
type Need int

// The needs, in the order [Scenario.ServerNeeds] reports them. A harness
// that configures a real product can meet the first three
// (suites/docker gives a container the certificate and the advertised
// address and puts it on the network); nothing from outside meets the
// others.
const (
	NeedCertificate     Need = iota + 1 // a server certificate of a kind (ServerSpec.Certificate)
	NeedPassiveAddr                     // an advertised passive address (ServerSpec.PassiveAddr)
	NeedNetwork                         // a virtual network in front of the server (Scenario.Network)
	NeedFiles                           // files on the server before the run
	NeedUsers                           // other accounts, or anonymous login
	NeedDenyList                        // a deny list of client addresses
	NeedDataCertificate                 // another certificate on data connections
	NeedNoTLS                           // a server without TLS
	NeedPersona                         // a persona's replies and policies
	NeedTickets                         // a TLS session ticket policy
	NeedReplies                         // scripted replies (a misbehaving server)
	NeedStorage                         // reading the server's storage after the run
	NeedClock                           // moving the server's clock
	NeedBehaviour                       // a server setting on how TLS ends: lenient EOF, CCC refused, close_notify timing after CCC
)

// String says what the need is, as a reason to skip.
func (n Need) String() string {
	switch n {
	case NeedCertificate:
		return "a server certificate of its own kind"
	case NeedPassiveAddr:
		return "an advertised passive address"
	case NeedNetwork:
		return "a virtual network in front of the server"
	case NeedFiles:
		return "files on the server before the run"
	case NeedUsers:
		return "other accounts on the server"
	case NeedDenyList:
		return "a deny list on the server"
	case NeedDataCertificate:
		return "another certificate on data connections than on control"
	case NeedNoTLS:
		return "a server without TLS"
	case NeedPersona:
		return "a persona's replies and policies"
	case NeedTickets:
		return "a TLS session ticket policy"
	case NeedReplies:
		return "scripted server replies"
	case NeedStorage:
		return "reading the server's storage"
	case NeedClock:
		return "moving the server's clock"
	case NeedBehaviour:
		return "a server behaviour setting (lenient_tls_eof, disable_ccc, ccc_close_notify)"
	}
	return fmt.Sprintf("Need(%d)", int(n))
}

// ServerNeeds returns what the scenario needs of its server, in the order
// of the Need constants; nil means it varies only what the client does.
// It is the one place that decides what a server ftpsim does not control
// cannot be told: [Scenario.TargetApplicable] and the container suites
// derive from it.
func (s *Scenario) ServerNeeds() []Need {
	sp := s.Server
	var needs []Need
	add := func(cond bool, n Need) {
		if cond {
			needs = append(needs, n)
		}
	}
	add(sp.Certificate != "", NeedCertificate)
	add(sp.PassiveAddr != "", NeedPassiveAddr)
	add(s.Network != nil, NeedNetwork)
	add(len(sp.Files) > 0, NeedFiles)
	add(len(sp.Users) > 0 || sp.Anonymous, NeedUsers)
	add(len(sp.DenyIPs) > 0, NeedDenyList)
	add(sp.DataCertificate != "", NeedDataCertificate)
	add(strings.EqualFold(sp.TLS, "off"), NeedNoTLS)
	add(sp.Persona != "", NeedPersona)
	add(sp.Tickets != nil, NeedTickets)
	add(len(sp.Replies) > 0, NeedReplies)
	storage, clock := false, false
	for _, st := range s.Steps {
		storage = storage || st.Op == "check-server-file"
		clock = clock || st.Op == "advance-clock"
	}
	add(storage, NeedStorage)
	add(clock, NeedClock)
	add(sp.LenientTLSEOF || sp.DisableCCC || sp.CCCCloseNotify != "", NeedBehaviour)
	return needs
}

// TargetApplicable reports whether the scenario means something against a
// server ftpsim does not control: it has no [Scenario.ServerNeeds] (its
// outcome does not depend on certificates, files, users, personas,
// tickets, replies, a virtual network, the server's storage or clock), so
// it varies only what the client does. A scenario whose only server-side
// part is its network runs against a target on that network
// ([Target.Network]).
func (s *Scenario) TargetApplicable() bool { return len(s.ServerNeeds()) == 0 }

// String describes the target without its password: "explicit FTPS
// host:21, implicit FTPS host:990, user NAME".
func (t *Target) String() string {
	var parts []string
	if t.Addr != "" {
		parts = append(parts, "explicit FTPS "+t.Addr)
	}
	if t.ImplicitAddr != "" {
		parts = append(parts, "implicit FTPS "+t.ImplicitAddr)
	}
	if t.User != "" {
		parts = append(parts, "user "+t.User)
	}
	return strings.Join(parts, ", ")
}
