package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// loopback is where every published port is bound.
const loopback = "127.0.0.1"

// Container is a running FTPS product.
type Container struct {
	*testcontainers.DockerContainer
	// Settings are what the container was started with, defaults filled in.
	Settings Settings
	// Product is the module that started it (nil for a plain [Run]).
	Product *Product
	// Startup is the time from the create request to the first greeting.
	Startup time.Duration

	window     bool       // Settings.Passive came from the window pool
	pickedAddr netip.Addr // Settings.HostNetwork came from pickHostAddr
}

// Run starts image img as an FTPS product and waits until its control port
// greets with 220 (and its implicit port, if any, completes a TLS
// handshake and greets). opts mixes this package's [Option] values with
// testcontainers-go options; see [Settings] for what the container is
// told and how its ports are published.
//
// Like testcontainers.Run, Run returns the container even on error when
// one was created: terminate it. Terminate stops at once (no grace
// period). A start that loses a host port to another process is retried
// with another passive window, up to three times.
func Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	cfg := &config{}
	for _, o := range opts {
		if apply, ok := o.(Option); ok {
			apply(cfg)
		}
	}
	var picked netip.Addr // a host-network address to release on failure
	if cfg.hostNetwork && !cfg.HostNetwork.IsValid() {
		control := cfg.ControlPort
		if control == 0 {
			control = DefaultControlPort
		}
		a, err := pickHostAddr(control, cfg.ImplicitPort)
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", img, err)
		}
		cfg.HostNetwork, picked = a, a
	}
	c, err := run(ctx, img, cfg, opts)
	if picked.IsValid() {
		if c != nil {
			c.pickedAddr = picked
		} else {
			releaseHostAddr(picked)
		}
	}
	return c, err
}

// run is Run once the host-network address, if any, is known.
func run(ctx context.Context, img string, cfg *config, opts []testcontainers.ContainerCustomizer) (*Container, error) {
	s, err := cfg.Settings.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", img, err)
	}
	cfg.Settings = s
	if cfg.product != nil && cfg.ImplicitPort != 0 && !cfg.product.Implicit {
		return nil, fmt.Errorf("run %s: %s has no implicit FTPS", img, cfg.product.Name)
	}
	fixed := !cfg.Passive.IsZero()
	if fixed {
		if err := checkPassive(cfg.Passive); err != nil {
			return nil, fmt.Errorf("run %s: %w", img, err)
		}
	}
	const attempts = 3
	for attempt := 1; ; attempt++ {
		c, err := runOnce(ctx, img, cfg, fixed, opts)
		if err == nil || fixed || attempt == attempts || !isPortConflict(err) || ctx.Err() != nil {
			return c, err
		}
		if c != nil {
			_ = c.Terminate(context.WithoutCancel(ctx))
		}
	}
}

// runOnce makes one attempt; cfg.Passive is allocated here when not fixed.
func runOnce(ctx context.Context, img string, cfg *config, fixed bool, opts []testcontainers.ContainerCustomizer) (*Container, error) {
	s := cfg.Settings
	if !fixed {
		var extra []netip.Addr
		if s.HostNetwork.IsValid() {
			extra = append(extra, s.HostNetwork)
		}
		w, err := windows.take(DefaultPassivePool, DefaultPassiveSize, extra...)
		if err != nil {
			return nil, fmt.Errorf("run %s: passive ports: %w", img, err)
		}
		s.Passive = w
	}
	c := &Container{Settings: s, Product: cfg.product, window: !fixed}
	release := func() {
		if c.window {
			windows.release(s.Passive)
			c.window = false
		}
	}
	all := append(cfg.requestOptions(s), opts...)
	all = append(all, cfg.finalOptions(s), labelBuilds)
	start := time.Now()
	ctr, err := testcontainers.Run(ctx, img, all...)
	c.Startup = time.Since(start)
	if ctr == nil {
		release()
		if err == nil {
			err = errors.New("no container")
		}
		return nil, fmt.Errorf("run %s: %w", img, err)
	}
	c.DockerContainer = ctr
	if err != nil {
		return c, fmt.Errorf("run %s: %w", img, err)
	}
	return c, nil
}

// requestOptions are Run's defaults; the caller's options come after them.
func (cfg *config) requestOptions(s Settings) []testcontainers.ContainerCustomizer {
	var ports []string // nothing is published on the host's network
	if !s.HostNetwork.IsValid() {
		ports = append(ports, portSpec(s.ControlPort))
		if s.ImplicitPort != 0 {
			ports = append(ports, portSpec(s.ImplicitPort))
		}
		ports = append(ports, fmt.Sprintf("%d-%d/tcp", s.Passive.Low, s.Passive.High))
	}
	env := s.Env()
	for _, f := range cfg.envFunc {
		for k, v := range f(s) {
			env[k] = v
		}
	}
	var files []testcontainers.ContainerFile
	for path, data := range s.files() {
		files = append(files, testcontainers.ContainerFile{Reader: bytes.NewReader(data), ContainerFilePath: path, FileMode: 0o644})
	}
	product := "custom"
	if cfg.product != nil {
		product = cfg.product.Name
	}
	var opts []testcontainers.ContainerCustomizer
	if len(ports) > 0 {
		opts = append(opts, testcontainers.WithExposedPorts(ports...))
	}
	opts = append(opts,
		testcontainers.WithEnv(env),
		testcontainers.WithFiles(files...),
		testcontainers.WithLabels(Labels(product)),
		testcontainers.WithWaitStrategy(&greeting{control: s.ControlPort, implicit: s.ImplicitPort, host: s.HostNetwork, timeout: s.StartupTimeout}),
	)
	if cfg.cmdFunc != nil {
		opts = append(opts, testcontainers.WithCmd(cfg.cmdFunc(s)...))
	}
	return opts
}

