package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
)

// TestBannerCommands runs, for every catalogue scenario, ftpsim serve
// --scenario NAME and the curl command its banner says reproduces the
// scenario, and checks that curl gets the predicted outcome: exit 0 for a
// success; for a failure a non-zero exit and, when the catalogue names a
// reply code, that reply in curl's trace. Scenarios whose banner says no
// curl command reproduces them are counted and logged with the reason.
func TestBannerCommands(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (.ci/install-peers.sh installs it)")
	}
	bin := buildFtpsim(t)
	dir := t.TempDir()
	var mu sync.Mutex
	ran, nearest := 0, map[string]string{}
	sem := make(chan struct{}, 4)
	t.Run("scenarios", func(t *testing.T) {
		for _, sc := range scenarios.Catalogue() {
			t.Run(sc.Name, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				ctl, pasv := freeLoopbackPorts(t)
				imp, err := peers.FreePort()
				if err != nil {
					t.Fatal(err)
				}
				ca := filepath.Join(dir, sc.Name+"-ca.pem")
				p := startFtpsim(t, bin, "serve", "--scenario", sc.Name, "--quiet", "--addr", fmt.Sprintf("127.0.0.1:%d", ctl),
					"--implicit-addr", fmt.Sprintf("127.0.0.1:%d", imp), "--pasv-ports", pasv.String(), "--ca-out", ca)
				defer p.stop(t)
				banner := p.output()
				cmdLine, size, ok := reproduceLine(banner)
				if !ok {
					mu.Lock()
					nearest[sc.Name] = lineWith(banner, "curl command")
					mu.Unlock()
					return
				}
				trace, runErr := runReproduceLine(t, curl, cmdLine, size)
				mu.Lock()
				ran++
				mu.Unlock()
				want := sc.Expect
				switch {
				case want.Result == scenarios.Success && runErr != nil:
					t.Errorf("banner command %q: %v; the scenario expects success\n%s", cmdLine, runErr, trace.String())
				case want.Result == scenarios.Failure && runErr == nil:
					t.Errorf("banner command %q succeeded; the scenario expects %s\n%s", cmdLine, want, trace.String())
				case want.Result == scenarios.Failure && want.Phase == "transfer" && strings.Contains(cmdLine, " -T ") &&
					strings.Contains(trace.String(), "curl: (55) Send failure"):
					// the cut upload, as the banner says curl reports it
				case want.Result == scenarios.Failure && want.Code != 0 && !strings.Contains(trace.String(), "< "+strconv.Itoa(want.Code)+" "):
					t.Errorf("banner command %q: no %d reply in curl's trace; the scenario expects %s\n%s", cmdLine, want.Code, want, trace.String())
				}
			})
		}
	})
	t.Logf("%d banner commands ran and got the predicted outcome; %d scenarios have no exact curl command:", ran, len(nearest))
	for name, line := range nearest {
		t.Logf("  %s: %s", name, line)
	}
	if ran < 20 {
		t.Errorf("only %d scenarios have a reproducing curl command; the banner should cover the common cases", ran)
	}
}

// runReproduceLine runs a banner's curl command line (from reproduceLine)
// with curl, its FILE replaced by a file of size bytes (size < 0: no
// FILE), bounded by --max-time 12, and returns curl's output and error.
// It fails the test if the line dials anything but loopback.
func runReproduceLine(t *testing.T, curl, cmdLine string, size int64) (*bytes.Buffer, error) {
	t.Helper()
	args := strings.Fields(cmdLine)[1:]
	file := ""
	if size >= 0 {
		file = filepath.Join(t.TempDir(), "upload.bin")
		if err := os.WriteFile(file, bytes.Repeat([]byte("ftpsim-banner-"), int(size/14)+1)[:size], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, a := range args {
		if a == "FILE" && file != "" {
			args[i] = file
		}
		if u, ok := strings.CutPrefix(a, "ftp://"); ok && !strings.HasPrefix(u, "127.") && !strings.HasPrefix(u, "localhost:") {
			t.Fatalf("the reproduce line dials %s, not loopback", a)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, curl, append([]string{"--max-time", "12"}, args...)...)
	var trace bytes.Buffer
	cmd.Stdout, cmd.Stderr = &trace, &trace
	return &trace, cmd.Run()
}

// reproduceLine finds the banner's "reproduce with:" command and the size
// its FILE must have (-1: no FILE).
func reproduceLine(banner string) (string, int64, bool) {
	cmd := ""
	var size int64 = -1
	for _, l := range strings.Split(banner, "\n") {
		if c, ok := strings.CutPrefix(l, "reproduce with: "); ok {
			cmd = c
		}
		if _, rest, ok := strings.Cut(l, "FILE: any file of "); ok {
			n, _, _ := strings.Cut(rest, " ")
			size, _ = strconv.ParseInt(n, 10, 64)
		}
	}
	return cmd, size, cmd != ""
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return "(no curl line)"
}
