package dockersuite_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	gtypes "github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega/types"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/ftpsim/ftpsim/docker"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
	dockersuite "github.com/ftpsim/ftpsim/suites/docker"
)

// Passive windows: each Ginkgo process owns 200 ports from 21000 on (so
// ginkgo -p processes never collide, and nothing here meets Linux's
// ephemeral range or the real-peer tests' 30000-30499), handed out 10 at
// a time and returned when the container terminates.
const (
	windowBase    = 21000
	windowsPerPro = 20
	windowSize    = 10
)

// windowRest is how long a released window rests before it is handed
// out again: the ports of a terminated container's docker-proxy and the
// TIME_WAIT of its connections linger a moment, and a container bound to
// them at once failed to start ("address already in use").
const windowRest = 5 * time.Second

var windows struct {
	mu       sync.Mutex
	used     [windowsPerPro]bool
	released [windowsPerPro]time.Time
}

// takeWindow hands out a free window, preferring rested ones; it waits
// (bounded by windowRest) for one to rest if all free ones are fresh.
func takeWindow() (docker.PortRange, func()) {
	deadline := time.Now().Add(windowRest + time.Second)
	for {
		w, release, wait := tryWindow()
		if release != nil {
			return w, release
		}
		if wait < 0 || time.Now().After(deadline) {
			Fail("all passive windows of this process are in use")
		}
		time.Sleep(wait)
	}
}

// tryWindow returns a rested free window, or how long until one rests (-1:
// none is free).
func tryWindow() (docker.PortRange, func(), time.Duration) {
	windows.mu.Lock()
	defer windows.mu.Unlock()
	base := windowBase + (GinkgoParallelProcess()-1)*windowsPerPro*windowSize
	wait := time.Duration(-1)
	for i := range windows.used {
		if windows.used[i] {
			continue
		}
		if rest := windowRest - time.Since(windows.released[i]); rest > 0 {
			if wait < 0 || rest < wait {
				wait = rest
			}
			continue
		}
		windows.used[i] = true
		first := base + i*windowSize
		return docker.PortRange{Low: uint16(first), High: uint16(first + windowSize - 1)}, func() {
			windows.mu.Lock()
			defer windows.mu.Unlock()
			windows.used[i] = false
			windows.released[i] = time.Now()
		}, 0
	}
	return docker.PortRange{}, nil, wait
}

// startContainer starts a container of p with a window of this process,
// the Good certificate of the suite's set (opts may override it) and an
// implicit port where the product has one. It fails the spec if the start
// fails; the returned stop terminates it and returns the window.
func startContainer(ctx context.Context, p *docker.Product, opts ...testcontainers.ContainerCustomizer) (*docker.Container, func()) {
	GinkgoHelper()
	ref := requireImage(p)
	// A window's port can still be held by the docker-proxy of a container
	// terminated moments ago (seen in CI: "Error starting userland proxy:
	// listen tcp4 127.0.0.1:21169: bind: address already in use"): then
	// the container is started again on another window, at most 3 times.
	for attempt := 1; ; attempt++ {
		w, release := takeWindow()
		all := []testcontainers.ContainerCustomizer{
			testcontainers.WithLogger(tclog.TestLogger(GinkgoTB())), // to GinkgoWriter: shown on failure and with -v
			docker.WithPassivePorts(w.Low, w.High),
			docker.WithCertificate(set.Get(pki.Good), set.CA),
		}
		if p.Implicit {
			all = append(all, docker.WithImplicitPort(990))
		}
		c, err := p.Run(ctx, ref, append(all, opts...)...)
		stop := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c.Terminate(ctx)
			release()
		}
		if err != nil && attempt < 3 && ctx.Err() == nil && portTaken(err) {
			AddReportEntry("port conflict", fmt.Sprintf("%s on window %s, attempt %d: %v", p.Name, w, attempt, err))
			stop()
			continue
		}
		if err != nil {
			stop()
			Fail(fmt.Sprintf("start %s: %v", p.Name, err))
		}
		AddReportEntry(entryStartup, fmt.Sprintf("%s %v", p.Name, c.Startup), gtypes.ReportEntryVisibilityFailureOrVerbose)
		return c, stop
	}
}

// portTaken reports whether a container start failed because a host port
// was in use.
func portTaken(err error) bool {
	s := err.Error()
	return strings.Contains(s, "address already in use") || strings.Contains(s, "port is already allocated")
}

// containerTarget is the container as a scenarios target on loopback.
func containerTarget(ctx context.Context, c *docker.Container) *scenarios.Target {
	GinkgoHelper()
	t := &scenarios.Target{User: c.Settings.User, Password: c.Settings.Password, RootCAs: set.CA.Pool()}
	if c.Settings.HostNetwork.IsValid() {
		// The test certificates name localhost, 127.0.0.1 and ::1, not
		// the container's own 127.x.y.z.
		t.ServerName = "localhost"
	}
	var err error
	if t.Addr, err = c.ControlAddr(ctx); err != nil {
		Fail(err.Error())
	}
	if c.Settings.ImplicitPort != 0 {
		if t.ImplicitAddr, err = c.ImplicitAddr(ctx); err != nil {
			Fail(err.Error())
		}
	}
	return t
}

