package sim

import (
	"crypto/rand"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startDirFS starts a server on a DirFS over a fresh temporary directory
// and returns the directory.
func startDirFS(t *testing.T, configure func(*Server)) (*Server, string) {
	t.Helper()
	dir := t.TempDir()
	return startDirFSAt(t, dir, configure), dir
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tempFiles lists upload temporaries anywhere under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".ftpsim-upload-") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestDirFS runs the file commands against a directory on disk.
func TestDirFS(t *testing.T) {
	t.Parallel()
	srv, dir := startDirFS(t, nil)
	writeFile(t, filepath.Join(dir, "f.txt"), "hello\n")
	c := dialCtl(t, srv)
	c.login()

	c.put("STOR /up.bin", []byte("payload"), nil)
	if got := readFile(t, filepath.Join(dir, "up.bin")); got != "payload" {
		t.Fatalf("stored %q", got)
	}
	c.put("STOR up.bin", []byte("v2"), nil)
	c.put("APPE up.bin", []byte("+"), nil)
	if got := readFile(t, filepath.Join(dir, "up.bin")); got != "v2+" {
		t.Fatalf("after STOR+APPE: %q", got)
	}
	c.must("REST 1", 350)
	c.put("STOR up.bin", []byte("X"), nil)
	if got := readFile(t, filepath.Join(dir, "up.bin")); got != "vX" {
		t.Fatalf("after REST+STOR: %q", got)
	}
	c.must("REST 2", 350)
	mustSame(t, "REST+RETR", c.get("RETR /f.txt", nil), []byte("llo\n"))

	c.must("MKD sub", 257)
	c.must("MKD sub", 550)
	c.must("CWD sub", 250)
	c.put("STOR inner", []byte("in"), nil)
	if got := readFile(t, filepath.Join(dir, "sub", "inner")); got != "in" {
		t.Fatalf("inner: %q", got)
	}
	c.must("CDUP", 250)
	list := string(c.get("LIST", nil))
	for _, want := range []string{" f.txt\r\n", " up.bin\r\n", "drwxr-xr-x", " sub\r\n"} {
		if !strings.Contains(list, want) {
			t.Fatalf("LIST lacks %q:\n%s", want, list)
		}
	}
	if got := string(c.get("NLST sub", nil)); got != "inner\r\n" {
		t.Fatalf("NLST sub: %q", got)
	}
	if got := string(c.get("MLSD", nil)); !strings.Contains(got, "type=dir;") || !strings.Contains(got, "size=6;") {
		t.Fatalf("MLSD: %q", got)
	}
	c.must("SIZE f.txt", 213)
	c.must("MDTM f.txt", 213)
	c.must("MLST f.txt", 250)
	c.must("RMD sub", 550) // not empty
	c.must("DELE sub", 550)
	c.must("RNFR sub/inner", 350)
	c.must("RNTO moved", 250)
	c.must("RMD sub", 250)
	c.must("RMD /", 550)
	c.must("RMD nope", 550)
	c.must("DELE moved", 250)
	c.must("DELE moved", 550)
	c.must("RETR nope", 550)
	c.must("RETR /", 550)
	c.must("CWD f.txt", 550)
	c.must("STOR /nodir/x", 550)
	// A file used as a directory (ENOTDIR from the kernel).
	for _, cmd := range []string{"RETR f.txt/x", "SIZE f.txt/x", "CWD f.txt/x", "MKD f.txt/x", "DELE f.txt/x", "LIST f.txt/x", "STOR f.txt/x"} {
		if res := c.transfer(xfer{cmd: cmd, data: []byte("x")}); res.final.Code != 550 {
			t.Errorf("%s: %q, want 550", cmd, res.final.String())
		}
	}
	if tmp := tempFiles(t, dir); len(tmp) > 0 {
		t.Fatalf("temporaries left: %v", tmp)
	}
}

// TestDirFSConfinement: no name, "..", absolute path or symbolic link can
// read or write outside the root.
func TestDirFSConfinement(t *testing.T) {
	t.Parallel()
	srv, dir := startDirFS(t, nil)
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret"), "top secret")
	writeFile(t, filepath.Join(filepath.Dir(dir), "sibling-secret"), "sibling") // dir's parent is per-test
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "filelink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../sibling-secret", filepath.Join(dir, "rellink")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "inside"), "ok")
	c := dialCtl(t, srv)
	c.login()

	for _, name := range []string{
		"../sibling-secret", "../../sibling-secret", "/../sibling-secret", "sub/../../sibling-secret",
		filepath.Join(outside, "secret"), "/etc/passwd",
		"link/secret", "filelink", "rellink", "link/../inside/../link/secret",
	} {
		t.Run("read "+name, func(t *testing.T) {
			if res := c.transfer(xfer{cmd: "RETR " + name}); res.final.Code != 550 || len(res.data) > 0 {
				t.Fatalf("RETR %s: %q then %q, data %q; want 550", name, res.prelim.String(), res.final.String(), res.data)
			}
			c.must("SIZE "+name, 550)
		})
	}
	for _, name := range []string{"link/new", "link/secret", "link/../link/x"} {
		t.Run("write "+name, func(t *testing.T) {
			for _, cmd := range []string{"STOR", "APPE"} {
				res := c.transfer(xfer{cmd: cmd + " " + name, data: []byte("pwned")})
				if res.final.Code != 550 {
					t.Fatalf("%s %s: %q then %q; want 550", cmd, name, res.prelim.String(), res.final.String())
				}
			}
			c.must("REST 1", 350)
			if res := c.transfer(xfer{cmd: "STOR " + name, data: []byte("pwned")}); res.final.Code != 550 {
				t.Fatalf("REST+STOR %s: %q", name, res.final.String())
			}
			c.must("MKD "+name+"dir", 550)
			c.must("DELE "+name, 550)
			c.must("RNFR "+name, 550)
		})
	}
	// Writing in place through a link to a file outside is refused.
	for _, cmd := range []string{"APPE filelink", "REST 1", "STOR filelink"} {
		if cmd == "REST 1" {
			c.must(cmd, 350)
			continue
		}
		if res := c.transfer(xfer{cmd: cmd, data: []byte("pwned")}); res.final.Code != 550 {
			t.Fatalf("%s: %q, want 550", cmd, res.final.String())
		}
	}
	// A fresh STOR replaces the link itself (rename does not follow it).
	c.put("STOR filelink", []byte("replaced"), nil)
	if st, err := os.Lstat(filepath.Join(dir, "filelink")); err != nil || st.Mode()&os.ModeSymlink != 0 {
		t.Fatalf("filelink after STOR: %v, %v", st, err)
	}
	c.must("CWD link", 550)
	c.must("RNFR inside", 350)
	c.must("RNTO link/inside", 550)
	// ".." in a name resolves inside the root: these land in dir.
	c.put("STOR ../escaped", []byte("contained"), nil) // cleaned to /escaped
	if got := readFile(t, filepath.Join(dir, "escaped")); got != "contained" {
		t.Fatalf("escaped: %q", got)
	}

	if got := readFile(t, filepath.Join(outside, "secret")); got != "top secret" {
		t.Fatalf("outside file changed: %q", got)
	}
	ents, _ := os.ReadDir(outside)
	if len(ents) != 1 {
		t.Fatalf("files appeared outside the root: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escaped")); err == nil {
		t.Fatal("file written next to the root")
	}
	c.must("NOOP", 200)
}

