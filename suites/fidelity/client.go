package fidelity

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Target is the server a script runs against.
type Target struct {
	// Addr is the control address, 127.0.0.1:port.
	Addr string
	// RootCAs verifies the server certificate (control and data).
	RootCAs *x509.CertPool
	// ServerName is the name verified and sent as SNI; "" means
	// "localhost".
	ServerName string
	// User and Password are the credentials of [Login].
	User, Password string
	// Reply bounds the wait for one expected reply; 0 means DefaultReply.
	Reply time.Duration
	// Quiet is how long a step listens for replies that may or may not
	// come (unsolicited replies, a silently dropped data connection);
	// 0 means DefaultQuiet.
	Quiet time.Duration

	cache tls.ClientSessionCache // the control connection's; nil: a fresh one
}

// Defaults of [Target].
const (
	DefaultReply = 5 * time.Second
	DefaultQuiet = 1500 * time.Millisecond
)

// Kinds of [Line]. Compared lines are replies and events; sent commands and
// notes are shown but never compared.
const (
	Sent  = '>' // a command the script sent (PASS masked)
	Reply = '<' // a reply the server sent, one line per reply
	Event = '!' // something observable: the connection closed, silence
	Note  = '#' // detail for humans: TLS outcomes, addresses
)

// Line is one observed line of a transcript.
type Line struct {
	Kind byte
	Text string
}

func (l Line) String() string { return string(l.Kind) + " " + l.Text }

// Compared reports whether the line takes part in a comparison.
func (l Line) Compared() bool { return l.Kind == Reply || l.Kind == Event }

// Record is what one step of a script observed.
type Record struct {
	Step  string
	Lines []Line
}

// session is one control connection driven by a script.
type session struct {
	ctx    context.Context
	tgt    Target
	raw    net.Conn
	conn   net.Conn // raw or TLS
	r      *bufio.Reader
	cache  tls.ClientSessionCache
	other  tls.ClientSessionCache // an OtherSession step's session
	closed bool
	lines  []Line
}

// Run connects to the target and runs steps in order. It returns one record
// per step; after the server closes the connection the remaining steps
// record "! skipped (connection closed)". The error is non-nil only when
// the control connection could not be made.
func Run(ctx context.Context, tgt Target, steps []Step) ([]Record, error) {
	if tgt.ServerName == "" {
		tgt.ServerName = "localhost"
	}
	if tgt.Reply <= 0 {
		tgt.Reply = DefaultReply
	}
	if tgt.Quiet <= 0 {
		tgt.Quiet = DefaultQuiet
	}
	d := net.Dialer{Timeout: tgt.Reply}
	c, err := d.DialContext(ctx, "tcp", tgt.Addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", tgt.Addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	s := &session{ctx: ctx, tgt: tgt, raw: c, conn: c, r: bufio.NewReader(c), cache: tgt.cache}
	if s.cache == nil {
		s.cache = tls.NewLRUClientSessionCache(8)
	}
	var recs []Record
	for _, st := range steps {
		s.lines = nil
		if s.closed {
			s.event("skipped (connection closed)")
		} else {
			st.Do(s)
		}
		recs = append(recs, Record{Step: st.Name, Lines: s.lines})
	}
	return recs, nil
}

func (s *session) add(kind byte, format string, args ...any) {
	s.lines = append(s.lines, Line{Kind: kind, Text: fmt.Sprintf(format, args...)})
}

func (s *session) event(format string, args ...any) { s.add(Event, format, args...) }
func (s *session) note(format string, args ...any)  { s.add(Note, format, args...) }

// send writes one command line.
func (s *session) send(line string) bool {
	cmd, err := ftp.ParseCommand(line)
	if err != nil {
		cmd = ftp.Command{Verb: line}
	}
	s.add(Sent, "%s", cmd.Redacted())
	s.conn.SetWriteDeadline(time.Now().Add(s.tgt.Reply))
	if err := ftp.WriteCommand(s.conn, cmd); err != nil {
		s.event("connection closed")
		s.note("write: %v", err)
		s.closed = true
		return false
	}
	return true
}

// read reads one reply, waiting at most d. ok is false on silence (the
// reply is then the zero value) and on a closed connection.
func (s *session) read(d time.Duration) (ftp.Reply, bool) {
	s.conn.SetReadDeadline(time.Now().Add(d))
	rep, err := ftp.ReadReply(s.r, 0)
	switch {
	case err == nil:
		s.add(Reply, "%s", oneLine(rep))
		return rep, true
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ftp.Reply{}, false
	default:
		s.event("connection closed")
		if !errors.Is(err, io.EOF) {
			s.note("read: %v", err)
		}
		s.closed = true
		return ftp.Reply{}, false
	}
}

// expect reads one reply that must come; silence is recorded as an event.
func (s *session) expect() (ftp.Reply, bool) {
	rep, ok := s.read(s.tgt.Reply)
	if !ok && !s.closed {
		s.event("no reply within %s", s.tgt.Reply)
	}
	return rep, ok
}

// drain records replies that arrive within the quiet period.
func (s *session) drain() {
	for !s.closed {
		if _, ok := s.read(s.tgt.Quiet); !ok {
			return
		}
	}
}

// oneLine renders a reply on one line: multi-line replies join their lines
// with " | ", so a transcript keeps one line per reply.
func oneLine(r ftp.Reply) string {
	return fmt.Sprintf("%03d %s", r.Code, strings.Join(r.Lines, " | "))
}

// tlsConfig is the client configuration for control and data: verify the
// server, and resume through the session's cache when resume is true.
func (s *session) tlsConfig(resume bool) *tls.Config {
	cfg := &tls.Config{RootCAs: s.tgt.RootCAs, ServerName: s.tgt.ServerName}
	if resume {
		cfg.ClientSessionCache = s.cache
	}
	return cfg
}

// startTLS handshakes on the control connection.
func (s *session) startTLS() {
	tc := tls.Client(s.raw, s.tlsConfig(true))
	ctx, cancel := context.WithTimeout(s.ctx, s.tgt.Reply)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		s.event("control TLS handshake failed")
		s.note("handshake: %v", err)
		s.closed = true
		return
	}
	s.note("control TLS %s", tls.VersionName(tc.ConnectionState().Version))
	s.conn, s.r = tc, bufio.NewReader(tc)
}
