package clientsim_test

import (
	"bytes"
	"context"
	"fmt"
	gonet "net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/sim"
)

// scaleFile is what every session of the scale benchmark downloads.
const scaleFile = 1 << 20

// BenchmarkScale runs n concurrent sessions against one sim.Server, each
// login (AUTH TLS, PBSZ, PROT P), LIST, RETR of 1 MiB (checked byte for
// byte), QUIT: over loopback TCP (100 and 1,000 sessions) and over the
// faults package's memory transport (1,000 and 10,000 sessions, spread
// over 100 client hosts), all started at once with at most maxDialing
// control connections being dialed at a time. Each reports sessions/s, ms/session (wall time
// over n: how it grows with n), the process's peak RSS (VmHWM, reset
// before the run; it is per process, so it counts server and clients
// together), and fails on any session error or if goroutines or open
// file descriptors do not come back to their level before the run.
//
//	go test -run='^$' -bench=Scale -benchtime=1x ./clientsim
func BenchmarkScale(b *testing.B) {
	warmNetpoll(b)
	for _, c := range []struct {
		n      int
		memory bool
	}{{100, false}, {1000, false}, {1000, true}, {10000, true}} {
		name := "tcp-" + strconv.Itoa(c.n)
		if c.memory {
			name = "memory-" + strconv.Itoa(c.n)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				scaleRun(b, c.n, c.memory)
			}
		})
	}
}

func scaleRun(b *testing.B, n int, memory bool) {
	runtime.GC()
	baseG, baseFD := runtime.NumGoroutine(), openFDs(b)
	resetPeakRSS(b)
	gen := newGenFS(map[string]int64{"/one.bin": scaleFile})
	srv := sim.NewUnstartedServer()
	srv.FS = gen
	srv.Logger = nil
	addr := ""
	var net *faults.Network
	var clients []*faults.Host
	if memory {
		net = &faults.Network{}
		net.AddZone("internet", nil)
		host := net.AddHost("server", "internet", "203.0.113.10")
		seams, err := host.ServerSeams("203.0.113.10:21")
		if err != nil {
			b.Fatal(err)
		}
		srv.Listener, srv.ListenPassive, srv.DialActive = seams.Listener, seams.ListenPassive, seams.DialActive
		for i := range 100 {
			clients = append(clients, net.AddHost(fmt.Sprintf("client%d", i), "internet", netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + i)}).String()))
		}
		addr = "203.0.113.10:21"
	}
	srv.Start()
	if addr == "" {
		addr = srv.Addr
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	timeouts := clientsim.Timeouts{Connect: time.Minute, Reply: time.Minute, Data: time.Minute, TLSHandshake: time.Minute}
	errs := make(chan error, n)
	dials := make(chan struct{}, maxDialing)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		opts := []clientsim.Option{clientsim.WithRootCAs(srv.RootCAs()), clientsim.WithServerName("localhost"), clientsim.WithTimeouts(timeouts)}
		if memory {
			opts = append(opts, clientsim.WithDialer(clients[i%len(clients)].DialContext))
		}
		wg.Go(func() {
			if err := scaleSession(ctx, addr, opts, dials); err != nil {
				errs <- fmt.Errorf("session %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	failed := 0
	for err := range errs {
		if failed < 5 {
			b.Error(err)
		}
		failed++
	}
	peak := peakRSS(b)
	srv.Close()
	if net != nil {
		net.Close()
	}
	// Everything the run started must be gone: bounded wait for the
	// goroutines and descriptors that end asynchronously.
	var g, fd int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		g, fd = runtime.NumGoroutine(), openFDs(b)
		if (g <= baseG && fd <= baseFD) || time.Now().After(deadline) {
			break
		}
	}
	if g > baseG || fd > baseFD {
		b.Errorf("after the run: %d goroutines (before: %d), %d open files (before: %d)", g, baseG, fd, baseFD)
	}
	transport := "tcp"
	if memory {
		transport = "memory"
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "sessions/s")
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(n), "ms/session")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(failed), "errors")
	b.Logf("%s: %d concurrent sessions in %v (%.0f sessions/s, %.2f ms/session), %d errors, peak RSS %d MiB, goroutines %d->%d, FDs %d->%d",
		transport, n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), float64(elapsed.Microseconds())/1e3/float64(n),
		failed, peak>>20, baseG, g, baseFD, fd)
}

// maxDialing bounds the control connections being set up at once (dial
// to greeting): a listener's accept backlog is bounded, 1,024 flows on the
// memory transport as in a kernel, and a burst of 10,000 dials past it is
// refused. Sessions are not bounded: all n run concurrently.
const maxDialing = 512

// scaleSession is one client's whole session; it holds a slot of dials
// while it dials.
func scaleSession(ctx context.Context, addr string, opts []clientsim.Option, dials chan struct{}) error {
	dials <- struct{}{}
	c, err := clientsim.Dial(ctx, addr, opts...)
	<-dials
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer c.Close()
	if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	names, err := c.List(ctx, "/")
	if err != nil || len(names) != 1 || !strings.Contains(names[0], "one.bin") {
		return fmt.Errorf("LIST = %q, %v", names, err)
	}
	v := &genVerifier{}
	if n, err := c.Retrieve(ctx, "one.bin", v); err != nil || n != scaleFile {
		return fmt.Errorf("RETR = %d bytes, %v", n, err)
	}
	if err := c.Quit(ctx); err != nil {
		return fmt.Errorf("QUIT: %w", err)
	}
	return nil
}

// warmNetpoll makes the runtime open what it keeps open once the first
// socket exists (the epoll descriptor and its wake-up eventfd), so that
// the first run's baseline of file descriptors already counts them:
// otherwise whichever run comes first sees two descriptors "leak".
func warmNetpoll(b *testing.B) {
	ln, err := gonet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatalf("listen on loopback: %v", err)
	}
	ln.Close()
}

// openFDs counts this process's open file descriptors.
func openFDs(b *testing.B) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		b.Skipf("cannot count file descriptors without /proc: %v", err)
	}
	return len(ents)
}

// resetPeakRSS resets VmHWM (Linux: 5 > /proc/self/clear_refs), so the
// peak read after the run is the run's.
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset the peak RSS (%v): it includes what ran before", err)
	}
}

// peakRSS returns VmHWM from /proc/self/status, in bytes.
func peakRSS(b *testing.B) int64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("cannot read the peak RSS without /proc: %v", err)
	}
	for line := range bytes.Lines(st) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			if err != nil {
				b.Fatalf("VmHWM line %q: %v", line, err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
