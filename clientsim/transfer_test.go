package clientsim

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRoundTripSHA256 uploads and downloads 4 MiB of random bytes in every
// data-connection mode and compares digests.
func TestRoundTripSHA256(t *testing.T) {
	payload := randomBytes(t, 4<<20)
	want := sha256.Sum256(payload)
	cases := []struct {
		name string
		opts []Option
	}{
		{"EPSV/TLS1.3", []Option{WithTLSVersions(tls.VersionTLS13, tls.VersionTLS13)}},
		{"EPSV/TLS1.2", []Option{WithTLSVersions(tls.VersionTLS12, tls.VersionTLS12)}},
		{"PASV", []Option{WithPassive(PASVOnly)}},
		{"PORT", []Option{WithActive(PORT)}},
		{"EPRT", []Option{WithActive(EPRT)}},
		{"PROT C", []Option{WithProt('C')}},
		{"implicit", []Option{WithImplicitTLS()}},
		{"plain", []Option{WithPlain()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{implicit: tc.name == "implicit"})
			c := loginFake(t, s, tc.opts...)
			ctx := testCtx(t)
			n, err := c.Store(ctx, "a.bin", bytes.NewReader(payload))
			if err != nil || n != int64(len(payload)) {
				t.Fatalf("Store = %d, %v\n%s", n, err, c.Transcript())
			}
			if got, _ := s.file("a.bin"); sha256.Sum256(got) != want {
				t.Fatalf("server got %d bytes with another digest", len(got))
			}
			h := sha256.New()
			n, err = c.Retrieve(ctx, "a.bin", h)
			if err != nil || n != int64(len(payload)) {
				t.Fatalf("Retrieve = %d, %v\n%s", n, err, c.Transcript())
			}
			if !bytes.Equal(h.Sum(nil), want[:]) {
				t.Fatal("downloaded digest differs")
			}
			if err := c.Quit(ctx); err != nil {
				t.Fatalf("Quit: %v", err)
			}
		})
	}
}

// TestZeroByteUpload checks S09: an empty upload still completes the data
// handshake, and the server sees a clean end.
func TestZeroByteUpload(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{version: v, requireReuse: true})
			c := loginFake(t, s)
			n, err := c.Store(testCtx(t), "empty", strings.NewReader(""))
			if err != nil || n != 0 {
				t.Fatalf("Store = %d, %v\n%s", n, err, c.Transcript())
			}
			recs := s.dataRecords()
			if len(recs) != 1 || !recs[0].tlsOK || !recs[0].resumed {
				t.Fatalf("server data records = %+v", recs)
			}
			if b, ok := s.file("empty"); !ok || len(b) != 0 {
				t.Fatalf("server file = %q, %v", b, ok)
			}
			if !strings.Contains(c.Transcript().String(), "server's close_notify seen") {
				t.Errorf("transcript lacks the close_notify exchange:\n%s", c.Transcript())
			}
		})
	}
}

// TestTruncatedDownload checks that a download ending without close_notify
// fails with ErrTruncated even though 226 arrives, unless lenient.
func TestTruncatedDownload(t *testing.T) {
	cases := []struct {
		name      string
		midRecord bool
		lenient   bool
	}{
		{"record boundary", false, false},
		{"mid record", true, false},
		{"record boundary lenient", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{truncateAt: 1000, truncateMidRecord: tc.midRecord})
			s.setFile("f", randomBytes(t, 5000))
			var opts []Option
			if tc.lenient {
				opts = append(opts, WithLenientTLSEOF())
			}
			c := loginFake(t, s, opts...)
			var buf bytes.Buffer
			n, err := c.Retrieve(testCtx(t), "f", &buf)
			if n != 1000 {
				t.Errorf("n = %d, want 1000", n)
			}
			if tc.lenient {
				if err != nil {
					t.Fatalf("lenient Retrieve: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrTruncated) || PhaseOf(err) != PhaseTransfer {
				t.Fatalf("err = %v, want ErrTruncated in phase transfer", err)
			}
			if tc.midRecord && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("mid-record cut should wrap io.ErrUnexpectedEOF: %v", err)
			}
			if err := c.Noop(testCtx(t)); err != nil {
				t.Errorf("control connection unusable after truncation: %v", err)
			}
		})
	}
}

// TestRestartAppendUnique covers REST+RETR, REST+STOR, APPE and STOU.
func TestRestartAppendUnique(t *testing.T) {
	s := newFakeServer(t, fakeOpts{})
	s.setFile("f", []byte("0123456789"))
	c := loginFake(t, s)
	ctx := testCtx(t)
	var buf bytes.Buffer
	if _, err := c.RetrieveFrom(ctx, "f", 4, &buf); err != nil || buf.String() != "456789" {
		t.Fatalf("RetrieveFrom = %q, %v", buf.String(), err)
	}
	if _, err := c.StoreFrom(ctx, "f", 5, strings.NewReader("abc")); err != nil {
		t.Fatalf("StoreFrom: %v", err)
	}
	if _, err := c.Append(ctx, "f", strings.NewReader("XY")); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if b, _ := s.file("f"); string(b) != "01234abcXY" {
		t.Fatalf("file = %q", b)
	}
	name, n, err := c.StoreUnique(ctx, strings.NewReader("u"))
	if err != nil || name != "unique.1" || n != 1 {
		t.Fatalf("StoreUnique = %q, %d, %v", name, n, err)
	}
	cmds := s.commands()
	if !hasCommand(cmds, "REST 4") || !hasCommand(cmds, "REST 5") {
		t.Errorf("commands = %q", cmds)
	}
}

// TestActiveIPv6 runs EPRT over ::1 when the host has IPv6 loopback.
func TestActiveIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback")
	}
	ln.Close()
	s := newFakeServer(t, fakeOpts{})
	s.setFile("f", []byte("over ipv6"))
	c := loginFake(t, s, WithActive(EPRT), WithActiveAddr("[::1]:0"))
	var buf bytes.Buffer
	if _, err := c.Retrieve(testCtx(t), "f", &buf); err != nil || buf.String() != "over ipv6" {
		t.Fatalf("Retrieve = %q, %v\n%s", buf.String(), err, c.Transcript())
	}
	if !hasCommand(s.commands(), "EPRT |2|::1|") {
		t.Errorf("commands = %q", s.commands())
	}
}

// TestAbort aborts a running download from another goroutine.
func TestAbort(t *testing.T) {
	s := newFakeServer(t, fakeOpts{stallRetr: true})
	s.setFile("big", randomBytes(t, 1<<20))
	c := loginFake(t, s)
	ctx := testCtx(t)
	started := make(chan struct{})
	w := &signalWriter{first: started}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Retrieve(ctx, "big", w)
		errc <- err
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("download never started")
	}
	if err := c.Abort(ctx); err != nil {
		t.Fatalf("Abort: %v\n%s", err, c.Transcript())
	}
	err := <-errc
	if !errors.Is(err, ErrAborted) || ReplyCode(err) != 426 {
		t.Fatalf("Retrieve err = %v, want ErrAborted with 426", err)
	}
	if err := c.Noop(ctx); err != nil {
		t.Fatalf("Noop after ABOR: %v\n%s", err, c.Transcript())
	}
	if err := c.Abort(ctx); err != nil {
		t.Fatalf("idle Abort: %v", err)
	}
}

type signalWriter struct {
	first chan struct{}
	n     int
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		close(w.first)
	}
	w.n += len(p)
	return len(p), nil
}
