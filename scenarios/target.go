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

// TargetApplicable reports whether the scenario means something against a
// server ftpsim does not control: its outcome must not depend on server
// settings (certificates, files, users, personas, tickets, replies), on a
// virtual network, or on reading the server's storage or moving its clock.
// Such scenarios vary only what the client does. A scenario whose only
// server-side part is its network runs against a target on that network
// ([Target.Network]).
func (s *Scenario) TargetApplicable() bool {
	sp := s.Server
	if sp.Certificate != "" || sp.DataCertificate != "" || len(sp.Files) > 0 || len(sp.Users) > 0 ||
		len(sp.DenyIPs) > 0 || sp.PassiveAddr != "" || sp.Anonymous || sp.TLS == "off" {
		return false
	}
	if sp.Persona != "" || sp.Tickets != nil || len(sp.Replies) > 0 || s.Network != nil {
		return false
	}
	for _, st := range s.Steps {
		if st.Op == "check-server-file" || st.Op == "advance-clock" {
			return false
		}
	}
	return true
}
