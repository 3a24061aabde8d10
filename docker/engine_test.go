package docker_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/docker"
)

// TestMain sets the two testcontainers-go variables this machine kind
// needs when the environment does not (the Makefile and .ci/run do): no
// reaper (its image cannot be pulled) and the host is 127.0.0.1.
func TestMain(m *testing.M) {
	for k, v := range map[string]string{"TESTCONTAINERS_RYUK_DISABLED": "true", "TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1"} {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
	os.Exit(m.Run())
}

// requireEngine skips with one line when no engine answers.
func requireEngine(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("docker: -short")
	}
	if err := docker.Available(t.Context()); err != nil {
		t.Skip("docker: ", err)
	}
}

// TestAvailableWithoutEngine runs Available in child processes whose
// DOCKER_HOST names a socket where no engine answers: a stale socket
// (connection refused) and one that accepts and never replies (a hung
// engine). Each must report ErrNoEngine within Available's bound, never
// hang or panic.
func TestAvailableWithoutEngine(t *testing.T) {
	if os.Getenv("FTPSIM_DOCKER_CHILD") == "1" {
		err := docker.Available(context.Background())
		if !errors.Is(err, docker.ErrNoEngine) {
			t.Fatalf("Available = %v, want ErrNoEngine", err)
		}
		t.Log("child:", err)
		return
	}
	if testing.Short() {
		t.Skip("-short: the hung-engine case takes Available's full bound")
	}
	for _, tc := range []struct {
		name string
		hang bool
	}{{"stale socket", false}, {"hung engine", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			sock := filepath.Join(dir, "engine.sock")
			ln, err := net.Listen("unix", sock)
			if err != nil {
				t.Skip(err)
			}
			if tc.hang {
				defer ln.Close()
				go func() {
					for {
						c, err := ln.Accept()
						if err != nil {
							return
						}
						defer c.Close() // held open, never answered
					}
				}()
			} else {
				ln.(*net.UnixListener).SetUnlinkOnClose(false)
				ln.Close()
			}
			// testcontainers-go falls back to /var/run/docker.sock when
			// the configured host does not answer, so the child gets a
			// mount namespace where that path is our socket.
			args := []string{os.Args[0], "-test.run=^TestAvailableWithoutEngine$", "-test.v"}
			if _, err := os.Stat("/var/run/docker.sock"); err == nil {
				if os.Geteuid() != 0 {
					t.Skip("an engine socket exists and hiding it from a child needs root (unshare --mount)")
				}
				args = append([]string{"unshare", "--mount", "--propagation", "private", "sh", "-c",
					`mount --bind "$0" /var/run/docker.sock && exec "$@"`, sock}, args...)
			}
			cmd := exec.CommandContext(t.Context(), args[0], args[1:]...)
			cmd.Env = append(os.Environ(), "FTPSIM_DOCKER_CHILD=1", "DOCKER_HOST=", "DOCKER_CONTEXT=",
				"HOME="+dir, "XDG_RUNTIME_DIR="+dir)
			cmd.WaitDelay = time.Second
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("Available took %v without an engine", d)
			}
			i := strings.Index(string(out), "no Docker engine")
			if i < 0 {
				t.Fatalf("child output lacks the reason:\n%s", out)
			}
			line, _, _ := strings.Cut(string(out[i:]), "\n")
			t.Logf("in %v: %s", time.Since(start).Round(time.Millisecond), line)
		})
	}
}

// TestRunAnyImageAndSweep starts the ftpsim image through the generic Run
// (not its module): the image's own conventions come from WithCmdFunc.
// It logs in over explicit FTPS, then leaves the container running for
// Sweep, which must remove it.
func TestRunAnyImageAndSweep(t *testing.T) {
	requireEngine(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	im, err := docker.FTPSim.Image(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("image %s (cached %v, %v)", im.Ref, im.Cached, im.Duration.Round(time.Millisecond))
	serve := func(s docker.Settings) []string {
		return []string{"--addr", "0.0.0.0:2121", "--tls", "required", "--user", s.User + ":" + s.Password,
			"--pasv-ports", s.Passive.String(), "--pasv-addr", s.AdvertisedAddr.String(),
			"--cert", s.CertFile(), "--key", s.KeyFile()}
	}
	ctr, err := docker.Run(ctx, im.Ref, docker.WithControlPort(2121), docker.WithCmdFunc(serve),
		docker.WithCredentials("alice", "s3cret"), testcontainers.WithEnv(map[string]string{"UNUSED": "1"}))
	if err != nil {
		ctr.Terminate(context.Background())
		t.Fatal(err)
	}
	t.Logf("started in %v, passive %s", ctr.Startup.Round(time.Millisecond), ctr.Settings.Passive)
	addr, err := ctr.ControlAddr(ctx)
	if err != nil || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("ControlAddr = %q, %v", addr, err)
	}
	c, err := clientsim.Dial(ctx, addr, clientsim.WithRootCAs(ctr.Settings.RootCAs()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "alice", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(ctx, "/"); err != nil {
		t.Fatalf("LIST over the identity-bound passive range: %v", err)
	}
	c.Quit(ctx)

	rep, err := docker.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Containers) != 1 {
		t.Errorf("Sweep removed %v, want the one container", rep)
	}
	if left, err := docker.Leftovers(ctx); err != nil || len(left) != 0 {
		t.Errorf("Leftovers = %v, %v", left, err)
	}
	if err := ctr.Terminate(ctx); err == nil {
		t.Log("Terminate after Sweep: no error")
	}
}
