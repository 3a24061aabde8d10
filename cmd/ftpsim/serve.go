package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

// userList collects repeated --user flags.
type userList []sim.User

func (u *userList) String() string {
	names := make([]string, len(*u))
	for i, x := range *u {
		names[i] = x.Name
	}
	return strings.Join(names, ",")
}

func (u *userList) Set(s string) error {
	usr, err := sim.ParseUser(s)
	if err != nil {
		return err
	}
	*u = append(*u, usr)
	return nil
}

// serveConfig is what the serve flags describe.
type serveConfig struct {
	addr, implicitAddr    string
	users                 userList
	tls, dataTLS, reuse   string
	persona               string
	wellConfigured        bool
	set                   map[string]bool // flags given on the command line
	pasvPorts, pasvAddr   string
	root, caOut           string
	anonymous, lenientEOF bool
	quiet                 bool
	idle, dataTimeout     time.Duration
	cert                  certFlags
	faults                faultFlags
	ties                  *sessionTies // behind faults: names the session of each fault event
	pcap                  string       // --pcap FILE
}

func serveFlags(stdout io.Writer) (*flag.FlagSet, *serveConfig) {
	c := &serveConfig{}
	fs := newFlagSet("serve", "[flags]", `Runs an in-process ftpsim server until interrupted (SIGINT/SIGTERM), printing
its endpoints and every session's commands and replies. Point curl, lftp,
FileZilla or your own client at it:

  ftpsim serve --ca-out /tmp/ftpsim-ca.pem
  curl --ssl-reqd --cacert /tmp/ftpsim-ca.pem -u ftpsim:ftpsim ftp://127.0.0.1:2121/

The certificate covers localhost, 127.0.0.1, 127.0.0.2 (where ftpsim proxy
listens in front of a server on 127.0.0.1) and ::1; add names with --cert-name.
Without --user the only account is ftpsim:ftpsim. Without --root files live in memory and vanish on exit.`, stdout)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:2121", "explicit-FTPS (and plain FTP) control listener `HOST:PORT`")
	fs.StringVar(&c.implicitAddr, "implicit-addr", "", "implicit-FTPS listener `HOST:PORT` (off unless given; 990 is the standard port)")
	fs.Var(&c.users, "user", "account `NAME:PASSWORD` (repeatable; append :ro for read-only; default ftpsim:ftpsim)")
	fs.StringVar(&c.tls, "tls", "optional", "control-channel TLS: `required|optional|off` (required: USER before AUTH TLS gets 530)")
	fs.StringVar(&c.dataTLS, "data-tls", "", "data-channel TLS: `required|optional|off` (required: PROT P enforced, 521 otherwise; default: same as --tls)")
	fs.StringVar(&c.persona, "persona", "", "answer like a real server: `NAME` is "+personaNames()+" (its TLS policies, session-reuse rule, reply codes and texts, FEAT); --tls, --data-tls, --reuse and --lenient-tls-eof given as well override it")
	fs.BoolVar(&c.wellConfigured, "well-configured", false, "the well-configured FTPS server (sim.WellConfigured): TLS required on control and data, session reuse \"same\"; the conformance suite's reference and the ftpsim container image; --tls, --data-tls and --reuse given as well override it")
	fs.StringVar(&c.reuse, "reuse", "same", "TLS session reuse on data connections: `off|any|same` (same: must resume this control connection's session, like ProFTPD and FileZilla Server; any: must resume some session of this server, like vsftpd require_ssl_reuse=YES)")
	fs.StringVar(&c.pasvPorts, "pasv-ports", "", "passive port range `LOW-HIGH` (default: any free port)")
	fs.StringVar(&c.pasvAddr, "pasv-addr", "", "`IP` to advertise in 227 replies, as a NAT'd server would (default: the control connection's local address)")
	fs.StringVar(&c.root, "root", "", "serve this `DIR` (confined with os.Root; default: in memory)")
	fs.StringVar(&c.caOut, "ca-out", "", "write the CA certificate that signed the server certificate to `FILE` (PEM), for curl --cacert, lftp ssl:ca-file, Python cafile=")
	fs.BoolVar(&c.anonymous, "anonymous", false, "allow anonymous read-only login (user anonymous or ftp)")
	fs.BoolVar(&c.lenientEOF, "lenient-tls-eof", false, "accept protected uploads that end without TLS close_notify (vsftpd's default); default: 426 and discard")
	fs.DurationVar(&c.idle, "idle-timeout", 5*time.Minute, "close control connections idle this long")
	fs.DurationVar(&c.dataTimeout, "data-timeout", 30*time.Second, "bound on waiting for and stalling on data connections")
	fs.BoolVar(&c.quiet, "quiet", false, "do not print session transcripts")
	fs.StringVar(&c.pcap, "pcap", "", pcapUsage)
	c.cert.register(fs)
	c.faults.register(fs, true)
	return fs, c
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs, c := serveFlags(stdout)
	err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	c.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { c.set[f.Name] = true })
	var spec scenarios.NetworkSpec
	var sc *scenarios.Scenario
	if c.faults.active() {
		if spec, sc, err = c.faults.spec(); err != nil {
			return usagef("%v", err)
		}
		c.ties = newSessionTies()
	}
	srv, cleanup, err := c.server(fs, sc, stdout, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	var fn *faultNet
	if c.faults.active() {
		if fn, err = c.attachFaults(srv, spec, sc, stdout); err != nil {
			return err
		}
		defer fn.stop(stdout)
		if err := fn.startAPI(c.faults.api, stdout); err != nil {
			return err
		}
	}
	rec, err := startPcap(c.pcap)
	if err != nil {
		return err
	}
	defer rec.write(stdout)
	rec.server(srv, fn.network())
	if err := srv.Listen(); err != nil {
		return err
	}
	defer srv.Close()
	if c.caOut != "" {
		if err := srv.PKI.CA.WriteCertFile(c.caOut); err != nil {
			return fmt.Errorf("--ca-out: %w", err)
		}
	}
	// Catch SIGINT/SIGTERM before the banner says the server is up, so a
	// caller that stops it as soon as it reads the banner gets a clean
	// stop, not a killed process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if fn != nil {
		fn.printServeBanner(stdout, c, srv)
	} else {
		c.printBanner(stdout, srv)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "ftpsim serve: stopping")
	return nil
}

