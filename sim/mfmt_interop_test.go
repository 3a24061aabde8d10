package sim_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/sim"
)

// TestMFMTLftp: lftp 4.9 sends "MFMT <local mtime> <name>" after every
// upload to a server whose FEAT lists MFMT (observed: it sends SITE UTIME
// otherwise), so against sim on MemFS, and against the pure-ftpd persona,
// the uploaded file takes the local file's modification time, and the
// reply is the server's own.
func TestMFMTLftp(t *testing.T) {
	env := newInteropEnv(t)
	local := filepath.Join(t.TempDir(), "old.bin")
	if err := os.WriteFile(local, env.data[:4096], 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(local, old, old); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		persona *sim.Persona
		reply   string
	}{
		{"default", nil, "213 Modify=20010203040506; up.bin"},
		{"pure-ftpd", ptr(sim.PureFTPd()), "213 UTIME OK"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := sim.NewUnstartedServer()
			if c.persona != nil {
				c.persona.Apply(srv)
			}
			srv.PKI = env.set
			srv.Users = []sim.User{{Name: interopUser, Password: interopPassword}}
			fs := sim.NewMemFS(nil)
			srv.FS = fs
			srv.Start()
			t.Cleanup(srv.Close)
			o := peers.ClientOptions{Addr: srv.Addr, CAFile: env.caFile, Dir: t.TempDir(),
				User: interopUser, Password: interopPassword, Timeout: 20 * time.Second}
			cl, err := peers.NewLftp(o)
			var nie *peers.NotInstalledError
			if errors.As(err, &nie) {
				t.Skip(nie.Error())
			}
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := cl.Session(ctx, local, "up.bin", filepath.Join(o.Dir, "back.bin"))
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK() {
				t.Fatalf("lftp failed:\n%s\nserver:\n%s", r, interopTranscripts(srv))
			}
			ss := srv.Sessions()
			if len(ss) != 1 {
				t.Fatalf("%d sessions, want 1", len(ss))
			}
			select {
			case <-ss[0].Done():
			case <-time.After(10 * time.Second):
				t.Fatalf("session %s still running after lftp exited", ss[0].ID)
			}
			tr := ss[0].Transcript().String()
			if !strings.Contains(tr, "MFMT 20010203040506 up.bin") || !strings.Contains(tr, c.reply) {
				t.Errorf("no MFMT of the upload answered %q in the transcript:\n%s", c.reply, tr)
			}
			st, err := fs.Stat("/up.bin")
			if err != nil {
				t.Fatal(err)
			}
			if !st.ModTime().Equal(old) {
				t.Errorf("up.bin modified %s, want the local file's %s", st.ModTime().UTC(), old)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
