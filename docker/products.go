package docker

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/testcontainers/testcontainers-go"
)

// Product is a ready module: an FTPS server whose image this package
// builds from docker/images/<Name> and knows how to configure.
type Product struct {
	// Name is the image directory and the product label: vsftpd, proftpd,
	// pure-ftpd, ftpsim.
	Name string
	// Implicit says whether the product can serve implicit FTPS
	// ([WithImplicitPort]); Debian's pure-ftpd cannot.
	Implicit bool
	// RequiresReuse says whether, as configured by default, the product
	// refuses a data connection that does not resume the control
	// connection's TLS session (vsftpd require_ssl_reuse=YES, ProFTPD's
	// mod_tls default, ftpsim --well-configured). pure-ftpd never requires it.
	RequiresReuse bool

	debian bool     // FROM ${BASE}, a Debian 12 image
	binary bool     // the context needs the static ftpsim binary
	opts   []Option // what every container of the product needs
}

// The products under docker/images.
var (
	// Vsftpd is vsftpd 3.0.3 from Debian 12, with require_ssl_reuse=YES,
	// force_local_logins_ssl and force_local_data_ssl; an implicit port
	// runs a second vsftpd with implicit_ssl=YES.
	Vsftpd = &Product{Name: "vsftpd", Implicit: true, RequiresReuse: true, debian: true}
	// ProFTPD is ProFTPD 1.3.8 with mod_tls from Debian 12, TLSRequired
	// on (reuse required: mod_tls's default); an implicit port is a
	// virtual server with TLSOptions UseImplicitSSL.
	ProFTPD = &Product{Name: "proftpd", Implicit: true, RequiresReuse: true, debian: true}
	// PureFTPd is pure-ftpd 1.0.50 from Debian 12 with -Y 3 (TLS required
	// for login and data). It needs CAP_DAC_READ_SEARCH and CAP_SYS_NICE,
	// which its module adds (docker run --cap-add ...).
	PureFTPd = &Product{Name: "pure-ftpd", debian: true,
		opts: []Option{WithCapAdd("DAC_READ_SEARCH", "SYS_NICE")}}
	// FTPSim is "ftpsim serve --well-configured --lenient-tls-eof" on a
	// FROM scratch image (sim.WellConfigured: TLS required on control and
	// data, session reuse "same"; uploads without close_notify accepted),
	// settings passed as flags.
	FTPSim = &Product{Name: "ftpsim", Implicit: true, RequiresReuse: true, binary: true,
		opts: []Option{WithCmdFunc(ftpsimCmd)}}
)

// Products returns the ready modules: vsftpd, ProFTPD, pure-ftpd, ftpsim.
func Products() []*Product { return []*Product{Vsftpd, ProFTPD, PureFTPd, FTPSim} }

// ProductByName returns the product with that name.
func ProductByName(name string) (*Product, bool) {
	for _, p := range Products() {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// Run starts the product. An empty img uses the product's image, building
// it first if needed ([Product.Image]); otherwise img must be an image
// built from the product's directory. See the package [Run].
func (p *Product) Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	if img == "" {
		im, err := p.Image(ctx)
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", p.Name, err)
		}
		img = im.Ref
	}
	all := []testcontainers.ContainerCustomizer{Option(func(c *config) { c.product = p })}
	for _, o := range p.opts {
		all = append(all, o)
	}
	return Run(ctx, img, append(all, opts...)...)
}

// RunVsftpd starts vsftpd; img "" builds the image. See [Product.Run].
func RunVsftpd(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	return Vsftpd.Run(ctx, img, opts...)
}

// RunProFTPD starts ProFTPD; img "" builds the image. See [Product.Run].
func RunProFTPD(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	return ProFTPD.Run(ctx, img, opts...)
}

// RunPureFTPd starts pure-ftpd; img "" builds the image. See [Product.Run].
func RunPureFTPd(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	return PureFTPd.Run(ctx, img, opts...)
}

// RunFTPSim starts the ftpsim server; img "" builds the image (and the
// static binary, with the go command, unless FTPSIM_BINARY names one).
func RunFTPSim(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	return FTPSim.Run(ctx, img, opts...)
}

// ftpsimCmd turns settings into "ftpsim serve" flags (the image's
// entrypoint is "/ftpsim serve").
func ftpsimCmd(s Settings) []string {
	// --well-configured is sim.WellConfigured, the one definition of the
	// policies (TLS required on control and data, reuse "same").
	args := []string{
		"--addr", net.JoinHostPort(s.listenHost(), strconv.Itoa(s.ControlPort)),
		"--user", s.User + ":" + s.Password,
		"--well-configured",
		"--pasv-ports", s.Passive.String(),
		"--cert", s.CertFile(), "--key", s.KeyFile(),
		"--lenient-tls-eof",
	}
	if s.Reuse == ReuseNotRequired {
		args = append(args, "--reuse", "off")
	}
	if s.ImplicitPort != 0 {
		args = append(args, "--implicit-addr", net.JoinHostPort(s.listenHost(), strconv.Itoa(s.ImplicitPort)))
	}
	if !s.AdvertiseBridge {
		args = append(args, "--pasv-addr", s.AdvertisedAddr.String())
	}
	return args
}