// server builds the sim.Server the flags describe, or with --scenario
// the scenario's server with the flags that still apply; cleanup
// releases --root. Without fault flags it opens the real listeners of
// --addr and --implicit-addr; behind faults the entry takes those
// addresses instead (see attachFaults).
func (c *serveConfig) server(fs *flag.FlagSet, sc *scenarios.Scenario, stdout, stderr io.Writer) (*sim.Server, func(), error) {
	cleanup := func() {}
	var srv *sim.Server
	var err error
	if sc != nil {
		srv, err = scenarioServer(fs, sc, &c.cert)
	} else {
		srv, cleanup, err = c.flagServer(stderr)
	}
	if err != nil {
		return nil, cleanup, err
	}
	if c.pasvPorts != "" {
		if srv.PassivePorts, err = sim.ParsePortRange(c.pasvPorts); err != nil {
			return nil, cleanup, usagef("--pasv-ports: %v", err)
		}
	}
	srv.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if !c.quiet {
		var mu sync.Mutex
		srv.OnTranscript = func(sess *sim.Session, e sim.TranscriptEntry) {
			if c.ties != nil {
				c.ties.note(sess, e)
			}
			mu.Lock()
			defer mu.Unlock()
			text := strings.ReplaceAll(e.Text, "\n", "\n"+strings.Repeat(" ", len(sess.ID)+15))
			fmt.Fprintf(stdout, "%s %s %s %s\n", e.Time.Format("15:04:05.000"), sess.ID, e.Kind, text)
		}
	}
	if c.faults.active() {
		return srv, cleanup, nil
	}
	if srv.Listener, err = listenFlag("--addr", c.addr, stderr); err != nil {
		return nil, cleanup, err
	}
	if c.implicitAddr != "" {
		if srv.ImplicitListener, err = listenFlag("--implicit-addr", c.implicitAddr, stderr); err != nil {
			srv.Listener.Close()
			return nil, cleanup, err
		}
	}
	return srv, cleanup, nil
}

