package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// Severity grades a [Finding]. The zero value is [SeverityOK].
type Severity int

const (
	// SeverityOK: the check passed.
	SeverityOK Severity = iota
	// SeverityInfo: worth knowing, nothing to fix (also used for checks
	// that could not run, with Finding.Skipped set).
	SeverityInfo
	// SeverityWarning: works, but some clients fail or security suffers.
	SeverityWarning
	// SeverityProblem: broken for typical clients; fix it.
	SeverityProblem
)

var severityNames = [...]string{"ok", "info", "warning", "problem"}

// String returns "ok", "info", "warning" or "problem".
func (s Severity) String() string {
	if s >= 0 && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// MarshalText writes the name, so JSON reports say "warning", not 2.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a name written by MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range severityNames {
		if n == string(b) {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("severity %q: want ok, info, warning or problem", b)
}

// The names of the checks [Run] runs, as they appear in Finding.Check.
const (
	CheckGreeting     = "greeting"        // TCP connect and the 220 greeting
	CheckCleartext    = "cleartext-login" // USER in clear before AUTH (never PASS)
	CheckAuthTLS      = "auth-tls"        // AUTH TLS and the control handshake
	CheckAuthSSL      = "auth-ssl"        // AUTH SSL, the legacy synonym
	CheckFEAT         = "feat"            // FEAT lists AUTH TLS, PBSZ, PROT
	CheckImplicit     = "implicit-tls"    // implicit FTPS on its own port
	CheckTLSVersions  = "tls-versions"    // TLS 1.2-only and 1.3-only handshakes
	CheckCertChain    = "cert-chain"      // chain to a trusted root: unknown CA, self-signed, missing intermediate
	CheckCertName     = "cert-name"       // the certificate covers the name or IP connected to
	CheckCertValidity = "cert-validity"   // expired, not yet valid, expiring soon
	CheckCertKey      = "cert-key"        // key strength
	CheckLogin        = "login"           // USER/PASS over TLS
	CheckProt         = "pbsz-prot"       // PBSZ 0 and PROT P
	CheckClearData    = "clear-data"      // PROT C and a listing in clear
	CheckPASVAddress  = "pasv-address"    // the 227 address against the control address
	CheckPassivePorts = "passive-ports"   // a passive data port is reachable at the control address
	CheckEPSV         = "epsv"            // EPSV support
	CheckReuse        = "session-reuse"   // data connections with and without TLS session resumption
	CheckDataCert     = "data-cert"       // data connections present the control connection's certificate
	CheckTransfer     = "transfer"        // upload, download, compare SHA-256, delete
)

// Finding is the result of one check of [Run].
type Finding struct {
	// Check names the check (one of the Check constants).
	Check string `json:"check"`
	// Severity grades the result.
	Severity Severity `json:"severity"`
	// Summary says in one line what was found.
	Summary string `json:"summary"`
	// Evidence is what was seen: exact replies, errors, dialed addresses.
	Evidence string `json:"evidence,omitempty"`
	// Why says why it matters (warnings and problems).
	Why string `json:"why,omitempty"`
	// Fix says what to change, with server-specific hints.
	Fix string `json:"fix,omitempty"`
	// Cases are the S-numbers of the FTPS field notes the finding is an
	// instance of.
	Cases []string `json:"cases,omitempty"`
	// Skipped marks a check that could not run; Summary says why.
	Skipped bool `json:"skipped,omitempty"`
}

// Options tunes [Run]. The zero value is ready to use.
type Options struct {
	// Timeout bounds each step: a dial, a reply, a handshake, a transfer's
	// inactivity (zero: 10 seconds).
	Timeout time.Duration
	// DataDialTimeout bounds the bare TCP dials to advertised data ports
	// (zero: the smaller of Timeout and 5 seconds).
	DataDialTimeout time.Duration
	// Now is the clock certificates are judged by (nil: time.Now).
	Now func() time.Time
	// ExpiryWarning is how close to its NotAfter a certificate gets a
	// warning (zero: 30 days).
	ExpiryWarning time.Duration
	// ReadOnly skips the upload (and so the whole transfer check).
	ReadOnly bool
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.DataDialTimeout <= 0 {
		o.DataDialTimeout = min(o.Timeout, 5*time.Second)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ExpiryWarning <= 0 {
		o.ExpiryWarning = 30 * 24 * time.Hour
	}
	return o
}

// Report is what [Run] found.
type Report struct {
	// Target describes what was probed (addresses and user, no password).
	Target string `json:"target"`
	// Server is the server software guessed from its replies ("vsftpd",
	// "ProFTPD", ...), or "".
	Server string `json:"server,omitempty"`
	// Findings holds one entry per check, in the order they ran.
	Findings []Finding `json:"findings"`
	// Dialed lists every address the probe dialed, in order.
	Dialed []string `json:"dialed"`
	// Started and Duration time the probe.
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
}

// Count returns how many findings have severity s (skipped ones included).
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Problems returns the findings of severity problem.
func (r *Report) Problems() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == SeverityProblem {
			out = append(out, f)
		}
	}
	return out
}

