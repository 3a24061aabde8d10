package docker

import (
	"crypto/x509"
	"fmt"
	"net/netip"
	"path"
	"strconv"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// Defaults of [Settings].
const (
	DefaultControlPort    = 21
	DefaultPassiveSize    = 10
	DefaultCertDir        = "/etc/ftps"
	DefaultUser           = "ftpsim"
	DefaultPassword       = "ftpsim"
	DefaultStartupTimeout = 60 * time.Second
)

// PortRange is an inclusive range of TCP ports: [ftp.PortRange], the one
// port range type of ftpsim, under this package's name. The zero value is
// empty.
type PortRange = ftp.PortRange

// checkPassive checks a passive range given by the caller.
func checkPassive(r PortRange) error {
	if r.Size() == 0 {
		return fmt.Errorf("passive ports %d-%d: want 1 <= first <= last <= 65535", r.Low, r.High)
	}
	return nil
}

// Reuse is what a product is told about TLS session reuse on data
// connections.
type Reuse int

const (
	// ReuseDefault leaves the product's own default: required for vsftpd
	// (as configured here), ProFTPD and ftpsim; not available in pure-ftpd.
	ReuseDefault Reuse = iota
	// ReuseRequired makes a data connection that does not resume the
	// control connection's TLS session fail.
	ReuseRequired
	// ReuseNotRequired accepts full handshakes on data connections.
	ReuseNotRequired
)

func (r Reuse) String() string {
	switch r {
	case ReuseRequired:
		return "required"
	case ReuseNotRequired:
		return "not required"
	}
	return "product default"
}

// Settings is what an FTPS product container is told and what a test
// needs to reach it. Every zero value is a documented default; [Run] fills
// them in, and [Container.Settings] holds the result.
type Settings struct {
	// HostNetwork, if valid, runs the container in the host's network
	// namespace (docker run --network host) with the product listening on
	// this loopback address only: nothing is published, and ControlPort,
	// ImplicitPort and Passive are ports of HostNetwork itself. The
	// product then sees a client on 127.0.0.1 as 127.0.0.1, and its
	// active-mode dials to 127.0.0.1 reach the client, so PORT and EPRT
	// work as on one host. Each container needs its own address (or
	// ports): [WithHostNetwork] with the zero address picks a free one.
	// The zero value is Docker's bridge with published ports.
	HostNetwork netip.Addr
	// ControlPort is the explicit-FTPS control port inside the container
	// (zero: 21). It is published on a random port of 127.0.0.1 (under
	// HostNetwork it is the port itself, on that address).
	ControlPort int
	// ImplicitPort is the implicit-FTPS port inside the container, also
	// published on a random port of 127.0.0.1; zero means none.
	ImplicitPort int
	// Passive is the passive port range. Each port is published on the
	// same port of 127.0.0.1 (identity bindings), so the port a server
	// announces is the port a client reaches. Zero means a free window of
	// DefaultPassiveSize ports found at run time.
	Passive PortRange
	// AdvertisedAddr is the address the server puts in 227 replies (zero:
	// 127.0.0.1, where the passive ports are published; under HostNetwork,
	// that address).
	AdvertisedAddr netip.Addr
	// AdvertiseBridge tells the server no address, so it advertises its
	// own: the container's address on the Docker bridge, which clients
	// off the Docker host cannot reach. It is the classic mistake.
	AdvertiseBridge bool
	// RandomPassiveMapping publishes the passive ports on random host
	// ports instead of the same ones: the other classic mistake (the
	// announced port is not the published one).
	RandomPassiveMapping bool
	// User and Password are the account the container creates (zero:
	// DefaultUser, DefaultPassword).
	User, Password string
	// Reuse is the TLS session reuse requirement (zero: the product's).
	Reuse Reuse
	// Certificate is the server certificate copied into the container
	// before it starts; CA is the authority clients should trust, also
	// copied (ca.crt). A nil Certificate means the [pki.Good] certificate
	// of a fresh [pki.Set], and its CA.
	Certificate *pki.Certificate
	CA          *pki.Authority
	// CertDir is where the certificate files go inside the container
	// (zero: /etc/ftps): server.crt (leaf then chain), server.key,
	// server.pem (key then chain) and ca.crt.
	CertDir string
	// StartupTimeout bounds the wait for the container's greeting (zero:
	// 60 seconds).
	StartupTimeout time.Duration
}

// withDefaults fills in the zero values, except Passive (see Run).
func (s Settings) withDefaults() (Settings, error) {
	if s.ControlPort == 0 {
		s.ControlPort = DefaultControlPort
	}
	if s.HostNetwork.IsValid() {
		s.HostNetwork = s.HostNetwork.Unmap()
		if !s.HostNetwork.Is4() || !s.HostNetwork.IsLoopback() {
			return s, fmt.Errorf("host network address %s: want an IPv4 loopback address", s.HostNetwork)
		}
	}
	if !s.AdvertisedAddr.IsValid() {
		s.AdvertisedAddr = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		if s.HostNetwork.IsValid() {
			s.AdvertisedAddr = s.HostNetwork
		}
	}
	if s.User == "" {
		s.User = DefaultUser
	}
	if s.Password == "" {
		s.Password = DefaultPassword
	}
	if s.CertDir == "" {
		s.CertDir = DefaultCertDir
	}
	if s.StartupTimeout <= 0 {
		s.StartupTimeout = DefaultStartupTimeout
	}
	if s.Certificate == nil {
		set, err := pki.NewSet(pki.SetOptions{})
		if err != nil {
			return s, fmt.Errorf("certificates: %w", err)
		}
		s.Certificate, s.CA = set.Get(pki.Good), set.CA
	}
	for _, p := range []int{s.ControlPort, s.ImplicitPort} {
		if p < 0 || p > 65535 {
			return s, fmt.Errorf("port %d out of range", p)
		}
	}
	if s.ImplicitPort == s.ControlPort {
		return s, fmt.Errorf("implicit port %d is the control port", s.ImplicitPort)
	}
	return s, nil
}

// CertFile, KeyFile, PEMFile and CAFile are the paths inside the container
// of the files [Run] copies in.
func (s Settings) CertFile() string { return path.Join(s.CertDir, "server.crt") }

// KeyFile is the server's private key (PEM) inside the container.
func (s Settings) KeyFile() string { return path.Join(s.CertDir, "server.key") }

// PEMFile is the certificate chain followed by the key, for servers that
// read both from one file (pure-ftpd).
func (s Settings) PEMFile() string { return path.Join(s.CertDir, "server.pem") }

// CAFile is the CA certificate clients trust.
func (s Settings) CAFile() string { return path.Join(s.CertDir, "ca.crt") }

// listenHost is the address the product listens on inside the container:
// HostNetwork, else every address ("0.0.0.0").
func (s Settings) listenHost() string {
	if s.HostNetwork.IsValid() {
		return s.HostNetwork.String()
	}
	return "0.0.0.0"
}

// RootCAs returns a pool with CA, or nil if CA is nil.
func (s Settings) RootCAs() *x509.CertPool {
	if s.CA == nil {
		return nil
	}
	return s.CA.Pool()
}

// Env returns the FTPS_* variables every container gets. The images under
// docker/images read them; an image with other conventions can map them
// with [WithEnvFunc] or [WithCmdFunc].
//
//	FTPS_USER, FTPS_PASSWORD          the account to create
//	FTPS_CONTROL_PORT                 explicit-FTPS port (21)
//	FTPS_IMPLICIT_PORT                implicit-FTPS port (unset: none)
//	FTPS_PASV_MIN_PORT, _MAX_PORT     passive range
//	FTPS_PASV_ADDRESS                 address to advertise (unset: the server's own)
//	FTPS_LISTEN_ADDRESS               the only address to listen on (unset: all; set under HostNetwork)
//	FTPS_CERT_FILE, FTPS_KEY_FILE     certificate chain and key (PEM)
//	FTPS_PEM_FILE, FTPS_CA_FILE       chain+key in one file; the CA
//	FTPS_REQUIRE_REUSE                yes or no (unset: the product's default)
func (s Settings) Env() map[string]string {
	env := map[string]string{
		"FTPS_USER":          s.User,
		"FTPS_PASSWORD":      s.Password,
		"FTPS_CONTROL_PORT":  strconv.Itoa(s.ControlPort),
		"FTPS_PASV_MIN_PORT": strconv.Itoa(int(s.Passive.Low)),
		"FTPS_PASV_MAX_PORT": strconv.Itoa(int(s.Passive.High)),
		"FTPS_CERT_FILE":     s.CertFile(),
		"FTPS_KEY_FILE":      s.KeyFile(),
		"FTPS_PEM_FILE":      s.PEMFile(),
		"FTPS_CA_FILE":       s.CAFile(),
	}
	if s.ImplicitPort != 0 {
		env["FTPS_IMPLICIT_PORT"] = strconv.Itoa(s.ImplicitPort)
	}
	if !s.AdvertiseBridge {
		env["FTPS_PASV_ADDRESS"] = s.AdvertisedAddr.String()
	}
	if s.HostNetwork.IsValid() {
		env["FTPS_LISTEN_ADDRESS"] = s.HostNetwork.String()
	}
	switch s.Reuse {
	case ReuseRequired:
		env["FTPS_REQUIRE_REUSE"] = "yes"
	case ReuseNotRequired:
		env["FTPS_REQUIRE_REUSE"] = "no"
	}
	return env
}

// files returns the certificate files to copy into the container.
func (s Settings) files() map[string][]byte {
	chain, key := s.Certificate.ChainPEM(), s.Certificate.KeyPEM()
	pem := append(append([]byte{}, chain...), key...) // as pki.Certificate.WriteFiles
	f := map[string][]byte{s.CertFile(): chain, s.KeyFile(): key, s.PEMFile(): pem}
	if s.CA != nil {
		f[s.CAFile()] = s.CA.CertPEM()
	}
	return f
}
