package clientsim_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// The differential tests in suites/fidelity hold the curl, lftp and ftplib
// personas to the real programs; these run every client persona against
// every server persona of sim and check the outcome each pair is known for.

func TestClientPersonaAPI(t *testing.T) {
	t.Parallel()
	for _, p := range clientsim.Personas() {
		got, ok := clientsim.PersonaByName(strings.ToUpper(p.Name))
		if !ok || got.Name != p.Name || p.Version == "" || p.Setup == "" || len(p.Options()) == 0 {
			t.Errorf("persona %v: %v %v", p, got, ok)
		}
		if n := len(p.Options()); len(p.Options(clientsim.WithCCC())) != n+1 {
			t.Errorf("%s: Options does not append extra options", p)
		}
	}
	if _, ok := clientsim.PersonaByName("wget"); ok {
		t.Error("PersonaByName found a persona that does not exist")
	}
}

// TestClientPersonasAgainstServerPersonas: each client persona against each
// server persona, one listing. want is "" for success, else the reply code
// the listing fails with.
func TestClientPersonasAgainstServerPersonas(t *testing.T) {
	t.Parallel()
	want := map[string]map[string]int{
		// vsftpd (require_ssl_reuse), ProFTPD and FileZilla Server refuse
		// data connections that do not resume the control session.
		"ftplib": {"vsftpd": 522, "proftpd": 425, "filezilla-server": 425},
		// Keyed by address, the Go client's data connections miss the
		// control session (S02).
		"go": {"vsftpd": 522, "proftpd": 425, "filezilla-server": 425},
	}
	for _, cp := range clientsim.Personas() {
		for _, sp := range sim.Personas() {
			t.Run(cp.Name+"/"+sp.Name, func(t *testing.T) {
				t.Parallel()
				srv := startSim(t, sp.Apply)
				c := loginSim(t, srv, cp.Options()...)
				_, err := c.List(simCtx(t), "")
				code := clientsim.ReplyCode(err)
				if w := want[cp.Name][sp.Name]; code != w || (w == 0 && err != nil) {
					t.Fatalf("List: %v (code %d), want code %d\n%s", err, code, w, c.Transcript())
				}
			})
		}
	}
}

// TestAuthOrder: curl tries SSL first, FileZilla TLS first; against
// pure-ftpd (TLS only) curl falls back, and against a server that takes
// only SSL FileZilla does.
func TestAuthOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		persona clientsim.Persona
		server  []string // AuthMechanisms
		want    []string // the AUTH commands sent
	}{
		{clientsim.Curl(), []string{"TLS"}, []string{"AUTH SSL", "AUTH TLS"}},
		{clientsim.Curl(), nil, []string{"AUTH SSL"}},
		{clientsim.FileZilla(), []string{"SSL"}, []string{"AUTH TLS", "AUTH SSL"}},
		{clientsim.Lftp(), nil, []string{"AUTH TLS"}},
	}
	for _, tt := range tests {
		srv := startSim(t, func(s *sim.Server) { s.AuthMechanisms = tt.server })
		c := loginSim(t, srv, tt.persona.Options()...)
		var got []string
		for _, l := range c.Transcript().Lines(ftp.EntryCommand) {
			if strings.HasPrefix(l, "AUTH") {
				got = append(got, l)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s against %v: sent %q, want %q", tt.persona, tt.server, got, tt.want)
		}
	}
	if _, err := dialSim(t, startSim(t, nil), clientsim.WithAuthMechanisms()); err == nil {
		t.Error("WithAuthMechanisms() without mechanisms must fail")
	}
}

// TestGoClientServerName: the Go persona resumes once a ServerName keys
// its cache, so vsftpd's reuse requirement is met.
func TestGoClientServerName(t *testing.T) {
	t.Parallel()
	srv := startSim(t, sim.Vsftpd().Apply)
	c := loginSim(t, srv, clientsim.GoClient().Options(clientsim.WithServerName("localhost"))...)
	if _, err := c.List(simCtx(t), ""); err != nil {
		t.Fatalf("List: %v\n%s", err, c.Transcript())
	}
}

// TestPersonaPASVAddress: a 227 that advertises 127.0.0.2 on a 127.0.0.1
// control connection. curl and ftplib ignore it, lftp finds 127.0.0.2
// reserved and fixes it, FileZilla keeps it (the server's address is not
// routable either) and fails to connect.
func TestPersonaPASVAddress(t *testing.T) {
	t.Parallel()
	srv := startSim(t, func(s *sim.Server) { s.PassiveAddr = netip.MustParseAddr("127.0.0.2") })
	for _, p := range []clientsim.Persona{clientsim.Curl(), clientsim.Lftp(), clientsim.Ftplib(), clientsim.FileZilla()} {
		c := loginSim(t, srv, p.Options(clientsim.WithPassive(clientsim.PASVOnly))...)
		_, err := c.List(simCtx(t), "")
		var e *clientsim.Error
		switch p.Name {
		case "filezilla":
			if !errors.As(err, &e) || e.Phase != clientsim.PhaseDataConnect || !strings.Contains(err.Error(), "127.0.0.2") {
				t.Errorf("%s: %v, want a data-connect error to 127.0.0.2", p, err)
			}
		default:
			if err != nil {
				t.Errorf("%s: %v\n%s", p, err, c.Transcript())
			}
		}
	}
}
