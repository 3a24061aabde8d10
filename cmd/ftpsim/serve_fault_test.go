package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

func TestFaultFlags(t *testing.T) {
	var spec scenarios.NetworkSpec
	for _, f := range []string{"server_nat", "passive_forward=none", "inbound=reject", "auth_filter=502", "idle_timeout=300ms",
		"toxic=latency,latency=50ms,channel=data", "toxic=type=limit_data,bytes=1000,stream=upstream,nth=2"} {
		if err := applyFault(&spec, f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	want := scenarios.NetworkSpec{ServerNAT: true, PassiveForward: scenarios.Forwarding{None: true}, Inbound: faults.Reject, AuthFilter: 502, IdleTimeout: 300 * time.Millisecond,
		Toxics: []faults.ToxicRule{{Toxic: faults.Latency{Latency: 50 * time.Millisecond}, Channel: faults.Data}, {Toxic: faults.LimitData{Bytes: 1000}, Stream: faults.Upstream, Nth: 2}}}
	if !reflect.DeepEqual(spec, want) {
		t.Fatalf("got %+v\nwant %+v", spec, want)
	}
	for _, bad := range []string{"nat", "auth_filter=abc", "toxic=", "toxic=latency,latncy=5ms", "toxic=latency,5ms", "server_nat=maybe", "alg", "toxic=latency,rate=5"} {
		if err := applyFault(&spec, bad); err == nil {
			t.Errorf("--fault %s accepted", bad)
		}
	}

	// --network FILE is the base; --fault adds to it; forwards imply the NAT.
	file := filepath.Join(t.TempDir(), "net.yaml")
	os.WriteFile(file, []byte("passive_forward: none\ntoxics:\n  - {type: latency, latency: 10ms}\n"), 0o644)
	ff := faultFlags{network: file, list: faultList{"inbound=reject", "client_alg=correct"}}
	got, sc, err := ff.spec()
	if err != nil || sc != nil || !got.ServerNAT || !got.PassiveForward.None || got.Inbound != faults.Reject || !got.ClientNAT || len(got.Toxics) != 1 {
		t.Fatalf("--network + --fault: %+v %v", got, err)
	}
	os.WriteFile(file, []byte("server_nat: true\nbogus: 1\n"), 0o644)
	if _, _, err := ff.spec(); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown field in --network accepted: %v", err)
	}
	ff = faultFlags{scenario: "nat-private-pasv-trusted", network: file}
	if _, _, err := ff.spec(); err == nil {
		t.Error("--scenario with --network accepted")
	}
	ff = faultFlags{scenario: "nat-passive-range-rejected"}
	if got, sc, err := ff.spec(); err != nil || sc == nil || got.Inbound != faults.Reject {
		t.Errorf("--scenario: %+v %v", got, err)
	}
}

// The help prints the vocabulary tables of scenarios and faults: every
// fault key and every toxic kind with its attributes.
func TestFaultVocabulary(t *testing.T) {
	var buf strings.Builder
	printVocabulary(&buf)
	help := buf.String()
	for _, h := range scenarios.NetworkHelp() {
		if !strings.Contains(help, h.Usage) {
			t.Errorf("help lacks fault %s", h.Usage)
		}
	}
	for _, k := range faults.ToxicKinds() {
		for _, a := range k.Attributes {
			if !strings.Contains(help, a.Usage) {
				t.Errorf("help lacks %s attribute %s", k.Name, a.Usage)
			}
		}
	}
	code, out, _ := runCmd("serve", "--help")
	if code != 0 || !strings.Contains(out, "-fault") || !strings.Contains(out, "FAULTS") || !strings.Contains(out, "reset_on_client_hello") {
		t.Fatalf("serve --help: %d\n%s", code, out)
	}
	code, out, _ = runCmd("proxy", "--help")
	if code != 0 || !strings.Contains(out, "-target") || !strings.Contains(out, "TOXICS") {
		t.Fatalf("proxy --help: %d\n%s", code, out)
	}
	if code, out, errOut := runCmd("serve", "--fault", "nonsense", "--addr", "127.0.0.1:0"); code != 2 || !strings.Contains(errOut+out, `unknown fault "nonsense"`) {
		t.Errorf("unknown fault: code %d %s%s", code, out, errOut)
	}
}

// ftpsimProc is a running ftpsim serve or proxy whose stdout is kept.
type ftpsimProc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
	done chan struct{}
}

// startFtpsim runs the binary with args and waits for its banner.
func startFtpsim(t testing.TB, bin string, args ...string) *ftpsimProc {
	t.Helper()
	p := &ftpsimProc{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	stdout, _ := p.cmd.StdoutPipe()
	p.cmd.Stderr = &lockedWriter{p: p}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	banner := make(chan bool, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if !sent && strings.HasPrefix(sc.Text(), "stop with") {
				banner <- true
				sent = true
			}
		}
		if !sent {
			banner <- false
		}
	}()
	t.Cleanup(func() { p.stop(t) })
	select {
	case ok := <-banner:
		if !ok {
			p.cmd.Wait()
			t.Fatalf("ftpsim %v exited before its banner:\n%s", args, p.output())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no banner from ftpsim %v:\n%s", args, p.output())
	}
	return p
}

type lockedWriter struct{ p *ftpsimProc }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.out.Write(b)
}

