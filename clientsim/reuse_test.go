package clientsim

import (
	"bytes"
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"testing"
)

var tlsVersions = []uint16{tls.VersionTLS12, tls.VersionTLS13}

// TestSessionReuseMatrix runs every reuse mode against a server that
// requires the data connection to resume (vsftpd require_ssl_reuse), on
// TLS 1.2 and 1.3, for a download and an upload.
func TestSessionReuseMatrix(t *testing.T) {
	cases := []struct {
		name   string
		opts   func() []Option
		resume bool
	}{
		{"per connection", func() []Option { return nil }, true},
		{"per connection, server name", func() []Option { return []Option{WithServerName("localhost")} }, true},
		{"none", func() []Option { return []Option{WithSessionReuse(ReuseNone)} }, false},
		{"shared, IP, no server name (S02)", func() []Option {
			return []Option{WithSessionReuse(ReuseShared(tls.NewLRUClientSessionCache(8)))}
		}, false},
		{"shared, server name", func() []Option {
			return []Option{WithSessionReuse(ReuseShared(tls.NewLRUClientSessionCache(8))), WithServerName("localhost")}
		}, true},
	}
	for _, v := range tlsVersions {
		for _, tc := range cases {
			t.Run(tls.VersionName(v)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := newFakeServer(t, fakeOpts{version: v, requireReuse: true})
				s.setFile("f", []byte("payload"))
				c := loginFake(t, s, tc.opts()...)
				ctx := testCtx(t)
				_, rerr := c.Retrieve(ctx, "f", &bytes.Buffer{})
				_, serr := c.Store(ctx, "g", strings.NewReader("upload"))
				for _, err := range []error{rerr, serr} {
					checkReuseOutcome(t, err, tc.resume)
				}
				ev := c.Evidence()
				if len(ev) != 3 {
					t.Fatalf("evidence = %+v", ev)
				}
				for _, e := range ev[1:] {
					if e.Channel != "data" || e.Resumed != tc.resume || e.ServerName != ev[0].ServerName {
						t.Errorf("data evidence = %+v", e)
					}
				}
				if err := c.Noop(ctx); err != nil {
					t.Fatalf("control unusable after data failure: %v", err)
				}
			})
		}
	}
}

func checkReuseOutcome(t *testing.T, err error, resume bool) {
	t.Helper()
	if resume {
		if err != nil {
			t.Fatalf("transfer failed: %v", err)
		}
		return
	}
	if PhaseOf(err) != PhaseDataTLS || ReplyCode(err) != 522 {
		t.Fatalf("err = %v, want phase data-tls and 522", err)
	}
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Error(), "data-tls: ") || !strings.Contains(e.Error(), "522 SSL connection failed; session reuse required") {
		t.Fatalf("message = %q", err)
	}
}

// TestEveryDataConnectionResumes checks that several transfers in a row
// each resume the control session (data tickets are not stored).
func TestEveryDataConnectionResumes(t *testing.T) {
	for _, v := range tlsVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{version: v, requireReuse: true})
			s.setFile("f", []byte("x"))
			c := loginFake(t, s)
			for i := 0; i < 4; i++ {
				if _, err := c.Retrieve(testCtx(t), "f", &bytes.Buffer{}); err != nil {
					t.Fatalf("transfer %d: %v", i, err)
				}
			}
			for _, r := range s.dataRecords() {
				if !r.resumed {
					t.Fatalf("server records = %+v", s.dataRecords())
				}
			}
		})
	}
}

// countingCache is a shared cache that counts stores.
type countingCache struct {
	tls.ClientSessionCache
	mu   sync.Mutex
	puts []string
}

func (c *countingCache) Put(key string, cs *tls.ClientSessionState) {
	c.mu.Lock()
	if cs != nil {
		c.puts = append(c.puts, key)
	}
	c.mu.Unlock()
	c.ClientSessionCache.Put(key, cs)
}

func (c *countingCache) stored() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.puts...)
}

// TestTicketArrivesOnRead checks S06: with TLS 1.3 the control session is
// stored only once the client reads the control connection after the
// handshake (during Login, before any data connection); with TLS 1.2 at
// the end of the handshake. It also shows the cache key Go would use.
func TestTicketArrivesOnRead(t *testing.T) {
	for _, v := range tlsVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			t.Parallel()
			s := newFakeServer(t, fakeOpts{version: v})
			cache := &countingCache{ClientSessionCache: tls.NewLRUClientSessionCache(4)}
			c, err := dialFake(t, s, WithSessionReuse(ReuseShared(cache)))
			if err != nil {
				t.Fatal(err)
			}
			afterDial := len(cache.stored())
			if want := map[uint16]int{tls.VersionTLS12: 1, tls.VersionTLS13: 0}[v]; afterDial != want {
				t.Fatalf("sessions stored after Dial = %d, want %d", afterDial, want)
			}
			if err := c.Login(testCtx(t), "ftpsim", "ftpsim"); err != nil {
				t.Fatal(err)
			}
			got := cache.stored()
			if len(got) == 0 || got[0] != s.addr {
				t.Fatalf("stored keys = %q, want the control address %q first", got, s.addr)
			}
		})
	}
}

// TestSharedCacheCrossesSessions shows the S03 mechanism: with one shared
// cache and a server name, a second control connection resumes the first
// connection's session, while per-connection caches never do.
func TestSharedCacheCrossesSessions(t *testing.T) {
	shared := ReuseShared(tls.NewLRUClientSessionCache(8))
	for _, tc := range []struct {
		name   string
		mode   SessionReuse
		resume bool
	}{{"shared", shared, true}, {"per connection", ReusePerConnection, false}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t, fakeOpts{version: tls.VersionTLS13})
			opts := []Option{WithSessionReuse(tc.mode), WithServerName("localhost")}
			loginFake(t, s, opts...)
			second := loginFake(t, s, opts...)
			if ev := second.Evidence(); ev[0].Resumed != tc.resume {
				t.Fatalf("second control connection resumed = %v, want %v", ev[0].Resumed, tc.resume)
			}
		})
	}
}

// TestReuseRefusalPersonas checks the FileZilla-style refusal (150, then
// 425) both with an alert (the handshake's own failure) and with a bare
// close after a completed handshake: both are data-TLS failures for
// downloads and uploads; the control connection stays usable.
func TestReuseRefusalPersonas(t *testing.T) {
	for _, v := range tlsVersions {
		for _, tc := range []struct {
			name string
			srv  fakeOpts
		}{
			{"425 with alert", fakeOpts{requireReuse: true, reuseReply: 425}},
			{"425 after handshake, no alert", fakeOpts{closeAfterTLS: true}},
		} {
			t.Run(tls.VersionName(v)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				tc.srv.version = v
				s := newFakeServer(t, tc.srv)
				s.setFile("f", []byte("payload"))
				c := loginFake(t, s, WithSessionReuse(ReuseNone))
				_, err := c.Retrieve(testCtx(t), "f", &bytes.Buffer{})
				if PhaseOf(err) != PhaseDataTLS || ReplyCode(err) != 425 {
					t.Fatalf("Retrieve err = %v", err)
				}
				_, err = c.Store(testCtx(t), "g", strings.NewReader("up"))
				if PhaseOf(err) != PhaseDataTLS || ReplyCode(err) != 425 {
					t.Fatalf("Store err = %v", err)
				}
				if err := c.Noop(testCtx(t)); err != nil {
					t.Fatalf("Noop: %v", err)
				}
			})
		}
	}
}
