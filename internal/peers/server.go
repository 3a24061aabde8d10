package peers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default credentials: the system account that .ci/install-peers.sh creates.
// vsftpd logs it in through PAM; the other servers use a virtual user with
// these credentials mapped to its uid.
const (
	User     = "ftpsuser"
	Password = "ftpspass"
)

// Defaults for [Config].
const (
	DefaultPassivePorts = 16
	DefaultStartTimeout = 15 * time.Second
)

// Config holds the settings every server takes. Dir, CertFile and KeyFile
// are required; the zero value of every other field is a documented default.
//
// Every Start waits until the control port accepts TCP connections. If the
// program starts but does not get there, Start stops it and returns the
// stopped *Server together with the error (which holds the log tails), so
// its Logs can still be read; Close on it is a no-op.
type Config struct {
	// Dir receives, in a subdirectory named after the program (vsftpd,
	// proftpd, pure-ftpd, pyftpdlib), the rendered configuration, password
	// files, certificate copies, logs and, by default, the data directory.
	// Typically t.TempDir(). Start makes Dir and its ancestors inside the
	// system temp directory searchable (o+x), so the unprivileged FTP user
	// can reach the data directory.
	Dir string
	// CertFile and KeyFile are the server certificate (chain) and its
	// private key, PEM encoded. Start copies them into Dir.
	CertFile, KeyFile string
	// Port is the control port on 127.0.0.1; 0 picks a free one. For an
	// implicit-TLS server it is the implicit port.
	Port int
	// PassivePorts is the passive (data) port range; the zero value picks a
	// free range of DefaultPassivePorts ports, disjoint from all others.
	PassivePorts PortRange
	// DataDir is the FTP root of the user; "" means Dir/<program>/data. It
	// is created if needed and, when running as root, owned by the ftpsuser
	// account.
	DataDir string
	// User and Password default to [User] and [Password]. vsftpd checks
	// them against the system account through PAM.
	User, Password string
	// StartTimeout bounds the wait for the control port; 0, or anything
	// above DefaultStartTimeout, means DefaultStartTimeout.
	StartTimeout time.Duration
}

// Server is a running FTP server process. Its fields are read-only.
type Server struct {
	// Name says which server and variant this is, e.g. "vsftpd implicit".
	Name string
	// Addr is the control address, 127.0.0.1:port. For an implicit-TLS
	// server it equals ImplicitAddr.
	Addr string
	// ImplicitAddr is the implicit-TLS address; "" for explicit servers.
	ImplicitAddr string
	// PassivePorts is the configured passive port range.
	PassivePorts PortRange
	// PASVAddress is the address the server advertises in 227 replies when
	// it was overridden; "" means the control connection's address.
	PASVAddress string
	// DataDir is the user's FTP root.
	DataDir string
	// User and Password are the credentials the server accepts.
	User, Password string
	// Dir holds the configuration and logs (Config.Dir/<program>).
	Dir string

	logs      []string // log files, in the order Logs shows them
	proc      *process
	closeOnce sync.Once
	closeErr  error
}

// Implicit reports whether the server speaks implicit TLS.
func (s *Server) Implicit() bool { return s.ImplicitAddr != "" }

// Pid returns the process id (and process group) of the server.
func (s *Server) Pid() int { return s.proc.pid() }

// ClientOptions returns options for a client of s: its address, implicit
// TLS when s is implicit, its user and password, the CA file and the work
// directory for the client's files.
func (s *Server) ClientOptions(caFile, dir string) ClientOptions {
	return ClientOptions{
		Addr: s.Addr, Implicit: s.Implicit(), CAFile: caFile, Dir: dir,
		User: s.User, Password: s.Password,
	}
}

// logTail is how much of each log file Logs returns.
const logTail = 4 << 10

