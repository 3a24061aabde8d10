package sim

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TicketPolicy controls the TLS session tickets a server issues and
// accepts: the ways real servers make resumption fail even for clients that
// try (S04–S06). The zero value issues a ticket per handshake and accepts
// any valid one up to crypto/tls's 7-day limit.
type TicketPolicy struct {
	// Withhold issues no session tickets, on control or data connections,
	// so no data connection can resume: what a client sees when the
	// server's tickets never reach it (S06), and what a Go client gets
	// from pure-ftpd 1.0.50 (measured: no ticket on either connection).
	Withhold bool
	// MaxAge refuses to resume a ticket issued longer ago than this, by
	// the server's clock Now (S05: the control session's ticket expires
	// during a long session). Zero means no limit of ftpsim's own.
	MaxAge time.Duration
	// SingleUse refuses a ticket presented a second time, as OpenSSL does
	// for TLS 1.3 tickets (S04): a client that keeps offering the control
	// session's ticket resumes once, then fails.
	SingleUse bool
}

// ticketIssued prefixes the issue time (Unix nanoseconds, server clock)
// that every ticket carries in tls.SessionState.Extra.
const ticketIssued = "ftpsim-issued="

// ticketBook remembers consumed tickets for TicketPolicy.SingleUse.
type ticketBook struct {
	mu   sync.Mutex
	used map[[32]byte]bool
}

// consume reports whether identity was seen before, and records it.
func (b *ticketBook) consume(identity []byte) (seen bool) {
	sum := sha256.Sum256(identity)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used == nil {
		b.used = map[[32]byte]bool{}
	}
	seen = b.used[sum]
	b.used[sum] = true
	return seen
}

func ticketIssuedAt(ss *tls.SessionState) (time.Time, bool) {
	for _, e := range ss.Extra {
		if v, ok := strings.CutPrefix(string(e), ticketIssued); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return time.Unix(0, n), true
			}
		}
	}
	return time.Time{}, false
}

// ticketRefusal applies the TicketPolicy to a ticket presented on a data
// connection; it returns why the ticket must not resume, or "".
func (s *Server) ticketRefusal(identity []byte, ss *tls.SessionState) string {
	p := s.Tickets
	if p.MaxAge > 0 {
		if at, ok := ticketIssuedAt(ss); ok {
			if age := s.now().Sub(at); age > p.MaxAge {
				return fmt.Sprintf("ticket expired: issued %s ago, max age %s", age.Round(time.Second), p.MaxAge)
			}
		}
	}
	if p.SingleUse && s.tickets.consume(identity) {
		return "ticket already used once (single-use tickets)"
	}
	return ""
}
