package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ftpsim/ftpsim/internal/pki"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

// scenarioFixes are the serve flags that --scenario replaces with the
// scenario's server.
var scenarioFixes = []string{"user", "tls", "data-tls", "reuse", "pasv-addr", "root", "anonymous", "lenient-tls-eof", "cert", "key"}

// attachFaults puts srv behind the faults the flags describe (nil, nil
// without fault flags). The real listeners srv got from --addr and
// --implicit-addr are closed and their addresses become the entry's.
// With --scenario the scenario's server replaces srv, keeping its
// transcript and log settings; the server to start is returned.
func (c *serveConfig) attachFaults(fs *flag.FlagSet, srv *sim.Server, stdout io.Writer) (*sim.Server, *faultNet, error) {
	f := &c.faults
	if !f.active() {
		return srv, nil, nil
	}
	spec, sc, err := f.spec()
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	entry := addrOf(srv.Listener.Addr())
	srv.Listener.Close()
	srv.Listener = nil
	var implicitPort uint16
	if srv.ImplicitListener != nil {
		ia := addrOf(srv.ImplicitListener.Addr())
		srv.ImplicitListener.Close()
		srv.ImplicitListener = nil
		if ia.Addr() != entry.Addr() {
			return nil, nil, usagef("--implicit-addr %s: with faults it must be on the --addr address %s (the entry)", ia, entry.Addr())
		}
		implicitPort = ia.Port()
	}
	if sc != nil {
		if srv, err = scenarioServer(fs, sc, srv); err != nil {
			return nil, nil, err
		}
	}
	x, err := scenarios.ServeExternal(srv, spec, scenarios.ExternalOptions{
		Entry: entry, ImplicitPort: implicitPort, OnEvent: eventPrinter(stdout, c.quiet),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("faults: %w", err)
	}
	return srv, &faultNet{x: x, sc: sc}, nil
}

// scenarioServer builds the scenario's server, carrying over from srv
// what the flags still decide: transcripts, logs, timeouts and the
// passive range.
func scenarioServer(fs *flag.FlagSet, sc *scenarios.Scenario, srv *sim.Server) (*sim.Server, error) {
	var fixed []string
	fs.Visit(func(fl *flag.Flag) {
		for _, name := range scenarioFixes {
			if fl.Name == name {
				fixed = append(fixed, "--"+name)
			}
		}
	})
	if len(fixed) > 0 {
		sort.Strings(fixed)
		return nil, usagef("--scenario %s sets the server; drop %s", sc.Name, strings.Join(fixed, ", "))
	}
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		return nil, err
	}
	s, err := scenarios.BuildServer(sc.Server, set)
	if err != nil {
		return nil, err
	}
	s.OnTranscript, s.Logger = srv.OnTranscript, srv.Logger
	if srv.PassivePorts.Size() > 0 {
		s.PassivePorts = srv.PassivePorts
	}
	return s, nil
}

// printServeBanner is serve's banner behind faults: the loopback address
// to point the client at, then the network and its faults.
func (fn *faultNet) printServeBanner(w io.Writer, c *serveConfig, srv *sim.Server) {
	x := fn.x
	ctl := x.ControlAddr()
	fmt.Fprintln(w, "ftpsim serve: listening behind faults (a virtual network between your client and the server)")
	fmt.Fprintf(w, "  explicit FTPS / plain FTP  ftp://%s\n", ctl)
	if ia, ok := x.ImplicitAddr(); ok {
		fmt.Fprintf(w, "  implicit FTPS              ftps://%s\n", ia)
	}
	fmt.Fprintf(w, "  passive ports              %s, on %s too (EPSV and curl's default use the control address)\n", x.Passive, ctl.Addr())
	users := c.users.String()
	if fn.sc != nil {
		var names []string
		for _, u := range fn.sc.Server.Users {
			name, _, _ := strings.Cut(u, ":")
			names = append(names, name)
		}
		users = strings.Join(names, ",")
	}
	if users == "" {
		users = sim.DefaultUser + " (password " + sim.DefaultPassword + ")"
	}
	fmt.Fprintf(w, "  users                      %s\n", users)
	fmt.Fprintf(w, "  TLS                        control %s, data %s, session reuse %s\n", srv.ControlTLS, srv.DataTLS, srv.Reuse)
	ca := c.caOut
	if ca == "" {
		ca = "ca.pem"
		fmt.Fprintln(w, "  CA certificate             not written (use --ca-out FILE)")
	} else {
		fmt.Fprintf(w, "  CA certificate             %s\n", c.caOut)
	}
	fn.printNetwork(w)
	fmt.Fprintf(w, "try: curl --ssl-reqd --cacert %s -u USER:PASSWORD ftp://%s/\n", ca, ctl)
	if !c.quiet {
		fmt.Fprintln(w, `fault events print live as "fault #FLOW VERDICT: ..." lines`)
	}
	fmt.Fprintln(w, "stop with Ctrl-C")
}
