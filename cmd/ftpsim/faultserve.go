package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"reflect"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// scenarioFixes are the serve flags that --scenario replaces with the
// scenario's server.
var scenarioFixes = []string{"user", "persona", "tls", "data-tls", "reuse", "pasv-addr", "root", "anonymous", "lenient-tls-eof", "cert", "key"}

// attachFaults puts srv, not yet listening, behind the faults of spec:
// real clients enter at the --addr and --implicit-addr addresses, which
// the entry listens on instead of the server.
func (c *serveConfig) attachFaults(srv *sim.Server, spec scenarios.NetworkSpec, sc *scenarios.Scenario, stdout io.Writer) (*faultNet, error) {
	entry, err := entryFlag("--addr", c.addr)
	if err != nil {
		return nil, err
	}
	// A network with no faults and no fault API to add them has nothing
	// to report flow by flow.
	clean := reflect.DeepEqual(spec, scenarios.NetworkSpec{}) && c.faults.api == ""
	opts := scenarios.ExternalOptions{Entry: entry, OnEvent: eventPrinter(stdout, c.quiet || clean, c.ties)}
	if sc != nil && sc.Network == nil {
		// The scenario's client runs on loopback, and its server's allow
		// and deny lists name that address: real clients are admitted or
		// refused as it is, not as their virtual address reads.
		opts.ClientAddr = scenarioClientAddr
	}
	if c.implicitAddr != "" {
		ia, err := entryFlag("--implicit-addr", c.implicitAddr)
		if err != nil {
			return nil, err
		}
		if ia.Addr() != entry.Addr() {
			return nil, usagef("--implicit-addr %s: with faults it must be on the --addr address %s (the entry)", ia, entry.Addr())
		}
		opts.Implicit, opts.ImplicitPort = true, ia.Port()
	}
	x, err := scenarios.ServeExternal(srv, spec, opts)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("--addr %s: address in use (by the entry or its passive ports %s); pick another port with --addr: %w", entry, srv.PassivePorts, err)
	}
	if err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	return &faultNet{x: x, sc: sc, clean: clean}, nil
}

// scenarioClientAddr is the address a scenario's client without a network
// connects from in-process (scenarios.Run): the server listens on
// 127.0.0.1.
var scenarioClientAddr = netip.MustParseAddr("127.0.0.1")

// printAddressPolicy says, when the scenario's server has an allow or
// deny list, which address it is checked against and what that means for
// a real client: admitted or refused as the scenario's client is.
func (fn *faultNet) printAddressPolicy(w io.Writer, srv *sim.Server) {
	if fn.sc == nil || len(fn.sc.Server.DenyIPs) == 0 {
		return
	}
	x := fn.x
	verdict := "admits"
	if slices.ContainsFunc(srv.DenyIPs, func(p netip.Prefix) bool { return p.Contains(x.ClientSeen) }) ||
		len(srv.AllowIPs) > 0 && !slices.ContainsFunc(srv.AllowIPs, func(p netip.Prefix) bool { return p.Contains(x.ClientSeen) }) {
		verdict = "refuses"
	}
	list := strings.Join(fn.sc.Server.DenyIPs, " ")
	if fn.sc.Network == nil {
		fmt.Fprintf(w, "  address policy             deny list %s, written for the scenario's client at %s: the server sees your client as %s\n", list, scenarioClientAddr, x.ClientSeen)
		fmt.Fprintf(w, "                             and %s it as it does %s, so you get what the scenario's client gets\n", verdict, scenarioClientAddr)
		return
	}
	fmt.Fprintf(w, "  address policy             deny list %s: the server sees your client as %s, the scenario's client's virtual address, and %s it\n", list, x.ClientSeen, verdict)
}

// entryFlag parses an address real clients enter the fault network at.
func entryFlag(flagName, addr string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return ap, usagef("%s %q: want IP:PORT, e.g. 127.0.0.1:2121", flagName, addr)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// scenarioServer builds the scenario's server; the flags it replaces
// must not be given.
func scenarioServer(fs *flag.FlagSet, sc *scenarios.Scenario, cert *certFlags) (*sim.Server, error) {
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
	srv, err := scenarios.BuildServer(sc.Server, set)
	if err != nil {
		return nil, err
	}
	if sc.Server.Certificate != "" && sc.Server.Certificate != "good" {
		if len(cert.names) > 0 {
			return nil, usagef("--cert-name: scenario %s serves the %s certificate on purpose; its names are part of the scenario", sc.Name, sc.Server.Certificate)
		}
		return srv, nil
	}
	return srv, cert.issue(srv)
}

// printServeBanner is serve's banner behind faults: the loopback address
// to point the client at, then the network and its faults.
func (fn *faultNet) printServeBanner(w io.Writer, c *serveConfig, srv *sim.Server) {
	x := fn.x
	ctl := x.ControlAddr()
	switch {
	case fn.clean && fn.sc != nil:
		fmt.Fprintf(w, "ftpsim serve: listening, no faults (scenario %s has no network: a clean virtual network between your client and its server)\n", fn.sc.Name)
	case fn.clean:
		fmt.Fprintln(w, "ftpsim serve: listening, no faults (a clean virtual network between your client and the server)")
	default:
		fmt.Fprintln(w, "ftpsim serve: listening behind faults (a virtual network between your client and the server)")
	}
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
	printAccess(w, users, srv, fn.sc == nil)
	fn.printAddressPolicy(w, srv)
	ca := c.printCA(w, srv)
	fn.printNetwork(w)
	implicit := ""
	if ia, ok := x.ImplicitAddr(); ok {
		implicit = ia.String()
	}
	switch {
	case fn.sc == nil:
		fmt.Fprintf(w, "try: %s ftp://%s/\n", tryCurl(c, srv, ca), ctl)
		printEarlyDataNote(w, srv)
	default:
		cmd, note, ok, why := curlCommand(fn.sc, ctl.String(), implicit, ca)
		if note != "" {
			note = "; " + note
		}
		switch {
		case cmd == "":
			fmt.Fprintf(w, "no curl command reproduces this scenario here: %s\n", why)
		case ok:
			fmt.Fprintf(w, "reproduce with: %s\n", cmd)
			fmt.Fprintf(w, "  (expected: %s%s)\n", fn.sc.Expect, note)
		default:
			fmt.Fprintf(w, "nearest curl command (not the scenario's client: %s%s): %s\n", why, note, cmd)
		}
		if lftp, ok := lftpCommand(fn.sc, ctl.String(), ca, "FILE"); ok {
			fmt.Fprintf(w, "reproduce with lftp: %s\n", lftp)
			switch {
			case fn.sc.Expect.Result == scenarios.Failure && fn.sc.Client.CCC:
				fmt.Fprintf(w, "  (expected: %s: lftp prints '**** Peer closed connection' after the 200 to CCC, retries and exits 1; FILE: any file)\n", fn.sc.Expect)
			case fn.sc.Expect.Result == scenarios.Failure:
				fmt.Fprintf(w, "  (expected: %s: lftp fails and exits 1; FILE: any file)\n", fn.sc.Expect)
			default:
				fmt.Fprintf(w, "  (expected: %s: lftp exits 0; FILE: any file)\n", fn.sc.Expect)
			}
		}
	}
	if !c.quiet && !fn.clean {
		fmt.Fprintln(w, `fault events print live as "fault #FLOW VERDICT: ..." lines`)
	}
	fmt.Fprintln(w, "stop with Ctrl-C")
}
