package peers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultClientTimeout bounds every client run when
// [ClientOptions.Timeout] is zero.
const DefaultClientTimeout = 30 * time.Second

// ClientOptions are the settings every client takes. Addr, CAFile and Dir
// are required; the zero value of every other field is a documented
// default. Certificates are always verified (no insecure flags).
type ClientOptions struct {
	// Addr is the server's control address, host:port; host must be a
	// loopback IP (127.0.0.1 or ::1).
	Addr string
	// Implicit selects implicit FTPS (ftps:// for curl and lftp, a socket
	// wrapped at connect for ftplib); the zero value is explicit AUTH TLS.
	Implicit bool
	// CAFile is the PEM file of the CA that signed the server certificate.
	CAFile string
	// Dir is a work directory for the client's files (scripts, $HOME); it
	// is created if missing.
	Dir string
	// User and Password default to [User] and [Password].
	User, Password string
	// TLS12 caps the client at TLS 1.2 (curl --tls-max 1.2; lftp
	// ssl:priority NORMAL:-VERS-TLS1.3; ftplib maximum_version).
	TLS12 bool
	// DisableEPSV makes curl use PASV only (--disable-epsv). lftp and
	// ftplib use PASV over IPv4 anyway.
	DisableEPSV bool
	// NoSkipPASVIP makes the client connect to the address in the 227 reply
	// instead of the control address (curl --no-ftp-skip-pasv-ip; lftp
	// ftp:fix-pasv-address no; ftplib trust_server_pasv_ipv4_address).
	// Only use it against servers whose advertised address is loopback.
	NoSkipPASVIP bool
	// Active selects active mode (PORT/EPRT to a listener on the control
	// connection's local address: curl --ftp-port <loopback>, ftplib with a
	// loopback-bound makeport, lftp ftp:passive-mode off); the zero value
	// is passive mode. lftp needs Netns (see [NewLftp]). curl 7.88 active
	// mode with TLS fails once the server connects: it sends the data
	// without a TLS handshake (curl issue #10666).
	Active bool
	// Plain selects cleartext FTP: no AUTH TLS (curl without --ssl-reqd,
	// lftp ftp:ssl-allow no, ftplib's FTP class). CAFile is still
	// required and unused.
	Plain bool
	// Netns, if set, is a network namespace (a path such as
	// /proc/PID/ns/net) to run the client in, with nsenter: Addr is then
	// an address in that namespace. In a namespace whose only interface
	// is its loopback, a listener on 0.0.0.0 is on loopback only, which
	// is what lftp's active mode needs (see [NewLftp]).
	Netns string
	// Reuse selects ftplib's session-reusing subclass, which resumes the
	// control TLS session on data connections. curl and lftp always try to
	// resume and ignore it.
	Reuse bool
	// CCC clears the control channel after login (curl --ftp-ssl-ccc,
	// lftp ftp:ssl-use-ccc yes, ftplib's FTP_TLS.ccc after PROT P).
	CCC bool
	// ClearData leaves data connections in cleartext (PROT C): curl
	// --ftp-ssl-control instead of --ssl-reqd, lftp
	// ftp:ssl-protect-data no, ftplib without prot_p.
	ClearData bool
	// NoSessionReuse turns off TLS session resumption on data
	// connections: curl --no-sessionid. ftplib never resumes unless
	// Reuse is set; lftp has no such setting and [NewLftp] refuses it.
	NoSessionReuse bool
	// Timeout is the hard limit of one client run, after which its process
	// group is killed; 0 means DefaultClientTimeout.
	Timeout time.Duration
}

// Client is a real FTP client program. Every operation runs one client
// process (one control connection), bounded by the context and
// [ClientOptions.Timeout]. The error is non-nil only when the client could
// not be run at all; a failed transfer is a [*Result] whose OK is false.
type Client interface {
	// Name says which client and options, e.g. "curl tls1.2 PASV".
	Name() string
	// List logs in and lists the root directory (LIST).
	List(ctx context.Context) (*Result, error)
	// Upload logs in and stores the local file as remote (STOR).
	Upload(ctx context.Context, local, remote string) (*Result, error)
	// Download logs in and retrieves remote into the local file (RETR).
	Download(ctx context.Context, remote, local string) (*Result, error)
	// Session logs in, lists the root, stores local as remote and
	// retrieves remote into back, on one control connection.
	Session(ctx context.Context, local, remote, back string) (*Result, error)
}

