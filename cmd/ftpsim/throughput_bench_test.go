package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// curlBenchSize is the file every real-client benchmark moves, each way.
const curlBenchSize = 256 << 20

// benchServer is one FTPS server a curl benchmark drives: where it
// listens, its account and the directory its root is on disk.
type benchServer struct {
	name       string
	addr       string // 127.x.x.x:port
	user, pass string
	root       string // the FTP root on disk: the download is put there, the upload read back
	pid        int    // the server's process (its process group's leader); 0 if not known
}

// benchEnv is what the curl benchmarks share: one certificate for every
// server (localhost, 127.0.0.1, 127.0.0.2; so the TLS cost is the same
// everywhere), its CA, the random payload and its SHA-256.
type benchEnv struct {
	dir               string
	certFile, keyFile string
	caFile            string
	payload           string
	sum               [32]byte
	curl              string
	shm               string // a directory on tmpfs for the FTP roots; "" if none
}

// newBenchEnv skips when curl is missing, and writes the certificate and
// a random 256 MiB payload (random: nothing on the path can compress it).
func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	curl, err := exec.LookPath(peers.CurlPath)
	if err != nil {
		b.Skipf("curl is missing (%v): install it with .ci/install-peers.sh or apt-get install curl", err)
	}
	e := &benchEnv{dir: b.TempDir(), curl: curl}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if e.shm, err = os.MkdirTemp("/dev/shm", "ftpsim-bench-"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(e.shm) })
		if err := os.Chmod(e.shm, 0o755); err != nil { // the servers' FTP user must reach its root
			b.Fatal(err)
		}
		e.dir = e.shm // curl's files too: the payload it uploads, the file it downloads
	} else {
		b.Log("no /dev/shm: the FTP roots are on disk, so uploads measure the disk too")
	}
	set, err := pki.NewSet(pki.SetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	leaf, err := set.CA.Server(pki.LeafOptions{DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 2)}})
	if err != nil {
		b.Fatal(err)
	}
	if err := leaf.WriteFiles(e.dir, "server"); err != nil {
		b.Fatal(err)
	}
	e.certFile, e.keyFile = filepath.Join(e.dir, "server.crt"), filepath.Join(e.dir, "server.key")
	e.caFile = filepath.Join(e.dir, "ca.crt")
	if err := set.CA.WriteCertFile(e.caFile); err != nil {
		b.Fatal(err)
	}
	e.payload = filepath.Join(e.dir, "payload.bin")
	f, err := os.Create(e.payload)
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.Reader, curlBenchSize); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	copy(e.sum[:], h.Sum(nil))
	return e
}

// serve starts ftpsim serve on 127.0.0.1 with the shared certificate and
// a root on disk holding the payload as big.bin; extra are more flags.
func (e *benchEnv) serve(b *testing.B, bin, name string, extra ...string) benchServer {
	b.Helper()
	root := e.rootDir(b, "serve")
	e.place(b, root)
	ctl, pasv := freeLoopbackPorts(b)
	addr := fmt.Sprintf("127.0.0.1:%d", ctl)
	args := append([]string{"serve", "--addr", addr, "--pasv-ports", pasv.String(), "--root", root,
		"--cert", e.certFile, "--key", e.keyFile, "--quiet"}, extra...)
	p := startFtpsim(b, bin, args...)
	return benchServer{name: name, addr: addr, user: sim.DefaultUser, pass: sim.DefaultPassword, root: root, pid: p.cmd.Process.Pid}
}

// real starts a real server from internal/peers, skipping when it is not
// installed, and puts the payload into its root.
func (e *benchEnv) real(b *testing.B, name string, start func(context.Context, peers.Config) (*peers.Server, error)) benchServer {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := start(ctx, peers.Config{Dir: b.TempDir(), CertFile: e.certFile, KeyFile: e.keyFile, DataDir: e.rootDir(b, name)})
	var nie *peers.NotInstalledError
	if errors.As(err, &nie) {
		b.Skipf("%s: %v", name, nie)
	}
	if err != nil {
		b.Fatalf("start %s: %v", name, err)
	}
	b.Cleanup(func() { srv.Close() })
	e.place(b, srv.DataDir)
	return benchServer{name: name, addr: srv.Addr, user: srv.User, pass: srv.Password, root: srv.DataDir, pid: srv.Pid()}
}

// rootDir makes an FTP root for one server on tmpfs (/dev/shm) when there
// is one, so that what is measured is the servers and not the disk: on
// this machine's disk the page cache alone takes 0.4 s for 256 MiB. The
// roots go when the benchmark ends.
func (e *benchEnv) rootDir(b *testing.B, name string) string {
	b.Helper()
	base := e.shm
	if base == "" {
		base = b.TempDir()
	}
	dir, err := os.MkdirTemp(base, strings.ReplaceAll(name, " ", "-")+"-")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	return dir
}

