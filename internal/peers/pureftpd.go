package peers

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// pure-ftpd program locations: unpacked by .ci/install-peers.sh, or an
// apt-installed pure-ftpd.
var (
	pureFTPdPaths = []string{"/opt/ftps-peers/pure-ftpd/usr/sbin/pure-ftpd", "/usr/sbin/pure-ftpd"}
	purePWPaths   = []string{"/opt/ftps-peers/pure-ftpd/usr/bin/pure-pw", "/usr/bin/pure-pw"}
)

// PureFTPd is a pure-ftpd server setting. It authenticates a PureDB virtual
// user mapped to the ftpsuser account, hashed with SHA512-crypt instead of
// pure-pw's argon2id (which costs about 4 s of CPU per login here). pure-ftpd
// has no implicit TLS in Debian's build and logs only to syslog, so besides
// its stdout only a CLF transfer log is available.
type PureFTPd struct {
	Config
	// TLS is the -Y (--tls) policy: 1 = TLS optional, 2 = TLS required for
	// login, cleartext data (PROT C) allowed, 3 = TLS required for login and
	// data. 0 means 3.
	TLS int
}

// Start writes the user database into Dir/pure-ftpd and runs pure-ftpd in
// the foreground until Close.
func (p PureFTPd) Start(ctx context.Context) (*Server, error) {
	prog, err := findProgram("pure-ftpd", pureFTPdPaths...)
	if err != nil {
		return nil, err
	}
	purePW, err := findProgram("pure-pw", purePWPaths...)
	if err != nil {
		return nil, err
	}
	policy := p.TLS
	if policy == 0 {
		policy = 3
	}
	if policy < 1 || policy > 3 {
		return nil, fmt.Errorf("pure-ftpd: bad TLS policy %d (want 1, 2 or 3)", p.TLS)
	}
	if err := needRoot("pure-ftpd", "chroot and switching to the FTP user"); err != nil {
		return nil, err
	}
	acct, err := ftpAccount()
	if err != nil {
		return nil, err
	}
	cfg, err := p.Config.prepare("pure-ftpd", acct)
	if err != nil {
		return nil, fmt.Errorf("pure-ftpd: %w", err)
	}
	pdb, err := pureDB(ctx, purePW, cfg, acct)
	if err != nil {
		return nil, fmt.Errorf("pure-ftpd: %w", err)
	}
	pem := filepath.Join(cfg.Dir, "server.pem") // key and certificate in one file
	key, err := os.ReadFile(cfg.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("pure-ftpd: key: %w", err)
	}
	cert, err := os.ReadFile(cfg.CertFile)
	if err != nil {
		return nil, fmt.Errorf("pure-ftpd: cert: %w", err)
	}
	if err := writeFile(pem, append(append(key, '\n'), cert...), 0o600, nil); err != nil {
		return nil, fmt.Errorf("pure-ftpd: %w", err)
	}
	xfer := filepath.Join(cfg.Dir, "xfer.log")
	argv := []string{prog,
		"--bind", "127.0.0.1," + strconv.Itoa(cfg.Port),
		"--ipv4only", "--dontresolve", "--noanonymous",
		"--login", "puredb:" + pdb,
		"--chrooteveryone",
		"--passiveportrange", fmt.Sprintf("%d:%d", cfg.PassivePorts.Low, cfg.PassivePorts.High),
		"--tls", strconv.Itoa(policy),
		"--certfile", pem,
		"--tlsciphersuite", "HIGH",
		"--maxclientsnumber", "50",
		"--maxidletime", "2",
		"--altlog", "clf:" + xfer,
		"--syslogfacility", "none",
	}
	l := &launch{
		name: fmt.Sprintf("pure-ftpd -Y %d", policy),
		prog: "pure-ftpd",
		argv: argv,
		cfg:  cfg,
		logs: []string{xfer},
	}
	return l.run(ctx)
}

// pureDB writes a pure-ftpd passwd file with a SHA512-crypt hash and
// compiles it with "pure-pw mkdb". It returns the .pdb path.
func pureDB(ctx context.Context, purePW string, cfg Config, acct *account) (string, error) {
	hash, err := cryptSHA512(ctx, cfg.Password)
	if err != nil {
		return "", err
	}
	passwd := filepath.Join(cfg.Dir, "pureftpd.passwd")
	pdb := filepath.Join(cfg.Dir, "pureftpd.pdb")
	// login:hash:uid:gid:gecos:home, then twelve empty limit fields.
	line := fmt.Sprintf("%s:%s:%d:%d::%s/./::::::::::::\n", cfg.User, hash, acct.uid, acct.gid, cfg.DataDir)
	if err := writeFile(passwd, []byte(line), 0o600, nil); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, purePW, "mkdb", pdb, "-f", passwd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("pure-pw mkdb: %w: %s", err, out.String())
	}
	return pdb, nil
}
