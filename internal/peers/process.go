package peers

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Timeouts for stopping a server: SIGTERM first, SIGKILL after termGrace.
const (
	termGrace = 3 * time.Second
	killGrace = 5 * time.Second
)

// process is a server program running in its own process group.
type process struct {
	cmd  *exec.Cmd
	out  string        // file with the program's stdout and stderr
	done chan struct{} // closed when cmd.Wait returns
	err  error         // cmd.Wait's error, valid after done
}

// startProcess starts argv in dir with a minimal environment, in a new
// process group, stdout and stderr appended to dir/<name>.out. cred, when
// not nil, sets the uid and gid of the program.
func startProcess(name, dir string, argv []string, cred *syscall.Credential, env ...string) (*process, error) {
	outPath := filepath.Join(dir, name+".out")
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	defer out.Close() // the child has its own copy
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "HOME=" + dir}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{cmd: cmd, out: outPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// pid returns the process id of the program, which is also its process group.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the program has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitListening waits until the program listens on 127.0.0.1:port and a TCP
// connection to it succeeds. It fails early when the program exits or when
// the port belongs to another process.
func (p *process) waitListening(ctx context.Context, port int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var d net.Dialer
	for {
		if p.exited() {
			return fmt.Errorf("wait for %s: program exited: %v", addr, p.err)
		}
		if ino := listenInode(port); ino != 0 {
			if !holdsSocket(p.members(), ino) {
				if p.exited() {
					continue
				}
				return fmt.Errorf("wait for %s: port is held by another process", addr)
			}
			dctx, dcancel := context.WithTimeout(ctx, time.Second)
			c, err := d.DialContext(dctx, "tcp4", addr)
			dcancel()
			if err == nil {
				c.Close()
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w", addr, ctx.Err())
		case <-p.done:
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// members returns the live processes of the server: its process group,
// and while the program itself runs, it and all its descendants.
func (p *process) members() []procStat {
	root := p.pid()
	if p.exited() {
		root = 0 // the pid may be reused now; the group cannot while it has members
	}
	return family(root, p.pid())
}

// stop signals every process of the server, SIGTERM and then SIGKILL, and
// waits until all of them are gone. Processes are remembered across rounds,
// since session processes that left the group are no longer found through
// the program once it has exited.
func (p *process) stop() error {
	known := map[int]procStat{}
	for _, round := range []struct {
		sig   syscall.Signal
		grace time.Duration
	}{{syscall.SIGTERM, termGrace}, {syscall.SIGKILL, killGrace}} {
		if p.signalAndWait(known, round.sig, round.grace) {
			return nil
		}
	}
	var left []int
	for _, st := range known {
		if stillRunning(st) {
			left = append(left, st.pid)
		}
	}
	return fmt.Errorf("stop pid %d: still running after SIGKILL: %v", p.pid(), left)
}

// signalAndWait sends sig to every process of the server, including ones
// that appear meanwhile, and waits up to grace for all of them to exit.
func (p *process) signalAndWait(known map[int]procStat, sig syscall.Signal, grace time.Duration) bool {
	signaled := map[int]bool{}
	deadline := time.Now().Add(grace)
	for {
		for _, st := range p.members() {
			known[st.pid] = st
		}
		running := 0
		for pid, st := range known {
			if !stillRunning(st) {
				continue
			}
			running++
			if !signaled[pid] {
				signaled[pid] = true
				_ = syscall.Kill(pid, sig)
			}
		}
		if running == 0 && p.exited() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
