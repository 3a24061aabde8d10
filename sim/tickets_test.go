package sim_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
)

// ticketClient logs in to srv with the given reuse mode and runs n small
// downloads, returning the error of the first that fails.
func ticketDownloads(t *testing.T, srv *sim.Server, reuse clientsim.SessionReuse, n int, between func()) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := clientsim.Dial(ctx, srv.Addr, clientsim.WithRootCAs(srv.RootCAs()), clientsim.WithServerName("localhost"),
		clientsim.WithSessionReuse(reuse))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, sim.DefaultUser, sim.DefaultPassword); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if between != nil {
			between()
		}
		if _, err := c.Retrieve(ctx, "f.txt", &bytes.Buffer{}); err != nil {
			return err
		}
	}
	return nil
}

func ticketServer(t *testing.T, p sim.TicketPolicy, now func() time.Time) *sim.Server {
	srv := sim.NewUnstartedServer()
	srv.Reuse = sim.ReuseSame
	srv.Tickets = p
	srv.Now = now
	fs := sim.NewMemFS(nil)
	fs.WriteFile("/f.txt", []byte("x"))
	srv.FS = fs
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func lastNote(srv *sim.Server) string {
	for _, s := range srv.Sessions() {
		for _, d := range s.Data() {
			if len(d.Notes) > 0 {
				return strings.Join(d.Notes, "; ")
			}
		}
	}
	return ""
}

func TestTicketPolicy(t *testing.T) {
	t.Run("zero value resumes every time", func(t *testing.T) {
		srv := ticketServer(t, sim.TicketPolicy{}, nil)
		if err := ticketDownloads(t, srv, clientsim.ReusePerConnection, 3, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("withheld tickets: no resumption, 522", func(t *testing.T) {
		srv := ticketServer(t, sim.TicketPolicy{Withhold: true}, nil)
		err := ticketDownloads(t, srv, clientsim.ReusePerConnection, 1, nil)
		if clientsim.ReplyCode(err) != 522 {
			t.Fatalf("got %v, want 522", err)
		}
	})
	t.Run("single-use: the second reuse of the control ticket fails (S04)", func(t *testing.T) {
		srv := ticketServer(t, sim.TicketPolicy{SingleUse: true}, nil)
		err := ticketDownloads(t, srv, clientsim.ReusePerConnection, 3, nil)
		if clientsim.ReplyCode(err) != 522 || clientsim.PhaseOf(err) != clientsim.PhaseDataTLS {
			t.Fatalf("got %v, want 522 at data-tls", err)
		}
		if n := len(srv.Sessions()[0].Data()); n != 2 {
			t.Errorf("failed at data connection %d, want 2", n)
		}
		if !strings.Contains(lastNote(srv), "already used") {
			t.Errorf("evidence notes %q lack the single-use refusal", lastNote(srv))
		}
	})
	t.Run("max age: the control ticket expires during the session (S05)", func(t *testing.T) {
		var mu sync.Mutex
		offset := time.Duration(0)
		now := func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(offset) }
		srv := ticketServer(t, sim.TicketPolicy{MaxAge: time.Hour}, now)
		calls := 0
		err := ticketDownloads(t, srv, clientsim.ReusePerConnection, 2, func() {
			calls++
			if calls == 2 {
				mu.Lock()
				offset = 2 * time.Hour
				mu.Unlock()
			}
		})
		if clientsim.ReplyCode(err) != 522 {
			t.Fatalf("got %v, want 522 once the ticket is two hours old", err)
		}
		if !strings.Contains(lastNote(srv), "expired") {
			t.Errorf("evidence notes %q lack the expiry", lastNote(srv))
		}
	})
}
