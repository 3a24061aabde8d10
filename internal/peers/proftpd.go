package peers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ProFTPD program locations: unpacked by .ci/install-peers.sh, or an
// apt-installed proftpd-core.
var (
	proftpdPaths      = []string{"/opt/ftps-peers/proftpd/usr/sbin/proftpd", "/usr/sbin/proftpd"}
	proftpdModulePath = map[string]string{
		"/opt/ftps-peers/proftpd/usr/sbin/proftpd": "/opt/ftps-peers/proftpd/usr/lib/proftpd",
		"/usr/sbin/proftpd":                        "/usr/lib/proftpd",
	}
)

// ProFTPD is a ProFTPD + mod_tls server setting. It authenticates a virtual
// user (AuthUserFile) mapped to the ftpsuser account and chroots it to
// DataDir. mod_tls writes a TLS log (Dir/proftpd/tls.log) that says why a
// data connection was rejected.
type ProFTPD struct {
	Config
	// Implicit makes Port an implicit-TLS port (TLSOptions UseImplicitSSL).
	Implicit bool
	// NoSessionReuseRequired sets TLSOptions NoSessionReuseRequired. The
	// zero value keeps mod_tls's default: a data connection that does not
	// resume the control session gets "425 Unable to build data connection:
	// Operation not permitted".
	NoSessionReuseRequired bool
	// TLSOptional writes "TLSRequired off" (login and data in the clear are
	// allowed). The zero value writes "TLSRequired on".
	TLSOptional bool
}

// Start renders proftpd.conf into Dir/proftpd and runs "proftpd -n" until
// Close.
func (p ProFTPD) Start(ctx context.Context) (*Server, error) {
	prog, err := findProgram("proftpd", proftpdPaths...)
	if err != nil {
		return nil, err
	}
	modules := proftpdModulePath[prog]
	if _, err := os.Stat(filepath.Join(modules, "mod_tls.so")); err != nil {
		return nil, &NotInstalledError{Program: "proftpd mod_tls (proftpd-mod-crypto)", Hint: InstallHint}
	}
	if err := needRoot("proftpd", "chroot and switching to the FTP user"); err != nil {
		return nil, err
	}
	acct, err := ftpAccount()
	if err != nil {
		return nil, err
	}
	cfg, err := p.Config.prepare("proftpd", acct)
	if err != nil {
		return nil, fmt.Errorf("proftpd: %w", err)
	}
	hash, err := cryptSHA512(ctx, cfg.Password)
	if err != nil {
		return nil, fmt.Errorf("proftpd: %w", err)
	}
	f := proftpdFiles{
		dir:     cfg.Dir,
		modules: modules,
		cert:    filepath.Join(cfg.Dir, "server.crt"),
		key:     filepath.Join(cfg.Dir, "server.key"),
		conf:    filepath.Join(cfg.Dir, "proftpd.conf"),
		passwd:  filepath.Join(cfg.Dir, "passwd"),
		group:   filepath.Join(cfg.Dir, "group"),
		log:     filepath.Join(cfg.Dir, "proftpd.log"),
		tlsLog:  filepath.Join(cfg.Dir, "tls.log"),
		xferLog: filepath.Join(cfg.Dir, "xfer.log"),
	}
	writes := []struct {
		path string
		data string
		mode os.FileMode
	}{
		{f.passwd, fmt.Sprintf("%s:%s:%d:%d::%s:/usr/sbin/nologin\n", cfg.User, hash, acct.uid, acct.gid, cfg.DataDir), 0o600},
		{f.group, fmt.Sprintf("%s:x:%d:\n", acct.name, acct.gid), 0o600},
		{f.conf, p.render(cfg, f), 0o600},
	}
	for _, w := range writes {
		if err := writeFile(w.path, []byte(w.data), w.mode, nil); err != nil {
			return nil, fmt.Errorf("proftpd: %w", err)
		}
	}
	if err := copyFile(cfg.CertFile, f.cert, 0o644, nil); err != nil {
		return nil, fmt.Errorf("proftpd: cert: %w", err)
	}
	if err := copyFile(cfg.KeyFile, f.key, 0o600, nil); err != nil {
		return nil, fmt.Errorf("proftpd: key: %w", err)
	}
	l := &launch{
		name:     p.name(),
		prog:     "proftpd",
		argv:     []string{prog, "-n", "-c", f.conf},
		cfg:      cfg,
		logs:     []string{f.log, f.tlsLog, f.xferLog},
		implicit: p.Implicit,
	}
	return l.run(ctx)
}

func (p ProFTPD) name() string {
	parts := []string{"proftpd"}
	if p.Implicit {
		parts = append(parts, "implicit")
	}
	if p.NoSessionReuseRequired {
		parts = append(parts, "NoSessionReuseRequired")
	} else {
		parts = append(parts, "reuse required")
	}
	if p.TLSOptional {
		parts = append(parts, "TLSRequired off")
	}
	return strings.Join(parts, " ")
}

// proftpdFiles are the paths one ProFTPD instance uses.
type proftpdFiles struct {
	dir, modules, cert, key, conf, passwd, group, log, tlsLog, xferLog string
}

// render returns proftpd.conf for an unpacked ProFTPD: its own module path,
// writable scoreboard, pid file and delay table in Dir, no DNS, no wtmp, a
// virtual user without a valid shell.
func (p ProFTPD) render(cfg Config, f proftpdFiles) string {
	var tlsOpts []string
	if p.NoSessionReuseRequired {
		tlsOpts = append(tlsOpts, "NoSessionReuseRequired")
	}
	if p.Implicit {
		tlsOpts = append(tlsOpts, "UseImplicitSSL")
	}
	required := "on"
	if p.TLSOptional {
		required = "off"
	}
	lines := []string{
		"# rendered by internal/peers",
		"ModulePath " + f.modules,
		"LoadModule mod_tls.c",
		"ServerType standalone",
		`ServerName "ftpsim proftpd"`,
		`ServerIdent on "ftpsim proftpd"`,
		"DefaultServer on",
		"DefaultAddress 127.0.0.1",
		"SocketBindTight on",
		"UseIPv6 off",
		fmt.Sprintf("Port %d", cfg.Port),
		fmt.Sprintf("PassivePorts %d %d", cfg.PassivePorts.Low, cfg.PassivePorts.High),
		"User nobody",
		"Group nogroup",
		"Umask 022",
		"MaxInstances 50",
		"TimeoutIdle 60",
		"UseReverseDNS off",
		"DelayEngine off",
		"WtmpLog off",
		"ScoreboardFile " + filepath.Join(f.dir, "proftpd.scoreboard"),
		"PidFile " + filepath.Join(f.dir, "proftpd.pid"),
		"DelayTable " + filepath.Join(f.dir, "proftpd.delay"),
		"SystemLog " + f.log,
		"TransferLog " + f.xferLog,
		"AuthOrder mod_auth_file.c",
		"AuthUserFile " + f.passwd,
		"AuthGroupFile " + f.group,
		"RequireValidShell off",
		"DefaultRoot ~",
		"AllowOverwrite on",
		"TLSEngine on",
		"TLSLog " + f.tlsLog,
		"TLSProtocol TLSv1.2 TLSv1.3",
		"TLSRSACertificateFile " + f.cert,
		"TLSRSACertificateKeyFile " + f.key,
		"TLSVerifyClient off",
		"TLSRenegotiate none",
		"TLSRequired " + required,
	}
	if len(tlsOpts) > 0 {
		lines = append(lines, "TLSOptions "+strings.Join(tlsOpts, " "))
	}
	return strings.Join(lines, "\n") + "\n"
}
