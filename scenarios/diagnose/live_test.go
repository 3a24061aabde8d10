package diagnose

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// liveCerts writes a CA and a server certificate for 127.0.0.1.
func liveCerts(t *testing.T) (cert, key, ca string) {
	t.Helper()
	dir := t.TempDir()
	auth, err := pki.NewAuthority(pki.CAOptions{KeyType: pki.RSA2048})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := auth.Server(pki.LeafOptions{KeyType: pki.RSA2048, DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.WriteFiles(dir, "server"); err != nil {
		t.Fatal(err)
	}
	if err := auth.WriteCertFile(filepath.Join(dir, "ca.crt")); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"), filepath.Join(dir, "ca.crt")
}

// serverLogs parses the log files a real server wrote under dir that
// ParseLog recognises.
func serverLogs(t *testing.T, dir string) []*Log {
	t.Helper()
	var out []*Log
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".log") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return nil
		}
		defer f.Close()
		if l, err := ParseLog(filepath.Base(path), f); err == nil {
			out = append(out, l)
		}
		return nil
	})
	return out
}

// TestLiveRealServers runs stock Python ftplib (no session reuse) against
// real vsftpd and ProFTPD, which require reuse, and diagnoses the client's
// trace with the server's own logs, and the server's logs alone.
func TestLiveRealServers(t *testing.T) {
	cert, key, ca := liveCerts(t)
	cases := []struct {
		name  string
		start func(peers.Config) func(context.Context) (*peers.Server, error)
		want  string
	}{
		{"vsftpd", func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Vsftpd{Config: c}.Start
		}, "vsftpd-reuse-required"},
		{"proftpd", func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.ProFTPD{Config: c}.Start
		}, "proftpd-reuse-required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			srv, err := c.start(peers.Config{Dir: dir, CertFile: cert, KeyFile: key})(ctx)
			var nie *peers.NotInstalledError
			if errors.As(err, &nie) {
				t.Skip(nie.Error())
			}
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			cl, err := peers.NewFtplib(srv.ClientOptions(ca, t.TempDir()))
			if errors.As(err, &nie) {
				t.Skip(nie.Error())
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := cl.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK() {
				t.Fatalf("stock ftplib listed against %s, which requires session reuse:\n%s", c.name, res.Trace)
			}
			client, err := ParseLog("ftplib.log", strings.NewReader(res.Trace))
			if err != nil {
				t.Fatal(err)
			}
			srvLogs := serverLogs(t, dir)
			if len(srvLogs) == 0 {
				t.Fatalf("no recognisable log from real %s under %s:\n%s", c.name, dir, srv.Logs())
			}
			for _, set := range [][]*Log{{client}, append([]*Log{client}, srvLogs...)} {
				rep := Diagnose(set...)
				top := rep.Top(1)
				if len(top) == 0 || top[0].Name != c.want || rep.Incident.Server != c.name {
					t.Errorf("%d logs: server %q, outcome %s, top %v; want %s\n%s", len(set), rep.Incident.Server, rep.Incident.Outcome, names(rep.Top(3)), c.want, res.Trace)
				}
			}
			rep := Diagnose(srvLogs...)
			if rep.Incident.Server != c.name || !rep.Incident.NotResumed && !hasFactLine(srvLogs, FactReuseRefused) {
				t.Errorf("%s's own logs: server %q, not-resumed %v", c.name, rep.Incident.Server, rep.Incident.NotResumed)
			}
			t.Logf("%s: %s; %d server log(s): %s", c.name, rep.Incident.Outcome, len(srvLogs), names(Diagnose(append([]*Log{client}, srvLogs...)...).Top(3)))
		})
	}
}

func hasFactLine(logs []*Log, f Fact) bool {
	for _, l := range logs {
		for _, e := range l.Events {
			if e.Has(f) {
				return true
			}
		}
	}
	return false
}

func names(cs []Candidate) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return strings.Join(out, ", ")
}

// TestLiveServe makes logs the way the static corpus was made: ftpsim
// serve --scenario NAME and real curl running the command its banner
// prints; the top-ranked scenario must be NAME.
func TestLiveServe(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (.ci/install-peers.sh installs it)")
	}
	bin := buildFtpsim(t)
	for _, name := range []string{"vsftpd-reuse-required", "cert-expired", "data-tls-required-prot-c", "upload-cut-midway",
		"nat-passive-range-rejected", "proftpd-plain-login-refused"} {
		t.Run(name, func(t *testing.T) {
			trace := serveAndCurl(t, bin, curl, name)
			l, err := ParseLog(name+".log", strings.NewReader(trace))
			if err != nil {
				t.Fatal(err)
			}
			rep := Diagnose(l)
			top := rep.Top(3)
			if len(top) == 0 || top[0].Name != name {
				t.Errorf("top %s for a log of %s (%s)\n%s", names(top), name, rep.Incident.Outcome, trace)
			}
		})
	}
}