// flagServer builds the server of the TLS, certificate, account and
// storage flags.
func (c *serveConfig) flagServer(stderr io.Writer) (*sim.Server, func(), error) {
	srv := sim.NewUnstartedServer()
	cleanup := func() {}
	var err error
	if c.wellConfigured && c.persona != "" {
		return nil, cleanup, usagef("--well-configured and --persona both set the server's policies: give one")
	}
	preset := c.persona != "" || c.wellConfigured // the policies come from a preset, not the flags' defaults
	if c.wellConfigured {
		sim.WellConfigured(srv)
	} else if preset {
		p, ok := sim.PersonaByName(c.persona)
		if !ok && strings.EqualFold(c.persona, "filezilla") {
			p, ok = sim.FileZillaServer(), true
		}
		if !ok {
			return nil, cleanup, usagef("--persona %q: want %s%s", c.persona, personaNames(), didYouMean(c.persona, personaList()))
		}
		p.Apply(srv)
	}
	// Without a persona or --well-configured the flags' defaults apply;
	// with one, only the flags given on the command line change what it
	// set.
	if !preset || c.set["tls"] {
		if srv.ControlTLS, err = sim.ParseTLSPolicy(c.tls); err != nil {
			return nil, cleanup, usagef("--tls: %v", err)
		}
		srv.DataTLS = srv.ControlTLS
	}
	if c.dataTLS != "" {
		if srv.DataTLS, err = sim.ParseTLSPolicy(c.dataTLS); err != nil {
			return nil, cleanup, usagef("--data-tls: %v", err)
		}
	}
	if !preset || c.set["reuse"] {
		if srv.Reuse, err = sim.ParseReusePolicy(c.reuse); err != nil {
			return nil, cleanup, usagef("--reuse: %v", err)
		}
	}
	if err := c.cert.apply(srv, c.caOut); err != nil {
		return nil, cleanup, err
	}
	if c.pasvAddr != "" {
		if srv.PassiveAddr, err = netip.ParseAddr(c.pasvAddr); err != nil {
			return nil, cleanup, usagef("--pasv-addr %q: not an IP address", c.pasvAddr)
		}
		if !c.faults.active() { // with faults it is a virtual address
			warnNonLoopback(stderr, "--pasv-addr", srv.PassiveAddr)
		}
	}
	if c.root != "" {
		d, err := sim.NewDirFS(c.root)
		if err != nil {
			return nil, cleanup, fmt.Errorf("--root: %w", err)
		}
		srv.FS, cleanup = d, func() { d.Close() }
	}
	srv.Users, srv.Anonymous = c.users, c.anonymous
	if !preset || c.set["lenient-tls-eof"] {
		srv.LenientTLSEOF = c.lenientEOF
	}
	srv.IdleTimeout, srv.DataTimeout = c.idle, c.dataTimeout
	return srv, cleanup, nil
}

func listenFlag(flagName, addr string, stderr io.Writer) (net.Listener, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, usagef("%s %q: want IP:PORT, e.g. 127.0.0.1:2121", flagName, addr)
	}
	warnNonLoopback(stderr, flagName, ap.Addr())
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%s %s: address in use; pick another port with %s", flagName, addr, flagName)
		}
		return nil, fmt.Errorf("%s: %w", flagName, err)
	}
	return ln, nil
}

func warnNonLoopback(stderr io.Writer, flagName string, a netip.Addr) {
	if !a.Unmap().IsLoopback() {
		fmt.Fprintf(stderr, "ftpsim serve: warning: %s %s is not a loopback address; clients on other hosts can reach or will dial it\n", flagName, a)
	}
}

func (c *serveConfig) printBanner(w io.Writer, srv *sim.Server) {
	fmt.Fprintln(w, "ftpsim serve: listening")
	fmt.Fprintf(w, "  explicit FTPS / plain FTP  ftp://%s\n", srv.Addr)
	if srv.ImplicitAddr != "" {
		fmt.Fprintf(w, "  implicit FTPS              ftps://%s\n", srv.ImplicitAddr)
	}
	if c.persona != "" {
		fmt.Fprintf(w, "  persona                    %s\n", c.persona)
	}
	printAccess(w, c.users.String(), srv, true)
	printReuseLimit(w, srv)
	fmt.Fprintf(w, "  passive ports              %s\n", srv.PassivePorts)
	if srv.PassiveAddr.IsValid() {
		fmt.Fprintf(w, "  advertised passive address %s\n", srv.PassiveAddr)
	}
	storage := "in memory"
	if c.root != "" {
		storage = c.root
	}
	fmt.Fprintf(w, "  storage                    %s\n", storage)
	ca := c.printCA(w, srv)
	fmt.Fprintf(w, "try: %s ftp://%s/\n", tryCurl(c, srv, ca), srv.Addr)
	printEarlyDataNote(w, srv)
	fmt.Fprintln(w, "stop with Ctrl-C")
}

// printEarlyDataNote warns, under CloseEarlyData (the pyftpdlib persona),
// that curl fails as it does against the real server.
func printEarlyDataNote(w io.Writer, srv *sim.Server) {
	if !srv.CloseEarlyData || srv.DataTLS == sim.TLSDisabled {
		return
	}
	fmt.Fprintln(w, "  note: curl fails here over FTPS as against the real pyftpdlib 1.5.7 (its issue 604): curl starts the data")
	fmt.Fprintln(w, "  connection's TLS handshake before LIST/RETR/STOR and the server closes a data connection that speaks first")
	fmt.Fprintln(w, "  ('curl: (13) Bad PASV/EPSV response: 200' or (35)); lftp and Python's ftplib wait for the reply and work")
}

