package main

import (
	"fmt"
	"io"
	"net/netip"
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
	spec  scenarios.NetworkSpec
	sc    *scenarios.Scenario // --scenario, or nil
	proxy bool                // the server is a real one behind a backend
}

// eventPrinter returns an OnEvent that prints each fault event as a line
// of the live transcript, or nil when quiet.
func eventPrinter(w io.Writer, quiet bool) func(faults.Event) {
	if quiet {
		return nil
	}
	var mu sync.Mutex
	return func(e faults.Event) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s fault %s\n", time.Now().Format("15:04:05.000"), e)
	}
}

// printNetwork prints where the client and the server are and what the
// client should experience, fault by fault.
func (fn *faultNet) printNetwork(w io.Writer) {
	x, spec := fn.x, fn.spec
	fmt.Fprintln(w, "network (virtual; every address you are shown is loopback):")
	fmt.Fprintf(w, "  your client                %s\n", spec.ClientPlacement())
	fmt.Fprintf(w, "  server                     %s; %s stands for %s\n", spec.ServerPlacement(), x.Entry.IP(), scenarios.ServerPublicAddr)
	if fn.proxy {
		fmt.Fprintf(w, "  227 address                in cleartext the target's own address becomes %s, shown to you as %s (%s); under TLS your client sees what the target advertises\n",
			x.Advertised, x.Shown, fn.reach())
	} else {
		fmt.Fprintf(w, "  227 address                %s, shown to you as %s (%s)\n", x.Advertised, x.Shown, fn.reach())
	}
	fmt.Fprintln(w, "faults (what your client should experience):")
	lines := fn.experiences()
	if len(lines) == 0 {
		fmt.Fprintln(w, "  none                       a clean network: every client works")
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %-26s %s\n", l[0], l[1])
	}
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
	case strings.EqualFold(fn.spec.Unroutable, "reject"):
		return "unroutable from the client: nothing listens there, connections are refused"
	}
	return "unroutable from the client: a black hole, connections time out"
}

// experiences returns one [key, text] line per fault of the spec.
func (fn *faultNet) experiences() [][2]string {
	spec, x := fn.spec, fn.x
	var out [][2]string
	add := func(key, format string, args ...any) { out = append(out, [2]string{key, fmt.Sprintf(format, args...)}) }
	refusal := "dropped: your client's connect times out"
	if strings.EqualFold(spec.Inbound, "reject") {
		refusal = "rejected: your client gets connection refused at once"
	}
	if spec.ServerNAT {
		if x.AdvertisedReachable() {
			add("server_nat", "the server advertises the NAT's public address: every client works while the passive range is forwarded")
		} else {
			add("server_nat", "227 carries the private %s: clients that trust it (curl --disable-epsv --no-ftp-skip-pasv-ip, FileZilla without its NAT workaround) fail at the data connection; curl's default, lftp and EPSV clients work", x.Advertised)
		}
	}
	switch pf := strings.ToLower(spec.PassiveForward); {
	case pf == "none":
		add("passive_forward=none", "no passive port is forwarded: logins work, every LIST/RETR/STOR fails at the data connection (%s)", refusal)
	case pf != "":
		add("passive_forward="+pf, "the NAT forwards %s while the server uses %s: data connections to other ports are %s", pf, x.Passive, refusal)
	}
	if spec.OpenPorts != "" {
		add("open_ports="+spec.OpenPorts, "only these ports pass the firewall; other data connections are %s", refusal)
	}
	if spec.Inbound != "" {
		add("inbound="+spec.Inbound, "flows nothing allows are %s; where an FTP helper could open a port, the connection is accepted first, then reset or left silent", refusal)
	}
	if spec.ALG != "" {
		add("alg="+spec.ALG, "%s", algExperience(spec.ALG))
	}
	if spec.DropEPSV {
		add("drop_epsv", "data connections announced by a cleartext 229 are black-holed: plain-FTP clients that use EPSV (curl's default) hang; use --disable-epsv. Under TLS the 229 is hidden and nothing happens")
	}
	if spec.IdleTimeout != "" {
		add("idle_timeout="+spec.IdleTimeout, "flows idle this long are forgotten by the gateway: a control connection quiet during a long transfer loses the final 226, and its next command goes nowhere")
	}
	if spec.ClientNAT {
		add("client_nat", "your client leaves through NAT %s; the server sees that address (its data-connection address check still matches)", scenarios.ClientNATAddr)
	}
	if spec.ClientALG != "" {
		add("client_alg="+spec.ClientALG, "the client NAT's FTP helper (%s); it matters for active mode, which real clients cannot use through the entry", spec.ClientALG)
	}
	if spec.AuthFilter != 0 {
		add(fmt.Sprintf("auth_filter=%d", spec.AuthFilter), "FEAT shows no AUTH and AUTH is answered %d by a middlebox: a client that requires TLS (curl --ssl-reqd) gives up before USER; one that falls back to cleartext sends the password in clear", spec.AuthFilter)
	}
	if spec.ResetOnClientHello != "" {
		add("reset_on_client_hello="+spec.ResetOnClientHello, "connections are reset at the TLS ClientHello on the %s channel: FTPS fails at AUTH TLS (control) or at the first protected data connection (data)", spec.ResetOnClientHello)
	}
	if spec.CorruptRecord != "" {
		add("corrupt_record="+spec.CorruptRecord, "the first TLS application-data record on the %s channel is corrupted: TLS fails with a bad record MAC (decryption) error", spec.CorruptRecord)
	}
	if spec.Unroutable != "" {
		fate := "black-holed: connect times out"
		if strings.EqualFold(spec.Unroutable, "reject") {
			fate = "refused at once"
		}
		add("unroutable="+spec.Unroutable, "dials to unroutable addresses (the shown alias of a private 227 address) are %s", fate)
	}
	for _, t := range spec.Toxics {
		add("toxic="+t.Type, "%s", toxicExperience(t))
	}
	return out
}

