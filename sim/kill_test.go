package sim

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killHelperEnv, when set to a directory, makes TestKillHelper serve that
// directory with DirFS in this (re-executed) test binary until killed.
const killHelperEnv = "FTPSIM_KILL_HELPER_ROOT"

// TestKillHelper is the server process of TestKillMidUpload. It does
// nothing in a normal run.
func TestKillHelper(t *testing.T) {
	root := os.Getenv(killHelperEnv)
	if root == "" {
		t.Skip("helper process of TestKillMidUpload; runs only when " + killHelperEnv + " is set")
	}
	fsys, err := NewDirFS(root)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewUnstartedServer()
	srv.FS = fsys
	srv.Start()
	fmt.Printf("ADDR %s\n", srv.Addr)
	time.Sleep(2 * time.Minute) // the parent kills us long before
	srv.Close()
	fsys.Close()
}

// TestKillMidUpload runs a DirFS server in its own process, starts an
// upload over an existing file, kills the server with SIGKILL while the
// upload's temporary is being written, and checks that the old file is
// byte-identical (SHA-256), that a server on the directory lists no
// temporary, and that the next NewDirFS removes the dead server's
// temporary.
func TestKillMidUpload(t *testing.T) {
	if os.Getenv(killHelperEnv) != "" {
		t.Skip("in the helper process")
	}
	t.Parallel()
	old := make([]byte, 1<<20)
	rand.Read(old)
	want := sha256.Sum256(old)
	for _, cmd := range []string{"STOR", "APPE", "REST 1000 STOR"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "keep.bin"), string(old))
			child, addr := startKillHelper(t, dir)

			c := dialRaw(t, nil, addr)
			c.expect(220)
			c.login()
			c.must("TYPE I", 200)
			verb := cmd
			if rest, ok := strings.CutSuffix(cmd, " STOR"); ok {
				c.must(rest, 350)
				verb = "STOR"
			}
			dc := c.epsvConn()
			c.must(verb+" keep.bin", 150)
			chunk := make([]byte, 256<<10)
			rand.Read(chunk)
			// Write until the temporary holds more than the old file would
			// explain, so the kill lands mid-upload.
			waitFor(t, "the upload's temporary to grow", func() bool {
				dc.SetWriteDeadline(time.Now().Add(ioTimeout))
				if _, err := dc.Write(chunk); err != nil {
					t.Fatalf("write data: %v", err)
				}
				for _, p := range tempFiles(t, dir) {
					if st, err := os.Stat(p); err == nil && st.Size() > int64(len(old))+int64(len(chunk)) {
						return true
					}
				}
				return false
			})
			if err := child.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			child.Wait()

			if got, err := os.ReadFile(filepath.Join(dir, "keep.bin")); err != nil || sha256.Sum256(got) != want {
				t.Fatalf("after SIGKILL mid-%s: keep.bin has %d bytes (%v), not the old content", cmd, len(got), err)
			}
			stale := tempFiles(t, dir)
			if len(stale) != 1 {
				t.Fatalf("temporaries after SIGKILL: %v, want the killed upload's", stale)
			}

			// A temporary of a live process (ours) is hidden, not removed.
			live := filepath.Join(dir, fmt.Sprintf("%s%d-live", TempPrefix, os.Getpid()))
			writeFile(t, live, "in progress elsewhere")
			srv := startDirFSAt(t, dir, nil)
			if _, err := os.Stat(stale[0]); err == nil {
				t.Fatalf("restart left the dead server's temporary %s", stale[0])
			}
			if _, err := os.Stat(live); err != nil {
				t.Fatalf("restart removed a live process's temporary: %v", err)
			}
			d := dialCtl(t, srv)
			d.login()
			if got := string(d.get("NLST", nil)); got != "keep.bin\r\n" {
				t.Fatalf("NLST after restart: %q", got)
			}
			if list := string(d.get("LIST -a", nil)); strings.Contains(list, TempPrefix) {
				t.Fatalf("LIST shows a temporary: %q", list)
			}
			d.must("RETR "+filepath.Base(live), 550)
			if got := d.get("RETR keep.bin", nil); !bytes.Equal(got, old) {
				t.Fatalf("RETR after restart: %d bytes, not the old content", len(got))
			}
		})
	}
}

// startKillHelper re-executes the test binary as a DirFS server on dir and
// returns the process and its control address.
func startKillHelper(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), killHelperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("helper server exited without an address")
		}
		return cmd, a
	case <-time.After(ioTimeout):
		t.Fatal("helper server printed no address")
	}
	return nil, ""
}

// startDirFSAt starts a server on a DirFS over an existing directory
// after configure has changed its settings.
func startDirFSAt(t *testing.T, dir string, configure func(*Server)) *Server {
	t.Helper()
	fsys, err := NewDirFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := startSim(t, func(s *Server) {
		s.FS = fsys
		if configure != nil {
			configure(s)
		}
	})
	t.Cleanup(func() { fsys.Close() })
	return srv
}
