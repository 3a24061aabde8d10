package scenarios

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// runner holds one run's state.
type runner struct {
	sc                 *Scenario
	mem                *sim.MemFS // nil against a Target
	addr, implicitAddr string
	user, password     string             // a Target's credentials
	trust              []clientsim.Option // verification and dial options
	remotePrefix       string             // prepended to file names on a Target
	uploaded           []string           // remote names to delete afterwards
	conn               *clientsim.Conn
	transcript         *ftp.Transcript
	known              map[string][32]byte // remote path -> expected content hash
	step               int
	network            bool // on a virtual network: shorter timeouts
	clock              *serverClock
}

// DefaultSteps returns what a scenario without steps does: log in, upload
// 256 KiB, download it, list, quit.
func DefaultSteps() []Step { return append([]Step(nil), defaultSteps...) }

// defaultSteps is what a scenario without steps does.
var defaultSteps = []Step{
	{Op: "login"},
	{Op: "upload", Path: "upload.bin", Size: 256 << 10},
	{Op: "download", Path: "upload.bin"},
	{Op: "list", Path: "/"},
	{Op: "quit"},
}

func (r *runner) run(ctx context.Context) error {
	opts, err := clientOptions(r.sc.Client)
	if err != nil {
		return err
	}
	r.transcript = &ftp.Transcript{}
	timeouts := clientsim.Timeouts{Connect: 5 * time.Second, Reply: 5 * time.Second, Data: 5 * time.Second, TLSHandshake: 5 * time.Second}
	if r.network {
		// A dropped SYN or a black-holed reply is the expected outcome of
		// many network scenarios: do not wait long for it.
		timeouts = clientsim.Timeouts{Connect: time.Second, Reply: 2 * time.Second, Data: 2 * time.Second, TLSHandshake: 2 * time.Second}
	}
	if d, _ := parseDuration("client.timeout", r.sc.Client.Timeout); d > 0 {
		timeouts = clientsim.Timeouts{Connect: d, Reply: d, Data: d, TLSHandshake: d}
	}
	opts = append(opts, clientsim.WithTranscript(r.transcript), clientsim.WithTimeouts(timeouts))
	opts = append(opts, r.trust...)
	if r.sc.Client.Verify == "insecure" {
		opts = append(opts, clientsim.WithInsecureSkipVerify())
	}
	addr := r.addr
	if r.sc.Client.DialsImplicit() {
		addr = r.implicitAddr
		if addr == "" {
			return fmt.Errorf("scenario: the client uses implicit TLS but the server has no implicit-FTPS address")
		}
	} else if addr == "" {
		return fmt.Errorf("scenario: the server has no explicit-FTPS address")
	}
	r.step = -1
	c, err := clientsim.Dial(ctx, addr, opts...)
	if err != nil {
		return err
	}
	r.conn = c
	steps := r.sc.Steps
	if len(steps) == 0 {
		steps = defaultSteps
	}
	for i, st := range steps {
		r.step = i
		st.Path, st.To = r.remote(st.Path), r.remote(st.To)
		if st.Op == "quit" && r.remotePrefix != "" {
			continue // on a Target, quit after cleanupRemote
		}
		if err := stepOps[st.Op](ctx, r, st); err != nil {
			return err
		}
		if st.Op == "upload" || st.Op == "resume-upload" || st.Op == "append" {
			r.uploaded = append(r.uploaded, st.Path)
		}
	}
	return nil
}

// remote maps a scenario path to the name used on the server: on a Target
// file names get a unique prefix so the run never touches the user's files.
func (r *runner) remote(p string) string {
	if r.remotePrefix == "" || p == "" || strings.HasSuffix(p, "/") {
		return p
	}
	return path.Join(path.Dir(p), r.remotePrefix+path.Base(p))
}

// cleanupRemote deletes what the run uploaded to a Target, best effort.
func (r *runner) cleanupRemote(ctx context.Context) {
	if r.conn == nil {
		return
	}
	for _, p := range r.uploaded {
		r.conn.Delete(ctx, p)
	}
	r.conn.Quit(ctx)
}

func (r *runner) credentials() (string, string) {
	u, p := r.sc.Client.User, r.sc.Client.Password
	if u == "" {
		u = r.user
	}
	if p == "" {
		p = r.password
	}
	if u == "" {
		u = sim.DefaultUser
	}
	if p == "" {
		p = sim.DefaultPassword
	}
	return u, p
}

func cleanRemote(p string) string { return path.Clean("/" + p) }

