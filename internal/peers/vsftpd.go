package peers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// VsftpdPath is where Debian's vsftpd package installs the program.
const VsftpdPath = "/usr/sbin/vsftpd"

// VsftpdPAMService is the PAM service (pam_unix only) that
// .ci/install-peers.sh writes to /etc/pam.d and vsftpd logs in through.
const VsftpdPAMService = "ftps-peers"

// Vsftpd is a vsftpd server setting. vsftpd must run as root (PAM login of
// the system account [User], chroot); it logs every command and, with
// debug_ssl, whether each TLS session was resumed.
type Vsftpd struct {
	Config
	// Implicit makes Port an implicit-TLS port (implicit_ssl=YES); the zero
	// value is explicit FTPS (AUTH TLS).
	Implicit bool
	// NoSSLReuse writes require_ssl_reuse=NO: data connections need not
	// resume a TLS session. The zero value writes YES, vsftpd's own
	// default (Debian's man page says NO, but vsftpd 3.0.3 on Debian 12
	// with no such line refuses Python ftplib's data connection with "522
	// SSL connection failed: session reuse required", measured
	// 2026-12-05) and the ftpsim vsftpd image's. With YES, vsftpd checks
	// only that a session was resumed: a data connection offering the
	// session of another control connection to the same vsftpd is
	// accepted (measured 2026-12-06, suites/fidelity case
	// reuse-other-control), as sim.Vsftpd's ReuseAny does.
	NoSSLReuse bool
	// PASVAddress, when set, is advertised in 227 replies (pasv_address)
	// instead of the control connection's address: the NAT misconfiguration.
	// It must be a loopback address, e.g. 127.0.0.2, which the server does
	// not listen on.
	PASVAddress string
	// BuiltinCiphers leaves ssl_ciphers out, so vsftpd's built-in cipher
	// list applies. Debian's vsftpd 3.0.3 then negotiates AES-GCM TLS 1.2
	// suites with an RSA key but has no TLS 1.2 cipher for an ECDSA key:
	// it refuses the handshake ("SSL_accept failed: ... no shared cipher"
	// in its log) while TLS 1.3 works (measured 2026-12-07). The zero value
	// writes ssl_ciphers=HIGH.
	BuiltinCiphers bool
}

// Start renders vsftpd.conf into Dir/vsftpd and runs vsftpd in the
// foreground (listen=YES, background=NO) until Close.
func (v Vsftpd) Start(ctx context.Context) (*Server, error) {
	prog, err := findProgram("vsftpd", VsftpdPath)
	if err != nil {
		return nil, err
	}
	if err := needRoot("vsftpd", "PAM login and chroot"); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join("/etc/pam.d", VsftpdPAMService)); err != nil {
		return nil, &NotInstalledError{Program: "PAM service /etc/pam.d/" + VsftpdPAMService, Reason: "missing", Hint: InstallHint}
	}
	acct, err := ftpAccount()
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(acct.home); err != nil || !st.IsDir() {
		// vsftpd changes into the home directory before local_root and
		// answers "500 OOPS" (in cleartext, on the TLS connection) if it
		// cannot.
		return nil, &NotInstalledError{Program: "home directory " + acct.home + " of " + acct.name, Reason: "missing", Hint: InstallHint}
	}
	if v.PASVAddress != "" {
		if _, err := loopbackIP(v.PASVAddress); err != nil {
			return nil, fmt.Errorf("vsftpd: pasv_address: %w", err)
		}
	}
	cfg, err := v.Config.prepare("vsftpd", acct)
	if err != nil {
		return nil, fmt.Errorf("vsftpd: %w", err)
	}
	cert, key := filepath.Join(cfg.Dir, "server.crt"), filepath.Join(cfg.Dir, "server.key")
	if err := copyFile(cfg.CertFile, cert, 0o644, nil); err != nil {
		return nil, fmt.Errorf("vsftpd: cert: %w", err)
	}
	if err := copyFile(cfg.KeyFile, key, 0o600, nil); err != nil {
		return nil, fmt.Errorf("vsftpd: key: %w", err)
	}
	empty := filepath.Join(cfg.Dir, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		return nil, fmt.Errorf("vsftpd: secure_chroot_dir: %w", err)
	}
	conf := filepath.Join(cfg.Dir, "vsftpd.conf")
	logFile := filepath.Join(cfg.Dir, "vsftpd.log")
	if err := writeFile(conf, []byte(v.render(cfg, cert, key, empty, logFile)), 0o600, nil); err != nil {
		return nil, fmt.Errorf("vsftpd: %w", err)
	}
	l := &launch{
		name:     v.name(),
		prog:     "vsftpd",
		argv:     []string{prog, conf},
		cfg:      cfg,
		logs:     []string{logFile},
		implicit: v.Implicit,
		pasvIP:   v.PASVAddress,
	}
	return l.run(ctx)
}