// place copies the payload into dir as big.bin, readable by the servers'
// unprivileged FTP user.
func (e *benchEnv) place(b *testing.B, dir string) {
	b.Helper()
	src, err := os.Open(e.payload)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(dir, "big.bin"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}

// curlRun is one measured curl transfer.
type curlRun struct {
	total    float64 // MB/s over curl's whole run (login included): its speed_download / speed_upload
	transfer float64 // MB/s from the start of the transfer (time_pretransfer) to the end
	cpu      float64 // seconds of CPU the server spent on the session (user and system), -1 if unknown
}

// transfer runs curl once, a RETR of big.bin (upload false) or a STOR of
// the payload as up.bin, checks the bytes (SHA-256 of what arrived) and
// returns its rates. MB is 10^6 bytes.
func (e *benchEnv) transfer(b *testing.B, s benchServer, upload bool) curlRun {
	b.Helper()
	local := filepath.Join(e.dir, "back.bin")
	args := []string{"-q", "-sS", "--noproxy", "*", "--ssl-reqd", "--cacert", e.caFile, "-u", s.user + ":" + s.pass,
		"--connect-timeout", "10", "--max-time", "120",
		"-w", "%{size_download} %{size_upload} %{time_pretransfer} %{time_total}"}
	if upload {
		args = append(args, "-T", e.payload, "ftp://"+s.addr+"/up.bin")
	} else {
		os.Remove(local)
		args = append(args, "-o", local, "ftp://"+s.addr+"/big.bin")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	before := serverCPU(b, s.pid)
	out, err := exec.CommandContext(ctx, e.curl, args...).Output()
	after := serverCPU(b, s.pid)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		b.Fatalf("curl against %s (upload %t): %v", s.name, upload, err)
	}
	f := strings.Fields(string(out))
	if len(f) != 4 {
		b.Fatalf("curl -w printed %q", out)
	}
	var v [4]float64
	for i := range v {
		if v[i], err = strconv.ParseFloat(f[i], 64); err != nil {
			b.Fatalf("curl -w printed %q: %v", out, err)
		}
	}
	moved, pre, total := v[0], v[2], v[3]
	check := local
	if upload {
		moved, check = v[1], filepath.Join(s.root, "up.bin")
	}
	if moved != curlBenchSize {
		b.Fatalf("curl against %s (upload %t) moved %.0f bytes, want %d", s.name, upload, moved, curlBenchSize)
	}
	if got := sumFile(b, check); got != e.sum {
		b.Fatalf("curl against %s (upload %t): %s has SHA-256 %x, want %x", s.name, upload, check, got, e.sum)
	}
	cpu := -1.0
	if before >= 0 && after >= 0 {
		cpu = after - before
	}
	return curlRun{total: curlBenchSize / total / 1e6, transfer: curlBenchSize / (total - pre) / 1e6, cpu: cpu}
}

// clockTick is the unit of the CPU times in /proc/PID/stat (USER_HZ,
// 100 on Linux).
const clockTick = 0.01

// serverCPU returns the CPU seconds (user and system) the server has used,
// with those of its processes that have ended: for vsftpd and pure-ftpd,
// which fork a process (or two) per session, that is the listener's own
// time plus cutime and cstime, which hold the reaped sessions'. It first
// waits (up to 3 s) for the sessions of the process group to end and be
// reaped, so the time of a session just closed is counted. -1 when pid is
// 0 or /proc cannot be read.
func serverCPU(b *testing.B, pid int) float64 {
	b.Helper()
	if pid == 0 {
		return -1
	}
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && groupSize(pid) > 1; {
		time.Sleep(20 * time.Millisecond)
	}
	f := statFields(pid)
	if len(f) < 17 {
		return -1
	}
	var ticks float64
	for _, i := range []int{13, 14, 15, 16} { // utime stime cutime cstime
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return -1
		}
		ticks += v
	}
	return ticks * clockTick
}

// statFields splits /proc/PID/stat into its fields (the command name, in
// parentheses, may hold spaces: fields are counted after it); nil if it
// cannot be read.
func statFields(pid int) []string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(raw), ')')
	if i < 0 {
		return nil
	}
	return append([]string{"pid", "comm"}, strings.Fields(string(raw[i+1:]))...)
}

// groupSize counts the live processes of process group pgid.
func groupSize(pgid int) int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := statFields(pid); len(f) > 4 && f[4] == strconv.Itoa(pgid) && f[2] != "Z" {
			n++
		}
	}
	return n
}

