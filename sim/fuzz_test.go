package sim

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// FuzzSession feeds arbitrary bytes to a session as its command stream,
// in cleartext or after AUTH TLS, and checks that the server never panics
// (not even a recovered handler panic), never hangs, and answers only with
// well-formed replies until it closes the connection.
//
//	go test ./sim -run '^$' -fuzz FuzzSession -fuzztime 30s
func FuzzSession(f *testing.F) {
	srv := NewUnstartedServer()
	srv.PKI = sharedPKI(f)
	srv.Anonymous = true
	// Short enough that PASV-then-RETR without a data connection is cheap,
	// long enough for a control handshake on a machine busy fuzzing (it
	// bounds that too).
	srv.DataTimeout = 250 * time.Millisecond
	srv.IdleTimeout = 5 * time.Second
	// Never dial anything a fuzzer names: the parser and policy code run,
	// the dial fails.
	srv.DialActive = func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("fuzz: active mode does not dial")
	}
	srv.Start()
	f.Cleanup(srv.Close)
	seedFS(memFS(f, srv))

	login := "USER ftpsim\r\nPASS ftpsim\r\n"
	for _, s := range []string{
		"NOOP",
		"",
		login + "PWD\r\nCWD /dir\r\nCDUP\r\nLIST\r\nNLST -la\r\nMLSD\r\n",
		login + "EPSV\r\nRETR /f.txt\r\nPASV\r\nSTOR /x\r\nREST 5\r\nAPPE /f.txt\r\nSTOU\r\n",
		login + "PORT 127,0,0,1,200,1\r\nRETR /f.txt\r\nEPRT |2|::1|5|\r\nEPRT |1|127.0.0.1|4000|\r\nLIST\r\n",
		login + "EPSV ALL\r\nPASV\r\nEPSV 2\r\nEPSV\r\nABOR\r\n",
		login + "TYPE A\r\nSIZE /f.txt\r\nMDTM /f.txt\r\nMLST /f.txt\r\nSTAT /\r\nDELE /f.txt\r\nRMD /dir\r\n",
		login + "MKD /a\r\nRNFR /dir\r\nRNTO /a/b\r\nRNTO /c\r\nXMKD x\r\nXRMD x\r\nXPWD\r\n",
		"USER anonymous\r\nPASS x\r\nMKD /a\r\nSTOR /b\r\n",
		"AUTH TLS\r\nUSER x\r\n",
		"PBSZ 0\r\nPROT P\r\nPROT S\r\nCCC\r\nHOST x\r\nOPTS UTF8 ON\r\nFEAT\r\nHELP\r\nSTAT\r\nSYST\r\n",
		"\xff\xf4\xff\xf2ABOR\r\n\xff\xfb\x01NOOP\r\n",
		strings.Repeat("A", 5000) + "\r\nNOOP\r\n",
		"\x00\x01\x02\r\n\n\r\n\r\r\n",
		"QUIT\r\nNOOP\r\n",
	} {
		f.Add(false, []byte(s))
	}
	for _, s := range []string{
		login + "PBSZ 0\r\nPROT P\r\nEPSV\r\nLIST\r\nCCC\r\nNOOP\r\n",
		login + "CCC\r\n",
		"AUTH TLS\r\nPBSZ x\r\nPROT\r\n" + login + "PROT C\r\n",
	} {
		f.Add(true, []byte(s))
	}

	f.Fuzz(func(t *testing.T, secure bool, input []byte) {
		d := net.Dialer{Timeout: 5 * time.Second}
		raw, err := d.Dial("tcp", srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(30 * time.Second))
		var conn net.Conn = raw
		r := bufio.NewReader(raw)
		if rep, err := ftp.ReadReply(r, 0); err != nil || rep.Code != 220 {
			t.Fatalf("greeting: %q, %v", rep.String(), err)
		}
		if secure {
			io.WriteString(raw, "AUTH TLS\r\n")
			if rep, err := ftp.ReadReply(r, 0); err != nil || rep.Code != 234 {
				t.Fatalf("AUTH TLS: %q, %v", rep.String(), err)
			}
			tc := tls.Client(raw, srv.ClientTLSConfig())
			if err := tc.Handshake(); err != nil {
				t.Fatalf("handshake: %v", err)
			}
			conn, r = tc, bufio.NewReader(tc)
		}

		// Write concurrently: a server answering a long input must not
		// block on a client that is not reading yet.
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			conn.Write(append(append([]byte(nil), input...), "\r\nQUIT\r\n"...))
		}()
		for {
			rep, err := ftp.ReadReply(r, 0)
			if err != nil {
				if errors.Is(err, ftp.ErrMalformedReply) || errors.Is(err, ftp.ErrLineTooLong) || isTimeout(err) {
					t.Fatalf("after %d input bytes: %v", len(input), err)
				}
				break // closed, reset or cut off mid-reply by the close
			}
			if rep.Code < 100 || rep.Code > 599 {
				t.Fatalf("reply code %d", rep.Code)
			}
			if rep.Code == 234 || (secure && rep.Code == 200 && strings.Contains(rep.Message(), "clear text")) {
				break // TLS starts or stops: what follows is not replies
			}
		}
		raw.Close()
		<-wrote
		sess := findSession(t, srv, addrOf(raw.LocalAddr()))
		waitDone(t, sess)
		for _, l := range sess.Transcript().Lines(ftp.EntryNote) {
			if strings.HasPrefix(l, "internal error") {
				t.Fatalf("handler panic: %s\n%s", l, sess.Transcript())
			}
		}
	})
}