// TestDirFSAbortedUpload: an aborted or truncated upload leaves no
// temporary file behind, and an upload in progress is hidden from listings.
func TestDirFSAbortedUpload(t *testing.T) {
	t.Parallel()
	srv, dir := startDirFS(t, nil)
	writeFile(t, filepath.Join(dir, "keep"), "old")
	c := dialCtl(t, srv)
	c.login()

	// In progress: the temporary exists on disk but not in listings.
	dc := c.epsvConn()
	c.must("STOR keep", 150)
	chunk := make([]byte, 64<<10)
	rand.Read(chunk)
	dc.Write(chunk)
	waitFor(t, "upload bytes", func() bool { n, _ := c.session().transferBytes(); return n > 0 })
	if tmp := tempFiles(t, dir); len(tmp) != 1 {
		t.Fatalf("temporaries during upload: %v", tmp)
	}
	d := dialCtl(t, srv)
	d.login()
	if rep := d.must("STAT /", 213); strings.Contains(rep.Message(), ".ftpsim-upload-") {
		t.Fatalf("listing shows the temporary: %q", rep.Message())
	}
	if got := string(d.get("NLST /", nil)); got != "keep\r\n" {
		t.Fatalf("NLST during upload: %q", got)
	}
	c.send("ABOR")
	c.expect(426)
	c.expect(226)
	if tmp := tempFiles(t, dir); len(tmp) > 0 {
		t.Fatalf("temporaries after ABOR: %v", tmp)
	}
	if got := readFile(t, filepath.Join(dir, "keep")); got != "old" {
		t.Fatalf("aborted STOR replaced the file: %q", got)
	}

	// Broken data connection.
	res := c.transfer(xfer{cmd: "STOR broken", data: chunk, finish: func(_ *tls.Conn, raw net.Conn) {
		raw.(*net.TCPConn).SetLinger(0)
		raw.Close() // RST
	}})
	if res.final.Code != 426 && res.final.Code != 226 {
		t.Fatalf("STOR with RST: %q", res.final.String())
	}
	if tmp := tempFiles(t, dir); len(tmp) > 0 {
		t.Fatalf("temporaries after a reset: %v", tmp)
	}

	// Truncated TLS upload.
	cfg := clientTLS(srv, 0, nil)
	c.secure(cfg)
	res = c.transfer(xfer{cmd: "STOR keep", data: chunk, tls: cfg, finish: truncFinish})
	if res.final.Code != 426 {
		t.Fatalf("truncated STOR: %q", res.final.String())
	}
	if tmp := tempFiles(t, dir); len(tmp) > 0 {
		t.Fatalf("temporaries after truncation: %v", tmp)
	}
	if got := readFile(t, filepath.Join(dir, "keep")); got != "old" {
		t.Fatalf("truncated STOR replaced the file: %q", got)
	}

	// Server closed mid-upload.
	dc2 := c.epsvConn()
	c.must("PROT C", 200)
	c.send("STOR midclose")
	waitFor(t, "transfer", func() bool { _, ok := c.session().transferBytes(); return ok })
	dc2.Write(chunk)
	time.Sleep(20 * time.Millisecond)
	srv.Close()
	if tmp := tempFiles(t, dir); len(tmp) > 0 {
		t.Fatalf("temporaries after Close: %v", tmp)
	}
}
