package clientsim

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// fakeOpts scripts the fake server. The zero value is an explicit FTPS
// server that accepts AUTH TLS and AUTH SSL, user ftpsim/ftpsim, passive
// and active data, any TLS version.
type fakeOpts struct {
	implicit          bool
	authReply         map[string]int // AUTH mechanism -> reply code; default 234 for TLS and SSL, 504 otherwise
	plainAfter234     bool           // answer 234, then answer the ClientHello in clear text
	injectAfter234    bool           // send a clear-text line right after 234
	version           uint16         // if set, the only TLS version offered
	requireReuse      bool           // data TLS must resume, else 150, abort, 522 (vsftpd)
	reuseReply        int            // with requireReuse: the refusal's code instead of 522 (FileZilla: 425)
	closeAfterTLS     bool           // complete the data handshake, then close without alert and answer 425
	pasvHost          string         // IPv4 address put in the 227 reply; default 127.0.0.1
	epsvReply         int            // if set, answer EPSV with this code
	truncateAt        int            // if > 0, downloads end with a bare TCP close after this many bytes
	truncateMidRecord bool           // with truncateAt: close in the middle of a TLS record
	cccReply          int            // if set, answer CCC with this code instead of clearing
	stallRetr         bool           // RETR sends one chunk, then waits for ABOR
	silent            string         // a verb the server never answers
	noConnectBack     bool           // active mode: answer 150, never connect, then 425
	requestClientCert bool           // ask for a client certificate on control and data
}

// dataRecord is what the fake saw on one data connection.
type dataRecord struct {
	verb      string
	tlsOK     bool
	resumed   bool
	tlsErr    error
	bytesRead int
}

type fakeServer struct {
	opts    fakeOpts
	ln      net.Listener
	addr    string
	cert    *testCert
	ctlTLS  *tls.Config
	dataTLS *tls.Config
	wg      sync.WaitGroup

	mu    sync.Mutex
	cmds  []string
	data  []dataRecord
	files map[string][]byte
	conns map[net.Conn]bool
	peers []string // subject CN of each client certificate seen on control
}

// newFakeServer starts a fake server on 127.0.0.1:0; it is closed (and
// all its goroutines joined) at the end of the test.
func newFakeServer(t fataler, opts fakeOpts) *fakeServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{opts: opts, ln: ln, addr: ln.Addr().String(), cert: serverCert(t),
		files: map[string][]byte{}, conns: map[net.Conn]bool{}}
	s.ctlTLS = &tls.Config{Certificates: []tls.Certificate{s.cert.tls}}
	if opts.version != 0 {
		s.ctlTLS.MinVersion, s.ctlTLS.MaxVersion = opts.version, opts.version
	}
	if opts.requestClientCert {
		s.ctlTLS.ClientAuth = tls.RequireAnyClientCert
	}
	var key [32]byte
	rand.Read(key[:])
	s.ctlTLS.SetSessionTicketKeys([][32]byte{key})
	s.dataTLS = s.ctlTLS.Clone()
	if opts.requireReuse {
		s.dataTLS.VerifyConnection = func(cs tls.ConnectionState) error {
			if !cs.DidResume {
				return errors.New("fake: session reuse required")
			}
			return nil
		}
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

func (s *fakeServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !s.track(c) {
			c.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			sess := &fakeSession{srv: s, raw: c, conn: c, r: bufio.NewReader(c), prot: 'C'}
			sess.run()
		}()
	}
}

func (s *fakeServer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		return false
	}
	s.conns[c] = true
	return true
}

func (s *fakeServer) untrack(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Close stops the server and joins all of its goroutines.
func (s *fakeServer) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.conns = nil
	s.mu.Unlock()
	s.wg.Wait()
}

// commands returns the verbs (and arguments) received so far.
func (s *fakeServer) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

func (s *fakeServer) dataRecords() []dataRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]dataRecord(nil), s.data...)
}

func (s *fakeServer) setFile(name string, b []byte) {
	s.mu.Lock()
	s.files[name] = b
	s.mu.Unlock()
}

func (s *fakeServer) file(name string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.files[name]
	return b, ok
}

// fakeSession is one control connection of the fake server.
type fakeSession struct {
	srv    *fakeServer
	raw    net.Conn
	conn   net.Conn // raw or TLS
	tconn  *tls.Conn
	r      *bufio.Reader
	prot   byte
	pasv   net.Listener
	active string
	rest   int64
	rnfr   string
}

func (fs *fakeSession) reply(code int, text string) {
	ftp.WriteReply(fs.conn, code, text)
}

func (fs *fakeSession) run() {
	defer func() {
		if fs.pasv != nil {
			fs.pasv.Close()
		}
	}()
	if fs.srv.opts.implicit && !fs.startTLS() {
		return
	}
	fs.reply(220, "fake FTPS ready")
	for {
		fs.raw.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := ftp.ReadLine(fs.r, 0)
		if err != nil {
			return
		}
		cmd, err := ftp.ParseCommand(line)
		if err != nil {
			fs.reply(500, "bad command")
			continue
		}
		fs.srv.mu.Lock()
		fs.srv.cmds = append(fs.srv.cmds, cmd.String())
		fs.srv.mu.Unlock()
		if !fs.dispatch(cmd) {
			return
		}
	}
}

func (fs *fakeSession) startTLS() bool {
	tc := tls.Server(fs.raw, fs.srv.ctlTLS)
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.Handshake(); err != nil {
		return false
	}
	tc.SetDeadline(time.Time{})
	if pc := tc.ConnectionState().PeerCertificates; len(pc) > 0 {
		fs.srv.mu.Lock()
		fs.srv.peers = append(fs.srv.peers, pc[0].Subject.CommonName)
		fs.srv.mu.Unlock()
	}
	fs.tconn, fs.conn, fs.r = tc, tc, bufio.NewReader(tc)
	return true
}

