package scenarios

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// buildServer turns a spec into an unstarted server (no certificates yet).
func buildServer(spec ServerSpec) (*sim.Server, error) {
	srv := sim.NewUnstartedServer()
	if spec.Persona != "" {
		p, ok := sim.PersonaByName(spec.Persona)
		if !ok {
			return nil, fmt.Errorf("server.persona %q: want one of %s", spec.Persona, personaNames())
		}
		p.Apply(srv)
	}
	var err error
	if spec.TLS != "" {
		if srv.ControlTLS, err = sim.ParseTLSPolicy(spec.TLS); err != nil {
			return nil, fmt.Errorf("server.tls: %w", err)
		}
	}
	if spec.DataTLS != "" {
		if srv.DataTLS, err = sim.ParseTLSPolicy(spec.DataTLS); err != nil {
			return nil, fmt.Errorf("server.data_tls: %w", err)
		}
	}
	if spec.Reuse != "" {
		if srv.Reuse, err = sim.ParseReusePolicy(spec.Reuse); err != nil {
			return nil, fmt.Errorf("server.reuse: %w", err)
		}
	}
	if spec.CCCCloseNotify != "" {
		if srv.CCCCloseNotify, err = parseCCCNotify(spec.CCCCloseNotify); err != nil {
			return nil, err
		}
	}
	if err := applyTickets(srv, spec.Tickets); err != nil {
		return nil, err
	}
	for key, rep := range spec.Replies {
		if _, ok := sim.DefaultReplies[sim.ReplyKey(key)]; !ok {
			return nil, fmt.Errorf("server.replies: unknown reply key %q (see sim.ReplyKey)", key)
		}
		if srv.Replies == nil {
			srv.Replies = map[sim.ReplyKey]ftp.Reply{}
		}
		srv.Replies[sim.ReplyKey(key)] = ftp.Reply{Code: rep.Code, Lines: []string{rep.Text}}
	}
	for _, k := range []string{spec.Certificate, spec.DataCertificate} {
		if k != "" {
			if _, err := pki.ParseKind(k); err != nil {
				return nil, fmt.Errorf("server certificate: %w", err)
			}
		}
	}
	if spec.PassiveAddr != "" {
		if srv.PassiveAddr, err = netip.ParseAddr(spec.PassiveAddr); err != nil {
			return nil, fmt.Errorf("server.passive_addr %q: %w", spec.PassiveAddr, err)
		}
	}
	if spec.PassivePorts != "" {
		if srv.PassivePorts, err = sim.ParsePortRange(spec.PassivePorts); err != nil {
			return nil, fmt.Errorf("server.passive_ports: %w", err)
		}
	}
	for _, u := range spec.Users {
		usr, err := sim.ParseUser(u)
		if err != nil {
			return nil, fmt.Errorf("server.users: %w", err)
		}
		srv.Users = append(srv.Users, usr)
	}
	for _, p := range spec.DenyIPs {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("server.deny_ips %q: %w", p, err)
		}
		srv.DenyIPs = append(srv.DenyIPs, pfx)
	}
	srv.Implicit = srv.Implicit || spec.Implicit
	srv.Anonymous = srv.Anonymous || spec.Anonymous
	srv.LenientTLSEOF = srv.LenientTLSEOF || spec.LenientTLSEOF
	srv.DisableCCC = srv.DisableCCC || spec.DisableCCC
	srv.IdleTimeout = time.Minute
	srv.DataTimeout = 5 * time.Second
	return srv, nil
}

// applyCertificates picks the spec's certificates from set.
func applyCertificates(srv *sim.Server, spec ServerSpec, set *pki.Set) {
	srv.PKI = set
	if spec.Certificate != "" {
		k, _ := pki.ParseKind(spec.Certificate)
		c := set.Get(k).TLSCertificate()
		srv.Certificate = &c
	}
	if spec.DataCertificate != "" {
		k, _ := pki.ParseKind(spec.DataCertificate)
		c := set.Get(k).TLSCertificate()
		srv.DataCertificate = &c
	}
}

