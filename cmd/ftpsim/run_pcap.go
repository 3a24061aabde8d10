package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/faults/capture"
	"github.com/ftpsim/ftpsim/internal/keylog"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

// runFunc runs one scenario, as scenarios.Run does.
type runFunc func(context.Context, scenarios.Scenario, scenarios.RunOptions) *scenarios.Result

// pcapRun returns how run --pcap DIR runs each scenario: recorded, its
// capture written to DIR/<name>.pcapng (one interface per network
// segment, the TLS secrets inside) once it ends. With dir empty it is
// scenarios.Run. errs returns the first error writing a capture. DIR is
// created if missing; an unusable DIR is refused before anything runs.
func pcapRun(dir string) (run runFunc, errs func() error, err error) {
	if dir == "" {
		return scenarios.Run, func() error { return nil }, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, usagef("--pcap: %v", err)
	}
	probe, err := os.CreateTemp(dir, ".ftpsim-pcap-*")
	if err != nil {
		return nil, nil, usagef("--pcap: directory %s is not writable: %v", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	var mu sync.Mutex
	var first error
	run = func(ctx context.Context, sc scenarios.Scenario, opts scenarios.RunOptions) *scenarios.Result {
		c := &capture.Capture{}
		opts.Capture = c
		res := scenarios.Run(ctx, sc, opts)
		if werr := writeCapture(c, filepath.Join(dir, pcapFileName(sc.Name))); werr != nil {
			mu.Lock()
			if first == nil {
				first = werr
			}
			mu.Unlock()
		}
		return res
	}
	errs = func() error {
		mu.Lock()
		defer mu.Unlock()
		return first
	}
	return run, errs, nil
}

// writeCapture writes c to path through a temporary file renamed at the
// end, so that a reader never sees half a capture.
func writeCapture(c *capture.Capture, path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".ftpsim-pcap-*")
	if err != nil {
		c.Discard()
		return fmt.Errorf("--pcap: %w", err)
	}
	defer os.Remove(f.Name()) // nothing left to remove after the rename
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("--pcap: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--pcap: write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("--pcap: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("--pcap: %w", err)
	}
	return nil
}

// pcapFileName is the capture file of a scenario: its name with path
// separators replaced, and .pcapng.
func pcapFileName(name string) string {
	return strings.NewReplacer("/", "_", `\`, "_").Replace(name) + ".pcapng"
}

// pcapUsage is the help of serve's --pcap flag; proxyPcapUsage is
// proxy's, which carries TLS it does not terminate.
const (
	pcapUsage      = "record every connection and write it as a pcapng `FILE` on exit (with faults one interface per network segment, virtual addresses; else the real loopback sockets, the server shown on port 21); the TLS secrets of the in-process server and of SSLKEYLOGFILE go inside, so tshark -r FILE -Y ftp decrypts"
	proxyPcapUsage = "record every connection and write it as a pcapng `FILE` on exit (one interface per network segment, virtual addresses); the proxy does not terminate TLS, so only the secrets read from SSLKEYLOGFILE go inside: set it for your client too (curl and Python's ssl write it) to decrypt"
)

// pcapRecorder is serve's and proxy's --pcap FILE: a capture of the
// process's connections, written to FILE on exit. A nil recorder
// records nothing.
type pcapRecorder struct {
	c    *capture.Capture
	path string
}

// startPcap checks that path can be written (creating it) and returns
// its recorder; nil for an empty path.
func startPcap(path string) (*pcapRecorder, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, usagef("--pcap: %v", err)
	}
	f.Close()
	return &pcapRecorder{c: &capture.Capture{}, path: path}, nil
}

// network records every flow of n. Call it before any client connects.
func (r *pcapRecorder) network(n *faults.Network) {
	if r != nil {
		n.Pcap = r.c
	}
}

// server records srv's TLS secrets and, when no fault network carries
// its connections (n nil), taps its real sockets: the control listeners
// shown on ports 21 and 990 so that Wireshark dissects FTP, passive
// listeners and active dials as data.
func (r *pcapRecorder) server(srv *sim.Server, n *faults.Network) {
	if r == nil {
		return
	}
	if srv.KeyLogWriter != nil {
		srv.KeyLogWriter = io.MultiWriter(srv.KeyLogWriter, r.c.KeyLog())
	} else {
		// Setting KeyLogWriter turns off the server's own SSLKEYLOGFILE,
		// so keep writing there through the process's shared appender.
		srv.KeyLogWriter = r.c.KeyLog()
		if env, err := keylog.Env(); err == nil && env != nil {
			srv.KeyLogWriter = io.MultiWriter(env, r.c.KeyLog())
		}
	}
	if n != nil {
		r.network(n)
		return
	}
	if srv.Listener != nil {
		srv.Listener = r.c.TapListener(srv.Listener, capture.TapSpec{ListenerPort: 21})
	}
	if srv.ImplicitListener != nil {
		srv.ImplicitListener = r.c.TapListener(srv.ImplicitListener, capture.TapSpec{ListenerPort: 990})
	}
	listen := srv.ListenPassive
	srv.ListenPassive = func(network, address string) (net.Listener, error) {
		var ln net.Listener
		var err error
		if listen != nil {
			ln, err = listen(network, address)
		} else {
			ln, err = net.Listen(network, address)
		}
		if err != nil {
			return nil, err
		}
		return r.c.TapListener(ln, capture.TapSpec{Data: true}), nil
	}
	dial := srv.DialActive
	srv.DialActive = func(ctx context.Context, network, address string) (net.Conn, error) {
		var nc net.Conn
		var err error
		if dial != nil {
			nc, err = dial(ctx, network, address)
		} else {
			nc, err = (&net.Dialer{}).DialContext(ctx, network, address)
		}
		if err != nil {
			return nil, err
		}
		return r.c.Tap(nc, capture.TapSpec{Dialed: true, Data: true}), nil
	}
}

// write adds the secrets of SSLKEYLOGFILE (the real clients', when they
// log there) and writes the capture to its file, saying so on w.
func (r *pcapRecorder) write(w io.Writer) {
	if r == nil {
		return
	}
	if path := os.Getenv(keylog.EnvVar); path != "" {
		if f, err := os.Open(path); err == nil {
			io.Copy(r.c.KeyLog(), f)
			f.Close()
		}
	}
	packets := r.c.Packets()
	if err := writeCapture(r.c, r.path); err != nil {
		fmt.Fprintf(w, "ftpsim: %v\n", err)
		return
	}
	fmt.Fprintf(w, "ftpsim: wrote %d packets to %s (tshark -r %s -Y ftp)\n", packets, r.path, r.path)
}

// network returns the fault network of fn, nil without one.
func (fn *faultNet) network() *faults.Network {
	if fn == nil {
		return nil
	}
	return fn.x.Network
}
