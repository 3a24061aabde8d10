package sim

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// backend is one storage implementation the storage tests run against:
// a started server on it, and direct access to its files for set-up and
// assertions.
type backend struct {
	name string
	srv  *Server
	// write stores a file directly in the backend (set-up).
	write func(name string, data []byte)
	// read returns a file's content and whether it exists.
	read func(name string) ([]byte, bool)
	// names lists everything stored directly in the root, hidden
	// temporaries included (DirFS), for leak checks.
	names func() []string
}

// storageBackends starts one server per storage implementation, each
// configured alike by configure.
func storageBackends(t *testing.T, configure func(*Server)) []backend {
	t.Helper()
	mem := startSim(t, configure)
	m := memFS(t, mem)
	dsrv, dir := startDirFS(t, configure)
	return []backend{
		{
			name:  "MemFS",
			srv:   mem,
			write: func(name string, data []byte) { m.WriteFile(name, data) },
			read: func(name string) ([]byte, bool) {
				b, err := m.ReadFile(name)
				return b, err == nil
			},
			names: func() []string {
				infos, _ := m.ReadDir("/")
				var out []string
				for _, fi := range infos {
					out = append(out, fi.Name())
				}
				return out
			},
		},
		{
			name: "DirFS",
			srv:  dsrv,
			write: func(name string, data []byte) {
				writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), string(data))
			},
			read: func(name string) ([]byte, bool) {
				b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
				return b, err == nil
			},
			names: func() []string {
				ents, _ := os.ReadDir(dir)
				var out []string
				for _, e := range ents {
					out = append(out, e.Name())
				}
				return out
			},
		},
	}
}

// protectedClient logs in over TLS 1.3 with PROT P and returns the client
// and the data-connection configuration (resuming the control session).
func protectedClient(t *testing.T, srv *Server) (*rawClient, *tls.Config) {
	t.Helper()
	cache := tls.NewLRUClientSessionCache(4)
	c := connectMode(t, srv, clientTLS(srv, tls.VersionTLS13, cache), true)
	return c, clientTLS(srv, tls.VersionTLS13, cache)
}

// mustDigest fails unless the backend holds want under name (SHA-256).
func (b backend) mustDigest(t *testing.T, what, name string, want []byte) {
	t.Helper()
	got, ok := b.read(name)
	if !ok {
		t.Fatalf("%s: %s: %s is gone, want %d bytes", b.name, what, name, len(want))
	}
	if sha256.Sum256(got) != sha256.Sum256(want) {
		t.Fatalf("%s: %s: %s holds %d bytes %q, want %d bytes %q (SHA-256 differs)",
			b.name, what, name, len(got), trunc(string(got)), len(want), trunc(string(want)))
	}
}

// mustNoTemporaries fails if an upload temporary is left in the root.
func (b backend) mustNoTemporaries(t *testing.T, what string) {
	t.Helper()
	for _, n := range b.names() {
		if strings.HasPrefix(n, ".ftpsim-") {
			t.Fatalf("%s: %s: temporary %q left behind", b.name, what, n)
		}
	}
}

// TestTruncatedAppendKeepsFile: an APPE over TLS that ends without
// close_notify is answered 426 and leaves the file as it was, on disk as
// in memory (issue 9: DirFS kept the partial bytes, SIZE 50004).
func TestTruncatedAppendKeepsFile(t *testing.T) {
	t.Parallel()
	for _, b := range storageBackends(t, nil) {
		t.Run(b.name, func(t *testing.T) {
			b.write("/f.txt", []byte("ORIG"))
			c, data := protectedClient(t, b.srv)
			res := c.transfer(xfer{cmd: "APPE f.txt", data: bytes.Repeat([]byte("A"), 50000), tls: data, finish: truncFinish})
			if res.final.Code != 426 {
				t.Fatalf("truncated APPE: %q, want 426", res.final.String())
			}
			if rep := c.must("SIZE f.txt", 213); rep.Message() != "4" {
				t.Fatalf("SIZE after truncated APPE: %q, want 4", rep.Message())
			}
			b.mustDigest(t, "truncated APPE", "/f.txt", []byte("ORIG"))
			b.mustNoTemporaries(t, "truncated APPE")
		})
	}
}

// TestTruncatedRestStoreKeepsFile: REST 2 then STOR over TLS without
// close_notify leaves the 10,000-byte file byte-identical (issue 9: DirFS
// cut it to "01XXX").
func TestTruncatedRestStoreKeepsFile(t *testing.T) {
	t.Parallel()
	orig := bytes.Repeat([]byte("0123456789"), 1000)
	for _, b := range storageBackends(t, nil) {
		t.Run(b.name, func(t *testing.T) {
			b.write("/big", orig)
			c, data := protectedClient(t, b.srv)
			c.must("TYPE I", 200)
			c.must("REST 2", 350)
			res := c.transfer(xfer{cmd: "STOR big", data: []byte("XXX"), tls: data, finish: truncFinish})
			if res.final.Code != 426 {
				t.Fatalf("truncated REST+STOR: %q, want 426", res.final.String())
			}
			b.mustDigest(t, "truncated REST+STOR", "/big", orig)
			b.mustNoTemporaries(t, "truncated REST+STOR")
		})
	}
}

// TestRestPastEOFBackendsAgree: REST 10 then STOR on a 3-byte file stores
// the same bytes in memory and on disk (issue 9: memory stored "abcXY",
// disk "abc", 7 NULs and "XY").
func TestRestPastEOFBackendsAgree(t *testing.T) {
	t.Parallel()
	var stored [][]byte
	for _, b := range storageBackends(t, nil) {
		b.write("/small", []byte("abc"))
		c, _ := protectedClient(t, b.srv)
		c.must("PROT C", 200)
		c.must("REST 10", 350)
		c.put("STOR small", []byte("XY"), nil)
		got, _ := b.read("/small")
		stored = append(stored, got)
	}
	if !bytes.Equal(stored[0], stored[1]) {
		t.Fatalf("REST 10 + STOR on a 3-byte file: MemFS stored %q, DirFS %q", stored[0], stored[1])
	}
}
