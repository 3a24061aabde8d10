package sim

import (
	"bytes"
	"crypto/tls"
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
