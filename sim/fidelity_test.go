package sim

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ftpsim/ftpsim/sim/ftp"
)

// TestFidelityGuard: the guard marks exactly the refusals the emulated
// real program might not give (a TLS 1.2 data connection with no session
// ticket extension, under a reuse requirement), keeps the persona's code,
// and leaves every other outcome alone.
func TestFidelityGuard(t *testing.T) {
	t.Parallel()
	type row struct {
		name      string
		persona   bool   // emulate vsftpd (else a plain Server requiring reuse)
		version   uint16 // data connection's only version
		noTickets bool   // data ClientHello without the session_ticket extension
		cache     bool   // data connection offers the control session
		wantCode  int
		wantGuard bool
	}
	rows := []row{
		// The case: curl --tls-max 1.2 (OpenSSL without tickets).
		{"vsftpd/TLS1.2/no-ticket-ext", true, tls.VersionTLS12, true, false, 522, true},
		// A client that offers tickets but has none to give:
		// against the real vsftpd it has no session ID either, so 522 is
		// the real verdict and stays unmarked.
		{"vsftpd/TLS1.2/empty-ticket", true, tls.VersionTLS12, false, false, 522, false},
		{"vsftpd/TLS1.2/resumes", true, tls.VersionTLS12, false, true, 226, false},
		// TLS 1.3 has no session IDs: Go resumes by PSK like OpenSSL.
		{"vsftpd/TLS1.3/no-tickets", true, tls.VersionTLS13, true, false, 522, false},
		{"vsftpd/TLS1.3/resumes", true, tls.VersionTLS13, false, true, 226, false},
		// A server that is not a persona is crypto/tls itself: its 522 is
		// its own, true verdict.
		{"plain/TLS1.2/no-ticket-ext", false, tls.VersionTLS12, true, false, 522, false},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			var log syncBuffer
			srv := startSim(t, func(s *Server) {
				if r.persona {
					Vsftpd().Apply(s)
				} else {
					s.Reuse = ReuseAny
				}
				s.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))
			})
			memFS(t, srv).WriteFile("/f", []byte("payload"))
			cache := tls.NewLRUClientSessionCache(4)
			c := dialCtl(t, srv)
			ctl := clientTLS(srv, r.version, cache)
			ctl.SessionTicketsDisabled = r.noTickets
			c.secure(ctl)
			// Without the control session, still a cache (empty), so
			// the extension is there, as with OpenSSL clients.
			dataCache := tls.NewLRUClientSessionCache(1)
			if r.cache {
				dataCache = cache
			}
			data := clientTLS(srv, r.version, dataCache)
			data.SessionTicketsDisabled = r.noTickets
			res := c.transfer(xfer{cmd: "RETR f", tls: data})
			if res.final.Code != r.wantCode {
				t.Fatalf("RETR: %q, want %d", res.final.String(), r.wantCode)
			}
			d := c.session().Data()[0]
			text := strings.Join(res.final.Lines, " ")
			marked := strings.Contains(text, "Not reproducible in-process")
			if r.wantGuard != marked || r.wantGuard != (d.NotReproducible == LimitSessionIDResumption) {
				t.Fatalf("reply %q, evidence NotReproducible %q; want guard %v", res.final.String(), d.NotReproducible, r.wantGuard)
			}
			inTranscript := transcriptHas(c.session(), "WARN not reproducible in-process", ftp.EntryNote)
			inLog := strings.Contains(log.String(), "not reproducible in-process")
			if inTranscript != r.wantGuard || inLog != r.wantGuard {
				t.Fatalf("transcript %v, warning event %v; want %v\nlog: %s", inTranscript, inLog, r.wantGuard, log.String())
			}
			if r.wantGuard {
				for _, want := range []string{"vsftpd 3.0.3", "session ID", "go test ./suites/docker"} {
					if !strings.Contains(text, want) {
						t.Errorf("reply %q lacks %q", text, want)
					}
				}
			} else if r.wantCode == 522 && r.persona && text != "SSL connection failed: session reuse required" {
				t.Errorf("an unmarked refusal must keep vsftpd's text, got %q", text)
			}
			c.must("NOOP", 200) // the session goes on
		})
	}
}

// TestLimitationsDocumented: every limitation has its texts, and the
// detected ones come first.
func TestLimitationsDocumented(t *testing.T) {
	seenUndetected := false
	for _, l := range Limitations() {
		if l.Limitation == "" || l.Summary == "" || l.Real == "" || l.Check == "" {
			t.Errorf("incomplete: %+v", l)
		}
		if !l.Detected {
			seenUndetected = true
		} else if seenUndetected {
			t.Errorf("%s: detected limitations must come first", l.Limitation)
		}
		if note := limitationNote("vsftpd 3.0.3", l.Limitation); !strings.Contains(note, l.Summary) {
			t.Errorf("note %q lacks the summary", note)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
