package docker

import (
	"net/netip"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/ftpsim/ftpsim/sim/pki"
)

// config is what the options of one Run collect.
type config struct {
	Settings
	product *Product
	envFunc []func(Settings) map[string]string
	cmdFunc func(Settings) []string
	capAdd  []string
	// hostNetwork says WithHostNetwork was given (its address may be
	// zero: Run picks one).
	hostNetwork bool
}

// Option configures [Run] and the product modules. Options are
// testcontainers.ContainerCustomizer values, so they mix with
// testcontainers-go's own options in one list; testcontainers options
// given after Run's defaults win (WithEnv, WithCmd, WithWaitStrategy...).
type Option func(*config)

// Customize implements testcontainers.ContainerCustomizer; the option's
// work happens in Run, before the request is built.
func (o Option) Customize(*testcontainers.GenericContainerRequest) error { return nil }

// WithControlPort sets the explicit-FTPS port inside the container
// (default 21).
func WithControlPort(port int) Option { return func(c *config) { c.ControlPort = port } }

// WithImplicitPort adds an implicit-FTPS port inside the container
// (990 is the standard one). Default: none.
func WithImplicitPort(port int) Option { return func(c *config) { c.ImplicitPort = port } }

// WithHostNetwork runs the container in the host's network namespace with
// the product listening on the loopback address ip only (see
// [Settings.HostNetwork]): active mode (PORT, EPRT) then reaches clients
// on 127.0.0.1 for real, and nothing listens off loopback. The zero ip
// picks a free address in 127.240.0.0/16 at run time, where the control,
// implicit and passive ports are all free.
func WithHostNetwork(ip netip.Addr) Option {
	return func(c *config) { c.HostNetwork, c.hostNetwork = ip, true }
}

// WithPassivePorts sets the passive range, published 1:1 on 127.0.0.1.
// Default: a free window of DefaultPassiveSize ports.
func WithPassivePorts(first, last uint16) Option {
	return func(c *config) { c.Passive = PortRange{Low: first, High: last} }
}

// WithAdvertisedAddr sets the address the server advertises in 227
// replies. Default 127.0.0.1, where the passive ports are published.
func WithAdvertisedAddr(addr netip.Addr) Option {
	return func(c *config) { c.AdvertisedAddr, c.AdvertiseBridge = addr, false }
}

// WithBridgeAdvertised tells the server no passive address, so it
// advertises its own bridge address: the classic NAT mistake.
func WithBridgeAdvertised() Option { return func(c *config) { c.AdvertiseBridge = true } }

// WithRandomPassiveMapping publishes the passive ports on random host
// ports, so that the ports the server announces are not reachable.
func WithRandomPassiveMapping() Option { return func(c *config) { c.RandomPassiveMapping = true } }

// WithCredentials sets the account (default ftpsim/ftpsim).
func WithCredentials(user, password string) Option {
	return func(c *config) { c.User, c.Password = user, password }
}

// WithSessionReuse sets the TLS session reuse requirement on data
// connections (default: the product's).
func WithSessionReuse(r Reuse) Option { return func(c *config) { c.Reuse = r } }

// WithCertificate serves cert (with its chain) and tells clients to trust
// ca, which may be nil. Default: the Good certificate of a fresh
// [pki.Set].
func WithCertificate(cert *pki.Certificate, ca *pki.Authority) Option {
	return func(c *config) { c.Certificate, c.CA = cert, ca }
}

// WithCertDir sets where the certificate files go in the container
// (default /etc/ftps).
func WithCertDir(dir string) Option { return func(c *config) { c.CertDir = dir } }

// WithStartupTimeout bounds the wait for the greeting (default 60 s).
func WithStartupTimeout(d time.Duration) Option { return func(c *config) { c.StartupTimeout = d } }

// WithEnvFunc adds environment variables computed from the final settings,
// for images that do not read FTPS_* (for example PASV_ADDRESS,
// PASV_MIN_PORT, PASV_MAX_PORT). It may be given more than once.
func WithEnvFunc(f func(Settings) map[string]string) Option {
	return func(c *config) { c.envFunc = append(c.envFunc, f) }
}

// WithCmdFunc sets the container's command from the final settings, for
// images configured by flags.
func WithCmdFunc(f func(Settings) []string) Option { return func(c *config) { c.cmdFunc = f } }

// WithCapAdd adds Linux capabilities the product needs (pure-ftpd needs
// DAC_READ_SEARCH and SYS_NICE, which Docker does not grant by default).
func WithCapAdd(caps ...string) Option {
	return func(c *config) { c.capAdd = append(c.capAdd, caps...) }
}
