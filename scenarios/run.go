package scenarios

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/faults"
	"github.com/ftpsim/ftpsim/faults/capture"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// RunOptions tunes [Run]. The zero value is ready to use.
type RunOptions struct {
	// PKI is the certificate set the server's certificates come from and
	// the client trusts. Nil means a fresh set per run; share one set
	// across runs to save the few milliseconds it costs.
	PKI *pki.Set
	// Timeout bounds the whole scenario (zero: 30 seconds).
	Timeout time.Duration
	// Target, if set, runs the client side against an external server
	// instead of the in-process one; see [Target] and
	// [Scenario.TargetApplicable]. The result is observed, not judged:
	// Result.Match still compares with Expect, which describes the
	// in-process server.
	Target *Target
	// Capture, if set, records the in-process run as packets with the
	// TLS secrets of server and client (see package faults/capture):
	// through the virtual network, one interface per segment, when the
	// scenario has one, else the client's real loopback connections
	// (the server shown on port 21). The caller writes it after Run.
	Capture *capture.Capture
}

// Result is what one run of a scenario produced.
type Result struct {
	Scenario *Scenario
	// Got is the actual outcome; Match says whether it is the expected one.
	Got   Outcome
	Match bool
	// Err is the client error behind a failure (nil on success).
	Err error
	// Setup is an error that kept the scenario from running at all (bad
	// spec, no listener); Got is then meaningless.
	Setup error
	// ClientTranscript and ServerTranscripts are both sides' views, one
	// per server session (in-process runs only), entry by entry.
	ClientTranscript  Transcript
	ServerTranscripts []Transcript
	// ClientTLS is the client's TLS evidence, control connection first.
	ClientTLS []clientsim.TLSEvidence
	// ServerData is the server's evidence of every data connection.
	ServerData []sim.DataEvidence
	// Timeline is the virtual network's fault timeline (no events without
	// a network): every verdict with time, flow and rule.
	Timeline faults.Timeline
	// CleartextCredentials reports that a PASS command crossed the virtual
	// network in cleartext (only known with a network).
	CleartextCredentials bool
	// NotReproducible names the limitation behind a failure of class
	// [ClassNotReproducible]: the verdict is the simulator's, and the
	// real program may behave otherwise (see sim.Limitations).
	NotReproducible sim.Limitation
	Duration        time.Duration
}

// Run reproduces sc in-process: it starts the server the spec describes on
// loopback, runs the client's steps against it, classifies the outcome and
// compares it with sc.Expect. It never returns nil.
func Run(ctx context.Context, sc Scenario, opts RunOptions) *Result {
	start := time.Now()
	res := &Result{Scenario: &sc}
	defer func() { res.Duration = time.Since(start) }()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if opts.Target != nil {
		runTarget(ctx, res, opts.Target)
		return res
	}
	set := opts.PKI
	if set == nil {
		var err error
		if set, err = pki.NewSet(pki.SetOptions{}); err != nil {
			res.Setup = err
			return res
		}
	}
	srv, err := buildServer(sc.Server)
	if err != nil {
		res.Setup = err
		return res
	}
	applyCertificates(srv, sc.Server, set)
	clock := &serverClock{}
	srv.Now = clock.now
	mem := sim.NewMemFS(nil)
	srv.FS = mem
	known := map[string][32]byte{}
	for _, f := range sc.Server.Files {
		data := fileContent(f.Path, f.Text, f.Size)
		mem.WriteFile(f.Path, data)
		known[cleanRemote(f.Path)] = sha256.Sum256(data)
	}
	var bn *Network
	if sc.Network != nil {
		if bn, err = attachNetwork(srv, *sc.Network); err != nil {
			res.Setup = err
			return res
		}
		defer bn.report(res)
	}
	capOpts := recordRun(opts.Capture, srv, bn)
	if err := srv.Listen(); err != nil {
		res.Setup = err
		return res
	}
	defer func() {
		srv.Close()
		for _, s := range srv.Sessions() {
			res.ServerTranscripts = append(res.ServerTranscripts, transcriptOf(s.Transcript()))
			res.ServerData = append(res.ServerData, s.Data()...)
		}
		res.settle()
	}()

	r := &runner{sc: &sc, mem: mem, known: known, addr: srv.Addr, implicitAddr: srv.ImplicitAddr, clock: clock}
	r.trust = []clientsim.Option{clientsim.WithRootCAs(set.CA.Pool())}
	if bn != nil {
		r.addr, r.implicitAddr = bn.clientTargets(srv.ImplicitListener != nil)
		r.trust = append(r.trust, bn.clientOptions(sc.Client)...)
		r.network = true
	}
	r.trust = append(r.trust, capOpts...)
	err = r.run(ctx)
	r.finish(res, err)
	return res
}

