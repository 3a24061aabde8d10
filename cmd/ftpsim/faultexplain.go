package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/scenarios"
)

// faultNet is a running fault network between real clients and a server
// (ftpsim serve --fault, ftpsim proxy).
type faultNet struct {
	x     *scenarios.External
	sc    *scenarios.Scenario // --scenario, or nil
	proxy bool                // the server is a real one behind a backend
	api   *apiServer          // --api, or nil
	clean bool                // no fault and no --api: nothing between client and server
}

// startAPI serves the fault API on addr (--api; none when empty), logging
// each change to w as a line of the live output.
func (fn *faultNet) startAPI(addr string, w io.Writer) error {
	if addr == "" {
		return nil
	}
	var mu sync.Mutex
	log := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s api %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
	}
	s, err := startAPI(addr, newFaultAPI(fn.x.Network, fn.x.Spec, log))
	if err != nil {
		return err
	}
	fn.api = s
	return nil
}

// eventPrinter returns an OnEvent that prints each fault event as a line
// of the live transcript, or nil when quiet. With ties, an event of a
// server session's flow (or of a dial to its passive port) carries the
// session's ID, as that session's transcript lines do.
func eventPrinter(w io.Writer, quiet bool, ties *sessionTies) func(faults.Event) {
	if quiet {
		return nil
	}
	var mu sync.Mutex
	return func(e faults.Event) {
		sess := ties.session(e)
		mu.Lock()
		defer mu.Unlock()
		if sess != "" {
			sess += " "
		}
		fmt.Fprintf(w, "%s %sfault %s\n", time.Now().Format("15:04:05.000"), sess, e)
	}
}

// printNetwork prints where the client and the server are and what the
// client should experience, fault by fault.
func (fn *faultNet) printNetwork(w io.Writer) {
	x, spec := fn.x, fn.x.Spec
	if fn.clean {
		fmt.Fprintln(w, "network (virtual, clean: no NAT, firewall rule, helper or toxic; every address you are shown is loopback):")
		fmt.Fprintf(w, "  your client                %s, as the server sees it\n", scenarios.ClientPublicAddr)
		fmt.Fprintf(w, "  server                     %s; %s stands for it\n", scenarios.ServerPublicAddr, x.Entry.IP())
		fmt.Fprintf(w, "  227 address                %s, shown to you as %s\n", x.Advertised, x.Shown)
		fn.printScenario(w)
		return
	}
	fmt.Fprintln(w, "network (virtual; every address you are shown is loopback):")
	fmt.Fprintf(w, "  your client                %s\n", spec.ClientPlacement())
	placement := spec.ServerPlacement()
	if !spec.ServerNAT && len(spec.OpenPorts) == 0 {
		placement += " that lets every port in" // open_ports empty: no port is closed
	}
	fmt.Fprintf(w, "  server                     %s; %s stands for %s\n", placement, x.Entry.IP(), scenarios.ServerPublicAddr)
	if fn.proxy {
		fmt.Fprintf(w, "  227 address                in cleartext the target's own address becomes %s, shown to you as %s (%s); under TLS your client sees what the target advertises\n",
			x.Advertised, x.Shown, fn.reach())
	} else {
		fmt.Fprintf(w, "  227 address                %s, shown to you as %s (%s)\n", x.Advertised, x.Shown, fn.reach())
	}
	fmt.Fprintln(w, "faults (what your client should experience):")
	lines := x.Experiences()
	if len(lines) == 0 {
		fmt.Fprintln(w, "  none                       a clean network: every client works")
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %-26s %s\n", l.Fault, l.Effect)
	}
	if fn.api != nil {
		fmt.Fprintf(w, "fault API                    %s: add and remove toxics while this runs (ftpsim fault list --api %s)\n", fn.api.URL(), fn.api.ln.Addr())
	}
	fn.printScenario(w)
}

// printScenario prints the --scenario's client, expected outcome, cause
// and fix.
func (fn *faultNet) printScenario(w io.Writer) {
	if sc := fn.sc; sc != nil {
		fmt.Fprintf(w, "scenario %s: %s\n", sc.Name, sc.Summary)
		fmt.Fprintf(w, "  its client                 %s\n", clientDescription(sc.Client))
		fmt.Fprintf(w, "  expected                   %s\n", sc.Expect)
		fmt.Fprintf(w, "  cause                      %s\n", sc.Diagnosis.Cause)
		fmt.Fprintf(w, "  fix                        %s\n", sc.Diagnosis.Fix)
	}
}

// reach says what the 227 address does for a client that trusts it.
func (fn *faultNet) reach() string {
	switch {
	case fn.x.AdvertisedReachable():
		return "the entry: clients that trust the 227 address go through the faults too"
	case fn.x.Spec.Unroutable == faults.Reject:
		return "unroutable from the client: nothing listens there, connections are refused"
	}
	return "unroutable from the client: a black hole, connections time out"
}

// clientDescription renders a scenario's client settings.
func clientDescription(c scenarios.ClientSpec) string {
	var parts []string
	for _, kv := range [][2]string{{"tls", c.TLS}, {"auth", c.Auth}, {"prot", c.Prot}, {"tls_max", c.TLSMax}, {"passive", c.Passive},
		{"pasv", c.PASV}, {"active", c.Active}, {"reuse", c.Reuse}, {"server_name", c.ServerName}, {"verify", c.Verify}, {"port", c.Port}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if c.CCC {
		parts = append(parts, "ccc")
	}
	switch strings.ToLower(c.CCCShutdown) {
	case "":
	case "lftp":
		parts = append(parts, "ccc_shutdown=lftp (after the 200 to CCC, a server close_notify that comes before its own is a hang-up, like lftp's ftp:ssl-use-ccc)")
	default:
		parts = append(parts, "ccc_shutdown="+c.CCCShutdown)
	}
	if c.NoTickets {
		parts = append(parts, "no_tickets")
	}
	if c.NoDrain {
		parts = append(parts, "no_drain (closes uploads without reading, like curl)")
	}
	if c.User != "" {
		parts = append(parts, "user="+c.User)
	}
	if c.Timeout != "" {
		parts = append(parts, "timeout="+c.Timeout)
	}
	if len(parts) == 0 {
		return "defaults (explicit FTPS, EPSV then PASV, 227 address skipped like curl)"
	}
	return strings.Join(parts, " ")
}

// stop prints what the network saw and closes it: flows, verdicts, and
// whether a password crossed it in cleartext.
func (fn *faultNet) stop(w io.Writer) {
	if fn.api != nil {
		fn.api.close()
	}
	n := fn.x.Network
	var control, data int
	pass := false
	for _, f := range n.Flows() {
		if f.Channel == faults.Control {
			control++
			pass = pass || cleartextPASS(f.Captured(faults.Upstream))
		} else {
			data++
		}
	}
	tl := n.Timeline()
	count := func(v faults.Verdict) int { return len(tl.Filter(0, v)) }
	what := "faults"
	if fn.clean {
		what = "network (no faults)"
	}
	fmt.Fprintf(w, "%s: %d flows (%d control, %d data); %d refused, %d dropped, %d cut, %d rewritten; cleartext PASS crossed the network: %s\n",
		what, control+data, control, data, count(faults.Refused), count(faults.Dropped), count(faults.Cut), count(faults.Rewritten),
		map[bool]string{true: "YES", false: "no"}[pass])
	n.Close()
}

// cleartextPASS reports whether a PASS command starts a line of captured
// control bytes.
func cleartextPASS(b []byte) bool {
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.ToUpper(strings.TrimLeft(line, "\r")), "PASS ") {
			return true
		}
	}
	return false
}
