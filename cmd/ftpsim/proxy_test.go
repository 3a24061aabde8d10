package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
)

func TestProxyFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
		code int // 0: exitUsage
	}{
		{[]string{"--pasv-ports", "30000-30009"}, "--target HOST:PORT is required", 0},
		{[]string{"--target", "192.0.2.1:21", "--pasv-ports", "30000-30009"}, "not a loopback address", 0},
		{[]string{"--target", "127.0.0.1:2122"}, "--pasv-ports LOW-HIGH is required", 0},
		{[]string{"--target", "127.0.0.1:2122", "--pasv-ports", "30000-30009", "--listen", "192.0.2.1:2121"}, "want a loopback", 0},
		{[]string{"--target", "127.0.0.1:2122", "--pasv-ports", "30000-30009", "--listen", "127.0.0.1:0"}, "share an address", exitFailed}, // found when the network is built
	} {
		code, _, errOut := runCmd(append([]string{"proxy"}, c.args...)...)
		if c.code == 0 {
			c.code = exitUsage
		}
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("proxy %v: code %d, stderr %q; want %q", c.args, code, errOut, c.want)
		}
	}
}

// product is a real FTPS server for the proxy to front: sim on
// 127.0.0.2 with a fixed passive range, its CA in a file.
type product struct {
	srv  *sim.Server
	pasv peers.PortRange
	ca   string
	data []byte
}

func startProduct(t *testing.T) *product {
	t.Helper()
	pasv, err := peers.FreePortRange(10)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("cannot listen on 127.0.0.2: %v", err)
	}
	p := &product{srv: sim.NewUnstartedServer(), pasv: pasv, data: bytes.Repeat([]byte("ftpsim proxy "), 20000)}
	p.srv.Listener = ln
	p.srv.PassivePorts = pasv
	p.srv.DataTimeout = 5 * time.Second
	fs := sim.NewMemFS(nil)
	fs.WriteFile("/a.bin", p.data)
	p.srv.FS = fs
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	p.ca = filepath.Join(t.TempDir(), "ca.pem")
	if err := p.srv.PKI.CA.WriteCertFile(p.ca); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProxy runs ftpsim proxy in front of a real FTPS server and drives
// it with curl and Python's ftplib.
func TestProxy(t *testing.T) {
	bin := buildFtpsim(t)
	prod := startProduct(t)
	ctx := context.Background()
	proxy := func(t *testing.T, faults ...string) (*ftpsimProc, peers.ClientOptions) {
		ctl, err := peers.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"proxy", "--target", prod.srv.Addr, "--pasv-ports", prod.pasv.String(), "--listen", fmt.Sprintf("127.0.0.1:%d", ctl)}
		for _, f := range faults {
			args = append(args, "--fault", f)
		}
		p := startFtpsim(t, bin, args...)
		return p, peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ctl), CAFile: prod.ca, Timeout: 10 * time.Second}
	}
	download := func(t *testing.T, name string, o peers.ClientOptions) *peers.Result {
		t.Helper()
		local := filepath.Join(t.TempDir(), "a.bin")
		r, err := newClient(t, name, o).Download(ctx, "a.bin", local)
		if err != nil {
			t.Fatal(err)
		}
		if r.OK() {
			if got, _ := os.ReadFile(local); !bytes.Equal(got, prod.data) {
				t.Fatalf("%s downloaded %d bytes, want %d", name, len(got), len(prod.data))
			}
		}
		return r
	}

	t.Run("latency", func(t *testing.T) {
		p, o := proxy(t, "toxic=latency,latency=50ms")
		r := download(t, "curl", o)
		if !r.OK() || r.Duration < 400*time.Millisecond {
			t.Fatalf("curl through 50 ms of latency: %v\n%s", r.Duration, r)
		}
		for _, a := range loopbackDials(t, r) {
			if a != "127.0.0.1" {
				t.Fatalf("curl dialed %s, not only the proxy:\n%s", a, r)
			}
		}
		if r := download(t, "ftplib", o); !r.OK() {
			t.Fatalf("ftplib (ignores the 227 address) through the proxy:\n%s", r)
		}
		// A client that trusts the 227 address dials the product's own
		// address: it works, but outside the faults (documented).
		o.DisableEPSV, o.NoSkipPASVIP = true, true
		r = download(t, "curl", o)
		dials := loopbackDials(t, r)
		if !r.OK() || !slices.Contains(dials, "127.0.0.2") {
			t.Fatalf("curl trusting the product's 227: %v\n%s", dials, r)
		}
		out := p.stop(t)
		for _, want := range []string{"fault #1 allowed: control client 198.51.100.10", "delayed: downstream by 50ms", "data client 198.51.100.10"} {
			if !strings.Contains(out, want) {
				t.Errorf("proxy output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("passive range rejected", func(t *testing.T) {
		_, o := proxy(t, "server_nat", "passive_forward=none", "inbound=reject")
		for _, name := range []string{"curl", "ftplib"} {
			r := download(t, name, o)
			t.Logf("%s: exit %d after %v", name, r.ExitCode, r.Duration)
			if r.OK() || r.TimedOut || r.Duration > 5*time.Second {
				t.Fatalf("%s through a NAT that rejects the passive range: want a fast failure\n%s", name, r)
			}
			if name == "curl" {
				loopbackDials(t, r)
			}
		}
	})
}
