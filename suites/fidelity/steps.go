package fidelity

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Step is one action of a script and what it reads back.
type Step struct {
	// Name labels the step in records and diffs, e.g. "PROT S".
	Name string
	do   func(*session)
}

// Do runs the step.
func (st Step) Do(s *session) { st.do(s) }

// Greeting reads the server's greeting (a 220, or a refusal).
func Greeting() Step {
	return Step{Name: "greeting", do: func(s *session) { s.expect() }}
}

// Cmd sends one command line and reads one reply.
func Cmd(line string) Step {
	return Step{Name: line, do: func(s *session) {
		if s.send(line) {
			s.expect()
		}
	}}
}

// CmdThenQuiet sends one command line and records every reply that
// arrives within the quiet period, and whether the server then closes.
func CmdThenQuiet(line string) Step {
	return Step{Name: line, do: func(s *session) {
		if s.send(line) {
			s.drain()
		}
	}}
}

// ClearUser sends USER with the target's user name, records every reply
// within the quiet period and whether the server hangs up, then sends PASS:
// what a server that requires TLS does with a cleartext login.
func ClearUser() Step {
	return Step{Name: "USER+PASS in clear", do: func(s *session) {
		if !s.send("USER " + s.tgt.User) {
			return
		}
		if s.drain(); !s.closed && s.send("PASS "+s.tgt.Password) {
			s.expect()
		}
	}}
}

// Auth sends AUTH mech and, on 234, handshakes on the control connection.
func Auth(mech string) Step {
	return Step{Name: "AUTH " + mech, do: func(s *session) {
		if !s.send("AUTH " + mech) {
			return
		}
		if rep, ok := s.expect(); ok && rep.Code == ftp.CodeAuthOK {
			s.startTLS()
		}
	}}
}

// Login sends USER and, on 331, PASS with the target's credentials.
func Login() Step {
	return Step{Name: "login", do: func(s *session) {
		if !s.send("USER " + s.tgt.User) {
			return
		}
		if rep, ok := s.expect(); ok && rep.Code == ftp.CodeNeedPassword {
			if s.send("PASS " + s.tgt.Password) {
				s.expect()
			}
		}
	}}
}

// Data says how a [Transfer] step opens its data connection.
type Data struct {
	// Verb is the transfer command, e.g. "LIST".
	Verb string
	// PASV uses PASV; the zero value uses EPSV. The data connection always
	// goes to the control connection's address, whatever a 227 says.
	PASV bool
	// Protect runs a TLS handshake on the data connection after the 1xx
	// reply (as ftplib and lftp do), offering the control session when
	// Resume is true and nothing otherwise.
	Protect, Resume bool
	// From is the local IP of the data connection; "" means the control
	// connection's. Another loopback address (127.0.0.2) makes it a
	// foreign data connection. A foreign connection is made first; if the
	// server then stays silent, a second one from the control address
	// follows, to show whether the server kept waiting.
	From string
	// Send, when non-nil, makes the transfer an upload (STOR, APPE):
	// Send is written after the handshake, then the connection ends with
	// close_notify and a FIN, or with a bare FIN when Truncate is set (a
	// cut upload: no close_notify on a protected connection).
	Send     []byte
	Truncate bool
	// Digest records the size and SHA-256 of the bytes read as an event,
	// so they take part in the comparison (a RETR's content).
	Digest bool
	// Other offers, instead of the control connection's session, the one
	// an [OtherSession] step obtained on a second control connection:
	// does the server accept a session its own control connection did
	// not issue? It implies Protect and Resume.
	Other bool
}

// OtherSession opens a second control connection to the server (AUTH TLS,
// login, PBSZ 0, PROT P, a protected listing that resumes) and keeps the
// TLS session it ends with, for a later [Data] with Other set. Its replies
// are notes; the step's one compared event says whether a session came.
func OtherSession() Step {
	return Step{Name: "session from a second control connection", do: func(s *session) {
		other := s.tgt
		other.cache = tls.NewLRUClientSessionCache(8)
		steps := with(append([]Step{Greeting()}, protected...), Transfer(Data{Verb: "LIST", Protect: true, Resume: true}))
		recs, err := Run(s.ctx, other, steps)
		if err != nil {
			s.event("second control connection failed")
			s.note("%v", err)
			return
		}
		for _, r := range recs {
			for _, l := range r.Lines {
				s.note("second connection: %c %s", l.Kind, l.Text)
			}
		}
		st, ok := other.cache.Get(other.ServerName)
		if !ok || st == nil {
			s.event("second control connection left no session")
			return
		}
		s.other = fixedSession{st}
		s.event("second control connection left a session")
	}}
}

// fixedSession is a session cache that always offers one session and
// keeps nothing new.
type fixedSession struct{ st *tls.ClientSessionState }

func (f fixedSession) Get(string) (*tls.ClientSessionState, bool) { return f.st, true }
func (f fixedSession) Put(string, *tls.ClientSessionState)        {}

// Transfer opens a passive data connection and runs a transfer command on
// it, recording every reply until the final one.
func Transfer(d Data) Step {
	name := "EPSV+" + d.Verb
	if d.PASV {
		name = "PASV+" + d.Verb
	}
	switch {
	case d.Other:
		d.Protect, d.Resume = true, true
		name += " (TLS, offering the second connection's session)"
	case d.Protect && d.Resume:
		name += " (TLS, resumed)"
	case d.Protect:
		name += " (TLS, not resumed)"
	default:
		name += " (clear)"
	}
	if d.From != "" {
		name += " from " + d.From
	}
	return Step{Name: name, do: func(s *session) { s.transfer(d) }}
}

