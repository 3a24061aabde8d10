package peers

import (
	"context"
	"fmt"
	"net"
	"strings"
)

// Ftplib runs Python's ftplib.FTP_TLS (Debian's /usr/bin/python3) through an
// embedded script: explicit AUTH TLS, or a small implicit subclass; with
// Reuse, a subclass that resumes the control TLS session on data connections
// (stock FTP_TLS does not, so vsftpd require_ssl_reuse=YES answers 522 and
// ProFTPD's default answers 425). ftplib uses PASV over IPv4. Result.Trace
// holds ftplib's debug output (*cmd*, *resp*) and a last line "RESULT: OK"
// or "RESULT: FAIL <step>: <error>".
type Ftplib struct {
	o ClientOptions
}

// NewFtplib checks the options and that [PythonPath] is present.
func NewFtplib(o ClientOptions) (*Ftplib, error) {
	if _, err := findProgram("python3", PythonPath); err != nil {
		return nil, err
	}
	o, err := o.checked()
	if err != nil {
		return nil, err
	}
	return &Ftplib{o: o}, nil
}

// Name returns "ftplib" and the options that change its behaviour.
func (f *Ftplib) Name() string { return strings.TrimSpace("ftplib " + f.o.variant()) }

// List logs in and runs LIST.
func (f *Ftplib) List(ctx context.Context) (*Result, error) {
	return f.run(ctx, "list")
}

// Upload logs in and stores local as remote.
func (f *Ftplib) Upload(ctx context.Context, local, remote string) (*Result, error) {
	return f.run(ctx, "upload", local, remote)
}

// Download logs in and retrieves remote into local.
func (f *Ftplib) Download(ctx context.Context, remote, local string) (*Result, error) {
	return f.run(ctx, "download", remote, local)
}

// Session logs in, runs LIST, stores local as remote and retrieves it into
// back.
func (f *Ftplib) Session(ctx context.Context, local, remote, back string) (*Result, error) {
	return f.run(ctx, "session", local, remote, back)
}

func (f *Ftplib) run(ctx context.Context, op string, files ...string) (*Result, error) {
	o := f.o
	script, err := writeScript(o.Dir, "ftplib_client.py")
	if err != nil {
		return nil, fmt.Errorf("ftplib: %w", err)
	}
	host, port, _ := net.SplitHostPort(o.Addr)
	argv := []string{PythonPath, "-I", "-B", "-u", script,
		"--host", host, "--port", port,
		"--cafile", o.CAFile, "--user", o.User,
		"--timeout", fmt.Sprintf("%.1f", min(toolTimeout(o.Timeout).Seconds()/2, 20)),
	}
	flags := []struct {
		on   bool
		flag string
	}{
		{o.Implicit, "--implicit"}, {o.Reuse, "--reuse"}, {o.TLS12, "--tls12"},
		{o.Active, "--active"}, {o.NoSkipPASVIP, "--trust-pasv-ip"}, {o.Plain, "--plain"},
		{o.CCC, "--ccc"}, {o.ClearData, "--prot-c"},
	}
	for _, fl := range flags {
		if fl.on {
			argv = append(argv, fl.flag)
		}
	}
	argv = append(append(argv, op), files...)
	env := clientEnv(o.Dir, "FTPSIM_PASSWORD="+o.Password)
	if argv, err = o.inNetns(argv); err != nil {
		return nil, err
	}
	r := run(ctx, f.Name(), argv, env, o.Dir, o.Timeout, "")
	r.Trace = r.Stdout
	return r, nil
}