func algExperience(mode string) string {
	switch strings.ToLower(mode) {
	case "correct":
		return "an FTP helper rewrites cleartext 227 replies and opens the announced port: plain FTP works even unforwarded; after AUTH TLS it is blind, so FTPS data connections fail unless forwarded (CCC restores it)"
	case "swap-port":
		return "a buggy FTP helper writes the 227 port bytes swapped: plain-FTP clients that trust the 227 reply dial the wrong port"
	case "keep-address":
		return "the FTP helper opens the port but leaves the private address in 227: plain-FTP clients that trust it fail, curl's default works"
	case "no-epsv":
		return "the FTP helper ignores 229: plain-FTP EPSV data connections are not opened (use --disable-epsv)"
	}
	return "no FTP helper"
}

func toxicExperience(t scenarios.ToxicSpec) string {
	where := "on " + orDefault(t.Channel, "every") + " connection, " + orDefault(t.Stream, "downstream")
	if t.Nth > 0 {
		where += fmt.Sprintf(", only flow #%d it selects", t.Nth)
	}
	var what string
	switch strings.ToLower(t.Type) {
	case "latency":
		what = fmt.Sprintf("every chunk is delayed by %s ± %s", orDefault(t.Latency, "0"), orDefault(t.Jitter, "0"))
	case "bandwidth":
		what = fmt.Sprintf("throughput is capped at %d KB/s", t.Rate)
	case "slicer":
		what = fmt.Sprintf("the stream arrives in pieces of %d±%d bytes, %s apart", t.AverageSize, t.SizeVariation, orDefault(t.Delay, "0"))
	case "reset_peer":
		what = "connections are reset after " + orDefault(t.Timeout, "0s")
	case "timeout":
		what = "bytes are black-holed; the connection closes after " + orDefault(t.Timeout, "never")
	case "limit_data":
		what = fmt.Sprintf("connections are cut after %d bytes: downloads arrive truncated, truncated uploads get 426 from the server", t.Bytes)
	case "slow_close":
		what = "the close arrives " + orDefault(t.Delay, "0s") + " late"
	default:
		what = t.Type
	}
	return what + " (" + where + ")"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// clientDescription renders a scenario's client and the curl options
// that come closest to it.
func clientDescription(c scenarios.ClientSpec) string {
	var parts, curl []string
	for _, kv := range [][2]string{{"tls", c.TLS}, {"passive", c.Passive}, {"pasv", c.PASV}, {"active", c.Active}, {"reuse", c.Reuse}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if c.CCC {
		parts = append(parts, "ccc")
	}
	if c.TLS != "plain" {
		curl = append(curl, "--ssl-reqd")
	}
	if c.Passive == "pasv" {
		curl = append(curl, "--disable-epsv")
	}
	if c.PASV == "trust" {
		curl = append(curl, "--no-ftp-skip-pasv-ip")
	}
	desc := strings.Join(parts, " ")
	if desc == "" {
		desc = "defaults (explicit FTPS, EPSV then PASV, 227 address skipped like curl)"
	}
	return desc + "; with curl: curl " + strings.Join(curl, " ")
}

// addrOf parses a listener's address.
func addrOf(a fmt.Stringer) netip.AddrPort {
	ap, _ := netip.ParseAddrPort(a.String())
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// stop prints what the network saw and closes it: flows, verdicts, and
// whether a password crossed it in cleartext.
func (fn *faultNet) stop(w io.Writer) {
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
	fmt.Fprintf(w, "faults: %d flows (%d control, %d data); %d refused, %d dropped, %d cut, %d rewritten; cleartext PASS crossed the network: %s\n",
		control+data, control, data, count(faults.Refused), count(faults.Dropped), count(faults.Cut), count(faults.Rewritten),
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