func (s *session) transfer(d Data) {
	verb := "EPSV"
	if d.PASV {
		verb = "PASV"
	}
	if !s.send(verb) {
		return
	}
	rep, ok := s.expect()
	if !ok {
		return
	}
	port, ok := passivePort(rep)
	if !ok {
		return
	}
	host, _, _ := net.SplitHostPort(s.tgt.Addr)
	addr := net.JoinHostPort(host, strconv.Itoa(int(port)))
	data := s.dialData(addr, d.From)
	if data == nil {
		return
	}
	defer func() {
		if data != nil {
			data.Close()
		}
	}()
	foreign := d.From != ""
	if foreign {
		s.drain() // a server may refuse a foreign connection at once
		if s.closed {
			return
		}
	} else {
		// Let a server that accepts eagerly (pyftpdlib) see the
		// connection before the command: it answers 125 instead of 150
		// then, and the race between the two would make the transcript
		// flaky.
		time.Sleep(settle)
	}
	if !s.send(d.Verb) {
		return
	}
	opened := false // a 1xx arrived
	for !s.closed {
		wait := s.tgt.Reply
		if foreign {
			wait = s.tgt.Quiet
		}
		rep, ok := s.read(wait)
		if !ok {
			if s.closed {
				return
			}
			if !foreign {
				s.event("no reply within %s", wait)
				return
			}
			// Silence after a foreign connection: is the server still
			// waiting for the client's own?
			s.event("silence")
			foreign = false
			data.Close()
			if data = s.dialData(addr, ""); data == nil {
				return
			}
			if opened {
				s.readData(data, d)
			}
			continue
		}
		if ftp.Class(rep.Code) != 1 {
			return
		}
		// Use the connection the server has: if it refused a foreign
		// one (pyftpdlib answers 150 before any connection), the
		// handshake fails at once and silence follows.
		opened = true
		s.readData(data, d)
	}
}

// settle is how long a data connection rests before the transfer command.
const settle = 200 * time.Millisecond

// passivePort extracts the port of a 227 or 229 reply.
func passivePort(rep ftp.Reply) (uint16, bool) {
	switch rep.Code {
	case ftp.CodeExtendedPassive:
		p, err := ftp.ParseEPSV(rep.Message())
		return p, err == nil
	case ftp.CodePassive:
		ap, err := ftp.ParsePASV(rep.Message())
		return ap.Port(), err == nil
	}
	return 0, false
}

// dialData connects a data connection from local ("" = any).
func (s *session) dialData(addr, local string) net.Conn {
	d := net.Dialer{Timeout: s.tgt.Reply}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	c, err := d.DialContext(s.ctx, "tcp", addr)
	if err != nil {
		s.event("data connection refused")
		s.note("dial data %s: %v", addr, err)
		return nil
	}
	s.note("data connected from %s", c.LocalAddr())
	return c
}

// readData handshakes (when protected) and reads the data connection to
// its end, bounded by the reply timeout. Outcomes are notes: what the
// server replies afterwards is what gets compared.
func (s *session) readData(c net.Conn, d Data) {
	c.SetDeadline(time.Now().Add(s.tgt.Reply))
	var r net.Conn = c
	defer func() { r.Close() }() // after the data, close_notify and FIN: servers wait for them
	if d.Protect {
		cfg := s.tlsConfig(d.Resume)
		if d.Other {
			cfg.ClientSessionCache = s.other
			if s.other == nil {
				s.event("no session from a second control connection to offer: a full handshake")
			}
		}
		tc := tls.Client(c, cfg)
		ctx, cancel := context.WithTimeout(s.ctx, s.tgt.Reply)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			s.note("data TLS handshake failed: %v", err)
			return
		}
		s.note("data TLS %s resumed=%t", tls.VersionName(tc.ConnectionState().Version), tc.ConnectionState().DidResume)
		r = tc
	}
	if d.Send != nil {
		s.upload(c, r, d)
		return
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	if d.Digest {
		s.event("data: %d bytes, sha256 %x", n, h.Sum(nil)[:8])
	}
	if err != nil {
		s.note("data: %d bytes, then %v", n, err)
	} else {
		s.note("data: %d bytes", n)
	}
}

// upload writes d.Send on the data connection c (w is c or its TLS
// client) and ends it as d says; what the server replies is compared.
func (s *session) upload(c net.Conn, w io.Writer, d Data) {
	n, err := w.Write(d.Send)
	if err != nil {
		s.note("upload: %d bytes, then %v", n, err)
	} else {
		s.note("upload: %d bytes", n)
	}
	if tc, ok := w.(*tls.Conn); ok && !d.Truncate {
		tc.CloseWrite() // close_notify
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		tcp.CloseWrite()
	}
	// Wait for the server to close its side, so the final reply follows
	// the whole upload.
	io.Copy(io.Discard, c)
}

// Active announces an active-mode data address on ip (a listener is opened
// there so the port is real) with PORT, or EPRT when eprt is true, and
// reads the reply. No transfer follows.
func Active(ip string, eprt bool) Step {
	verb := "PORT"
	if eprt {
		verb = "EPRT"
	}
	return Step{Name: verb + " to " + ip, do: func(s *session) {
		ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			s.event("cannot listen on %s", ip)
			s.note("%v", err)
			return
		}
		defer ln.Close()
		ap := ln.Addr().(*net.TCPAddr).AddrPort()
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		arg := ftp.FormatEPRT(ap)
		if !eprt {
			arg, _ = ftp.FormatPORT(ap)
		}
		if s.send(verb + " " + arg) {
			s.expect()
		}
	}}
}
