package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelp(t *testing.T) {
	code, out, _ := runCmd("--help")
	if code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "run") {
		t.Fatalf("ftpsim --help: code %d\n%s", code, out)
	}
	for _, cmd := range []string{"serve", "run", "list", "certs"} {
		code, out, _ := runCmd(cmd, "--help")
		if code != 0 || !strings.Contains(out, "Usage: ftpsim "+cmd) {
			t.Errorf("ftpsim %s --help: code %d\n%s", cmd, code, out)
		}
	}
	code, out, _ = runCmd("help", "serve")
	for _, flag := range []string{"-addr", "-implicit-addr", "-user", "-tls", "-reuse", "-pasv-ports", "-pasv-addr", "-root", "-ca-out"} {
		if !strings.Contains(out, flag) {
			t.Errorf("serve help lacks %s", flag)
		}
	}
	if code != 0 {
		t.Errorf("help serve: code %d", code)
	}
	if code, _, errOut := runCmd("frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: code %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCmd("serve", "--tls", "sometimes", "--addr", "127.0.0.1:0"); code != 2 {
		t.Errorf("bad --tls accepted: code %d", code)
	}
}

func TestListAndRun(t *testing.T) {
	code, out, _ := runCmd("list")
	if code != 0 || !strings.Contains(out, "reuse-required-client-no-reuse") {
		t.Fatalf("list: code %d\n%s", code, out)
	}
	code, out, _ = runCmd("run", "--label", "reuse&&!go", "--junit", filepath.Join(t.TempDir(), "j.xml"))
	if code != 0 {
		t.Fatalf("run reuse: code %d\n%s", code, out)
	}
	if strings.Contains(out, "reuse-go-cache") || !strings.Contains(out, "reuse-required-client-no-reuse") {
		t.Errorf("label filter picked the wrong scenarios:\n%s", out)
	}
	if !strings.Contains(out, " 0 mismatched (") {
		t.Errorf("no summary line:\n%s", out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: wrong\nsummary: s\nlabels: [x]\nclient: {reuse: none}\nserver: {reuse: same}\nexpect: {result: success}\ndiagnosis: {cause: c, fix: f}\n"), 0o644)
	code, out, _ = runCmd("run", bad)
	if code != 1 || !strings.Contains(out, "FAIL") || !strings.Contains(out, "mismatch") {
		t.Errorf("a mismatching scenario must exit 1: code %d\n%s", code, out)
	}
	code, out, _ = runCmd("run", "--json", "explicit-tls")
	if code != 0 || !strings.Contains(out, `"match":true`) {
		t.Errorf("--json: code %d\n%s", code, out)
	}
}

func TestCerts(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCmd("certs", "--out", dir)
	if code != 0 {
		t.Fatalf("certs: %d %s %s", code, out, errOut)
	}
	for _, f := range []string{"ca.crt", "good.crt", "good.key", "expired.crt", "INDEX.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if code, _, _ := runCmd("certs"); code != 2 {
		t.Errorf("certs without --out: code %d, want 2", code)
	}
	if code, _, _ := runCmd("certs", "--out", t.TempDir(), "--now", "yesterday"); code != 2 {
		t.Errorf("certs --now yesterday: code %d, want 2 (usage)", code)
	}
	// server.crt has serve's names (127.0.0.2, where proxy listens) and
	// --cert-name, verifies against ca.crt, and INDEX.md describes it.
	dir = t.TempDir()
	if code, out, errOut := runCmd("certs", "--out", dir, "--cert-name", "ftp.example.test"); code != 0 || !strings.Contains(out, "server ") {
		t.Fatalf("certs --cert-name: %d %s %s", code, out, errOut)
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	for _, name := range []string{"127.0.0.2", "127.0.0.1", "localhost", "ftp.example.test"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("server.crt for %s: %v", name, err)
		}
	}
	if index, _ := os.ReadFile(filepath.Join(dir, "INDEX.md")); !strings.Contains(string(index), "## server\n") {
		t.Errorf("INDEX.md does not describe server.crt")
	}
}

// TestServeEndToEnd builds the binary, runs ftpsim serve, talks FTPS to it
// and stops it with SIGTERM.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ftpsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ca := filepath.Join(dir, "ca.pem")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--implicit-addr", "127.0.0.1:0",
		"--ca-out", ca, "--tls", "required", "--user", "alice:wonder")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	re := regexp.MustCompile(`explicit FTPS / plain FTP\s+ftp://(\S+)`)
	addr := ""
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
		if strings.HasPrefix(sc.Text(), "stop with") {
			break
		}
	}
	if addr == "" {
		t.Fatal("serve did not print its address")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c, err := clientsim.Dial(ctx, addr, clientsim.WithRootCAs(pool))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, "alice", "wonder"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store(ctx, "x.txt", strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := c.Retrieve(ctx, "x.txt", &got); err != nil || got.String() != "hello" {
		t.Fatalf("retrieve: %q %v", got.String(), err)
	}
	c.Quit(ctx)
	c.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve did not exit cleanly on SIGTERM: %v", err)
	}
}
