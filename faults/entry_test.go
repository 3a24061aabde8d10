package faults_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
)

// curlRun runs curl with a hard limit and returns its stdout, its -v
// trace and its error.
func curlRun(t *testing.T, args ...string) ([]byte, string, error) {
	t.Helper()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip((&peers.NotInstalledError{Program: "curl", Hint: peers.InstallHint}).Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, curl, append([]string{"-q", "-sS", "-v", "--noproxy", "*", "--max-time", "10", "--connect-timeout", "2"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err = cmd.Run()
	return out.Bytes(), stderr.String(), err
}

// curlDialRE finds the addresses curl connects to in its -v trace.
var curlDialRE = regexp.MustCompile(`(?m)(?:Trying (\S+?):\d+|Connect(?:ing|ed) to \S+ \((\S+)\) port)`)

// connectTimedOut reports whether curl's trace shows a connect timeout:
// exit status 28 with either of curl 7.88's two texts for its
// --connect-timeout, "connect timeout" (the data connection's wait) or
// "Connection timeout after N ms" (the connect phase's overall timer,
// which wins when the machine is loaded).
func connectTimedOut(err error, trace string) bool {
	ee, ok := err.(*exec.ExitError)
	return ok && ee.ExitCode() == 28 && (strings.Contains(trace, "connect timeout") || strings.Contains(trace, "Connection timeout after"))
}

// dialedAddrs returns every address curl's trace says it dialed.
func dialedAddrs(trace string) []string {
	var out []string
	for _, m := range curlDialRE.FindAllStringSubmatch(trace, -1) {
		out = append(out, strings.Trim(m[1]+m[2], "[]"))
	}
	return out
}

// mustDialLoopbackOnly fails the test if curl dialed any address that is
// not loopback, and returns the addresses.
func mustDialLoopbackOnly(t *testing.T, trace string) []string {
	t.Helper()
	addrs := dialedAddrs(trace)
	if len(addrs) == 0 {
		t.Fatalf("no dial in curl's trace:\n%s", trace)
	}
	for _, a := range addrs {
		if ip, err := netip.ParseAddr(a); err != nil || !ip.IsLoopback() {
			t.Fatalf("curl dialed %q, which is not a loopback address:\n%s", a, trace)
		}
	}
	return addrs
}

// entryEnv is a client LAN behind NAT and a server behind the DMZ
// gateway, with an entry for real programs on the client host. advertise
// says which virtual address the server advertises in 227 (through
// Entry.Advertise): its own (inside) address or the public one.
func entryEnv(t *testing.T, dmz *faults.Gateway, advertise string) (*env, *faults.Entry) {
	t.Helper()
	return entryEnvNet(t, &faults.Network{}, dmz, advertise)
}

func entryEnvNet(t *testing.T, n *faults.Network, dmz *faults.Gateway, advertise string) (*env, *faults.Entry) {
	t.Helper()
	var entry *faults.Entry
	e := newEnvNet(t, n, nil, dmz, func(s *sim.Server) {
		var err error
		entry, err = n.Host("client").Enter(netip.Addr{}, netip.MustParseAddr(serverPublic),
			faults.PortMap{Virtual: faults.Ports(21), Real: 2121}, faults.PortMap{Virtual: faults.Ports(30000, 30009)})
		if err != nil {
			t.Fatalf("cannot listen on loopback: %v", err)
		}
		if s.PassiveAddr, err = entry.Advertise(n.Host("server"), netip.MustParseAddr(advertise)); err != nil {
			t.Fatal(err)
		}
	})
	return e, entry
}

func entryURL(e *faults.Entry, path string) string {
	ap, _ := e.Addr(21)
	return fmt.Sprintf("ftp://%s:%s@%s/%s", sim.DefaultUser, sim.DefaultPassword, ap, path)
}

// curl on the client LAN reaches a NAT'd server through an entry; every
// address it learns is a loopback address. The server advertises its
// inside address: curl's default (control address, EPSV) works, and a
// curl that trusts the 227 address dials the unroutable address's alias,
// a black hole, and times out.
func TestEntryCurlNAT(t *testing.T) {
	e, entry := entryEnv(t, natDMZ(), serverInside)
	out, trace, err := curlRun(t, "--ssl-reqd", "--insecure", entryURL(entry, "a.bin"))
	if err != nil || !bytes.Equal(out, payload) {
		t.Fatalf("curl: %v (%d bytes)\n%s", err, len(out), trace)
	}
	mustDialLoopbackOnly(t, trace)
	flows := e.n.Flows()
	if len(flows) < 2 || flows[0].Dialer != e.cli || flows[1].Channel != faults.Data || len(flows[1].Gateways) != 2 {
		t.Fatalf("curl's flows did not cross both gateways: %v", flows)
	}

	start := time.Now()
	_, trace, err = curlRun(t, "--ssl-reqd", "--insecure", "--disable-epsv", "--no-ftp-skip-pasv-ip", entryURL(entry, "a.bin"))
	if err == nil {
		t.Fatalf("curl trusting the private 227 address succeeded:\n%s", trace)
	}
	addrs := mustDialLoopbackOnly(t, trace)
	alias, _ := entry.Alias(netip.MustParseAddr(serverInside))
	if addrs[len(addrs)-1] != alias.String() || !connectTimedOut(err, trace) {
		t.Fatalf("curl did not time out dialing the alias %s of %s (%v):\n%s", alias, serverInside, time.Since(start), trace)
	}
	// The kernel dropped curl's SYNs without telling anyone; the entry's
	// watcher saw the hanging connect and recorded it, with the virtual
	// address it stands for.
	var syn *faults.Event
	for _, ev := range e.n.Timeline().Filter(0, faults.Dropped) {
		if strings.Contains(ev.Detail, "its SYN gets no answer") {
			syn = &ev
		}
	}
	if syn == nil || syn.Dst.Addr() != netip.MustParseAddr(serverInside) || !strings.Contains(syn.Detail, "dials "+alias.String()+":") {
		t.Fatalf("no live drop event for curl's SYN to the black hole %s (%+v):\n%s", alias, syn, e.n.Timeline())
	}
}

// On the Loopback transport too, curl goes through the entry and the NAT.
func TestEntryCurlLoopbackTransport(t *testing.T) {
	e, entry := entryEnvNet(t, &faults.Network{Transport: faults.Loopback}, natDMZ(), serverPublic)
	out, trace, err := curlRun(t, "--ssl-reqd", "--insecure", "--disable-epsv", "--no-ftp-skip-pasv-ip", entryURL(entry, "a.bin"))
	if err != nil || !bytes.Equal(out, payload) {
		t.Fatalf("curl: %v (%d bytes)\n%s", err, len(out), trace)
	}
	mustDialLoopbackOnly(t, trace)
	if f := e.n.Flows(); len(f) < 2 || f[1].Dialer != e.cli || len(f[1].Gateways) != 2 {
		t.Fatalf("flows: %v", f)
	}
}

// The server advertises the public address: a curl that trusts it dials
// the entry's own address and works.
func TestEntryCurlPublicAddress(t *testing.T) {
	_, entry := entryEnv(t, natDMZ(), serverPublic)
	out, trace, err := curlRun(t, "--ssl-reqd", "--insecure", "--disable-epsv", "--no-ftp-skip-pasv-ip", entryURL(entry, "a.bin"))
	if err != nil || !bytes.Equal(out, payload) {
		t.Fatalf("curl: %v (%d bytes)\n%s", err, len(out), trace)
	}
	for _, a := range mustDialLoopbackOnly(t, trace) {
		if a != entry.IP().String() {
			t.Fatalf("curl dialed %s, want only the entry %s", a, entry.IP())
		}
	}
}

// The classic: an FTP-aware NAT with no passive forwarding works in
// cleartext and hangs under TLS, for curl as for any client. In
// cleartext the server's 227 (a loopback alias) is translated back to
// 10.0.0.5 before the gateway, the ALG rewrites it to 203.0.113.7 and
// opens the port, and the entry shows curl its own address.
func TestEntryCurlALG(t *testing.T) {
	dmz := natDMZ()
	dmz.Forwards = dmz.Forwards[:1]
	dmz.ALG = faults.ALGCorrect
	e, entry := entryEnv(t, dmz, serverInside)
	trust := []string{"--disable-epsv", "--no-ftp-skip-pasv-ip"}
	out, trace, err := curlRun(t, append(trust, entryURL(entry, "a.bin"))...)
	if err != nil || !bytes.Equal(out, payload) {
		t.Fatalf("plain FTP through the ALG: %v (%d bytes)\n%s", err, len(out), trace)
	}
	mustDialLoopbackOnly(t, trace)
	tl := e.n.Timeline().String()
	for _, want := range []string{"leaves server as 10.0.0.5", "ALG correct", "shown to the real program as " + entry.IP().String()} {
		if !strings.Contains(tl, want) {
			t.Fatalf("timeline lacks %q:\n%s", want, tl)
		}
	}
	_, trace, err = curlRun(t, append(trust, "--ssl-reqd", "--insecure", entryURL(entry, "a.bin"))...)
	if !connectTimedOut(err, trace) {
		t.Fatalf("FTPS through a blind ALG did not time out: %v\n%s", err, trace)
	}
	mustDialLoopbackOnly(t, trace)
}

// A firewall that rejects or drops the passive ports whatever happens
// (no FTP helper): the entry leaves them closed or black-holed, so curl
// meets a kernel's "connection refused" at once, or a connect timeout,
// as it would meet the real firewall.
func TestEntryCurlFixedRefusal(t *testing.T) {
	for _, c := range []struct {
		action faults.Action
		exit   int
		trace  string
	}{{faults.Reject, 7, "Connection refused"}, {faults.Drop, 28, "connect timeout"}} {
		t.Run(c.action.String(), func(t *testing.T) {
			dmz := natDMZ()
			dmz.Forwards = dmz.Forwards[:1]
			dmz.Inbound = c.action
			e, entry := entryEnv(t, dmz, serverPublic)
			start := time.Now()
			_, trace, err := curlRun(t, "--ssl-reqd", "--insecure", entryURL(entry, "a.bin"))
			ee, ok := err.(*exec.ExitError)
			// Under load curl's --max-time can end the hung data connect
			// before its connect timeout does: the same hang, exit 28.
			seen := strings.Contains(trace, c.trace) || c.action == faults.Drop && strings.Contains(trace, "Operation timed out")
			if !ok || ee.ExitCode() != c.exit || !seen {
				t.Fatalf("curl through a firewall that does %s the data ports: %v after %v, want exit %d with %q\n%s", c.action, err, time.Since(start), c.exit, c.trace, trace)
			}
			mustDialLoopbackOnly(t, trace)
			if len(e.n.Timeline().Filter(0, faults.Refused, faults.Dropped)) == 0 {
				t.Fatalf("the entry did not record the fixed refusal:\n%s", e.n.Timeline())
			}
		})
	}
}

// A real server behind a host through a Backend: curl reaches it through
// the entry, the NAT and a latency toxic; every flow crosses the gateway.
// In cleartext the product's own 127.0.0.1 in 227 becomes the host's
// 10.0.0.5, which the entry shows as an unroutable alias (a trusting curl
// times out, an FTPS curl with its defaults works through the forwarded
// range); with an ALG and no forwarded range the 227 becomes the entry's
// address and a trusting curl works.
func TestBackendCurl(t *testing.T) {
	product := sim.NewUnstartedServer()
	fs := sim.NewMemFS(nil)
	fs.WriteFile("/a.bin", payload)
	product.FS = fs
	pasv, err := freeRange(10)
	if err != nil {
		t.Fatal(err)
	}
	product.PassivePorts = pasv
	product.Start()
	defer product.Close()
	real := netip.MustParseAddrPort(product.Addr)

	for _, alg := range []faults.ALGMode{faults.ALGOff, faults.ALGCorrect} {
		t.Run(alg.String(), func(t *testing.T) {
			n := &faults.Network{}
			n.AddZone("internet", nil)
			fwd := []faults.Forward{{Ports: faults.Ports(21), To: netip.MustParseAddrPort(serverInside + ":21")}}
			if alg == faults.ALGOff {
				fwd = append(fwd, faults.Forward{Ports: faults.Ports(pasv.Low, pasv.High), To: netip.AddrPortFrom(netip.MustParseAddr(serverInside), pasv.Low)})
			}
			n.AddZone("dmz", &faults.Gateway{Public: netip.MustParseAddr(serverPublic), ALG: alg, Forwards: fwd})
			cli := n.AddHost("client", "internet", clientPublic)
			srv := n.AddHost("server", "dmz", serverInside)
			n.AddToxic(faults.ToxicRule{Toxic: faults.Latency{Latency: 20 * time.Millisecond}, Channel: faults.Control})
			defer n.Close()
			if _, err := srv.Backend(real.Addr(), faults.PortMap{Virtual: faults.Ports(21), Real: real.Port()},
				faults.PortMap{Virtual: faults.Ports(pasv.Low, pasv.High)}); err != nil {
				t.Fatal(err)
			}
			entry, err := cli.Enter(netip.Addr{}, netip.MustParseAddr(serverPublic),
				faults.PortMap{Virtual: faults.Ports(21), Real: 2121}, faults.PortMap{Virtual: faults.Ports(pasv.Low, pasv.High)})
			if err != nil {
				t.Fatalf("cannot listen on loopback: %v", err)
			}
			out, trace, err := curlRun(t, "--disable-epsv", "--no-ftp-skip-pasv-ip", entryURL(entry, "a.bin"))
			mustDialLoopbackOnly(t, trace)
			if alg == faults.ALGOff {
				if !connectTimedOut(err, trace) {
					t.Fatalf("trusting curl behind a NAT without ALG: %v\n%s\n%s", err, trace, n.Timeline())
				}
				out, trace, err = curlRun(t, "--ssl-reqd", "--insecure", entryURL(entry, "a.bin"))
			}
			if err != nil || !bytes.Equal(out, payload) {
				t.Fatalf("curl through the backend: %v (%d bytes)\n%s\n%s", err, len(out), trace, n.Timeline())
			}
			var ctl, data int
			for _, f := range n.Flows() {
				if f.Dialer != cli || f.Listener != srv || len(f.Gateways) != 1 {
					t.Fatalf("flow %s did not go client -> gateway -> server", f)
				}
				if f.Channel == faults.Control {
					ctl++
				} else {
					data++
				}
			}
			if ctl == 0 || data == 0 || len(n.Timeline().Filter(0, faults.Delayed)) == 0 {
				t.Fatalf("control %d, data %d flows; timeline:\n%s", ctl, data, n.Timeline())
			}
		})
	}
}

// A backend whose server refuses the connection resets the flow: the
// real program sees a reset, not a hang.
func TestBackendRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	n := &faults.Network{}
	n.AddZone("internet", nil)
	cli := n.AddHost("client", "internet", clientPublic)
	srv := n.AddHost("server", "internet", serverPublic)
	defer n.Close()
	if _, err := srv.Backend(dead.Addr(), faults.PortMap{Virtual: faults.Ports(21), Real: dead.Port()}); err != nil {
		t.Fatal(err)
	}
	c, err := cli.DialContext(testCtx(t, 5*time.Second), "tcp", serverPublic+":21")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("read from a refused backend: %v, want a reset", err)
	}
	if len(n.Timeline().Filter(1, faults.Cut)) == 0 {
		t.Fatalf("no cut recorded:\n%s", n.Timeline())
	}
}

// Entry arguments are checked.
func TestEnterErrors(t *testing.T) {
	n := &faults.Network{}
	n.AddZone("internet", nil)
	cli := n.AddHost("client", "internet", clientPublic)
	defer n.Close()
	target := netip.MustParseAddr(serverPublic)
	for name, f := range map[string]func() error{
		"not loopback": func() error {
			_, err := cli.Enter(netip.MustParseAddr("192.0.2.1"), target, faults.PortMap{Virtual: faults.Ports(21)})
			return err
		},
		"no ports": func() error { _, err := cli.Enter(netip.Addr{}, target); return err },
		"bad range": func() error {
			_, err := cli.Enter(netip.Addr{}, target, faults.PortMap{Virtual: faults.PortRange{Low: 10, High: 5}})
			return err
		},
		"family": func() error {
			_, err := cli.Enter(netip.Addr{}, netip.MustParseAddr("2001:db8::1"), faults.PortMap{Virtual: faults.Ports(21)})
			return err
		},
	} {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// freeRange finds n consecutive free ports on 127.0.0.1.
func freeRange(n int) (sim.PortRange, error) {
	for base := 20000 + int(time.Now().UnixNano()%20000); base < 60000; base += n * 7 {
		var lns []net.Listener
		ok := true
		for p := base; p < base+n; p++ {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			lns = append(lns, ln)
		}
		for _, ln := range lns {
			ln.Close()
		}
		if ok {
			return sim.PortRange{Low: uint16(base), High: uint16(base + n - 1)}, nil
		}
	}
	return sim.PortRange{}, fmt.Errorf("no %d free ports on 127.0.0.1", n)
}