// NewClient makes the client named "curl", "lftp" or "ftplib" (see
// [NewCurl], [NewLftp], [NewFtplib]).
func NewClient(name string, o ClientOptions) (Client, error) {
	switch name {
	case "curl":
		return NewCurl(o)
	case "lftp":
		return NewLftp(o)
	case "ftplib":
		return NewFtplib(o)
	}
	return nil, fmt.Errorf("peers: no client %q (curl, lftp, ftplib)", name)
}

// checked returns o with defaults filled in, or an error when a required
// field is missing or Addr is not loopback.
func (o ClientOptions) checked() (ClientOptions, error) {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return o, fmt.Errorf("client options: addr: %w", err)
	}
	if _, err := loopbackIP(host); err != nil {
		return o, fmt.Errorf("client options: addr: %w", err)
	}
	if o.CAFile == "" || o.Dir == "" {
		return o, errors.New("client options: CAFile and Dir are required")
	}
	if _, err := os.Stat(o.CAFile); err != nil {
		return o, fmt.Errorf("client options: CA file: %w", err)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return o, fmt.Errorf("client options: dir: %w", err)
	}
	if o.User == "" {
		o.User = User
	}
	if o.Password == "" {
		o.Password = Password
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultClientTimeout
	}
	return o, nil
}

// variant names the options that change a client's behaviour.
func (o ClientOptions) variant() string {
	var parts []string
	flags := []struct {
		on   bool
		name string
	}{
		{o.Implicit, "implicit"}, {o.TLS12, "tls1.2"}, {o.DisableEPSV, "PASV"},
		{o.NoSkipPASVIP, "trust-PASV-IP"}, {o.Active, "active"}, {o.Reuse, "reuse"}, {o.Plain, "plain"},
		{o.CCC, "CCC"}, {o.ClearData, "PROT-C"}, {o.NoSessionReuse, "no-sessionid"},
	}
	for _, f := range flags {
		if f.on {
			parts = append(parts, f.name)
		}
	}
	return strings.Join(parts, " ")
}

// inNetns returns argv run in o.Netns with nsenter, or argv itself.
func (o ClientOptions) inNetns(argv []string) ([]string, error) {
	if o.Netns == "" {
		return argv, nil
	}
	nsenter, err := findProgram("nsenter")
	if err != nil {
		return nil, err
	}
	return append([]string{nsenter, "--net=" + o.Netns, "--"}, argv...), nil
}

// clientEnv is the environment of every client: no proxy variables, and
// HOME pointing at the work dir so no user rc file (~/.curlrc, ~/.lftprc)
// changes behaviour.
func clientEnv(dir string, extra ...string) []string {
	return append([]string{
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "HOME=" + dir,
		"XDG_CONFIG_HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CACHE_HOME=" + dir,
	}, extra...)
}

// run executes argv in its own process group, killed at ctx's deadline or
// after timeout, and collects the result. secret is masked in Result.Args.
func run(ctx context.Context, client string, argv, env []string, dir string, timeout time.Duration, secret string) *Result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out, stdout, stderr bytes.Buffer
	var mu sync.Mutex
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = &tee{mu: &mu, all: &out, one: &stdout}
	cmd.Stderr = &tee{mu: &mu, all: &out, one: &stderr}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second
	r := &Result{Client: client, Args: mask(argv, secret), ExitCode: -1}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		r.Output = err.Error()
		return r
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		r.TimedOut = true
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		err = <-done
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // stray children, if any
	r.Duration = time.Since(start)
	if cmd.ProcessState != nil && cmd.ProcessState.Exited() {
		r.ExitCode = cmd.ProcessState.ExitCode()
	}
	mu.Lock()
	r.Output, r.Stdout, r.Stderr = out.String(), stdout.String(), stderr.String()
	mu.Unlock()
	if r.TimedOut {
		r.Output += fmt.Sprintf("\n[peers: killed after %v: %v]\n", timeout, ctx.Err())
	} else if err != nil && r.ExitCode == -1 {
		r.Output += fmt.Sprintf("\n[peers: %v]\n", err)
	}
	return r
}

// tee writes to the combined buffer and to one stream's buffer.
type tee struct {
	mu       *sync.Mutex
	all, one *bytes.Buffer
}

func (t *tee) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.all.Write(p)
	return t.one.Write(p)
}

// mask replaces secret in every argument with "***".
func mask(argv []string, secret string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if secret != "" {
			a = strings.ReplaceAll(a, secret, "***")
		}
		out[i] = a
	}
	return out
}

// toolTimeout is the client's own time limit, a little under the hard one
// so the client reports its own error first.
func toolTimeout(hard time.Duration) time.Duration {
	t := hard * 3 / 4
	if hard-t > 5*time.Second {
		t = hard - 5*time.Second
	}
	return max(t, time.Second)
}
