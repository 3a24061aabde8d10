package sim

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
)

// TestLateTickets: with LateTickets a TLS 1.3 data connection still
// completes and carries the upload, with or without a ticket in the
// handshake and under TLS 1.2 (nothing is held there); the client that
// reads after its upload receives the ticket after its Finished.
func TestLateTickets(t *testing.T) {
	t.Parallel()
	for _, v := range tlsVersions {
		for _, noTickets := range []bool{false, true} {
			name := v.name
			if noTickets {
				name += "/no-tickets"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				srv := startSim(t, func(s *Server) { s.LateTickets = true })
				fs := memFS(t, srv)
				c := dialCtl(t, srv)
				cache := tls.NewLRUClientSessionCache(4)
				cfg := clientTLS(srv, v.v, cache)
				cfg.SessionTicketsDisabled = noTickets
				c.secure(cfg)
				data := clientTLS(srv, v.v, cache)
				data.SessionTicketsDisabled = noTickets
				payload := bytes.Repeat([]byte("late ticket "), 10000)
				res := c.transfer(xfer{cmd: "STOR f", data: payload, tls: data})
				if res.final.Code != 226 || res.tlsErr != nil {
					t.Fatalf("STOR: %q, tls %v", res.final.String(), res.tlsErr)
				}
				got, _ := fs.ReadFile("/f")
				if !bytes.Equal(got, payload) {
					t.Fatalf("stored %d bytes, want %d", len(got), len(payload))
				}
				back := c.get("RETR f", data)
				if !bytes.Equal(back, payload) {
					t.Fatalf("RETR gave %d bytes", len(back))
				}
			})
		}
	}
}

// TestLastAppRecord: the record scanner finds the last application-data
// record and refuses anything that is not whole records.
func TestLastAppRecord(t *testing.T) {
	rec := func(typ byte, n int) []byte {
		return append([]byte{typ, 3, 3, byte(n >> 8), byte(n)}, make([]byte, n)...)
	}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	for _, c := range []struct {
		name        string
		p           []byte
		last, count int
	}{
		{"tls13 flight", cat(rec(22, 90), rec(20, 1), rec(23, 30), rec(23, 40)), 5 + 90 + 6 + 35, 2},
		{"tls12 flight", cat(rec(22, 90), rec(22, 900)), 0, 0},
		{"partial", cat(rec(23, 30), rec(23, 40))[:60], 0, 0},
		{"short header", []byte{23, 3}, 0, 0},
		{"empty", nil, 0, 0},
	} {
		last, count := lastAppRecord(c.p)
		if last != c.last || count != c.count {
			t.Errorf("%s: got %d, %d; want %d, %d", c.name, last, count, c.last, c.count)
		}
	}
}

// TestLateTicketClientGone: when the held ticket can no longer be written
// because the client already left, the bytes read (its Finished and its
// upload) still reach crypto/tls with no error, so the transfer's end
// decides the reply rather than a handshake failure.
func TestLateTicketClientGone(t *testing.T) {
	rec := func(typ byte, n int) []byte {
		return append([]byte{typ, 3, 3, byte(n >> 8), byte(n)}, make([]byte, n)...)
	}
	under := &scriptedConn{read: []byte("finished+upload")}
	c := &lateTicketConn{Conn: under}
	flight := bytes.Join([][]byte{rec(22, 90), rec(23, 30), rec(23, 40)}, nil)
	if n, err := c.Write(flight); err != nil || n != len(flight) {
		t.Fatalf("write flight: %d, %v", n, err)
	}
	if len(c.held) == 0 {
		t.Fatal("the ticket record was not held back")
	}
	under.writeErr = errors.New("write: broken pipe")
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "finished+upload" {
		t.Fatalf("read with the client gone: %q, %v; want the bytes and no error", buf[:n], err)
	}
	if len(c.held) != 0 {
		t.Error("the undeliverable ticket is still held")
	}
}

// scriptedConn is a net.Conn that returns read once and fails writes with
// writeErr when set.
type scriptedConn struct {
	net.Conn
	read     []byte
	writeErr error
}

func (s *scriptedConn) Read(p []byte) (int, error) {
	if len(s.read) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.read)
	s.read = s.read[n:]
	return n, nil
}

func (s *scriptedConn) Write(p []byte) (int, error) {
	if s.writeErr != nil {
		return 0, s.writeErr
	}
	return len(p), nil
}