// Logs returns the last few KiB of each of the server's log files (its
// stdout/stderr among them), each under a "==> path <==" header, for test
// failure messages.
func (s *Server) Logs() string {
	var b strings.Builder
	for _, path := range s.logs {
		fmt.Fprintf(&b, "==> %s <==\n", path)
		b.WriteString(tailFile(path, logTail))
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Close stops the server: SIGTERM to its process group and to every process
// it started, SIGKILL after a grace period, and waits until all are gone.
// It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.proc.stop() })
	return s.closeErr
}

// tailFile returns at most n bytes from the end of a file, or a note saying
// why it cannot.
func tailFile(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(%v)\n", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Sprintf("(%v)\n", err)
	}
	off := max(st.Size()-n, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil {
		return fmt.Sprintf("(%v)\n", err)
	}
	if off > 0 {
		if i := strings.IndexByte(string(b), '\n'); i >= 0 {
			b = b[i+1:]
		}
		return "[...]\n" + string(b)
	}
	return string(b)
}

// launch is what every Start shares: the prepared settings of one server
// and how to run it.
type launch struct {
	name     string   // Server.Name
	prog     string   // file name stem for stdout capture
	argv     []string // command line
	cfg      Config   // with defaults filled in
	acct     *account // uid/gid for the process, nil to keep ours
	env      []string
	logs     []string // log files besides stdout
	implicit bool
	pasvIP   string
}

// run starts the program and waits until its port listens. On failure
// after the process started, it returns the stopped Server too, so its Logs
// can be read, and puts the log tails into the error.
func (l *launch) run(ctx context.Context) (*Server, error) {
	p, err := startProcess(l.prog, l.cfg.Dir, l.argv, l.acct.credential(), l.env...)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(l.cfg.Port))
	s := &Server{
		Name:         l.name,
		Addr:         addr,
		PassivePorts: l.cfg.PassivePorts,
		PASVAddress:  l.pasvIP,
		DataDir:      l.cfg.DataDir,
		User:         l.cfg.User,
		Password:     l.cfg.Password,
		Dir:          l.cfg.Dir,
		logs:         append([]string{p.out}, l.logs...),
		proc:         p,
	}
	if l.implicit {
		s.ImplicitAddr = addr
	}
	if err := p.waitListening(ctx, l.cfg.Port, l.cfg.StartTimeout); err != nil {
		cerr := s.Close()
		return s, fmt.Errorf("%s: %w (close: %v)\n%s", l.name, err, cerr, s.Logs())
	}
	return s, nil
}

// prepare checks cfg, fills in defaults, reserves ports and creates Dir and
// the data directory. owner, when not nil, gets the data directory.
func (cfg Config) prepare(sub string, owner *account) (Config, error) {
	if cfg.Dir == "" || cfg.CertFile == "" || cfg.KeyFile == "" {
		return cfg, errors.New("config: Dir, CertFile and KeyFile are required")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	cfg.Dir = filepath.Join(dir, sub)
	if cfg.User == "" {
		cfg.User = User
	}
	if cfg.Password == "" {
		cfg.Password = Password
	}
	if cfg.StartTimeout <= 0 || cfg.StartTimeout > DefaultStartTimeout {
		cfg.StartTimeout = DefaultStartTimeout
	}
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(cfg.Dir, "data")
	}
	if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	if err := reservePorts(&cfg.Port, &cfg.PassivePorts, DefaultPassivePorts); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return cfg, fmt.Errorf("config: data dir: %w", err)
	}
	if err := owner.own(cfg.DataDir, 0o755); err != nil {
		return cfg, fmt.Errorf("config: data dir: %w", err)
	}
	if owner != nil {
		if err := makeSearchable(cfg.DataDir); err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		if err := makeSearchable(cfg.Dir); err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
	}
	return cfg, nil
}

// makeSearchable adds o+x to dir and to those of its ancestors that lie
// inside the system temp directory, and fails if any other ancestor is not
// searchable by others.
func makeSearchable(dir string) error {
	tmp := filepath.Clean(os.TempDir())
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o001 == 0 {
			if d != dir && !strings.HasPrefix(d, tmp+string(filepath.Separator)) {
				return fmt.Errorf("%s (mode %v) is not searchable by the FTP user; use a directory under %s", d, st.Mode().Perm(), tmp)
			}
			if err := os.Chmod(d, st.Mode().Perm()|0o001); err != nil {
				return err
			}
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// loopbackIP checks that s is a loopback IP address.
func loopbackIP(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, err
	}
	if !a.IsLoopback() {
		return a, fmt.Errorf("%s: %w", s, ErrNotLoopback)
	}
	return a, nil
}