// tryCurl is the banner's curl command, but for the URL: FTPS unless the
// server has TLS off, with the first account's credentials.
func tryCurl(c *serveConfig, srv *sim.Server, ca string) string {
	cred := sim.DefaultUser + ":" + sim.DefaultPassword
	if len(c.users) > 0 {
		cred = c.users[0].Name + ":" + c.users[0].Password
	}
	if srv.ControlTLS == sim.TLSDisabled {
		return "curl -u " + cred
	}
	return "curl --ssl-reqd --cacert " + ca + " -u " + cred
}

// printAccess prints the accounts (users, a comma-separated list; empty
// for the default account) and the server's TLS settings; reuseFlag says
// whether --reuse may change them (not under --scenario).
func printAccess(w io.Writer, users string, srv *sim.Server, reuseFlag bool) {
	if users == "" {
		users = sim.DefaultUser + " (password " + sim.DefaultPassword + ")"
	}
	if srv.Anonymous {
		users += "; anonymous or ftp, any password (read-only)"
	}
	fmt.Fprintf(w, "  users                      %s\n", users)
	fmt.Fprintf(w, "  TLS                        control %s, data %s, session reuse %s\n", srv.ControlTLS, srv.DataTLS, srv.Reuse)
	if srv.Reuse != sim.ReuseOff && srv.DataTLS != sim.TLSDisabled {
		fix := "; --reuse off accepts it"
		if !reuseFlag {
			fix = ""
		}
		fmt.Fprintln(w, "  session reuse              protected data connections must resume a TLS session: curl and lftp do, Python's")
		fmt.Fprintf(w, "                             ftplib.FTP_TLS as it is does not and is refused%s\n", fix)
	}
}

// printCA prints where the CA certificate went and returns the file name
// the curl example should use.
func (c *serveConfig) printCA(w io.Writer, srv *sim.Server) string {
	if names := servedNames(srv); names != "" {
		fmt.Fprintf(w, "  certificate names          %s\n", names)
	}
	if c.cert.cert != "" {
		fmt.Fprintf(w, "  CA certificate             yours: the CA that signed %s (give it to clients)\n", c.cert.cert)
		return "YOUR-CA.pem"
	}
	if c.caOut == "" {
		fmt.Fprintln(w, "  CA certificate             not written (use --ca-out FILE)")
		return "ca.pem"
	}
	fmt.Fprintf(w, "  CA certificate             %s\n", c.caOut)
	return c.caOut
}

// personaList is the names --persona takes.
func personaList() []string {
	var names []string
	for _, p := range sim.Personas() {
		names = append(names, p.Name)
	}
	return append(names, "filezilla")
}

// personaNames is personaList for help and errors: "a, b or c".
func personaNames() string {
	l := personaList()
	l = l[:len(l)-1] // "filezilla" is an alias
	return strings.Join(l[:len(l)-1], ", ") + " or " + l[len(l)-1]
}

// printReuseLimit says where a session-reuse requirement makes ftpsim
// stricter than the real servers: Go's crypto/tls resumes TLS 1.2 only
// with session tickets, and OpenSSL clients such as curl 7.88 resume TLS
// 1.2 by session ID, which the real vsftpd and ProFTPD accept. Under a
// persona the server marks such a refusal (sim.LimitSessionIDResumption).
func printReuseLimit(w io.Writer, srv *sim.Server) {
	if srv.Reuse == sim.ReuseOff || srv.DataTLS == sim.TLSDisabled {
		return
	}
	fmt.Fprintln(w, "  limitation                 a TLS 1.2 client that resumes by session ID, not by ticket (curl --tls-max 1.2),")
	if srv.Emulates != "" {
		fmt.Fprintf(w, "                             is refused here but not by the real %s: Go's TLS 1.2 server resumes only with\n", srv.Emulates)
		fmt.Fprintf(w, "                             tickets. Such refusals say %q in the reply and warn below;\n", sim.NotReproducibleMarker)
		fmt.Fprintln(w, "                             get the real verdict from the real product (go test ./suites/docker)")
		return
	}
	fmt.Fprintln(w, "                             fails session reuse here but not on the real vsftpd/ProFTPD: Go's TLS 1.2 server")
	fmt.Fprintln(w, "                             resumes only with tickets (with --persona such refusals are marked); test that")
	fmt.Fprintln(w, "                             case against the real product (suites/docker)")
}
