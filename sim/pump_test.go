package sim

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPumpKeepsEveryByte: an upload that ends in an error the server may
// accept (no close_notify under LenientTLSEOF) with a size that is not a
// multiple of the chunk size stores every byte, in MemFS and DirFS: the
// bytes still in the chunk buffer when the read fails are written before
// the 226. Progress (what STAT reports) counts bytes as they arrive, before
// their chunk is full.
func TestPumpKeepsEveryByte(t *testing.T) {
	t.Parallel()
	payload := make([]byte, 3*copyBuffer+12345)
	rand.Read(payload)
	for _, store := range []string{"memfs", "dirfs"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			srv := startSim(t, func(s *Server) {
				s.LenientTLSEOF = true
				if store == "dirfs" {
					d, err := NewDirFS(dir)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { d.Close() })
					s.FS = d
				}
			})
			stored := func(name string) []byte {
				if store == "memfs" {
					got, _ := memFS(t, srv).ReadFile(name)
					return got
				}
				got, _ := os.ReadFile(filepath.Join(dir, name))
				return got
			}
			cache := tls.NewLRUClientSessionCache(4)
			c := connectMode(t, srv, clientTLS(srv, tls.VersionTLS13, cache), true)
			res := c.transfer(xfer{cmd: "STOR /cut", data: payload, tls: clientTLS(srv, tls.VersionTLS13, cache), finish: truncFinish})
			if res.final.Code != 226 {
				t.Fatalf("lenient STOR without close_notify: %q, want 226", res.final.String())
			}
			if got := stored("cut"); !bytes.Equal(got, payload) {
				t.Fatalf("stored %d bytes, want the %d sent", len(got), len(payload))
			}
			if ev := c.session().Data()[0]; ev.Bytes != int64(len(payload)) {
				t.Fatalf("evidence counts %d bytes, want %d", ev.Bytes, len(payload))
			}

			// A slow upload: 1,000 bytes, far less than a chunk, show in
			// the progress before the client ends.
			dc := c.epsvConn()
			c.must("STOR /slow", 150)
			tc := tls.Client(dc, clientTLS(srv, tls.VersionTLS13, cache))
			if _, err := tc.Write(payload[:1000]); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "1000 bytes of progress", func() bool { n, _ := c.session().transferBytes(); return n == 1000 })
			if _, err := tc.Write(payload[1000:2000]); err != nil {
				t.Fatal(err)
			}
			cleanFinish(tc, dc)
			c.expect(226)
			if got := stored("slow"); !bytes.Equal(got, payload[:2000]) {
				t.Fatalf("slow upload stored %d bytes, want 2000", len(got))
			}
		})
	}
}

// TestBatchConnCloseDuringFlush: while a batch of records is being sent
// to a client that does not read, a write from another goroutine (the
// close_notify of tls.Conn.Close on ABOR) fails at once instead of
// waiting for the flush, and closing the connection ends the flush.
// Outside start and stop, writes pass straight through.
func TestBatchConnCloseDuringFlush(t *testing.T) {
	t.Parallel()
	client, server := net.Pipe() // a pipe write blocks until the other end reads
	defer client.Close()
	bc := &batchConn{Conn: server}

	done := make(chan error, 1)
	go func() { _, err := bc.Write([]byte("handshake")); done <- err }()
	got := make([]byte, 64)
	client.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := client.Read(got); err != nil || string(got[:n]) != "handshake" {
		t.Fatalf("pass-through write: read %q, %v", got[:n], err)
	}
	if err := <-done; err != nil {
		t.Fatalf("pass-through write: %v", err)
	}

	bc.start()
	for range 3 {
		if n, err := bc.Write(bytes.Repeat([]byte("r"), 1000)); n != 1000 || err != nil {
			t.Fatalf("gathered write = %d, %v", n, err)
		}
	}
	go func() { done <- bc.flush() }()
	deadline := time.Now().Add(ioTimeout)
	for {
		bc.mu.Lock()
		f := bc.flushing
		bc.mu.Unlock()
		if f {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("flush did not start")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := bc.Write([]byte("close_notify")); !errors.Is(err, errFlushing) {
		t.Fatalf("write during a flush: %v, want errFlushing", err)
	}
	server.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("flush to a closed connection succeeded")
		}
	case <-time.After(ioTimeout):
		t.Fatal("flush still blocked after Close")
	}
	bc.stop()
}