// finalOptions runs after the caller's options: port bindings and
// capabilities are added to whatever host config they asked for.
func (cfg *config) finalOptions(s Settings) testcontainers.ContainerCustomizer {
	return testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
		hc.CapAdd = append(hc.CapAdd, cfg.capAdd...)
		if s.HostNetwork.IsValid() {
			hc.NetworkMode = network.NetworkHost
			return
		}
		if hc.PortBindings == nil {
			hc.PortBindings = network.PortMap{}
		}
		bind := func(port int, hostPort string) {
			hc.PortBindings[network.MustParsePort(portSpec(port))] = []network.PortBinding{{
				HostIP: netip.MustParseAddr(loopback), HostPort: hostPort,
			}}
		}
		bind(s.ControlPort, "0")
		if s.ImplicitPort != 0 {
			bind(s.ImplicitPort, "0")
		}
		for p := range s.Passive.All() {
			host := strconv.Itoa(int(p))
			if s.RandomPassiveMapping {
				host = "0"
			}
			bind(int(p), host)
		}
	})
}

// labelBuilds puts this session's label on an image built from a
// Dockerfile for the container (testcontainers.WithDockerfile), so that
// [Sweep] removes it even when Terminate never ran.
var labelBuilds = testcontainers.CustomizeRequestOption(func(req *testcontainers.GenericContainerRequest) error {
	df := &req.FromDockerfile
	if df.Context == "" && df.ContextArchive == nil {
		return nil
	}
	prev := df.BuildOptionsModifier
	df.BuildOptionsModifier = func(o *client.ImageBuildOptions) {
		if prev != nil {
			prev(o)
		}
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		o.Labels[LabelManaged], o.Labels[LabelSession] = "true", sessionID
	}
	return nil
})

func portSpec(p int) string { return strconv.Itoa(p) + "/tcp" }

// ControlAddr is the explicit-FTPS address to dial: 127.0.0.1 and the
// host port the control port is published on (under HostNetwork, that
// address and the control port).
func (c *Container) ControlAddr(ctx context.Context) (string, error) {
	return c.hostAddr(ctx, c.Settings.ControlPort)
}

// ImplicitAddr is the implicit-FTPS address to dial.
func (c *Container) ImplicitAddr(ctx context.Context) (string, error) {
	if c.Settings.ImplicitPort == 0 {
		return "", errors.New("container has no implicit FTPS port")
	}
	return c.hostAddr(ctx, c.Settings.ImplicitPort)
}

func (c *Container) hostAddr(ctx context.Context, port int) (string, error) {
	if h := c.Settings.HostNetwork; h.IsValid() {
		return net.JoinHostPort(h.String(), strconv.Itoa(port)), nil
	}
	p, err := c.MappedPort(ctx, portSpec(port))
	if err != nil {
		return "", fmt.Errorf("port %d: %w", port, err)
	}
	return net.JoinHostPort(loopback, p.Port()), nil
}

// BridgeAddr is the container's address on its Docker network: what it
// advertises with [WithBridgeAdvertised].
// A container on the host's network has none.
func (c *Container) BridgeAddr(ctx context.Context) (netip.Addr, error) {
	if c.Settings.HostNetwork.IsValid() {
		return netip.Addr{}, errors.New("container shares the host's network: no bridge address")
	}
	ip, err := c.ContainerIP(ctx)
	if err != nil {
		return netip.Addr{}, err
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("container IP %q: %w", ip, err)
	}
	return a, nil
}

// Terminate stops the container at once (no grace period unless opts set
// one), removes it and releases its passive window. It is safe on a nil
// Container and may be called more than once.
func (c *Container) Terminate(ctx context.Context, opts ...testcontainers.TerminateOption) error {
	if c == nil {
		return nil
	}
	if c.window {
		windows.release(c.Settings.Passive)
		c.window = false
	}
	if c.pickedAddr.IsValid() {
		releaseHostAddr(c.pickedAddr)
		c.pickedAddr = netip.Addr{}
	}
	if c.DockerContainer == nil {
		return nil
	}
	opts = append([]testcontainers.TerminateOption{testcontainers.StopTimeout(0)}, opts...)
	return c.DockerContainer.Terminate(ctx, opts...)
}

// dataHost is where the container's passive ports are reached on this
// machine: 127.0.0.1, or the host-network address.
func (c *Container) dataHost() string {
	if h := c.Settings.HostNetwork; h.IsValid() {
		return h.String()
	}
	return loopback
}