// dispatch handles one command; false ends the session.
func (fs *fakeSession) dispatch(cmd ftp.Command) bool {
	switch cmd.Verb {
	case fs.srv.opts.silent:
	case "AUTH":
		return fs.auth(cmd.Arg)
	case "USER":
		fs.reply(331, "password please")
	case "PASS":
		if cmd.Arg == "ftpsim" {
			fs.reply(230, "logged in")
		} else {
			fs.reply(530, "login incorrect")
		}
	case "PBSZ":
		fs.reply(200, "PBSZ=0")
	case "PROT":
		if cmd.Arg != "P" && cmd.Arg != "C" {
			fs.reply(504, "PROT level not supported")
			break
		}
		fs.prot = cmd.Arg[0]
		fs.reply(200, "PROT now "+cmd.Arg)
	case "CCC":
		return fs.ccc()
	case "QUIT":
		fs.reply(221, "bye")
		return false
	case "EPSV", "PASV", "PORT", "EPRT":
		fs.dataSetup(cmd)
	case "RETR", "LIST", "NLST", "MLSD", "STOR", "APPE", "STOU":
		fs.transfer(cmd)
	default:
		fs.simple(cmd)
	}
	return true
}

func (fs *fakeSession) auth(mech string) bool {
	code, ok := fs.srv.opts.authReply[strings.ToUpper(mech)]
	if !ok {
		code = 504
		if mech == "TLS" || mech == "SSL" {
			code = 234
		}
	}
	if code == 234 && fs.srv.opts.injectAfter234 {
		// One write, so the client reads both lines at once.
		io.WriteString(fs.raw, "234 go ahead\r\n220 injected before the handshake\r\n")
		return fs.startTLS()
	}
	fs.reply(code, fmt.Sprintf("AUTH %s answer", mech))
	if code != 234 {
		return true
	}
	if fs.srv.opts.plainAfter234 {
		fs.raw.Read(make([]byte, 1024)) // the ClientHello, answered in clear
		io.WriteString(fs.raw, "500 clear text, no TLS here\r\n")
		return true
	}
	return fs.startTLS()
}

// ccc clears the control connection the way RFC 4217 6 describes: wait
// for the client's close_notify, send ours, continue in clear.
func (fs *fakeSession) ccc() bool {
	if code := fs.srv.opts.cccReply; code != 0 || fs.tconn == nil {
		if code == 0 {
			code = 533
		}
		fs.reply(code, "CCC refused")
		return true
	}
	fs.reply(200, "CCC ok, clearing")
	if fs.r.Buffered() > 0 {
		return false
	}
	buf := make([]byte, 64)
	if _, err := fs.tconn.Read(buf); err != io.EOF {
		return false
	}
	if err := fs.tconn.CloseWrite(); err != nil {
		return false
	}
	// crypto/tls leaves a write deadline of "now" on the transport after
	// sending close_notify; clear text needs it lifted.
	fs.raw.SetWriteDeadline(time.Time{})
	fs.conn, fs.r, fs.tconn = fs.raw, bufio.NewReader(fs.raw), nil
	return true
}

// simple answers the commands that need no data connection.
func (fs *fakeSession) simple(cmd ftp.Command) {
	switch cmd.Verb {
	case "FEAT":
		// WriteReply indents middle lines by one space, as RFC 2389 wants.
		ftp.WriteReply(fs.conn, 211, "Features:", "AUTH TLS", "PBSZ", "PROT", "EPSV",
			"MLST type*;size*;modify*;", "REST STREAM", "SIZE", "MDTM", "End")
	case "NOOP", "TYPE":
		fs.reply(200, "ok")
	case "PWD":
		fs.reply(257, `"/a ""quoted"" dir" is the current directory`)
	case "CWD", "CDUP", "RMD":
		fs.reply(250, "ok")
	case "MKD":
		fs.reply(257, `"`+cmd.Arg+`" created`)
	case "REST":
		fmt.Sscan(cmd.Arg, &fs.rest)
		fs.reply(350, "restarting")
	case "ABOR":
		fs.reply(225, "no transfer to abort")
	default:
		fs.fileCommand(cmd)
	}
}

func (fs *fakeSession) fileCommand(cmd ftp.Command) {
	b, ok := fs.srv.file(cmd.Arg)
	switch cmd.Verb {
	case "SIZE", "MDTM", "DELE", "RNFR", "MLST":
		if !ok {
			fs.reply(550, cmd.Arg+": no such file")
			return
		}
	}
	switch cmd.Verb {
	case "SIZE":
		fs.reply(213, fmt.Sprint(len(b)))
	case "MDTM":
		fs.reply(213, "20240102030405.250")
	case "MLST":
		ftp.WriteReply(fs.conn, 250, "Listing "+cmd.Arg, fmt.Sprintf("type=file;size=%d;modify=20240102030405; %s", len(b), cmd.Arg), "End")
	case "DELE":
		fs.srv.mu.Lock()
		delete(fs.srv.files, cmd.Arg)
		fs.srv.mu.Unlock()
		fs.reply(250, "deleted")
	case "RNFR":
		fs.rnfr = cmd.Arg
		fs.reply(350, "ready for RNTO")
	case "RNTO":
		fs.srv.mu.Lock()
		fs.srv.files[cmd.Arg] = fs.srv.files[fs.rnfr]
		delete(fs.srv.files, fs.rnfr)
		fs.srv.mu.Unlock()
		fs.reply(250, "renamed")
	default:
		fs.reply(502, "not implemented")
	}
}