func sumFile(b *testing.B, path string) [32]byte {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		b.Fatal(err)
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

// direction names a transfer direction for tables and metrics.
func direction(upload bool) string {
	if upload {
		return "STOR"
	}
	return "RETR"
}

// medians runs rounds rounds of one curl RETR and one STOR against every
// server, alternating (the order of the servers rotates each round, so
// none always runs first on a cold cache), and returns the median rates
// per server and direction, and a table of every run.
func (e *benchEnv) medians(b *testing.B, servers []benchServer, rounds int) (map[string]map[bool]curlRun, string) {
	b.Helper()
	runs := map[string]map[bool][]curlRun{}
	for _, s := range servers {
		runs[s.name] = map[bool][]curlRun{}
	}
	for r := range rounds {
		for _, upload := range []bool{false, true} {
			for i := range servers {
				s := servers[(i+r)%len(servers)]
				runs[s.name][upload] = append(runs[s.name][upload], e.transfer(b, s, upload))
			}
		}
	}
	med := map[string]map[bool]curlRun{}
	var t strings.Builder
	fmt.Fprintf(&t, "\n%-26s %-4s %-24s %9s %12s %14s\n", "server", "dir", "runs MB/s (whole curl)", "median", "transfer", "server CPU s")
	for _, s := range servers {
		med[s.name] = map[bool]curlRun{}
		for _, upload := range []bool{false, true} {
			rs := runs[s.name][upload]
			m := medianRun(rs)
			med[s.name][upload] = m
			var each []string
			for _, x := range rs {
				each = append(each, fmt.Sprintf("%.0f", x.total))
			}
			fmt.Fprintf(&t, "%-26s %-4s %-24s %9.0f %12.0f %14.2f\n", s.name, direction(upload), strings.Join(each, " / "), m.total, m.transfer, m.cpu)
		}
	}
	return med, t.String()
}

// medianRun returns the median of each rate on its own.
func medianRun(rs []curlRun) curlRun {
	tot, xfer, cpu := make([]float64, len(rs)), make([]float64, len(rs)), make([]float64, len(rs))
	for i, r := range rs {
		tot[i], xfer[i], cpu[i] = r.total, r.transfer, r.cpu
	}
	slices.Sort(tot)
	slices.Sort(xfer)
	slices.Sort(cpu)
	return curlRun{total: tot[len(tot)/2], transfer: xfer[len(xfer)/2], cpu: cpu[len(cpu)/2]}
}

func vsftpdStart(ctx context.Context, c peers.Config) (*peers.Server, error) {
	return peers.Vsftpd{Config: c}.Start(ctx)
}

func pureFTPdStart(ctx context.Context, c peers.Config) (*peers.Server, error) {
	return peers.PureFTPd{Config: c}.Start(ctx)
}

// BenchmarkCurlThroughput moves 256 MiB with real curl (OpenSSL) over FTPS
// with PROT P on loopback, RETR and STOR, against ftpsim serve (--root on
// disk), real vsftpd and real pure-ftpd, all with the same ECDSA
// certificate, alternating, three rounds; every transfer is checked with
// SHA-256. It reports, per direction, ftpsim's median over the best real
// server's median (ratio-RETR, ratio-STOR; the goal is 1.5), the
// same from curl's time_pretransfer on (ratio-transfer-*), and the CPU the
// server spent per session, the leanest real server's over ftpsim's
// (cpu-ratio-*: read from /proc, the forked session processes included),
// and prints every run. "whole curl" is curl's own speed_download or
// speed_upload (bytes over the whole run, login included); "transfer"
// starts at curl's time_pretransfer.
//
//	go test -run='^$' -bench=CurlThroughput -benchtime=1x ./cmd/ftpsim
//
// With FTPSIM_BENCH_BASELINE set to another ftpsim binary (one built from
// an earlier commit), that binary's serve joins the rotation as "ftpsim
// baseline" and ratio-baseline-RETR/STOR report this tree's median over
// its median: a before/after measured in one alternating run.
func BenchmarkCurlThroughput(b *testing.B) {
	e := newBenchEnv(b)
	bin := buildFtpsim(b)
	servers := []benchServer{
		e.serve(b, bin, "ftpsim serve"),
		e.real(b, "vsftpd", vsftpdStart),
		e.real(b, "pure-ftpd", pureFTPdStart),
	}
	baseline := os.Getenv("FTPSIM_BENCH_BASELINE")
	if baseline != "" {
		if _, err := os.Stat(baseline); err != nil {
			b.Fatalf("FTPSIM_BENCH_BASELINE: %v; set it to an ftpsim binary or unset it", err)
		}
		servers = append(servers, e.serve(b, baseline, "ftpsim baseline"))
	}
	for b.Loop() {
		med, table := e.medians(b, servers, 3)
		b.Log(table)
		for _, upload := range []bool{false, true} {
			best := max(med["vsftpd"][upload].total, med["pure-ftpd"][upload].total)
			ratio := med["ftpsim serve"][upload].total / best
			b.ReportMetric(ratio, "ratio-"+direction(upload))
			b.ReportMetric(med["ftpsim serve"][upload].total, "ftpsim-"+direction(upload)+"-MB/s")
			b.Logf("%s: ftpsim serve %.0f MB/s, best real server %.0f MB/s: %.2fx (goal 1.5x)",
				direction(upload), med["ftpsim serve"][upload].total, best, ratio)
			bestXfer := max(med["vsftpd"][upload].transfer, med["pure-ftpd"][upload].transfer)
			b.ReportMetric(med["ftpsim serve"][upload].transfer/bestXfer, "ratio-transfer-"+direction(upload))
			// CPU per session: the server's own cost, which curl's
			// speed does not bound (higher is better for ftpsim).
			if c := med["ftpsim serve"][upload].cpu; c > 0 && med["vsftpd"][upload].cpu >= 0 && med["pure-ftpd"][upload].cpu >= 0 {
				leanest := min(med["vsftpd"][upload].cpu, med["pure-ftpd"][upload].cpu)
				b.ReportMetric(leanest/c, "cpu-ratio-"+direction(upload))
				b.Logf("%s: server CPU per 256 MiB session: ftpsim serve %.2f s, leanest real server %.2f s: it spends %.2fx less",
					direction(upload), c, leanest, leanest/c)
			}
			if baseline != "" {
				r := med["ftpsim serve"][upload].total / med["ftpsim baseline"][upload].total
				b.ReportMetric(r, "ratio-baseline-"+direction(upload))
				b.Logf("%s: ftpsim serve %.2fx the baseline binary", direction(upload), r)
			}
		}
	}
}

// BenchmarkCurlOverhead measures, with the same curl transfers, what the
// fault layers cost when no fault is active: ftpsim serve behind its
// fault network (--api alone: every connection is a flow through the
// virtual network, no toxic) against ftpsim serve direct, and ftpsim
// proxy (on 127.0.0.2, no fault) in front of real vsftpd against vsftpd
// direct. It reports faults-RETR, faults-STOR, proxy-RETR and proxy-STOR,
// each the median through the layer over the median direct (the issue's
// goal is 0.9).
//
//	go test -run='^$' -bench=CurlOverhead -benchtime=1x ./cmd/ftpsim
func BenchmarkCurlOverhead(b *testing.B) {
	e := newBenchEnv(b)
	bin := buildFtpsim(b)
	api, err := peers.FreePort()
	if err != nil {
		b.Fatal(err)
	}
	direct := e.serve(b, bin, "ftpsim serve")
	behind := e.serve(b, bin, "ftpsim serve behind faults", "--api", fmt.Sprintf("127.0.0.1:%d", api))
	vs, vsCfg := e.realVsftpd(b)
	entry, err := peers.FreePort()
	if err != nil {
		b.Fatal(err)
	}
	proxyAddr := fmt.Sprintf("127.0.0.2:%d", entry)
	startFtpsim(b, bin, "proxy", "--target", vs.addr, "--pasv-ports", vsCfg.PassivePorts.String(), "--listen", proxyAddr, "--quiet")
	proxied := vs
	proxied.name, proxied.addr = "ftpsim proxy -> vsftpd", proxyAddr
	for b.Loop() {
		med, table := e.medians(b, []benchServer{direct, behind, vs, proxied}, 3)
		b.Log(table)
		for _, upload := range []bool{false, true} {
			d := direction(upload)
			f := med[behind.name][upload].total / med[direct.name][upload].total
			p := med[proxied.name][upload].total / med[vs.name][upload].total
			b.ReportMetric(f, "faults-"+d)
			b.ReportMetric(p, "proxy-"+d)
			b.Logf("%s: through faults %.2fx of direct, through proxy %.2fx of vsftpd direct (goal 0.9x)", d, f, p)
		}
	}
}

// realVsftpd starts vsftpd and returns it with the server whose passive
// range the proxy must mirror.
func (e *benchEnv) realVsftpd(b *testing.B) (benchServer, *peers.Server) {
	b.Helper()
	var srv *peers.Server
	s := e.real(b, "vsftpd", func(ctx context.Context, c peers.Config) (*peers.Server, error) {
		var err error
		srv, err = vsftpdStart(ctx, c)
		return srv, err
	})
	return s, srv
}