// Find returns the finding of a check, and false if the check did not
// report.
func (r *Report) Find(check string) (Finding, bool) {
	for _, f := range r.Findings {
		if f.Check == check {
			return f, true
		}
	}
	return Finding{}, false
}

// Probe diagnoses a real FTPS server the way a support engineer would:
// greeting, explicit AUTH TLS/SSL, FEAT, implicit TLS, whether a login in
// clear would be accepted (it sends USER in clear, never PASS), TLS
// versions, the certificate (chain, names, validity, key) verified by hand
// even when t.Insecure is set, PBSZ/PROT, the passive address against the
// control address with test dials to both, EPSV, whether data connections
// need TLS session resumption, and an upload/download/delete round trip.
//
// It logs in only over TLS, and only when the certificate verified or
// t.Insecure is set. Every step is bounded by opts.Timeout and by ctx. It
// never returns nil.
func Run(ctx context.Context, t *scenarios.Target, opts Options) *Report {
	p := &prober{ctx: ctx, t: t, opts: opts.withDefaults()}
	p.rep = &Report{Started: time.Now()}
	if t == nil || t.Addr == "" && t.ImplicitAddr == "" {
		p.add(Finding{Check: CheckGreeting, Severity: SeverityProblem, Summary: "no address to probe"})
		return p.rep
	}
	p.rec = &dialRecorder{next: t.Dial}
	p.rep.Target = t.String()
	p.run()
	p.rep.Dialed = p.rec.list()
	p.rep.Duration = time.Since(p.rep.Started)
	return p.rep
}

// prober is the state of one Probe.
type prober struct {
	ctx  context.Context
	t    *scenarios.Target
	opts Options
	rep  *Report
	rec  *dialRecorder

	texts        []string   // replies seen so far, for guessing the server
	featClear    *ftp.Reply // FEAT before AUTH, nil if not sent
	authOK       bool       // AUTH TLS got 234 and the handshake worked
	main         *clientsim.Conn
	mainTr       *ftp.Transcript
	mainAddr     string
	mainImplicit bool
	certTrusted  bool // chain, name and validity all good
	controlIP    netip.Addr
	protC        *ftp.Reply       // the answer to PROT C, nil if not sent
	pasvRefused  bool             // PASV was answered with something other than 227
	clock        func() time.Time // TLS clock of later connections; nil: real time
	portsBlocked bool             // a passive data port did not answer at the control address
	noData       bool             // data connections cannot be opened at all
}

// run is the order of the checks; each later check needs what the earlier
// ones established.
func (p *prober) run() {
	explicit := p.t.Addr != ""
	if explicit && !p.checkGreeting() {
		if p.t.ImplicitAddr != "" {
			p.checkImplicit()
		}
		return
	}
	p.openMain()
	if explicit {
		p.checkAuthSSL()
		p.checkFEAT()
		if p.t.ImplicitAddr != "" {
			p.checkImplicit()
		}
	}
	if p.main == nil {
		p.skip("no TLS control connection", append([]string{CheckTLSVersions, CheckCertChain, CheckLogin}, afterLogin...)...)
		return
	}
	defer p.closeMain()
	if !explicit {
		p.checkFEAT()
	}
	p.checkTLSVersions()
	p.checkCertificate()
	if p.main == nil || !p.login() {
		return
	}
	if !p.checkProt() {
		return
	}
	p.checkPassive()
	p.checkEPSV()
	p.checkReuse()
	p.checkTransfer()
	p.checkClearData()
}

func (p *prober) closeMain() {
	if p.main == nil {
		return
	}
	ctx, cancel := p.step()
	defer cancel()
	p.main.Quit(ctx)
}

// add records a finding.
func (p *prober) add(f Finding) {
	p.rep.Findings = append(p.rep.Findings, f)
}

// skip records checks that could not run.
func (p *prober) skip(why string, checks ...string) {
	for _, c := range checks {
		p.add(Finding{Check: c, Severity: SeverityInfo, Skipped: true, Summary: "not checked: " + why})
	}
}