// clientOptions turns a spec into clientsim options (without trust roots).
func clientOptions(spec ClientSpec) ([]clientsim.Option, error) {
	var opts []clientsim.Option
	switch strings.ToLower(spec.TLS) {
	case "", "explicit":
		opts = append(opts, clientsim.WithExplicitTLS())
	case "implicit":
		opts = append(opts, clientsim.WithImplicitTLS())
	case "plain", "off":
		opts = append(opts, clientsim.WithPlain())
	default:
		return nil, fmt.Errorf("client.tls %q: want explicit, implicit or plain", spec.TLS)
	}
	switch strings.ToUpper(spec.Auth) {
	case "", "TLS":
	case "SSL":
		opts = append(opts, clientsim.WithAuthMechanism("SSL"))
	case "FALLBACK":
		opts = append(opts, clientsim.WithAuthFallback())
	default:
		return nil, fmt.Errorf("client.auth %q: want TLS, SSL or fallback", spec.Auth)
	}
	switch strings.ToUpper(spec.Prot) {
	case "", "P":
	case "C":
		opts = append(opts, clientsim.WithProt('C'))
	default:
		return nil, fmt.Errorf("client.prot %q: want P or C", spec.Prot)
	}
	switch spec.TLSMax {
	case "", "1.3":
	case "1.2":
		opts = append(opts, clientsim.WithTLSVersions(tls.VersionTLS12, tls.VersionTLS12))
	default:
		return nil, fmt.Errorf("client.tls_max %q: want 1.2 or 1.3", spec.TLSMax)
	}
	if spec.NoTickets {
		opts = append(opts, clientsim.WithoutSessionTickets())
	}
	if spec.NoDrain {
		opts = append(opts, clientsim.WithoutUploadDrain())
	}
	more, err := clientDataOptions(spec)
	if err != nil {
		return nil, err
	}
	opts = append(opts, more...)
	if spec.ServerName != "" {
		opts = append(opts, clientsim.WithServerName(spec.ServerName))
	}
	if spec.CCC {
		opts = append(opts, clientsim.WithCCC())
	}
	switch strings.ToLower(spec.CCCShutdown) {
	case "", "any-order":
	case "lftp":
		if !spec.CCC {
			return nil, fmt.Errorf("client.ccc_shutdown %q needs ccc: true", spec.CCCShutdown)
		}
		opts = append(opts, clientsim.WithCCCShutdown(clientsim.CCCLikeLftp))
	default:
		return nil, fmt.Errorf("client.ccc_shutdown %q: want any-order or lftp", spec.CCCShutdown)
	}
	return opts, nil
}

// parseCCCNotify reads server.ccc_close_notify by the names of
// sim.CCCNotify.
func parseCCCNotify(s string) (sim.CCCNotify, error) {
	modes := []sim.CCCNotify{sim.CCCNotifyAtOnce, sim.CCCNotifyWithReply, sim.CCCNotifyAfterClient}
	names := make([]string, len(modes))
	for i, m := range modes {
		if strings.EqualFold(strings.TrimSpace(s), m.String()) {
			return m, nil
		}
		names[i] = m.String()
	}
	return 0, fmt.Errorf("server.ccc_close_notify %q: want one of %s", s, strings.Join(names, ", "))
}

func clientDataOptions(spec ClientSpec) ([]clientsim.Option, error) {
	var opts []clientsim.Option
	switch strings.ToLower(spec.Reuse) {
	case "", "per-connection":
	case "none":
		opts = append(opts, clientsim.WithSessionReuse(clientsim.ReuseNone))
	case "openssl":
		opts = append(opts, clientsim.WithSessionReuse(clientsim.ReuseLikeOpenSSL))
	case "shared":
		opts = append(opts, clientsim.WithSessionReuse(clientsim.ReuseShared(tls.NewLRUClientSessionCache(8))))
	default:
		return nil, fmt.Errorf("client.reuse %q: want per-connection, openssl, none or shared", spec.Reuse)
	}
	switch strings.ToLower(spec.PASV) {
	case "", "skip":
	case "trust":
		opts = append(opts, clientsim.WithPASVAddress(clientsim.Trust))
	case "lftp":
		opts = append(opts, clientsim.WithPASVAddress(clientsim.FixBogusLikeLftp))
	default:
		return nil, fmt.Errorf("client.pasv %q: want skip, trust or lftp", spec.PASV)
	}
	switch strings.ToLower(spec.Passive) {
	case "", "epsv":
	case "pasv":
		opts = append(opts, clientsim.WithPassive(clientsim.PASVOnly))
	default:
		return nil, fmt.Errorf("client.passive %q: want epsv or pasv", spec.Passive)
	}
	switch strings.ToLower(spec.Active) {
	case "":
	case "port":
		opts = append(opts, clientsim.WithActive(clientsim.PORT))
	case "eprt":
		opts = append(opts, clientsim.WithActive(clientsim.EPRT))
	default:
		return nil, fmt.Errorf("client.active %q: want port or eprt", spec.Active)
	}
	switch strings.ToLower(spec.Port) {
	case "", "explicit", "implicit":
	default:
		return nil, fmt.Errorf("client.port %q: want explicit or implicit", spec.Port)
	}
	if _, err := parseDuration("client.timeout", spec.Timeout); err != nil {
		return nil, err
	}
	switch strings.ToLower(spec.Verify) {
	case "", "ca", "insecure":
	default:
		return nil, fmt.Errorf("client.verify %q: want ca or insecure", spec.Verify)
	}
	return opts, nil
}

func personaNames() string {
	var names []string
	for _, p := range sim.Personas() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

func applyTickets(srv *sim.Server, t *TicketSpec) error {
	if t == nil {
		return nil
	}
	age, err := parseDuration("server.tickets.max_age", t.MaxAge)
	if err != nil {
		return err
	}
	srv.Tickets = sim.TicketPolicy{Withhold: t.Withhold, MaxAge: age, SingleUse: t.SingleUse}
	return nil
}

func parseDuration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w", field, s, err)
	}
	return d, nil
}
