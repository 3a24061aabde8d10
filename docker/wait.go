package docker

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"
)

// greeting waits until the control port answers with a 220 greeting, and
// the implicit port (if any) with a TLS handshake and 220. A TCP connect
// alone proves nothing: Docker's userland proxy accepts on the published
// port before anything listens in the container. It dials 127.0.0.1 only
// (or the host-network address), never the testcontainers host.
type greeting struct {
	control, implicit int
	host              netip.Addr // the host-network address; zero: mapped ports of 127.0.0.1
	timeout           time.Duration
}

var _ wait.Strategy = (*greeting)(nil)

// WaitUntilReady implements wait.Strategy.
func (g *greeting) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	ports := []struct {
		port     int
		implicit bool
	}{{g.control, false}}
	if g.implicit != 0 {
		ports = append(ports, struct {
			port     int
			implicit bool
		}{g.implicit, true})
	}
	for _, p := range ports {
		if err := g.waitPort(ctx, target, p.port, p.implicit); err != nil {
			return err
		}
	}
	return nil
}

func (g *greeting) waitPort(ctx context.Context, target wait.StrategyTarget, port int, implicit bool) error {
	var last error
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := exited(ctx, target); err != nil {
			return err
		}
		addr, err := g.addr(ctx, target, port)
		if err == nil {
			last = greet(ctx, addr, implicit)
			if last == nil {
				return nil
			}
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("port %d did not greet within %v: %w", port, g.timeout, last)
		case <-tick.C:
		}
	}
}

// addr is where port is reached from this machine.
func (g *greeting) addr(ctx context.Context, target wait.StrategyTarget, port int) (string, error) {
	if g.host.IsValid() {
		return net.JoinHostPort(g.host.String(), strconv.Itoa(port)), nil
	}
	mapped, err := target.MappedPort(ctx, portSpec(port))
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(loopback, mapped.Port()), nil
}

// exited returns an error with the container's last log lines if it is
// no longer running.
func exited(ctx context.Context, target wait.StrategyTarget) error {
	st, err := target.State(ctx)
	if err != nil || st.Running {
		return nil
	}
	msg := fmt.Sprintf("container %s (exit code %d)", st.Status, st.ExitCode)
	if rc, err := target.Logs(ctx); err == nil {
		b, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
		rc.Close()
		msg += ": " + tail(string(b), 8)
	}
	return errors.New(msg)
}

// greet dials addr and reads the greeting; for an implicit port it does
// the TLS handshake first. Readiness only: the certificate is not
// verified here (it may be one of the deliberately bad ones); clients
// verify it.
func greet(ctx context.Context, addr string, implicit bool) error {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	var rw net.Conn = conn
	if implicit {
		tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true}) // readiness probe, see above
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("implicit TLS handshake: %w", err)
		}
		rw = tc
	}
	line, err := bufio.NewReader(rw).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read greeting: %w", err)
	}
	if !strings.HasPrefix(line, "220") {
		return fmt.Errorf("greeting %q is not 220", strings.TrimSpace(line))
	}
	return nil
}

// tail returns the last n non-empty lines of s, joined with " | ".
func tail(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
