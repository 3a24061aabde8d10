package peers

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// PythonPath is the Debian interpreter that has python3-pyftpdlib and
// python3-openssl. "python3" on PATH may be a pyenv shim without them.
const PythonPath = "/usr/bin/python3"

// Pyftpdlib is a pyftpdlib server setting (TLS_FTPHandler with a
// DummyAuthorizer). When the tests run as root the server runs as the
// ftpsuser account, since DummyAuthorizer does not switch uids. pyftpdlib
// 1.5.7 has no implicit TLS. Its log is Dir/pyftpdlib/pyftpdlib.log.
type Pyftpdlib struct {
	Config
	// AllowClearControl sets tls_control_required=False; the zero value
	// requires TLS on the control connection ("550 SSL/TLS required on the
	// control channel.").
	AllowClearControl bool
	// AllowClearData sets tls_data_required=False; the zero value requires
	// PROT P.
	AllowClearData bool
	// Masquerade, when set, is advertised in 227 replies
	// (masquerade_address). It must be a loopback address.
	Masquerade string
	// Debug logs every command and TLS step (DEBUG level); the zero value
	// logs sessions, logins and transfers (INFO level).
	Debug bool
}

// Start writes the embedded server script into Dir/pyftpdlib and runs it
// with [PythonPath] until Close.
func (p Pyftpdlib) Start(ctx context.Context) (*Server, error) {
	if err := pythonHas(ctx, "pyftpdlib", "OpenSSL"); err != nil {
		return nil, err
	}
	if p.Masquerade != "" {
		if _, err := loopbackIP(p.Masquerade); err != nil {
			return nil, fmt.Errorf("pyftpdlib: masquerade address: %w", err)
		}
	}
	var acct *account
	if needRoot("pyftpdlib", "") == nil {
		a, err := ftpAccount()
		if err != nil {
			return nil, err
		}
		acct = a
	}
	cfg, err := p.Config.prepare("pyftpdlib", acct)
	if err != nil {
		return nil, fmt.Errorf("pyftpdlib: %w", err)
	}
	script, err := writeScript(cfg.Dir, "pyftpdlib_server.py")
	if err != nil {
		return nil, fmt.Errorf("pyftpdlib: %w", err)
	}
	cert, key := filepath.Join(cfg.Dir, "server.crt"), filepath.Join(cfg.Dir, "server.key")
	logFile := filepath.Join(cfg.Dir, "pyftpdlib.log")
	if err := copyFile(cfg.CertFile, cert, 0o644, acct); err != nil {
		return nil, fmt.Errorf("pyftpdlib: cert: %w", err)
	}
	if err := copyFile(cfg.KeyFile, key, 0o600, acct); err != nil {
		return nil, fmt.Errorf("pyftpdlib: key: %w", err)
	}
	if err := writeFile(logFile, nil, 0o644, acct); err != nil {
		return nil, fmt.Errorf("pyftpdlib: %w", err)
	}
	argv := []string{PythonPath, "-I", "-B", script,
		"--port", fmt.Sprint(cfg.Port),
		"--root", cfg.DataDir,
		"--cert", cert, "--key", key,
		"--user", cfg.User,
		"--pasv", cfg.PassivePorts.String(),
		"--log", logFile,
	}
	if p.Masquerade != "" {
		argv = append(argv, "--masquerade", p.Masquerade)
	}
	if p.AllowClearControl {
		argv = append(argv, "--allow-clear-control")
	}
	if p.AllowClearData {
		argv = append(argv, "--allow-clear-data")
	}
	if p.Debug {
		argv = append(argv, "--debug")
	}
	l := &launch{
		name:   p.name(),
		prog:   "pyftpdlib",
		argv:   argv,
		cfg:    cfg,
		acct:   acct,
		env:    []string{"FTPSIM_PASSWORD=" + cfg.Password},
		logs:   []string{logFile},
		pasvIP: p.Masquerade,
	}
	return l.run(ctx)
}

func (p Pyftpdlib) name() string {
	parts := []string{"pyftpdlib"}
	if p.AllowClearControl {
		parts = append(parts, "clear control allowed")
	}
	if p.AllowClearData {
		parts = append(parts, "clear data allowed")
	}
	if p.Masquerade != "" {
		parts = append(parts, "masquerade="+p.Masquerade)
	}
	return strings.Join(parts, " ")
}

// pythonChecked caches successful pythonHas checks, keyed by module list.
var pythonChecked sync.Map

// pythonHas checks that [PythonPath] exists and imports every module.
func pythonHas(ctx context.Context, modules ...string) error {
	py, err := findProgram("python3", PythonPath)
	if err != nil {
		return err
	}
	key := strings.Join(modules, ",")
	if _, ok := pythonChecked.Load(key); ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-I", "-c", "import "+strings.Join(modules, ", ")).CombinedOutput()
	if err != nil {
		return &NotInstalledError{
			Program: PythonPath + " module " + strings.Join(modules, "/"),
			Reason:  "not importable (" + strings.TrimSpace(lastLine(string(out))) + ")",
			Hint:    InstallHint,
		}
	}
	pythonChecked.Store(key, true)
	return nil
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