// step returns the context of one step.
func (p *prober) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.ctx, p.opts.Timeout)
}

// seen remembers reply texts that identify the server software.
func (p *prober) seen(texts ...string) {
	p.texts = append(p.texts, texts...)
	if p.rep.Server == "" {
		p.rep.Server = guessServer(p.texts...)
	}
}

// dial opens a control connection in the given mode. Certificates are
// never checked during the handshake: checkCertificate verifies them by
// hand, so a bad certificate does not hide the server's other problems.
func (p *prober) dial(addr string, implicit bool, extra ...clientsim.Option) (*clientsim.Conn, *ftp.Transcript, error) {
	tr := &ftp.Transcript{}
	t := p.opts.Timeout
	opts := []clientsim.Option{
		clientsim.WithDialer(p.rec.dial),
		clientsim.WithInsecureSkipVerify(),
		clientsim.WithTimeouts(clientsim.Timeouts{Connect: t, Reply: t, Data: t, TLSHandshake: t}),
		clientsim.WithTranscript(tr),
		clientsim.WithExplicitTLS(),
	}
	if implicit {
		opts = append(opts, clientsim.WithImplicitTLS())
	}
	if p.t.ServerName != "" {
		opts = append(opts, clientsim.WithServerName(p.t.ServerName))
	}
	if p.clock != nil {
		opts = append(opts, clientsim.WithClock(p.clock))
	}
	ctx, cancel := p.step()
	defer cancel()
	c, err := clientsim.Dial(ctx, addr, append(opts, extra...)...)
	return c, tr, err
}

// quit ends a secondary connection.
func (p *prober) quit(c *clientsim.Conn) {
	if c == nil {
		return
	}
	ctx, cancel := p.step()
	defer cancel()
	c.Quit(ctx)
}

// dialRecorder is the dial seam of every connection the probe opens: it
// records the address and passes the dial on to the target's dialer.
type dialRecorder struct {
	next   clientsim.DialFunc
	mu     sync.Mutex
	dialed []string
}

func (d *dialRecorder) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dialed = append(d.dialed, addr)
	d.mu.Unlock()
	if d.next != nil {
		return d.next(ctx, network, addr)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func (d *dialRecorder) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.dialed...)
}

// rawDial opens and closes a bare TCP connection to addr, the test of
// whether a data port is reachable. It returns "" on success, or the error.
func (p *prober) rawDial(addr string) string {
	ctx, cancel := context.WithTimeout(p.ctx, p.opts.DataDialTimeout)
	defer cancel()
	c, err := p.rec.dial(ctx, "tcp", addr)
	if err != nil {
		return err.Error()
	}
	c.Close()
	return ""
}

// replyText renders the reply carried by err as it was on the wire, or
// err itself when it carries none.
func replyText(err error) string {
	var te *textproto.Error
	if errors.As(err, &te) {
		return fmt.Sprintf("%03d %s", te.Code, strings.ReplaceAll(te.Msg, "\n", " / "))
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// wire renders a reply on one line (multi-line replies joined by " / ").
func wire(r ftp.Reply) string {
	return strings.ReplaceAll(r.String(), "\n", " / ")
}

// replyTo returns, from a transcript, the replies that followed the last
// command starting with verb (a transfer's 150 and 226), joined with " → ",
// and "" when there are none.
func replyTo(tr *ftp.Transcript, verb string) string {
	entries := tr.Entries()
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Kind != ftp.EntryCommand || !strings.HasPrefix(strings.ToUpper(e.Text), verb) {
			continue
		}
		var replies []string
		for _, r := range entries[i+1:] {
			if r.Kind == ftp.EntryCommand {
				break
			}
			if r.Kind == ftp.EntryReply {
				replies = append(replies, strings.ReplaceAll(r.Text, "\n", " / "))
			}
		}
		return strings.Join(replies, " → ")
	}
	return ""
}

// firstReply returns the first reply of a transcript (the greeting).
func firstReply(tr *ftp.Transcript) string {
	for _, e := range tr.Entries() {
		if e.Kind == ftp.EntryReply {
			return strings.ReplaceAll(e.Text, "\n", " / ")
		}
	}
	return ""
}

// isOpError reports whether err came from the given step of a clientsim
// operation ("greeting", "dial ...").
func isOpError(err error, opPrefix string) bool {
	var e *clientsim.Error
	return errors.As(err, &e) && strings.HasPrefix(e.Op, opPrefix)
}
