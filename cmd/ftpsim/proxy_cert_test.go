package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

func TestCertNameFlag(t *testing.T) {
	var l nameList
	for _, ok := range []string{"example.test", "*.example.test", "10.1.2.3", "fe80::1", "a.b,c.d"} {
		if err := l.Set(ok); err != nil {
			t.Errorf("--cert-name %s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "under_score", "a..b", ".a", "*."} {
		if err := l.Set(bad); err == nil {
			t.Errorf("--cert-name %q accepted", bad)
		}
	}
	c := certFlags{names: nameList{"example.test", "127.0.0.1", "10.1.2.3"}}
	srv := sim.NewUnstartedServer()
	if err := c.issue(srv); err != nil {
		t.Fatal(err)
	}
	if got, want := servedNames(srv), "localhost, example.test, 127.0.0.1, 127.0.0.2, ::1, 10.1.2.3"; got != want {
		t.Errorf("served names %q, want %q", got, want)
	}
	leaf := srv.Certificate.Leaf
	for _, h := range []string{"localhost", "example.test", "127.0.0.2", "::1", "10.1.2.3"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("certificate does not cover %s: %v", h, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: srv.PKI.CA.Pool()}); err != nil {
		t.Errorf("the issued certificate does not chain to --ca-out's CA: %v", err)
	}
	for _, args := range [][]string{
		{"serve", "--cert-name", "x.test", "--cert", "a.pem", "--key", "a.key"},
		{"serve", "--scenario", "cert-wrong-host", "--cert-name", "x.test"},
	} {
		if code, _, errOut := runCmd(append(args, "--addr", "127.0.0.1:0")...); code != exitUsage || !strings.Contains(errOut, "--cert-name") {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
	}
}

func TestCertAdvice(t *testing.T) {
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	good := set.Get(pki.Good).Leaf // localhost, 127.0.0.1, ::1
	ok, lines := certAdvice(good, netip.MustParseAddrPort("127.0.0.1:2121"))
	if !ok || !strings.Contains(lines[0], "including 127.0.0.1") {
		t.Errorf("a certificate naming the entry: %v %q", ok, lines)
	}
	ok, lines = certAdvice(good, netip.MustParseAddrPort("127.0.0.2:2121"))
	text := strings.Join(lines, "\n")
	for _, want := range []string{"but not 127.0.0.2", "(60)", "--cert-name 127.0.0.2", "curl --resolve localhost:2121:127.0.0.2 ... ftp://localhost:2121/"} {
		if ok || !strings.Contains(text, want) {
			t.Errorf("advice lacks %q (ok %v):\n%s", want, ok, text)
		}
	}
}

// testFile writes n random bytes into dir/name and returns their SHA-256.
func testFile(t *testing.T, dir, name string, n int) [32]byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// curl through ftpsim proxy (on 127.0.0.2) in front of ftpsim serve (on
// 127.0.0.1) works with serve's default certificate, and the proxy says
// the certificate covers where clients connect.
func TestProxyInFrontOfServe(t *testing.T) {
	bin := buildFtpsim(t)
	ctl, pasv := freeLoopbackPorts(t)
	entry, err := peers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	root, ca := t.TempDir(), filepath.Join(t.TempDir(), "ca.pem")
	sum := testFile(t, root, "big.bin", 700<<10)
	startFtpsim(t, bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl), "--pasv-ports", pasv.String(), "--root", root, "--ca-out", ca, "--quiet")
	p := startFtpsim(t, bin, "proxy", "--target", fmt.Sprintf("127.0.0.1:%d", ctl), "--pasv-ports", pasv.String(),
		"--listen", fmt.Sprintf("127.0.0.2:%d", entry), "--quiet")
	if banner := p.output(); !strings.Contains(banner, "target certificate         names localhost, 127.0.0.1, 127.0.0.2, ::1, including 127.0.0.2") {
		t.Fatalf("proxy banner does not confirm the certificate:\n%s", banner)
	}
	o := peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.2:%d", entry), CAFile: ca, Timeout: 15 * time.Second}
	local := filepath.Join(t.TempDir(), "big.bin")
	r, err := newClient(t, "curl", o).Download(context.Background(), "big.bin", local)
	if err != nil || !r.OK() {
		t.Fatalf("curl through proxy in front of serve: %v\n%s", err, r)
	}
	if fileSum(t, local) != sum {
		t.Fatalf("downloaded file differs from the served one")
	}
	for _, a := range loopbackDials(t, r) {
		if a != "127.0.0.2" {
			t.Fatalf("curl dialed %s, not only the proxy:\n%s", a, r)
		}
	}
}

// resolveRE finds the proxy's curl --resolve suggestion.
var resolveRE = regexp.MustCompile(`curl (--resolve \S+) \.\.\. ftp://(\S+?)/`)

// A target whose certificate lacks the proxy's address: the proxy warns,
// curl fails with exit 60 as the warning says, and curl run with the
// suggested --resolve downloads the file intact.
func TestProxyCertWarning(t *testing.T) {
	bin := buildFtpsim(t)
	entry, pasv := freeLoopbackPorts(t) // the proxy takes the port on 127.0.0.2
	srv := sim.NewUnstartedServer()     // pki.Good: localhost, 127.0.0.1, ::1
	srv.PassivePorts = pasv
	data := bytes.Repeat([]byte("certificate names "), 30000)
	mem := sim.NewMemFS(nil)
	mem.WriteFile("/a.bin", data)
	srv.FS = mem
	srv.Start()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := srv.PKI.CA.WriteCertFile(ca); err != nil {
		t.Fatal(err)
	}
	p := startFtpsim(t, bin, "proxy", "--target", srv.Addr, "--pasv-ports", pasv.String(), "--listen", fmt.Sprintf("127.0.0.2:%d", entry), "--quiet")
	banner := p.output()
	m := resolveRE.FindStringSubmatch(banner)
	if !strings.Contains(banner, "WARNING target certificate names localhost, 127.0.0.1, ::1 but not 127.0.0.2") || m == nil {
		t.Fatalf("proxy banner gives no warning and --resolve advice:\n%s", banner)
	}
	o := peers.ClientOptions{Addr: fmt.Sprintf("127.0.0.2:%d", entry), CAFile: ca, Timeout: 15 * time.Second}
	if r, err := newClient(t, "curl", o).List(context.Background()); err != nil || r.ExitCode != 60 {
		t.Fatalf("curl to 127.0.0.2 with a certificate that lacks it: %v, want exit 60 as the warning says\n%s", err, r)
	}
	local := filepath.Join(t.TempDir(), "a.bin")
	args := append([]string{"-q", "-sS", "--ssl-reqd", "--cacert", ca, "-u", "ftpsim:ftpsim", "--max-time", "15", "-o", local},
		strings.Fields(m[1])...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, peers.CurlPath, append(args, "ftp://"+m[2]+"/a.bin")...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl with the suggested %s: %v\n%s", m[1], err, out)
	}
	if fileSum(t, local) != sha256.Sum256(data) {
		t.Fatal("downloaded file differs from the served one")
	}
}