// TestLiveServeOtherClients runs lftp and stock ftplib against ftpsim
// serve --scenario NAME and ranks their debug logs.
func TestLiveServeOtherClients(t *testing.T) {
	bin := buildFtpsim(t)
	for _, c := range []struct{ client, scenario, alternate string }{
		{"ftplib", "vsftpd-reuse-required", ""}, {"ftplib", "proftpd-reuse-required", ""}, {"ftplib", "cert-expired", ""},
		{"lftp", "cert-expired", ""},
		// a server without TLS and a middlebox that strips AUTH look alike (testdata/README.md)
		{"lftp", "tls-not-offered", "auth-stripped-by-middlebox"},
	} {
		t.Run(c.client+"/"+c.scenario, func(t *testing.T) {
			addr, ca, _, stop := serve(t, bin, c.scenario)
			defer stop()
			cl, err := peers.NewClient(c.client, peers.ClientOptions{Addr: addr, CAFile: ca, Dir: t.TempDir(), User: "ftpsim", Password: "ftpsim", Timeout: 20 * time.Second})
			var nie *peers.NotInstalledError
			if errors.As(err, &nie) {
				t.Skip(nie.Error())
			}
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			res, err := cl.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			l, err := ParseLog(c.client+".log", strings.NewReader(res.Trace))
			if err != nil {
				t.Fatalf("%v\n%s", err, res.Trace)
			}
			rep := Diagnose(l)
			if top := rep.Top(3); len(top) == 0 || top[0].Name != c.scenario && top[0].Name != c.alternate {
				t.Errorf("%s log of %s: %s, top %s\n%s", c.client, c.scenario, rep.Incident.Outcome, names(top), res.Trace)
			}
		})
	}
}

// buildFtpsim builds cmd/ftpsim into the test's temporary directory.
func buildFtpsim(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ftpsim")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/ftpsim/ftpsim/cmd/ftpsim").CombinedOutput(); err != nil {
		t.Fatalf("go build ftpsim: %v\n%s", err, out)
	}
	return bin
}

// serve starts ftpsim serve --scenario name and returns its control
// address, CA file and a stop function.
func serve(t *testing.T, bin, name string) (addr, ca string, banner []string, stop func()) {
	t.Helper()
	ctl, err := peers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	pasv, err := peers.FreePortRange(10)
	if err != nil {
		t.Fatal(err)
	}
	ca = filepath.Join(t.TempDir(), "ca.pem")
	srv := exec.Command(bin, "serve", "--scenario", name, "--quiet", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl),
		"--pasv-ports", fmt.Sprintf("%d-%d", pasv.Low, pasv.High), "--ca-out", ca)
	stdout, _ := srv.StdoutPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "stop with") {
		banner = append(banner, sc.Text())
	}
	go func() {
		for sc.Scan() {
		}
	}()
	return fmt.Sprintf("127.0.0.1:%d", ctl), ca, banner, func() { srv.Process.Kill(); srv.Wait() }
}

// serveAndCurl starts ftpsim serve --scenario name, runs the curl command
// its banner prints (or the nearest one) and returns curl's trace.
func serveAndCurl(t *testing.T, bin, curl, name string) string {
	t.Helper()
	_, _, banner, stop := serve(t, bin, name)
	defer stop()
	var cmdLine string
	for _, l := range banner {
		if c, ok := strings.CutPrefix(l, "reproduce with: "); ok {
			cmdLine = c
		}
		if _, c, ok := strings.Cut(l, "nearest curl command"); ok && cmdLine == "" {
			_, cmdLine, _ = strings.Cut(c, "): ")
		}
	}
	if cmdLine == "" {
		t.Fatalf("serve --scenario %s printed no curl command", name)
	}
	upload := filepath.Join(t.TempDir(), "upload.bin")
	if err := os.WriteFile(upload, make([]byte, 300<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	args := strings.Fields(strings.ReplaceAll(cmdLine, "FILE", upload))[1:]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, curl, append([]string{"--max-time", "12", "-o", os.DevNull}, args...)...).CombinedOutput()
	return string(out)
}
