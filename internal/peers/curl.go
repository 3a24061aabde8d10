package peers

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// CurlPath is where Debian's curl package installs the program.
const CurlPath = "/usr/bin/curl"

// Curl runs curl (OpenSSL build) with --ssl-reqd: AUTH SSL, then AUTH TLS if
// refused, PBSZ 0, PROT P; EPSV first unless DisableEPSV. Every run uses -v,
// so Result.Trace holds the commands and replies. Known: curl 7.88 active
// mode with TLS hangs (curl issue #10666), and curl fails against pyftpdlib
// 1.5.7 (pyftpdlib issue #604).
type Curl struct {
	prog string
	o    ClientOptions
}

// NewCurl checks the options and finds curl.
func NewCurl(o ClientOptions) (*Curl, error) {
	prog, err := findProgram("curl", CurlPath)
	if err != nil {
		return nil, err
	}
	if o, err = o.checked(); err != nil {
		return nil, err
	}
	return &Curl{prog: prog, o: o}, nil
}

// Name returns "curl" and the options that change its behaviour.
func (c *Curl) Name() string { return strings.TrimSpace("curl " + c.o.variant()) }

// List runs curl on the root URL (LIST).
func (c *Curl) List(ctx context.Context) (*Result, error) {
	return c.run(ctx, c.args(c.url("")))
}

// Upload runs curl -T local (STOR).
func (c *Curl) Upload(ctx context.Context, local, remote string) (*Result, error) {
	return c.run(ctx, c.args("-T", local, c.url(remote)))
}

// Download runs curl -o local (RETR).
func (c *Curl) Download(ctx context.Context, remote, local string) (*Result, error) {
	return c.run(ctx, c.args("-o", local, c.url(remote)))
}

// Session runs LIST, STOR and RETR as three transfers of one curl
// invocation (--next), which share the control connection. --fail-early
// makes the first failed transfer fail the run: by default curl's exit
// status is that of the last transfer only.
func (c *Curl) Session(ctx context.Context, local, remote, back string) (*Result, error) {
	args := append([]string{"--fail-early"}, c.args(c.url(""))...)
	args = append(append(args, "--next"), c.args("-T", local, c.url(remote))...)
	args = append(append(args, "--next"), c.args("-o", back, c.url(remote))...)
	return c.run(ctx, args)
}

// args returns the options of one transfer followed by extra.
func (c *Curl) args(extra ...string) []string {
	o := c.o
	limit := toolTimeout(o.Timeout)
	a := []string{"-sS", "-v", "--noproxy", "*"}
	switch {
	case o.Plain:
	case o.ClearData:
		a = append(a, "--ftp-ssl-control", "--cacert", o.CAFile)
	default:
		a = append(a, "--ssl-reqd", "--cacert", o.CAFile)
	}
	if o.CCC {
		a = append(a, "--ftp-ssl-ccc")
	}
	if o.NoSessionReuse {
		a = append(a, "--no-sessionid")
	}
	a = append(a,
		"-u", o.User+":"+o.Password,
		"--connect-timeout", seconds(min(limit, 10*time.Second)),
		"--max-time", seconds(limit),
	)
	if o.TLS12 {
		a = append(a, "--tls-max", "1.2")
	}
	if o.DisableEPSV {
		a = append(a, "--disable-epsv")
	}
	if o.NoSkipPASVIP {
		a = append(a, "--no-ftp-skip-pasv-ip")
	}
	if o.Active {
		host, _, _ := net.SplitHostPort(o.Addr)
		a = append(a, "--ftp-port", host)
	}
	return append(a, extra...)
}

// url returns the ftp:// or ftps:// URL of a file in the root.
func (c *Curl) url(remote string) string {
	scheme := "ftp"
	if c.o.Implicit {
		scheme = "ftps"
	}
	return (&url.URL{Scheme: scheme, Host: c.o.Addr, Path: "/" + remote}).String()
}

func (c *Curl) run(ctx context.Context, args []string) (*Result, error) {
	// -q (ignore ~/.curlrc) must come first.
	argv, err := c.o.inNetns(append([]string{c.prog, "-q"}, args...))
	if err != nil {
		return nil, err
	}
	r := run(ctx, c.Name(), argv, clientEnv(c.o.Dir), c.o.Dir, c.o.Timeout, c.o.Password)
	r.Trace = r.Stderr
	return r, nil
}

// seconds formats d for curl's time options.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1f", d.Seconds())
}