// runTarget runs the client side of res.Scenario against an external server.
func runTarget(ctx context.Context, res *Result, t *Target) {
	sc := res.Scenario
	check := *sc
	if t.Network != nil {
		check.Network = nil // the target is on it
	}
	if needs := check.ServerNeeds(); len(needs) > 0 {
		if len(needs) == 1 && needs[0] == NeedNetwork {
			res.Setup = fmt.Errorf("scenario %q runs on a virtual network: put the target on it (Target.Network, with Network.Backend)", sc.Name)
		} else {
			res.Setup = fmt.Errorf("scenario %q needs %s of its server; it cannot run against an external target", sc.Name, needs[0])
		}
		return
	}
	if t.Network == nil {
		if why := t.MissingAddress(*sc); why != "" {
			res.Setup = fmt.Errorf("scenario %q: %s", sc.Name, why)
			return
		}
	}
	r := &runner{sc: sc, known: map[string][32]byte{}, addr: t.Addr, implicitAddr: t.ImplicitAddr,
		user: t.User, password: t.Password, remotePrefix: fmt.Sprintf("ftpsim-%x-", rand.Uint32())}
	if n := t.Network; n != nil {
		explicitAddr, implicitAddr := n.clientTargets(n.Implicit)
		if r.addr == "" {
			r.addr = explicitAddr
		}
		if r.implicitAddr == "" {
			r.implicitAddr = implicitAddr
		}
		r.trust = append(r.trust, n.clientOptions(sc.Client)...)
		r.network = true
		defer n.evidence(res)
	}
	switch {
	case t.Insecure:
		r.trust = append(r.trust, clientsim.WithInsecureSkipVerify())
	case t.RootCAs != nil:
		r.trust = append(r.trust, clientsim.WithRootCAs(t.RootCAs))
	}
	if t.ServerName != "" && sc.Client.ServerName == "" {
		r.trust = append(r.trust, clientsim.WithServerName(t.ServerName))
	}
	if t.Dial != nil {
		r.trust = append(r.trust, clientsim.WithDialer(t.Dial))
	}
	err := r.run(ctx)
	r.cleanupRemote(ctx)
	r.finish(res, err)
}

// finish fills res from the runner's state and err.
func (r *runner) finish(res *Result, err error) {
	sc := res.Scenario
	if r.conn != nil {
		res.ClientTranscript = transcriptOf(r.conn.Transcript())
		res.ClientTLS = r.conn.Evidence()
		r.conn.Close()
	} else if r.transcript != nil {
		res.ClientTranscript = transcriptOf(r.transcript)
	}
	if err != nil {
		res.Err = err
		res.Got = classify(err, r.step)
	} else {
		res.Got = Outcome{Result: Success, Step: len(sc.Steps)}
	}
	res.settle()
}

// settle marks a failure the server said is not the emulated program's
// (see [ClassNotReproducible]) and compares the outcome with the
// expectation. It runs again once the server's evidence is in.
func (res *Result) settle() {
	res.NotReproducible = ""
	if res.Got.Result == Failure {
		if lim := notReproducible(res.ServerData, res.Got.Message); lim != "" {
			res.Got.Class = ClassNotReproducible
			res.NotReproducible = lim
		}
	}
	res.Match = res.Scenario.Expect.Matches(res.Got)
}

// fileContent returns text, or size deterministic pseudo-random bytes
// seeded by the path.
func fileContent(path, text string, size int64) []byte {
	if text != "" || size == 0 {
		return []byte(text)
	}
	h := sha256.Sum256([]byte(path))
	rng := rand.NewChaCha8(h)
	b := make([]byte, size)
	rng.Read(b)
	return b
}

// errCorrupt marks a download whose bytes differ from what the server holds.
var errCorrupt = errors.New("downloaded content differs from the server's file")

// classify turns a client error into an outcome.
func classify(err error, step int) Outcome {
	o := Outcome{Result: Failure, Step: step, Message: err.Error()}
	o.Phase = string(clientsim.PhaseOf(err))
	o.Code = clientsim.ReplyCode(err)
	o.Class = classOf(err, o.Code)
	return o
}

func classOf(err error, code int) Class {
	if c := certificateClass(pki.ClassifyVerifyError(err)); c != "" {
		return c
	}
	var ne net.Error
	switch {
	case errors.Is(err, clientsim.ErrTruncated):
		return ClassTruncated
	case errors.Is(err, clientsim.ErrTLSRequired):
		return ClassTLSRequired
	case errors.As(err, new(tls.RecordHeaderError)):
		return ClassNotTLS
	case errors.Is(err, errCorrupt):
		return ClassCorrupt
	case code != 0:
		return ClassReply
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	case errors.Is(err, syscall.ECONNRESET):
		return ClassReset
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return ClassTimeout
	}
	return ClassOther
}

func (r *Result) String() string {
	verdict := "MATCH"
	if !r.Match {
		verdict = "MISMATCH"
	}
	if r.Setup != nil {
		return fmt.Sprintf("%s: setup failed: %v", r.Scenario.Name, r.Setup)
	}
	return fmt.Sprintf("%s: %s: expected %s, got %s", r.Scenario.Name, verdict, r.Scenario.Expect, r.Got)
}
