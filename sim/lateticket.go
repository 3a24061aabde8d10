package sim

import (
	"net"
	"sync"
)

// lateTicketConn sits under crypto/tls on a data connection when
// [Server.LateTickets] is set. crypto/tls sends a TLS 1.3 server's session
// ticket in the same flight as its Finished; OpenSSL servers (vsftpd,
// ProFTPD) send it after reading the client's Finished, when the client
// is already done with the handshake. lateTicketConn holds back the last
// encrypted record of the first flight that has more than one (the
// ticket: crypto/tls writes one record per handshake message and one
// ticket per handshake) and writes it once the client's next bytes (its
// Finished) have been read, or before anything else is written, so the
// records stay in order.
//
// What it reproduces: a client that never reads the data connection (an
// uploading curl, github.com/jlaffaye/ftp) closes it with the ticket
// unread, the kernel answers the close with a reset, and upload bytes
// still in flight are discarded: vsftpd's "426 Failure reading network
// stream." on part of TLS 1.3 uploads.
type lateTicketConn struct {
	net.Conn

	// ticket reports whether crypto/tls sends a ticket in this
	// handshake; it is asked when the server's flight is written, after
	// the ClientHello was read.
	ticket func() bool

	// onWrite keeps the ticket until the server writes
	// ([Server.TicketsOnFirstWrite]): reading the client's bytes does
	// not release it.
	onWrite bool

	mu      sync.Mutex
	held    []byte // the ticket record, until released
	started bool   // the first multi-record flight has been seen
}

// Write passes writes through, holding back the ticket record of the
// TLS 1.3 server flight.
func (c *lateTicketConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.releaseLocked(); err != nil {
		return 0, err
	}
	if c.started {
		return c.Conn.Write(p)
	}
	last, count := lastAppRecord(p)
	if count < 2 {
		return c.Conn.Write(p)
	}
	c.started = true
	if c.ticket != nil && !c.ticket() {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(p[:last]); err != nil {
		return 0, err
	}
	c.held = append([]byte(nil), p[last:]...)
	return len(p), nil
}

// Read releases a held ticket once the client has sent something after
// the server's flight. If the ticket cannot be written any more (the
// client is gone), the bytes read are still returned without an error
// and the ticket is dropped: an OpenSSL server writes it the moment the
// client's Finished arrives, long before a client could send an upload
// and leave, so the late write failing is an artefact of this server
// being scheduled late (a loaded machine), and turning it into a failed
// handshake (522) would show a failure the real server does not have.
// The upload's own end (truncated or not) decides the reply instead.
func (c *lateTicketConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.onWrite {
		c.mu.Lock()
		c.releaseLocked() // an error drops the ticket; see above
		c.mu.Unlock()
	}
	return n, err
}

func (c *lateTicketConn) releaseLocked() error {
	if len(c.held) == 0 {
		return nil
	}
	b := c.held
	c.held = nil
	_, err := c.Conn.Write(b)
	return err
}

// lastAppRecord returns the offset of the last application-data record
// (content type 23) in p and how many such records p holds; it returns
// count 0 when p is not a sequence of whole TLS records.
func lastAppRecord(p []byte) (last, count int) {
	for off := 0; off < len(p); {
		if len(p)-off < 5 {
			return 0, 0
		}
		n := int(p[off+3])<<8 | int(p[off+4])
		if off+5+n > len(p) {
			return 0, 0
		}
		if p[off] == 23 {
			last, count = off, count+1
		}
		off += 5 + n
	}
	return last, count
}
