package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ftpsim/ftpsim/faults/capture"
	"github.com/ftpsim/ftpsim/scenarios"
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