func (v Vsftpd) name() string {
	parts := []string{"vsftpd"}
	if v.Implicit {
		parts = append(parts, "implicit")
	}
	if v.NoSSLReuse {
		parts = append(parts, "reuse=NO")
	} else {
		parts = append(parts, "reuse=YES")
	}
	if v.PASVAddress != "" {
		parts = append(parts, "pasv_address="+v.PASVAddress)
	}
	if v.BuiltinCiphers {
		parts = append(parts, "builtin-ciphers")
	}
	return strings.Join(parts, " ")
}

// render returns vsftpd.conf. Every option that matters is set explicitly,
// including the Debian gotchas: allow_writeable_chroot (else "500 OOPS",
// written in cleartext on the TLS connection), seccomp_sandbox=NO and an
// existing empty secure_chroot_dir.
func (v Vsftpd) render(cfg Config, cert, key, empty, logFile string) string {
	var b strings.Builder
	set := func(k string, val any) { fmt.Fprintf(&b, "%s=%v\n", k, val) }
	yes := func(on bool) string {
		if on {
			return "YES"
		}
		return "NO"
	}
	b.WriteString("# rendered by internal/peers\n")
	set("listen", "YES") // standalone, IPv4
	set("listen_ipv6", "NO")
	set("listen_address", "127.0.0.1")
	set("listen_port", cfg.Port)
	set("background", "NO")
	set("run_as_launching_user", "NO")
	set("seccomp_sandbox", "NO")
	set("secure_chroot_dir", empty)
	set("nopriv_user", "nobody")
	set("ftpd_banner", "ftpsim vsftpd")
	set("max_clients", 50)
	set("max_per_ip", 50)
	set("idle_session_timeout", 60)
	set("data_connection_timeout", 30)
	set("session_support", "NO")
	set("tcp_wrappers", "NO")
	set("userlist_enable", "NO")

	set("anonymous_enable", "NO")
	set("local_enable", "YES")
	set("write_enable", "YES")
	set("local_umask", "022")
	set("pam_service_name", VsftpdPAMService)
	set("local_root", cfg.DataDir)
	set("chroot_local_user", "YES")
	set("allow_writeable_chroot", "YES")

	set("pasv_enable", "YES")
	set("pasv_min_port", cfg.PassivePorts.Low)
	set("pasv_max_port", cfg.PassivePorts.High)
	if v.PASVAddress != "" {
		set("pasv_address", v.PASVAddress)
		set("pasv_addr_resolve", "NO")
	}
	set("port_enable", "YES")
	set("connect_from_port_20", "NO")

	set("ssl_enable", "YES")
	set("implicit_ssl", yes(v.Implicit))
	set("rsa_cert_file", cert)
	set("rsa_private_key_file", key)
	if !v.BuiltinCiphers {
		set("ssl_ciphers", "HIGH")
	}
	set("ssl_sslv2", "NO")
	set("ssl_sslv3", "NO")
	set("ssl_tlsv1", "YES")
	set("ssl_request_cert", "NO")
	set("require_ssl_reuse", yes(!v.NoSSLReuse))
	set("force_local_logins_ssl", "YES")
	set("force_local_data_ssl", "YES")
	set("allow_anon_ssl", "NO")
	set("debug_ssl", "YES")

	set("xferlog_enable", "YES")
	set("xferlog_std_format", "NO")
	set("log_ftp_protocol", "YES")
	set("vsftpd_log_file", logFile)
	return b.String()
}