// runPersona runs sc's client side against p's in-process persona with
// apply's settings, started on loopback (or by attach, on a network).
func runPersona(ctx context.Context, p *docker.Product, sc scenarios.Scenario, apply func(*sim.Server),
	attach func(*sim.Server) (*scenarios.Target, error)) *scenarios.Result {
	GinkgoHelper()
	srv, err := dockersuite.Persona(p, set)
	if err != nil {
		Fail(err.Error())
	}
	apply(srv)
	var t *scenarios.Target
	if attach != nil {
		if t, err = attach(srv); err != nil {
			Fail("attach persona: " + err.Error())
		}
	}
	if err := srv.Listen(); err != nil {
		Fail("persona: " + err.Error())
	}
	defer srv.Close()
	if t == nil {
		t = &scenarios.Target{Addr: srv.Addr, ImplicitAddr: srv.ImplicitAddr, User: sim.DefaultUser,
			Password: sim.DefaultPassword, RootCAs: set.CA.Pool()}
	}
	return scenarios.Run(ctx, sc, scenarios.RunOptions{Target: t, PKI: set, Timeout: runTimeout})
}

// runTarget runs sc's client side against t.
func runTarget(ctx context.Context, sc scenarios.Scenario, t *scenarios.Target) *scenarios.Result {
	return scenarios.Run(ctx, sc, scenarios.RunOptions{Target: t, PKI: set, Timeout: runTimeout})
}

// outcome is an outcome with every field significant.
func outcome(o scenarios.Outcome) string { return dockersuite.OutcomeText(o) }

// runContainerOnNetwork runs sc's client side on sc's virtual network
// with the container behind its server host (scenarios.Network.Backend:
// the control port and the container's passive range, published 1:1 on
// loopback).
func runContainerOnNetwork(ctx context.Context, sc scenarios.Scenario, c *docker.Container) *scenarios.Result {
	GinkgoHelper()
	n, err := sc.Network.Build(c.Settings.Passive, false)
	if err != nil {
		Fail("network: " + err.Error())
	}
	defer n.Net.Close()
	ctl, err := c.ControlAddr(ctx)
	if err != nil {
		Fail(err.Error())
	}
	addr, err := netip.ParseAddrPort(ctl)
	if err != nil {
		Fail(err.Error())
	}
	if _, err := n.Backend(addr); err != nil {
		Fail("backend: " + err.Error())
	}
	return runTarget(ctx, sc, &scenarios.Target{User: c.Settings.User, Password: c.Settings.Password,
		RootCAs: set.CA.Pool(), Network: n})
}

// personaOnNetwork puts the persona on a network built from sc's, with
// the same passive range as the container, for runPersona.
func personaOnNetwork(sc scenarios.Scenario, passive docker.PortRange) func(*sim.Server) (*scenarios.Target, error) {
	return func(srv *sim.Server) (*scenarios.Target, error) {
		n, err := sc.Network.Build(passive, false)
		if err != nil {
			return nil, err
		}
		if err := n.Attach(srv); err != nil {
			n.Net.Close()
			return nil, err
		}
		DeferCleanup(n.Net.Close)
		return &scenarios.Target{User: sim.DefaultUser, Password: sim.DefaultPassword, RootCAs: set.CA.Pool(), Network: n}, nil
	}
}

// EndLikePersona succeeds when the container's run ended exactly as the
// persona's: result, phase, reply code and error class all equal.
func EndLikePersona(persona *scenarios.Result) types.GomegaMatcher {
	return &likePersona{persona: persona}
}

type likePersona struct{ persona *scenarios.Result }

func (m *likePersona) Match(actual any) (bool, error) {
	ctr, ok := actual.(*scenarios.Result)
	if !ok || ctr == nil {
		return false, fmt.Errorf("EndLikePersona expects a *scenarios.Result, got %T", actual)
	}
	if ctr.Setup != nil || m.persona.Setup != nil {
		return false, fmt.Errorf("setup failed: container %v; persona %v", ctr.Setup, m.persona.Setup)
	}
	return outcome(ctr.Got) == outcome(m.persona.Got), nil
}

func (m *likePersona) FailureMessage(actual any) string {
	ctr, _ := actual.(*scenarios.Result)
	return fmt.Sprintf("Expected the container's run\n%s\nto end like the persona's\n%s", describe(ctr), describe(m.persona))
}

func (m *likePersona) NegatedFailureMessage(actual any) string {
	ctr, _ := actual.(*scenarios.Result)
	return fmt.Sprintf("Expected the container's run\n%s\nnot to end like the persona's\n%s", describe(ctr), describe(m.persona))
}

func describe(r *scenarios.Result) string {
	if r == nil {
		return "    <nil>"
	}
	s := "    " + outcome(r.Got)
	if r.Err != nil {
		s += "\n    error: " + r.Err.Error()
	}
	return s
}
