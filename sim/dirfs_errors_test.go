package sim

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestDirFSStorageErrors: an upload is answered 226 only when storage took
// every byte, whether or not [DirFS.Sync] is set. A storage write that
// fails part-way through a chunk ends the transfer with 452 when storage
// is full (451 for another error) and leaves the
// previous file; a commit that fails (the target's directory removed
// during the upload, so the rename fails) gives 451 and no file; with
// Sync on, an upload still ends 226 with its bytes.
func TestDirFSStorageErrors(t *testing.T) {
	t.Parallel()
	payload := make([]byte, 2*copyBuffer+777)
	rand.Read(payload)
	for _, sync := range []bool{false, true} {
		name := "no sync"
		if sync {
			name = "sync"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			d, err := NewDirFS(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			d.Sync = sync
			failing := &failingFS{DirFS: d, failAfter: copyBuffer + 100}
			srv := startSim(t, func(s *Server) { s.FS = failing })
			writeFile(t, filepath.Join(dir, "old"), "old")
			c := dialCtl(t, srv)
			c.login()

			c.put("STOR /ok", payload, nil)
			if got, _ := os.ReadFile(filepath.Join(dir, "ok")); !bytes.Equal(got, payload) {
				t.Fatalf("stored %d bytes, want %d", len(got), len(payload))
			}

			for _, tc := range []struct {
				err  error
				code int
			}{{syscall.ENOSPC, 452}, {syscall.EIO, 451}} {
				failing.err = tc.err
				failing.arm.Store(true)
				res := c.transfer(xfer{cmd: "STOR /old", data: payload})
				failing.arm.Store(false)
				if res.final.Code != tc.code {
					t.Fatalf("STOR with a storage write failing with %v: %q, want %d", tc.err, res.final.String(), tc.code)
				}
				if got := readFile(t, filepath.Join(dir, "old")); got != "old" {
					t.Fatalf("failed STOR changed the file to %d bytes", len(got))
				}
				if ev := c.session().Data(); ev[len(ev)-1].Bytes != copyBuffer+100 {
					t.Fatalf("evidence counts %d bytes, want the %d storage took", ev[len(ev)-1].Bytes, copyBuffer+100)
				}
			}

			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			dc := c.epsvConn()
			c.must("STOR /sub/f", 150)
			if _, err := dc.Write(payload); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "upload bytes", func() bool { n, _ := c.session().transferBytes(); return n == int64(len(payload)) })
			if err := os.RemoveAll(filepath.Join(dir, "sub")); err != nil {
				t.Fatal(err)
			}
			dc.Close()
			if rep := c.read(); rep.Code != 451 {
				t.Fatalf("STOR whose commit fails: %q, want 451", rep.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "sub")); err == nil {
				t.Fatal("the removed directory came back")
			}
			if tmp := tempFiles(t, dir); len(tmp) > 0 {
				t.Fatalf("temporaries left: %v", tmp)
			}
			c.must("NOOP", 200)
		})
	}
}

// failingFS is a DirFS whose uploads, while armed, fail with err once
// failAfter bytes are written (the write that crosses it stores its part
// below the limit).
type failingFS struct {
	*DirFS
	failAfter int
	err       error
	arm       atomic.Bool
}

func (f *failingFS) Create(name string, mode WriteMode, offset int64) (Upload, error) {
	u, err := f.DirFS.Create(name, mode, offset)
	if err != nil || !f.arm.Load() {
		return u, err
	}
	return &failingUpload{Upload: u, left: f.failAfter, err: f.err}, nil
}

type failingUpload struct {
	Upload
	left int
	err  error
}

func (u *failingUpload) Write(p []byte) (int, error) {
	if len(p) <= u.left {
		u.left -= len(p)
		return u.Upload.Write(p)
	}
	n, err := u.Upload.Write(p[:u.left])
	u.left = 0
	if err == nil {
		err = u.err
	}
	return n, err
}
