package fidelity

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
)

// clientScenario is a sim server setting both a real client and its
// persona run against (each on a server of its own).
type clientScenario struct {
	name   string
	server func(*sim.Server)
}

// The vsftpd and pyftpdlib rows turn off the two server failures that
// real clients meet by chance or by habit (LateTickets, CloseEarlyData):
// this table compares clients, and TestFailureFidelity,
// TestUploadResetAcrossWAN and TestGoClientFidelity compare those
// failures with the real servers.
var clientScenarios = []clientScenario{
	{"sim defaults", nil},
	{"pure-ftpd (AUTH SSL refused)", sim.PureFTPd().Apply},
	{"vsftpd (reuse required)", func(s *sim.Server) { sim.Vsftpd().Apply(s); s.LateTickets = false }},
	{"proftpd (same-session reuse)", sim.ProFTPD().Apply},
	{"pyftpdlib (eager accept)", func(s *sim.Server) { sim.Pyftpdlib().Apply(s); s.CloseEarlyData, s.LateTickets = false, false }},
	{"PASV advertises 127.0.0.2", func(s *sim.Server) { s.PassiveAddr = netip.MustParseAddr(Foreign) }},
}

// clientRow is a real client invocation and the persona (with options)
// that must behave like it.
type clientRow struct {
	name    string
	real    func(peers.ClientOptions) (peers.Client, error)
	opts    func(*peers.ClientOptions)
	persona clientsim.Persona
	extra   []clientsim.Option
	known   map[string]string
}

var clientRows = []clientRow{
	{name: "curl", persona: clientsim.Curl(),
		real: func(o peers.ClientOptions) (peers.Client, error) { return peers.NewCurl(o) }},
	{name: "curl --disable-epsv", persona: clientsim.Curl(),
		real:  func(o peers.ClientOptions) (peers.Client, error) { return peers.NewCurl(o) },
		opts:  func(o *peers.ClientOptions) { o.DisableEPSV = true },
		extra: []clientsim.Option{clientsim.WithPassive(clientsim.PASVOnly)}},
	{name: "lftp", persona: clientsim.Lftp(),
		real: func(o peers.ClientOptions) (peers.Client, error) { return peers.NewLftp(o) }},
	{name: "ftplib", persona: clientsim.Ftplib(),
		real: func(o peers.ClientOptions) (peers.Client, error) { return peers.NewFtplib(o) }},
	{name: "ftplib + session reuse", persona: clientsim.Ftplib(),
		real:  func(o peers.ClientOptions) (peers.Client, error) { return peers.NewFtplib(o) },
		opts:  func(o *peers.ClientOptions) { o.Reuse = true },
		extra: []clientsim.Option{clientsim.WithSessionReuse(clientsim.ReusePerConnection)}},
}

// TestClientFidelity runs each real client (login, LIST, STOR, RETR on one
// control connection) against sim servers of several personas, does the
// same with clientsim under the client's persona, and compares the two
// client profiles the servers recorded. A row whose program is missing is
// skipped with the NotInstalledError message.
func TestClientFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real FTP clients")
	}
	table := &Table{}
	t.Run("rows", func(t *testing.T) {
		for _, row := range clientRows {
			t.Run(row.name, func(t *testing.T) {
				t.Parallel()
				runClientRow(t, row, table)
			})
		}
	})
	names := make([]string, len(clientRows))
	for i, r := range clientRows {
		names[i] = r.name
	}
	table.Columns(names...)
	t.Logf("fidelity of the client personas (%d match, %d known, %d differ):\n%s",
		table.Count(Match), table.Count(Known), table.Count(Differs), table)
}

func runClientRow(t *testing.T, row clientRow, table *Table) {
	c := sharedCerts(t)
	for _, sc := range clientScenarios {
		dir := t.TempDir()
		local := filepath.Join(dir, "up.bin")
		payload := bytes.Repeat([]byte("ftpsim fidelity\n"), 4096)
		if err := os.WriteFile(local, payload, 0o644); err != nil {
			t.Fatal(err)
		}

		realSrv := startPersona(t, sim.Persona{}, sc.server)
		o := peers.ClientOptions{Addr: realSrv.Addr, CAFile: c.CAFile, Dir: dir,
			User: peers.User, Password: peers.Password, Timeout: 30 * time.Second}
		if row.opts != nil {
			row.opts(&o)
		}
		cl, err := row.real(o)
		var nie *peers.NotInstalledError
		if errors.As(err, &nie) {
			t.Skip(nie.Error())
		}
		if err != nil {
			t.Fatalf("%s: %v", row.name, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		res, err := cl.Session(ctx, local, "up.bin", filepath.Join(dir, "back.bin"))
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", row.name, err)
		}
		realSrv.Close() // wait for every session to end
		realProfile := ClientProfile(realSrv.Sessions())
		if p := strings.Join(realProfile, "\n"); !strings.Contains(p, "AUTH") || !strings.Contains(p, "LIST ->") {
			t.Errorf("%s: the real %s never got to AUTH and LIST; the case proves nothing:\n%s", sc.name, row.name, res)
		}

		simSrv := startPersona(t, sim.Persona{}, sc.server)
		transcript := runPersonaSession(t, simSrv, row, payload)
		simSrv.Close()
		simProfile := ClientProfile(simSrv.Sessions())

		diffs := Compare(profileRecords(realProfile), profileRecords(simProfile))
		r := Result{Persona: row.name, Case: sc.name, Diffs: diffs}
		switch reason, known := row.known[sc.name]; {
		case len(diffs) == 0:
			r.Outcome = Match
		case known:
			r.Outcome, r.Reason = Known, reason
		default:
			r.Outcome = Differs
			t.Errorf("%s: persona %s differs from the real client:\nreal:\n  %s\nsim:\n  %s\nreal client output:\n%s\nclientsim transcript:\n%s",
				sc.name, row.persona, strings.Join(realProfile, "\n  "), strings.Join(simProfile, "\n  "), res, transcript)
		}
		table.Add(r)
	}
}

// runPersonaSession does what the real clients' Session does, with
// clientsim under the row's persona: login, LIST, STOR, RETR, stopping at
// the first error like them. It returns clientsim's transcript.
func runPersonaSession(t *testing.T, srv *sim.Server, row clientRow, payload []byte) string {
	c := sharedCerts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	opts := row.persona.Options(append([]clientsim.Option{clientsim.WithRootCAs(c.Pool),
		clientsim.WithTimeouts(clientsim.Timeouts{Connect: 5 * time.Second, Reply: 5 * time.Second,
			Data: 5 * time.Second, TLSHandshake: 5 * time.Second})}, row.extra...)...)
	conn, err := clientsim.Dial(ctx, srv.Addr, opts...)
	if err != nil {
		return err.Error()
	}
	defer conn.Close()
	steps := []func() error{
		func() error { return conn.Login(ctx, peers.User, peers.Password) },
		func() error { _, err := conn.List(ctx, ""); return err },
		func() error { _, err := conn.Store(ctx, "up.bin", bytes.NewReader(payload)); return err },
		func() error { _, err := conn.Retrieve(ctx, "up.bin", &bytes.Buffer{}); return err },
		func() error { return conn.Quit(ctx) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			break
		}
	}
	return conn.Transcript().String()
}

// profileRecords turns a profile into records Compare pairs by position.
func profileRecords(profile []string) []Record {
	recs := make([]Record, len(profile))
	for i, l := range profile {
		name, _, _ := strings.Cut(l, " ->")
		recs[i] = Record{Step: name, Lines: []Line{{Kind: Reply, Text: l}}}
	}
	return recs
}
