package conformance

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/internal/pki"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

// WellConfigured returns an unstarted in-process server configured as the
// well-configured FTPS server this package measures targets against
// ([sim.WellConfigured], with implicit FTPS; see the package
// documentation):
//   - TLS required on the control channel: no login before AUTH TLS
//     (vsftpd force_local_logins_ssl=YES);
//   - TLS required on the data channel: PROT C transfers refused
//     (force_local_data_ssl=YES);
//   - TLS session reuse required on data connections, and the session must
//     be the one of the same control connection (ProFTPD's default;
//     vsftpd require_ssl_reuse=YES checks only that some session resumes);
//   - explicit FTPS (AUTH TLS, and the legacy AUTH SSL) and implicit FTPS
//     on a port of its own, TLS 1.2 and 1.3, passive (EPSV and PASV) and
//     active mode, CCC allowed after login.
//
// Certificates come from set (nil: a fresh set at Start).
func WellConfigured(set *pki.Set) *sim.Server {
	srv := sim.NewUnstartedServer()
	srv.PKI = set
	sim.WellConfigured(srv)
	srv.Implicit = true
	srv.IdleTimeout = time.Minute
	srv.DataTimeout = 5 * time.Second
	return srv
}

// Applicable returns the scenarios of list that mean something against a
// server ftpsim does not control: [scenarios.Scenario.TargetApplicable]
// ones that need no virtual network (a target is reached directly, so a
// network fault cannot be put in front of it) and no reply overrides (a
// misbehaving server ftpsim would have to play).
func Applicable(list []scenarios.Scenario) []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, sc := range list {
		if sc.TargetApplicable() && sc.Network == nil && len(sc.Server.Replies) == 0 {
			out = append(out, sc)
		}
	}
	return out
}

// ForTarget adapts a scenario to a target: a scenario that sets its own
// TLS server name (to exercise name-keyed session caches, say) uses the
// target's name instead of the catalogue's "localhost", so the run tests
// what the scenario is about rather than the certificate.
func ForTarget(sc scenarios.Scenario, t *scenarios.Target) scenarios.Scenario {
	if sc.Client.ServerName == "" {
		return sc
	}
	switch {
	case t.ServerName != "":
		sc.Client.ServerName = t.ServerName
	default:
		addr := t.Addr
		if addr == "" {
			addr = t.ImplicitAddr
		}
		if host, _, err := net.SplitHostPort(addr); err == nil {
			sc.Client.ServerName = host
		}
	}
	return sc
}

// NeedsAddress returns a reason to skip sc against t when t lacks the
// address the scenario's client dials (implicit or explicit FTPS), or "".
func NeedsAddress(sc scenarios.Scenario, t *scenarios.Target) string {
	port := sc.Client.Port // the port the client dials, as the runner picks it
	if port == "" {
		port = sc.Client.TLS
	}
	implicit := strings.EqualFold(port, "implicit")
	switch {
	case implicit && t.ImplicitAddr == "":
		return "the scenario dials the implicit-FTPS port and the target has none: set " +
			EnvImplicitTarget + "=ftps://host:990, or give an ftps:// " + EnvTarget
	case !implicit && t.Addr == "":
		return "the scenario dials the explicit-FTPS (or plain FTP) port and the target is implicit-only (ftps://)"
	}
	return ""
}

// References runs every scenario of list against a [WellConfigured]
// server, through the same target path a real target takes, and returns
// each outcome by scenario name: what a well-configured server does with
// that client.
func References(ctx context.Context, list []scenarios.Scenario, set *pki.Set) (map[string]scenarios.Outcome, error) {
	srv := WellConfigured(set)
	if err := srv.Listen(); err != nil {
		return nil, fmt.Errorf("reference server: %w", err)
	}
	defer srv.Close()
	t := &scenarios.Target{Addr: srv.Addr, ImplicitAddr: srv.ImplicitAddr,
		User: sim.DefaultUser, Password: sim.DefaultPassword, RootCAs: srv.RootCAs()}
	out := make(map[string]scenarios.Outcome, len(list))
	for _, sc := range list {
		res := scenarios.Run(ctx, ForTarget(sc, t), scenarios.RunOptions{Target: t, Timeout: DefaultTimeout})
		if res.Setup != nil {
			return nil, fmt.Errorf("reference run of %s: %w", sc.Name, res.Setup)
		}
		out[sc.Name] = res.Got
	}
	return out, nil
}
