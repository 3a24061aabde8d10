package sim

import (
	"crypto/tls"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// benchTransferSize is what one BenchmarkTransfer operation moves.
const benchTransferSize = 64 << 20

// BenchmarkTransfer moves 64 MiB per operation through one server over
// loopback, PROT P under TLS 1.3 (what curl and lftp negotiate), RETR and
// STOR, with the storage in memory ([MemFS]) and in a directory ([DirFS]):
// on tmpfs when /dev/shm exists (dirfs: the disk is not measured), in the
// default temporary directory (dirfs-disk) and there with [DirFS.Sync]
// (dirfs-disk-sync: what syncing each upload costs).
// The client is crypto/tls reading into a 256 KiB buffer and writing
// 256 KiB at a time, so the server side is what varies. It reports MB/s
// (b.SetBytes), the CPU time of the process per transfer (cpu-ms/op: the
// figure to compare on a shared machine) and the server's and client's
// allocations per transfer;
// each transfer must end 226 with every byte counted (the file's size is
// checked after each STOR).
//
//	go test -run='^$' -bench=BenchmarkTransfer -benchtime=5x ./sim
func BenchmarkTransfer(b *testing.B) {
	payload := make([]byte, benchTransferSize)
	for i := range payload {
		payload[i] = byte(i*7 + i>>11) // any pattern: nothing on the path compresses
	}
	for _, store := range []string{"memfs", "dirfs", "dirfs-disk", "dirfs-disk-sync"} {
		for _, dir := range []string{"RETR", "STOR"} {
			if store == "dirfs-disk-sync" && dir == "RETR" {
				continue // DirFS.Sync changes uploads only
			}
			b.Run(store+"/"+dir, func(b *testing.B) {
				srv, check := benchServer(b, store, payload)
				cfg := clientTLS(srv, tls.VersionTLS13, tls.NewLRUClientSessionCache(8))
				c := dialCtl(b, srv)
				c.secure(cfg)
				c.must("TYPE I", 200)
				buf := make([]byte, 256<<10)
				b.SetBytes(benchTransferSize)
				b.ReportAllocs()
				i := 0
				cpu0 := cpuTime(b)
				for b.Loop() {
					c.raw.SetDeadline(time.Now().Add(time.Minute))
					name := "/big.bin"
					if dir == "STOR" {
						name = "/up" + strconv.Itoa(i) + ".bin"
					}
					i++
					n := benchOne(b, c, cfg, dir+" "+name, payload, buf)
					if n != benchTransferSize {
						b.Fatalf("%s %s moved %d bytes, want %d", dir, name, n, benchTransferSize)
					}
					if dir == "STOR" {
						check(name)
					}
				}
				b.ReportMetric(float64((cpuTime(b)-cpu0).Milliseconds())/float64(i), "cpu-ms/op")
			})
		}
	}
}

// cpuTime is the CPU time (user and system) this process has used: server
// and client together, which on a loaded machine varies far less than wall
// time does.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchServer starts a server whose storage holds payload as /big.bin;
// check fails the benchmark unless an uploaded file has payload's size,
// and then removes it.
func benchServer(b *testing.B, store string, payload []byte) (*Server, func(name string)) {
	b.Helper()
	if store == "memfs" {
		srv := startSim(b, nil)
		m := memFS(b, srv)
		m.WriteFile("/big.bin", payload)
		return srv, func(name string) {
			st, err := m.Stat(name)
			if err != nil || st.Size() != int64(len(payload)) {
				b.Fatalf("stored %s: %v, %v; want %d bytes", name, st, err, len(payload))
			}
			m.Remove(name)
		}
	}
	base := "" // dirfs-disk: the default temporary directory, on disk here
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() && store == "dirfs" {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "ftpsim-sim-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), payload, 0o644); err != nil {
		b.Fatal(err)
	}
	d, err := NewDirFS(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	d.Sync = store == "dirfs-disk-sync"
	srv := startSim(b, func(s *Server) { s.FS = d })
	return srv, func(name string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		st, err := os.Stat(p)
		if err != nil || st.Size() != int64(len(payload)) {
			b.Fatalf("stored %s: %v, %v; want %d bytes", name, st, err, len(payload))
		}
		os.Remove(p)
	}
}

// benchOne runs one protected transfer and returns the bytes moved: read
// to EOF for a download, all of payload for an upload. It fails unless
// the final reply is 226.
func benchOne(b *testing.B, c *rawClient, cfg *tls.Config, cmd string, payload, buf []byte) int64 {
	b.Helper()
	ap := c.epsv()
	dc, err := net.DialTimeout("tcp", ap.String(), ioTimeout)
	if err != nil {
		b.Fatalf("dial data %s: %v", ap, err)
	}
	defer dc.Close()
	dc.SetDeadline(time.Now().Add(time.Minute))
	c.send(cmd)
	if rep := c.read(); rep.Code != 150 {
		b.Fatalf("%s: got %q, want 150", cmd, rep.String())
	}
	tc := tls.Client(dc, cfg)
	if err := tc.Handshake(); err != nil {
		b.Fatalf("%s: data handshake: %v", cmd, err)
	}
	var n int64
	if cmd[:4] == "STOR" {
		for off := 0; off < len(payload); off += len(buf) {
			w, err := tc.Write(payload[off:min(off+len(buf), len(payload))])
			n += int64(w)
			if err != nil {
				b.Fatalf("%s: write: %v", cmd, err)
			}
		}
		tc.CloseWrite()
		dc.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, tc) // the server's close_notify
	} else {
		for {
			r, err := tc.Read(buf)
			n += int64(r)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatalf("%s: read: %v", cmd, err)
			}
		}
	}
	if rep := c.read(); rep.Code != 226 {
		b.Fatalf("%s: got %q, want 226", cmd, rep.String())
	}
	return n
}
