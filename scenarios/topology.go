package scenarios

import (
	"net/netip"

	"github.com/ftpsim/ftpsim/faults"
)

// The virtual topology of a scenario network (see [NetworkSpec]). These
// addresses live only inside a [faults.Network] and are never dialed on
// the operating system; everything that names them (the builder, the
// ftpsim help and banners, the Docker host network of suites/docker)
// reads them here.
var (
	// ServerPublicAddr is the server site's public address, the one the
	// client dials: the server itself, or its NAT under ServerNAT.
	ServerPublicAddr = netip.MustParseAddr("203.0.113.7")
	// ServerPrivateAddr is the server's address behind its NAT.
	ServerPrivateAddr = netip.MustParseAddr("10.0.0.5")
	// ClientPublicAddr is the client's address on the internet.
	ClientPublicAddr = netip.MustParseAddr("198.51.100.10")
	// ClientPrivateAddr is the client's address behind its NAT.
	ClientPrivateAddr = netip.MustParseAddr("192.168.1.10")
	// ClientNATAddr is the public address of the client's NAT.
	ClientNATAddr = netip.MustParseAddr("198.51.100.2")
	// DefaultPassive is the server's passive range on a scenario network
	// when its spec gives none.
	DefaultPassive = faults.Ports(30000, 30009)
)

// Ports of the server on a scenario network.
const (
	ControlPort  = 21  // explicit FTPS and plain FTP
	ImplicitPort = 990 // implicit FTPS
)

// ClientPlacement describes where the spec puts the client:
// "198.51.100.10 on the internet" or "192.168.1.10 behind NAT 198.51.100.2".
func (s NetworkSpec) ClientPlacement() string {
	if s.ClientNAT {
		return ClientPrivateAddr.String() + " behind NAT " + ClientNATAddr.String()
	}
	return ClientPublicAddr.String() + " on the internet"
}

// ServerPlacement describes where the spec puts the server:
// "203.0.113.7 behind a firewall" or "10.0.0.5 behind NAT 203.0.113.7".
func (s NetworkSpec) ServerPlacement() string {
	if s.ServerNAT {
		return ServerPrivateAddr.String() + " behind NAT " + ServerPublicAddr.String()
	}
	return ServerPublicAddr.String() + " behind a firewall"
}
