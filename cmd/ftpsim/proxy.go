package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

// proxyConfig is what the proxy flags describe.
type proxyConfig struct {
	target, pasvPorts, listen string
	allowRemote, quiet        bool
	faults                    faultFlags
	pcap                      string // --pcap FILE
}

var proxyDescription = fmt.Sprintf(`Puts the faults of a virtual network in front of an existing FTP/FTPS server
(your product, or a container's published ports): clients connect to the proxy's
loopback address, which stands for the server's public address %s, and
every control and data connection crosses the network (NAT, firewall, FTP
helper, middleboxes, toxics) to the target. Flows and verdicts print as they
happen; stop with SIGINT or SIGTERM.

  ftpsim proxy --target 127.0.0.1:2122 --pasv-ports 30000-30009 --fault server_nat
  curl --ssl-reqd --cacert your-ca.pem -u USER:PASS ftp://127.0.0.2:2121/

Passive ports: the proxy listens on the target's passive range, same numbers,
on its own address, which therefore must differ from the target's.
FTPS: the target's 227 replies are encrypted and cannot be rewritten. Clients
that use EPSV or the control address for data (curl's default, lftp, Python's
ftplib) go through the faults; a client that trusts the 227 address dials what
the target advertises, bypassing them, unless the target advertises the
proxy's address. Plain FTP: the target's own address in 227 is rewritten as
the scenario says (private address behind NAT, ALG, ...).
Active mode (PORT/EPRT) is not proxied. Your certificate must name the
address clients connect to: at start the proxy looks at the target's
certificate (one AUTH TLS connection) and says which name to add if it
does not (ftpsim serve's certificate covers 127.0.0.2; --cert-name adds more).`, scenarios.ServerPublicAddr)

func runProxy(args []string, stdout, stderr io.Writer) error {
	c := &proxyConfig{}
	fs := newFlagSet("proxy", "--target HOST:PORT --pasv-ports LOW-HIGH [flags]", proxyDescription, stdout)
	fs.StringVar(&c.target, "target", "", "the real server's control address `HOST:PORT` (loopback unless --allow-remote-target)")
	fs.StringVar(&c.pasvPorts, "pasv-ports", "", "the real server's passive port range `LOW-HIGH` (required: FTPS hides the 227 replies)")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:2121", "where clients connect, a loopback `HOST:PORT` (with a target on 127.0.0.1 the default becomes 127.0.0.2:2121)")
	fs.BoolVar(&c.allowRemote, "allow-remote-target", false, "allow a --target that is not a loopback address")
	fs.BoolVar(&c.quiet, "quiet", false, "do not print flows and verdicts")
	fs.StringVar(&c.pcap, "pcap", "", proxyPcapUsage)
	c.faults.register(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	listenSet := false
	fs.Visit(func(f *flag.Flag) { listenSet = listenSet || f.Name == "listen" })
	target, entry, pasv, err := c.check(listenSet)
	if err != nil {
		return usagef("%v", err)
	}
	spec, _, err := c.faults.spec()
	if err != nil {
		return usagef("%v", err)
	}
	x, err := scenarios.ProxyExternal(spec, target, pasv, scenarios.ExternalOptions{Entry: entry, OnEvent: eventPrinter(stdout, c.quiet, nil)})
	if err != nil {
		return err
	}
	fn := &faultNet{x: x, proxy: true}
	defer fn.stop(stdout)
	rec, err := startPcap(c.pcap)
	if err != nil {
		return err
	}
	defer rec.write(stdout)
	rec.network(x.Network)
	if err := fn.startAPI(c.faults.api, stdout); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fn.printProxyBanner(stdout, c, target) // after the signals are caught, as serve does
	<-ctx.Done()
	fmt.Fprintln(stdout, "ftpsim proxy: stopping")
	return nil
}

// check parses and checks the addresses.
func (c *proxyConfig) check(listenSet bool) (target, entry netip.AddrPort, pasv sim.PortRange, err error) {
	if c.target == "" {
		return target, entry, pasv, errors.New("--target HOST:PORT is required")
	}
	ta, err := net.ResolveTCPAddr("tcp", c.target)
	if err != nil {
		return target, entry, pasv, fmt.Errorf("--target %q: %w", c.target, err)
	}
	target = netip.AddrPortFrom(ta.AddrPort().Addr().Unmap(), ta.AddrPort().Port())
	if !target.Addr().IsLoopback() && !c.allowRemote {
		return target, entry, pasv, fmt.Errorf("--target %s is not a loopback address: the proxy would carry test traffic off this machine; add --allow-remote-target if you mean it", target)
	}
	if c.pasvPorts == "" {
		return target, entry, pasv, errors.New("--pasv-ports LOW-HIGH is required: FTPS hides the 227 replies, so the proxy must know the target's passive range in advance")
	}
	if pasv, err = sim.ParsePortRange(c.pasvPorts); err != nil {
		return target, entry, pasv, fmt.Errorf("--pasv-ports: %w", err)
	}
	listen := c.listen
	if !listenSet && target.Addr() == netip.MustParseAddr("127.0.0.1") {
		listen = "127.0.0.2:2121"
	}
	if entry, err = netip.ParseAddrPort(listen); err != nil || !entry.Addr().IsLoopback() {
		return target, entry, pasv, fmt.Errorf("--listen %q: want a loopback IP:PORT, e.g. 127.0.0.2:2121", listen)
	}
	return target, entry, pasv, nil
}

// printProxyBanner prints where clients connect and what the faults do.
func (fn *faultNet) printProxyBanner(w io.Writer, c *proxyConfig, target netip.AddrPort) {
	x := fn.x
	ctl := x.ControlAddr()
	fmt.Fprintln(w, "ftpsim proxy: listening")
	fmt.Fprintf(w, "  clients connect to         ftp://%s\n", ctl)
	fmt.Fprintf(w, "  target                     %s, passive ports %s on %s\n", target, x.Passive, target.Addr())
	fmt.Fprintf(w, "  passive ports              %s on %s, through the faults\n", x.Passive, ctl.Addr())
	printTargetCertificate(context.Background(), w, target, ctl)
	fmt.Fprintf(w, "  FTPS                       227 replies pass encrypted: clients that trust them dial the target directly (no faults) unless it advertises %s\n", ctl.Addr())
	fn.printNetwork(w)
	fmt.Fprintf(w, "try: curl --ssl-reqd --cacert YOUR-CA.pem -u USER:PASSWORD ftp://%s/\n", ctl)
	if !c.quiet {
		fmt.Fprintln(w, `flows and verdicts print live as "fault #FLOW VERDICT: ..." lines`)
	}
	fmt.Fprintln(w, "stop with Ctrl-C")
}