func (p *ftpsimProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// stop sends SIGTERM and waits for the exit (SIGKILL after 10 s); it
// returns the whole output.
func (p *ftpsimProc) stop(t testing.TB) string {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			t.Errorf("ftpsim did not stop on SIGTERM")
		}
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("ftpsim exited with %v:\n%s", err, p.output())
		}
	}
	return p.output()
}

// buildFtpsim builds the binary into a temporary directory.
func buildFtpsim(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "ftpsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// freeLoopbackPorts returns a free control port and a free range of 10
// passive ports on 127.0.0.1.
func freeLoopbackPorts(t testing.TB) (int, peers.PortRange) {
	t.Helper()
	ctl, err := peers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	pasv, err := peers.FreePortRange(10)
	if err != nil {
		t.Fatal(err)
	}
	return ctl, pasv
}

// newClient returns curl or ftplib for addr, skipping the test when the
// program is missing.
func newClient(t *testing.T, name string, o peers.ClientOptions) peers.Client {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.User == "" {
		o.User, o.Password = sim.DefaultUser, sim.DefaultPassword
	}
	c, err := peers.NewClient(name, o)
	var missing *peers.NotInstalledError
	if errors.As(err, &missing) {
		t.Skip(missing.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// curlDialRE finds the addresses curl connects to in its -v trace.
var curlDialRE = regexp.MustCompile(`(?m)(?:Trying (\S+?):\d+|Connect(?:ing|ed) to \S+ \((\S+)\) port)`)

// loopbackDials returns every address curl dialed, failing the test if
// one is not a loopback address.
func loopbackDials(t *testing.T, r *peers.Result) []string {
	t.Helper()
	var out []string
	for _, m := range curlDialRE.FindAllStringSubmatch(r.Trace, -1) {
		a := strings.Trim(m[1]+m[2], "[]")
		if ip, err := netip.ParseAddr(a); err != nil || !ip.IsLoopback() {
			t.Fatalf("curl dialed %q, which is not a loopback address:\n%s", a, r)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		t.Fatalf("no dial in curl's trace:\n%s", r)
	}
	return out
}

// aliasRE finds the loopback address serve shows for the 227 address.
var aliasRE = regexp.MustCompile(`227 address\s+\S+, shown to you as (\S+)`)

// TestServeFaults runs ftpsim serve behind faults and checks with curl
// what a client experiences.
func TestServeFaults(t *testing.T) {
	bin := buildFtpsim(t)
	dir := t.TempDir()
	serve := func(t *testing.T, faults ...string) (*ftpsimProc, peers.ClientOptions) {
		ctl, pasv := freeLoopbackPorts(t)
		ca := filepath.Join(t.TempDir(), "ca.pem")
		args := []string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl), "--pasv-ports", pasv.String(), "--ca-out", ca, "--data-timeout", "5s"}
		for _, f := range faults {
			args = append(args, "--fault", f)
		}
		p := startFtpsim(t, bin, args...)
		return p, peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ctl), CAFile: ca, Dir: t.TempDir(), Timeout: 8 * time.Second}
	}
	ctx := context.Background()

	t.Run("server_nat", func(t *testing.T) {
		p, o := serve(t, "server_nat")
		banner := p.output()
		m := aliasRE.FindStringSubmatch(banner)
		if m == nil || !strings.Contains(banner, "server_nat") || !strings.Contains(banner, "fail at the data connection") {
			t.Fatalf("banner lacks the NAT's experience:\n%s", banner)
		}
		alias := m[1]
		r, err := newClient(t, "curl", o).List(ctx)
		if err != nil || !r.OK() {
			t.Fatalf("curl's default (EPSV, control address) failed behind NAT: %v\n%s", err, r)
		}
		loopbackDials(t, r)
		py := o
		py.Reuse = true // serve requires TLS session reuse on data connections by default
		if r, err := newClient(t, "ftplib", py).List(ctx); err != nil || !r.OK() {
			t.Fatalf("ftplib (ignores the 227 address) behind NAT: %v\n%s", err, r)
		}
		py.NoSkipPASVIP = true
		if r, err := newClient(t, "ftplib", py).List(ctx); err != nil || r.OK() || !strings.Contains(r.Output, "RESULT: FAIL list") {
			t.Fatalf("ftplib trusting the private 227 address: %v, want a failed LIST\n%s", err, r)
		}
		o.DisableEPSV, o.NoSkipPASVIP = true, true
		start := time.Now()
		r, err = newClient(t, "curl", o).List(ctx)
		if err != nil || r.OK() || r.ExitCode != 28 {
			t.Fatalf("curl trusting the private 227 address: %v, want a connect timeout (28)\n%s", err, r)
		}
		if dials := loopbackDials(t, r); !slices.Contains(dials, alias) || alias == "127.0.0.1" {
			t.Fatalf("curl dialed %v, want the black-holed alias %s of 10.0.0.5 for data (%v)\n%s", dials, alias, time.Since(start), r)
		}
		out := p.stop(t)
		for _, want := range []string{"fault #1 allowed: control client 198.51.100.10", "server-gateway forward 21 -> 10.0.0.5:21", "cleartext PASS crossed the network: no"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		// Each SYN curl (and ftplib) sent into the black hole printed live,
		// with the session whose passive port it dialed, before that
		// session ended.
		drops := regexp.MustCompile(`(?m)^\S+ (s\d+) fault -- dropped: a real program at 127\.0\.0\.1:\d+ dials `+regexp.QuoteMeta(alias)+`:(\d+) \(it stands for 10\.0\.0\.5:\d+\): its SYN gets no answer`).FindAllStringSubmatch(out, -1)
		if len(drops) < 2 {
			t.Fatalf("want a live drop line tied to a session for each client that trusted the 227 address, got %d:\n%s", len(drops), out)
		}
		for _, d := range drops {
			sess, port := d[1], d[2]
			listener := strings.Index(out, sess+" = passive listener 10.0.0.5:"+port)
			drop := strings.Index(out, d[0])
			end := strings.Index(out, sess+" # control connection ended")
			if listener < 0 || listener > drop || end >= 0 && end < drop {
				t.Errorf("drop %q is not between %s's passive listener on %s and its end:\n%s", d[0], sess, port, out)
			}
		}
	})

	t.Run("passive range rejected", func(t *testing.T) {
		_, o := serve(t, "passive_forward=none", "inbound=reject")
		r, err := newClient(t, "curl", o).List(ctx)
		if err != nil || r.OK() || r.TimedOut || r.Duration > 4*time.Second {
			t.Fatalf("curl through a firewall that rejects the passive range: %v, want a fast failure\n%s", err, r)
		}
		loopbackDials(t, r)
	})

	t.Run("auth_filter", func(t *testing.T) {
		p, o := serve(t, "auth_filter=502")
		r, err := newClient(t, "curl", o).List(ctx)
		if err != nil || r.OK() || !r.HasReply(502) || strings.Contains(r.Trace, "> PASS") {
			t.Fatalf("curl --ssl-reqd behind an AUTH filter: %v, want a 502 and no PASS\n%s", err, r)
		}
		out := p.stop(t)
		if strings.Contains(out, "> PASS") || !strings.Contains(out, "swallowed; answered 502") || !strings.Contains(out, "cleartext PASS crossed the network: no") {
			t.Fatalf("serve output:\n%s", out)
		}
	})

	t.Run("limit_data upload", func(t *testing.T) {
		p, o := serve(t, "toxic=limit_data,bytes=50000,channel=data,stream=upstream")
		local := filepath.Join(dir, "up.bin")
		if err := os.WriteFile(local, make([]byte, 300000), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := newClient(t, "curl", o).Upload(ctx, local, "up.bin")
		if err != nil || r.OK() {
			t.Fatalf("truncated upload: %v, want a failure\n%s", err, r)
		}
		// curl reports the 426 (exit 18) or, when the cut reaches it first,
		// the broken data connection (exit 55); the server always sees the
		// truncation.
		t.Logf("curl: exit %d, replies %v", r.ExitCode, r.Replies())
		loopbackDials(t, r)
		out := p.stop(t)
		if !strings.Contains(out, "upstream reached 50000 bytes") || !regexp.MustCompile(`s1 < 426 `).MatchString(out) {
			t.Fatalf("serve did not report the cut and the 426:\n%s", out)
		}
	})
}

// --scenario serves a catalogue scenario's server side and says what its
// client should see.
func TestServeScenario(t *testing.T) {
	bin := buildFtpsim(t)
	ctl, pasv := freeLoopbackPorts(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	p := startFtpsim(t, bin, "serve", "--scenario", "nat-private-pasv-trusted", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl),
		"--pasv-ports", pasv.String(), "--ca-out", ca)
	banner := p.output()
	for _, want := range []string{"scenario nat-private-pasv-trusted", "expected                   failure at data-connect, timeout", "--no-ftp-skip-pasv-ip", "cause"} {
		if !strings.Contains(banner, want) {
			t.Fatalf("banner lacks %q:\n%s", want, banner)
		}
	}
	o := peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ctl), CAFile: ca, Timeout: 8 * time.Second, DisableEPSV: true, NoSkipPASVIP: true}
	r, err := newClient(t, "curl", o).List(context.Background())
	if err != nil || r.OK() || r.ExitCode != 28 {
		t.Fatalf("the scenario's client, as curl: %v, want a data-connect timeout\n%s", err, r)
	}
	loopbackDials(t, r)
	if code, _, errOut := runCmd("serve", "--scenario", "nat-private-pasv-trusted", "--tls", "required", "--addr", "127.0.0.1:0"); code != exitUsage || !strings.Contains(errOut, "drop --tls") {
		t.Errorf("--scenario with --tls: code %d: %s", code, errOut)
	}
}
