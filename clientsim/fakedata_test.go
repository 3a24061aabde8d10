package clientsim

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// dataSetup answers EPSV, PASV, PORT and EPRT.
func (fs *fakeSession) dataSetup(cmd ftp.Command) {
	if fs.pasv != nil {
		fs.pasv.Close()
		fs.pasv = nil
	}
	fs.active = ""
	switch cmd.Verb {
	case "EPSV", "PASV":
		if cmd.Verb == "EPSV" && fs.srv.opts.epsvReply != 0 {
			fs.reply(fs.srv.opts.epsvReply, "EPSV not here")
			return
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fs.reply(425, "cannot listen")
			return
		}
		fs.pasv = ln
		port := uint16(ln.Addr().(*net.TCPAddr).Port)
		if cmd.Verb == "EPSV" {
			fs.reply(229, ftp.FormatEPSV(port))
			return
		}
		host := netip.MustParseAddr("127.0.0.1")
		if fs.srv.opts.pasvHost != "" {
			host = netip.MustParseAddr(fs.srv.opts.pasvHost)
		}
		text, _ := ftp.FormatPASV(netip.AddrPortFrom(host, port))
		fs.reply(227, text)
	case "PORT", "EPRT":
		parse := ftp.ParsePORT
		if cmd.Verb == "EPRT" {
			parse = ftp.ParseEPRT
		}
		ap, err := parse(cmd.Arg)
		if err != nil || !ap.Addr().IsLoopback() {
			fs.reply(501, "bad address")
			return
		}
		fs.active = ap.String()
		fs.reply(200, cmd.Verb+" ok")
	}
}

// openData accepts (passive) or dials (active) the data connection.
func (fs *fakeSession) openData() (net.Conn, error) {
	switch {
	case fs.pasv != nil:
		ln := fs.pasv
		fs.pasv = nil
		defer ln.Close()
		ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
		return ln.Accept()
	case fs.active != "":
		addr := fs.active
		fs.active = ""
		return net.DialTimeout("tcp", addr, 5*time.Second)
	}
	return nil, fmt.Errorf("no PASV or PORT")
}

func (fs *fakeSession) transfer(cmd ftp.Command) {
	rest := fs.rest
	fs.rest = 0
	upload := cmd.Verb == "STOR" || cmd.Verb == "APPE" || cmd.Verb == "STOU"
	var content []byte
	if !upload {
		var ok bool
		if content, ok = fs.listingOrFile(cmd); !ok {
			fs.reply(550, cmd.Arg+": no such file")
			return
		}
	}
	if fs.active != "" && fs.srv.opts.noConnectBack {
		fs.active = ""
		fs.reply(150, "Opening data connection")
		time.Sleep(500 * time.Millisecond)
		fs.reply(425, "Can't open data connection")
		return
	}
	dc, err := fs.openData()
	if err != nil {
		fs.reply(425, "Can't open data connection")
		return
	}
	defer dc.Close()
	name := cmd.Arg
	if cmd.Verb == "STOU" {
		name = "unique.1"
		fs.reply(150, "FILE: "+name)
	} else {
		fs.reply(150, "Opening data connection")
	}
	rec := dataRecord{verb: cmd.Verb}
	var data net.Conn = dc
	if fs.prot == 'P' {
		tc := tls.Server(dc, fs.srv.dataTLS)
		tc.SetDeadline(time.Now().Add(5 * time.Second))
		rec.tlsErr = tc.Handshake()
		rec.tlsOK, rec.resumed = rec.tlsErr == nil, tc.ConnectionState().DidResume
		if rec.tlsErr != nil {
			fs.srv.record(rec)
			dc.Close()
			switch {
			case fs.srv.opts.reuseReply != 0:
				fs.reply(fs.srv.opts.reuseReply, "Unable to build data connection: TLS session of data connection not resumed.")
			case fs.srv.opts.requireReuse:
				fs.reply(522, "SSL connection failed; session reuse required")
			default:
				fs.reply(425, "TLS handshake failed")
			}
			return
		}
		data = tc
		if fs.srv.opts.closeAfterTLS {
			fs.srv.record(rec)
			dc.Close()
			fs.reply(425, "Unable to build data connection: TLS session of data connection not resumed.")
			return
		}
	}
	data.SetDeadline(time.Now().Add(10 * time.Second))
	if upload {
		fs.receive(cmd.Verb, name, rest, data, &rec)
		return
	}
	fs.send(content[min(int(rest), len(content)):], dc, data, rec)
}

func (s *fakeServer) record(rec dataRecord) {
	s.mu.Lock()
	s.data = append(s.data, rec)
	s.mu.Unlock()
}

// listingOrFile returns what a download command sends.
func (fs *fakeSession) listingOrFile(cmd ftp.Command) ([]byte, bool) {
	if cmd.Verb == "RETR" {
		return fs.srv.file(cmd.Arg)
	}
	fs.srv.mu.Lock()
	names := make([]string, 0, len(fs.srv.files))
	for n := range fs.srv.files {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		size := len(fs.srv.files[n])
		switch cmd.Verb {
		case "LIST":
			fmt.Fprintf(&b, "-rw-r--r-- 1 ftp ftp %d Jan 02 03:04 %s\r\n", size, n)
		case "NLST":
			fmt.Fprintf(&b, "%s\r\n", n)
		case "MLSD":
			fmt.Fprintf(&b, "type=file;size=%d;modify=20240102030405;perm=r;unique=u%d; %s\r\n", size, size, n)
		}
	}
	fs.srv.mu.Unlock()
	return []byte(b.String()), true
}

// send writes a download, then ends it as scripted.
func (fs *fakeSession) send(content []byte, raw, data net.Conn, rec dataRecord) {
	fs.srv.record(rec)
	opts := fs.srv.opts
	if opts.stallRetr {
		data.Write(content[:min(len(content), 64<<10)])
		fs.raw.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, _ := ftp.ReadLine(fs.r, 0)
		fs.srv.mu.Lock()
		fs.srv.cmds = append(fs.srv.cmds, line)
		fs.srv.mu.Unlock()
		raw.Close()
		fs.reply(426, "Connection closed; transfer aborted.")
		fs.reply(226, "ABOR successful")
		return
	}
	if opts.truncateAt > 0 && opts.truncateAt < len(content) {
		data.Write(content[:opts.truncateAt])
		if opts.truncateMidRecord {
			raw.Write([]byte{23, 3, 3, 0, 64, 1, 2, 3}) // a record header and 3 of 64 bytes
		}
		raw.Close() // bare TCP close: no close_notify
		fs.reply(226, "Transfer complete")
		return
	}
	if _, err := data.Write(content); err != nil {
		fs.reply(426, "write failed")
		return
	}
	data.Close()
	fs.reply(226, "Transfer complete")
}

// receive reads an upload until the client's close_notify (or close).
func (fs *fakeSession) receive(verb, name string, rest int64, data net.Conn, rec *dataRecord) {
	b, err := io.ReadAll(data)
	rec.bytesRead = len(b)
	fs.srv.record(*rec)
	data.Close()
	if err != nil {
		fs.reply(426, "upload failed: "+err.Error())
		return
	}
	fs.srv.mu.Lock()
	old := fs.srv.files[name]
	switch {
	case verb == "APPE":
		b = append(append([]byte(nil), old...), b...)
	case rest > 0:
		b = append(append([]byte(nil), old[:min(int(rest), len(old))]...), b...)
	}
	fs.srv.files[name] = b
	fs.srv.mu.Unlock()
	fs.reply(226, "Transfer complete")
}
