package sim

import (
	"errors"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// readLog is a client's TCP connection that keeps every chunk a Read
// returned, so a test sees how the server's bytes arrived.
type readLog struct {
	net.Conn
	mu     sync.Mutex
	chunks [][]byte
}

func (l *readLog) Read(p []byte) (int, error) {
	n, err := l.Conn.Read(p)
	if n > 0 {
		l.mu.Lock()
		l.chunks = append(l.chunks, append([]byte(nil), p[:n]...))
		l.mu.Unlock()
	}
	return n, err
}

// mark returns how many chunks have been read so far.
func (l *readLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.chunks)
}

// chunk returns chunk i, or nil.
func (l *readLog) chunk(i int) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i >= len(l.chunks) {
		return nil
	}
	return l.chunks[i]
}

// writeLogListener hands out connections that keep the size of every
// Write the server makes, so a test sees which bytes left together.
type writeLogListener struct {
	net.Listener
	mu     sync.Mutex
	writes [][]byte
}

func (l *writeLogListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &loggedWrites{Conn: c, l: l}, nil
}

// since returns the writes from index i on.
func (l *writeLogListener) since(i int) [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]byte(nil), l.writes[min(i, len(l.writes)):]...)
}

func (l *writeLogListener) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.writes)
}

type loggedWrites struct {
	net.Conn
	l *writeLogListener
}

func (c *loggedWrites) Write(p []byte) (int, error) {
	c.l.mu.Lock()
	c.l.writes = append(c.l.writes, append([]byte(nil), p...))
	c.l.mu.Unlock()
	return c.Conn.Write(p)
}

// tlsRecords counts the whole TLS records at the start of b.
func tlsRecords(b []byte) int {
	n := 0
	for len(b) >= 5 {
		size := 5 + (int(b[3])<<8 | int(b[4]))
		if size > len(b) {
			break
		}
		n++
		b = b[size:]
	}
	return n
}

// TestCCCCloseNotifyTiming: Server.CCCCloseNotify decides when the
// server's close_notify follows its 200 to CCC. At once and with the
// reply it comes without the client sending its own; with the reply it
// leaves in the same write as the 200's record (the case lftp loses), at
// once in a write of its own;
// after the client it never comes before the client's own close_notify
// (the case lftp wins). In every mode the connection then goes on in
// cleartext.
func TestCCCCloseNotifyTiming(t *testing.T) {
	t.Parallel()
	for _, mode := range []CCCNotify{CCCNotifyAtOnce, CCCNotifyWithReply, CCCNotifyAfterClient} {
		for _, v := range tlsVersions {
			t.Run(mode.String()+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				wl := &writeLogListener{Listener: ln}
				srv := startSim(t, func(s *Server) { s.CCCCloseNotify, s.Listener = mode, wl })
				c := dialCtl(t, srv)
				log := &readLog{Conn: c.raw}
				c.raw = log
				c.authTLS(clientTLS(srv, v.v, nil))
				c.login()
				at, wat := log.mark(), wl.count()
				c.must("CCC", 200)
				buf := make([]byte, 16)
				if mode == CCCNotifyAfterClient {
					c.tls.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
					n, err := c.tls.Read(buf)
					var ne net.Error
					if !errors.As(err, &ne) || !ne.Timeout() {
						t.Fatalf("before the client's close_notify: %d bytes, %v; want nothing (a read timeout)", n, err)
					}
					c.tls.SetReadDeadline(time.Now().Add(ioTimeout))
				}
				if mode != CCCNotifyAfterClient {
					// Wait for the close_notify to be written, then look
					// at the writes of the 200 and of the alert.
					if n, err := c.tls.Read(buf); n != 0 || err == nil || !isEOF(err) {
						t.Fatalf("after the 200: %d bytes, %v; want the server's close_notify", n, err)
					}
					var records []int
					for _, w := range wl.since(wat) {
						records = append(records, tlsRecords(w))
					}
					want := []int{1, 1}
					if mode == CCCNotifyWithReply {
						want = []int{2}
						if got := tlsRecords(log.chunk(at)); got != 2 {
							t.Errorf("the client read the 200 in a chunk of %d whole TLS records, want 2", got)
						}
					}
					if !slices.Equal(records, want) {
						t.Fatalf("server writes after CCC held %v TLS records each, want %v", records, want)
					}
				}
				if err := c.tls.CloseWrite(); err != nil {
					t.Fatalf("client close_notify: %v", err)
				}
				if mode == CCCNotifyAfterClient {
					if n, err := c.tls.Read(buf); n != 0 || !isEOF(err) {
						t.Fatalf("after the client's close_notify: %d bytes, %v; want the server's", n, err)
					}
				}
				c.raw.SetDeadline(time.Now().Add(ioTimeout))
				c.conn, c.r = c.raw, newBufReader(c.raw)
				c.must("PWD", 257)
				sess := c.session()
				if !transcriptHas(sess, "close_notify exchanged", ftp.EntryTLS) {
					t.Fatalf("transcript:\n%s", sess.Transcript())
				}
			})
		}
	}
}

// TestCCCNotifyString: the modes have names for transcripts and flags.
func TestCCCNotifyString(t *testing.T) {
	t.Parallel()
	for n, want := range map[CCCNotify]string{CCCNotifyAtOnce: "at-once", CCCNotifyWithReply: "with-reply", CCCNotifyAfterClient: "after-client", 7: "CCCNotify(7)"} {
		if got := n.String(); got != want {
			t.Errorf("CCCNotify(%d).String() = %q, want %q", int(n), got, want)
		}
	}
}
