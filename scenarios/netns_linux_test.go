package scenarios_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// netns is a network namespace of its own for a real program, whose only
// interface is its loopback: there a listener on 0.0.0.0 is on loopback
// alone. A sleeping process holds it; sockets this process makes inside
// it (with setns on a locked thread) stay there.
type netns struct {
	path string // /proc/PID/ns/net
	cmd  *exec.Cmd
}

// newNetns makes the namespace, skipping the test when that is not
// possible here (not root, no unshare or ip).
func newNetns(t *testing.T) *netns {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a network namespace of its own for the client needs root")
	}
	if _, ok := sysSetns[runtime.GOARCH]; !ok {
		t.Skipf("a network namespace of its own for the client needs setns, whose number on %s this test lacks", runtime.GOARCH)
	}
	for _, prog := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Skipf("a network namespace of its own for the client needs %s: %v", prog, err)
		}
	}
	cmd := exec.Command("unshare", "--net", "sh", "-c", "ip link set lo up && echo up && exec sleep 300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("unshare --net: %v", err)
	}
	ns := &netns{path: "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/net", cmd: cmd}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "up\n" {
		t.Fatalf("unshare --net: %q %v", line, err)
	}
	return ns
}

// do runs f on an OS thread moved into the namespace, then moves the
// thread back; a thread that cannot go back is never reused (it stays
// locked and exits with the goroutine).
func (ns *netns) do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		target, err := os.Open(ns.path)
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := setns(target); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns.path, err)
			return
		}
		ferr := f()
		if err := setns(orig); err != nil {
			errc <- fmt.Errorf("setns back: %w", err)
			return // the thread stays locked: the runtime retires it
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// sysSetns is setns(2)'s number per architecture (the syscall package
// lacks it; golang.org/x/sys is not a dependency of this module).
var sysSetns = map[string]uintptr{"amd64": 308, "arm64": 268, "riscv64": 268, "386": 346, "arm": 375, "ppc64le": 350, "s390x": 339}

func setns(f *os.File) error {
	nr, ok := sysSetns[runtime.GOARCH]
	if !ok {
		return fmt.Errorf("setns: syscall number unknown on %s", runtime.GOARCH)
	}
	if _, _, errno := syscall.Syscall(nr, f.Fd(), syscall.CLONE_NEWNET, 0); errno != 0 {
		return errno
	}
	return nil
}

// dial dials address inside the namespace.
func (ns *netns) dial(ctx context.Context, network, address string) (net.Conn, error) {
	var c net.Conn
	err := ns.do(func() error {
		var err error
		c, err = (&net.Dialer{}).DialContext(ctx, network, address)
		return err
	})
	return c, err
}

// forward listens on 127.0.0.1 inside the namespace and relays each
// connection to target, outside it; it returns the port inside. The
// relay ends with the test.
func (ns *netns) forward(t *testing.T, target string) int {
	t.Helper()
	var ln net.Listener
	if err := ns.do(func() error {
		var err error
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		return err
	}); err != nil {
		t.Fatalf("listen in the namespace: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.DialTimeout("tcp", target, 5*time.Second)
			if err != nil {
				in.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, in, out)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); copyThenCloseWrite(out, in) }()
			go func() { defer wg.Done(); copyThenCloseWrite(in, out) }()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// copyThenCloseWrite copies src to dst and half-closes dst.
func copyThenCloseWrite(dst, src net.Conn) {
	io.Copy(dst, src)
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	dst.Close()
}