// stepOps maps each step op to its implementation.
var stepOps = map[string]func(ctx context.Context, r *runner, st Step) error{
	"login": func(ctx context.Context, r *runner, _ Step) error {
		u, p := r.credentials()
		return r.conn.Login(ctx, u, p)
	},
	"list": func(ctx context.Context, r *runner, st Step) error { _, err := r.conn.List(ctx, st.Path); return err },
	"nlst": func(ctx context.Context, r *runner, st Step) error {
		_, err := r.conn.NameList(ctx, st.Path)
		return err
	},
	"mlsd":        func(ctx context.Context, r *runner, st Step) error { _, err := r.conn.MLSD(ctx, st.Path); return err },
	"noop":        func(ctx context.Context, r *runner, _ Step) error { return r.conn.Noop(ctx) },
	"quit":        func(ctx context.Context, r *runner, _ Step) error { return r.conn.Quit(ctx) },
	"delete":      func(ctx context.Context, r *runner, st Step) error { return r.conn.Delete(ctx, st.Path) },
	"mkdir":       func(ctx context.Context, r *runner, st Step) error { return r.conn.MakeDir(ctx, st.Path) },
	"rename":      func(ctx context.Context, r *runner, st Step) error { return r.conn.Rename(ctx, st.Path, st.To) },
	"size":        func(ctx context.Context, r *runner, st Step) error { _, err := r.conn.Size(ctx, st.Path); return err },
	"type-ascii":  func(ctx context.Context, r *runner, _ Step) error { return r.conn.Type(ctx, "A") },
	"type-binary": func(ctx context.Context, r *runner, _ Step) error { return r.conn.Type(ctx, "I") },
	"upload": func(ctx context.Context, r *runner, st Step) error {
		data := fileContent(st.Path, st.Text, st.Size)
		if _, err := r.conn.Store(ctx, st.Path, bytes.NewReader(data)); err != nil {
			return err
		}
		r.known[cleanRemote(st.Path)] = sha256.Sum256(data)
		return nil
	},
	"append": func(ctx context.Context, r *runner, st Step) error {
		_, err := r.conn.Append(ctx, st.Path, bytes.NewReader(fileContent(st.Path+"+", st.Text, st.Size)))
		delete(r.known, cleanRemote(st.Path))
		return err
	},
	"download": func(ctx context.Context, r *runner, st Step) error {
		h := sha256.New()
		if _, err := r.conn.Retrieve(ctx, st.Path, h); err != nil {
			return err
		}
		return r.verify(st.Path, h.Sum(nil))
	},
	"resume-download": func(ctx context.Context, r *runner, st Step) error {
		// The first attempt stops after st.Size bytes (the local writer
		// fails), as an interrupted download would; REST picks it up.
		var first bytes.Buffer
		_, _ = r.conn.Retrieve(ctx, st.Path, &limitWriter{w: &first, n: st.Size})
		h := sha256.New()
		h.Write(first.Bytes())
		if _, err := r.conn.RetrieveFrom(ctx, st.Path, int64(first.Len()), h); err != nil {
			return err
		}
		return r.verify(st.Path, h.Sum(nil))
	},
	"resume-upload": func(ctx context.Context, r *runner, st Step) error {
		data := fileContent(st.Path, st.Text, st.Size)
		half := int64(len(data) / 2)
		if _, err := r.conn.Store(ctx, st.Path, bytes.NewReader(data[:half])); err != nil {
			return err
		}
		if _, err := r.conn.StoreFrom(ctx, st.Path, half, bytes.NewReader(data[half:])); err != nil {
			return err
		}
		r.known[cleanRemote(st.Path)] = sha256.Sum256(data)
		return nil
	},
	"advance-clock": func(_ context.Context, r *runner, st Step) error {
		d, err := parseDuration("advance-clock duration", st.Duration)
		if err != nil {
			return err
		}
		if r.clock == nil {
			return fmt.Errorf("advance-clock: the server's clock is not ftpsim's (external target)")
		}
		r.clock.advance(d)
		return nil
	},
	"check-server-file": func(_ context.Context, r *runner, st Step) error {
		got, err := r.mem.ReadFile(st.Path)
		if err != nil {
			return fmt.Errorf("server file %s: %w", st.Path, err)
		}
		if string(got) != st.Text {
			return fmt.Errorf("%w: server holds %q, want %q", errCorrupt, got, st.Text)
		}
		return nil
	},
}

func (r *runner) verify(p string, sum []byte) error {
	want, ok := r.known[cleanRemote(p)]
	if !ok {
		return nil
	}
	if !bytes.Equal(want[:], sum) {
		return &clientsim.Error{Phase: clientsim.PhaseTransfer, Op: "verify " + p, Err: errCorrupt}
	}
	return nil
}

// limitWriter accepts n bytes, then fails, to cut a download short.
type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, io.ErrShortWrite
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.w.Write(p)
	l.n -= int64(n)
	if err == nil && l.n == 0 {
		err = io.ErrShortWrite
	}
	return n, err
}

// serverClock is the in-process server's clock: real time plus an offset
// that advance-clock steps move forward.
type serverClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *serverClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *serverClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}
