package peers

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// LftpPath is where Debian's lftp package installs the program.
const LftpPath = "/usr/bin/lftp"

// Lftp runs lftp (GnuTLS) with ftp:ssl-force and protected data and
// listings, certificate and host name checks on, and few, short retries
// (lftp's defaults are 1000 retries and a 5 minute timeout). Runs use -d, so
// Result.Trace holds the commands and replies.
type Lftp struct {
	prog string
	o    ClientOptions
}

// NewLftp checks the options and finds lftp. Active mode is refused
// unless the client runs in a network namespace of its own
// ([ClientOptions.Netns]): lftp 4.9 listens for the active data
// connection on 0.0.0.0, whatever net:socket-bind-ipv4 and ftp:port-range
// say (seen with strace: listen() without bind(), or bind to 0.0.0.0 with
// a port range), which on this machine's namespace breaks the
// loopback-only rule; the error wraps [ErrNotLoopback].
func NewLftp(o ClientOptions) (*Lftp, error) {
	prog, err := findProgram("lftp", LftpPath)
	if err != nil {
		return nil, err
	}
	if o, err = o.checked(); err != nil {
		return nil, err
	}
	if o.Active && o.Netns == "" {
		return nil, fmt.Errorf("lftp active mode: data listener on 0.0.0.0 (run it in a network namespace of its own, Netns): %w", ErrNotLoopback)
	}
	if o.NoSessionReuse {
		return nil, fmt.Errorf("lftp: no setting turns off TLS session resumption: %w", ErrUnsupported)
	}
	return &Lftp{prog: prog, o: o}, nil
}

// Name returns "lftp" and the options that change its behaviour.
func (l *Lftp) Name() string { return strings.TrimSpace("lftp " + l.o.variant()) }

// List runs "ls".
func (l *Lftp) List(ctx context.Context) (*Result, error) {
	return l.run(ctx, "ls")
}

// Upload runs "put local -o remote".
func (l *Lftp) Upload(ctx context.Context, local, remote string) (*Result, error) {
	return l.run(ctx, "put "+lftpQuote(local)+" -o "+lftpQuote(remote))
}

// Download runs "get remote -o local".
func (l *Lftp) Download(ctx context.Context, remote, local string) (*Result, error) {
	return l.run(ctx, "get "+lftpQuote(remote)+" -o "+lftpQuote(local))
}

// Session runs ls, put and get in one lftp session.
func (l *Lftp) Session(ctx context.Context, local, remote, back string) (*Result, error) {
	return l.run(ctx, "ls",
		"put "+lftpQuote(local)+" -o "+lftpQuote(remote),
		"get "+lftpQuote(remote)+" -o "+lftpQuote(back))
}

// script returns the settings and open command that precede every run.
func (l *Lftp) script() []string {
	o := l.o
	netTimeout := min(int(toolTimeout(o.Timeout).Seconds())/3, 15)
	s := []string{"set cmd:fail-exit yes"}
	if o.Plain {
		s = append(s, "set ftp:ssl-allow no")
	} else {
		s = append(s,
			"set ftp:ssl-allow yes",
			"set ftp:ssl-force yes",
			"set ftp:ssl-auth TLS",
			"set ftp:ssl-protect-data "+yesNo(!o.ClearData),
			"set ftp:ssl-protect-list "+yesNo(!o.ClearData),
			"set ftp:ssl-use-ccc "+yesNo(o.CCC),
			"set ssl:ca-file "+lftpQuote(o.CAFile),
			"set ssl:verify-certificate yes",
			"set ssl:check-hostname yes")
	}
	s = append(s,
		"set net:max-retries 2",
		fmt.Sprintf("set net:timeout %d", max(netTimeout, 2)),
		"set net:reconnect-interval-base 1",
		"set net:reconnect-interval-max 2",
		"set net:persist-retries 0",
		"set xfer:clobber yes",
		"set ftp:prefer-epsv no",
		"set ftp:passive-mode "+map[bool]string{true: "off", false: "yes"}[o.Active],
	)
	if o.TLS12 {
		s = append(s, `set ssl:priority "NORMAL:-VERS-TLS1.3"`)
	}
	if o.NoSkipPASVIP {
		s = append(s, "set ftp:fix-pasv-address no")
	}
	scheme := "ftp"
	if o.Implicit {
		scheme = "ftps"
	}
	u := (&url.URL{Scheme: scheme, Host: o.Addr}).String()
	return append(s, "open -u "+lftpQuote(o.User)+","+lftpQuote(o.Password)+" "+u)
}

func (l *Lftp) run(ctx context.Context, cmds ...string) (*Result, error) {
	script := strings.Join(append(append(l.script(), cmds...), "bye"), "; ")
	argv, err := l.o.inNetns([]string{l.prog, "-d", "-c", script})
	if err != nil {
		return nil, err
	}
	r := run(ctx, l.Name(), argv, clientEnv(l.o.Dir), l.o.Dir, l.o.Timeout, l.o.Password)
	r.Trace = r.Stderr
	return r, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// lftpQuote double-quotes s for an lftp command line.
func lftpQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
