package fidelity

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
)

// serverRow is one column of the fidelity table: a real server setting and
// the persona (with overrides) that must answer like it.
type serverRow struct {
	name    string
	real    func(peers.Config) func(context.Context) (*peers.Server, error)
	persona sim.Persona
	// adjust overrides persona settings the way the real variant differs
	// from the persona's default setup.
	adjust func(*sim.Server)
	// cases limits the row to these cases; nil runs every ServerCase.
	cases []string
	// known lists differences that remain, by case, with the reason.
	known map[string]string
}

var foreignIP = netip.MustParseAddr(Foreign)

var serverRows = []serverRow{
	{name: "vsftpd", persona: sim.Vsftpd(),
		real: func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Vsftpd{Config: c}.Start
		}},
	{name: "vsftpd reuse=NO pasv_address", persona: sim.Vsftpd(),
		real: func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Vsftpd{Config: c, PASVAddress: Foreign, NoSSLReuse: true}.Start
		},
		adjust: func(s *sim.Server) { s.Reuse, s.PassiveAddr = sim.ReuseOff, foreignIP },
		cases:  []string{"reuse-missing", "data-pasv"}},
	{name: "proftpd", persona: sim.ProFTPD(),
		real: func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.ProFTPD{Config: c}.Start
		}},
	{name: "proftpd TLSRequired off, NoSessionReuseRequired", persona: sim.ProFTPD(),
		real: func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.ProFTPD{Config: c, TLSOptional: true, NoSessionReuseRequired: true}.Start
		},
		adjust: func(s *sim.Server) {
			s.ControlTLS, s.DataTLS, s.Reuse = sim.TLSOptional, sim.TLSOptional, sim.ReuseOff
		},
		cases: []string{"pre-auth", "user-before-auth", "prot-levels", "clear-data", "no-prot", "reuse-missing", "ccc"}},
	{name: "pure-ftpd", persona: sim.PureFTPd(),
		real: func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.PureFTPd{Config: c}.Start
		}},
	{name: "pure-ftpd -Y 2", persona: sim.PureFTPd(),
		real: func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.PureFTPd{Config: c, TLS: 2}.Start
		},
		adjust: func(s *sim.Server) { s.DataTLS = sim.TLSOptional },
		cases:  []string{"user-before-auth", "pre-auth", "clear-data", "no-prot", "ccc"}},
	{name: "pyftpdlib", persona: sim.Pyftpdlib(),
		real: func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Pyftpdlib{Config: c}.Start
		}},
	{name: "pyftpdlib clear allowed, masquerade", persona: sim.Pyftpdlib(),
		real: func(c peers.Config) func(context.Context) (*peers.Server, error) {
			return peers.Pyftpdlib{Config: c, AllowClearControl: true, AllowClearData: true, Masquerade: Foreign}.Start
		},
		adjust: func(s *sim.Server) {
			s.ControlTLS, s.DataTLS, s.PassiveAddr = sim.TLSOptional, sim.TLSOptional, foreignIP
		},
		cases: []string{"user-before-auth", "pre-auth", "clear-data", "no-prot", "auth-ssl-data", "data-pasv"}},
}

// TestServerFidelity runs every TLS-relevant case against each real server
// and against its persona, compares the transcripts and logs the fidelity
// table. A row whose program is missing is skipped with the
// NotInstalledError message.
func TestServerFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real FTP servers")
	}
	table := &Table{}
	t.Run("rows", func(t *testing.T) {
		for _, row := range serverRows {
			t.Run(row.name, func(t *testing.T) {
				t.Parallel()
				runServerRow(t, row, table)
			})
		}
	})
	names := make([]string, len(serverRows))
	for i, r := range serverRows {
		names[i] = r.name
	}
	table.Columns(names...)
	t.Logf("fidelity of the server personas (%d match, %d known, %d differ):\n%s",
		table.Count(Match), table.Count(Known), table.Count(Differs), table)
}

func runServerRow(t *testing.T, row serverRow, table *Table) {
	real := startReal(t, row.real)
	persona := startPersona(t, row.persona, row.adjust)
	c := sharedCerts(t)
	target := func(addr string) Target {
		return Target{Addr: addr, RootCAs: c.Pool, User: real.User, Password: real.Password}
	}
	for _, cs := range ServerCases {
		if row.cases != nil && !contains(row.cases, cs.Name) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		realRecs, err := RunCase(ctx, target(real.Addr), cs)
		if err != nil {
			cancel()
			t.Fatalf("%s against %s: %v", cs.Name, real.Name, err)
		}
		simRecs, err := RunCase(ctx, target(persona.Addr), cs)
		cancel()
		if err != nil {
			t.Fatalf("%s against the %s persona: %v", cs.Name, row.persona.Name, err)
		}
		if stall := stalled(realRecs); stall != "" {
			// Both sides stalling alike would "match" and prove nothing.
			t.Errorf("%s: the real %s stalled (%s); the case proves nothing:\n%s", cs.Name, real.Name, stall, Transcript(realRecs))
		}
		res := Result{Persona: row.name, Case: cs.Name, Diffs: Compare(realRecs, simRecs)}
		switch reason, known := row.known[cs.Name]; {
		case len(res.Diffs) == 0:
			res.Outcome = Match
		case known:
			res.Outcome, res.Reason = Known, reason
		default:
			res.Outcome = Differs
			t.Errorf("%s: persona %s differs from %s:\n%v\nreal:\n%s\nsim:\n%s", cs.Name, row.persona,
				real.Name, res.Diffs, Transcript(realRecs), Transcript(simRecs))
		}
		table.Add(res)
	}
}

// startPersona starts sim with the persona, the real servers' account and
// certificate, then the row's overrides.
func startPersona(t *testing.T, p sim.Persona, adjust func(*sim.Server)) *sim.Server {
	t.Helper()
	c := sharedCerts(t)
	srv := sim.NewUnstartedPersonaServer(p)
	srv.Users = []sim.User{{Name: peers.User, Password: peers.Password}}
	srv.Certificate = &c.TLS
	if adjust != nil {
		adjust(srv)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// stalled returns the first event of a transcript that means the script
// lost its way: a reply that never came, a data connection refused.
func stalled(recs []Record) string {
	for _, r := range recs {
		for _, l := range r.Lines {
			if l.Kind == Event && (strings.HasPrefix(l.Text, "no reply") || strings.HasPrefix(l.Text, "data connection refused")) {
				return r.Step + ": " + l.Text
			}
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
