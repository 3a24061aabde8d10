package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpsim/ftpsim/internal/peers"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
	"github.com/ftpsim/ftpsim/sim/ftp"
	"github.com/ftpsim/ftpsim/sim/pki"
)

// probeTimeout bounds every probe of these tests; each step gets less.
const probeTimeout = 60 * time.Second

// want is a finding a test expects: a check and its severity.
type want struct {
	check string
	sev   Severity
}

var (
	probeSetOnce sync.Once
	probeSet     *pki.Set
	probeSetErr  error
)

// testSet is one ECDSA certificate set shared by the sim probes.
func testSet(t *testing.T) *pki.Set {
	t.Helper()
	probeSetOnce.Do(func() { probeSet, probeSetErr = pki.NewSet(pki.SetOptions{}) })
	if probeSetErr != nil {
		t.Fatal(probeSetErr)
	}
	return probeSet
}

// loopbackDialer refuses, and fails the test on, any dial to an address
// that is not loopback.
func loopbackDialer(t *testing.T) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil || !ap.Addr().IsLoopback() {
			t.Errorf("probe dialed %q, which is not a loopback address", addr)
			return nil, errors.New("test: refusing a non-loopback dial")
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
}

// wellConfigured is the sim server a support engineer would sign off:
// TLS required, session reuse bound to the control session, a good
// certificate, the right passive address.
func wellConfigured(srv *sim.Server) {
	srv.ControlTLS = sim.TLSRequired
	srv.Reuse = sim.ReuseSame
	srv.DataTimeout = 5 * time.Second
}

// probeSim starts a sim server, probes it and closes it.
func probeSim(t *testing.T, insecure bool, configure ...func(*sim.Server)) (*Report, *sim.Server) {
	t.Helper()
	set := testSet(t)
	srv := sim.NewUnstartedServer()
	srv.PKI = set
	wellConfigured(srv)
	for _, c := range configure {
		c(srv)
	}
	srv.Start()
	tgt := &scenarios.Target{Addr: srv.Addr, User: sim.DefaultUser, Password: sim.DefaultPassword,
		RootCAs: set.CA.Pool(), Insecure: insecure, Dial: loopbackDialer(t)}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	rep := Run(ctx, tgt, Options{Timeout: 5 * time.Second})
	srv.Close()
	checkDialed(t, rep)
	checkNoClearPassword(t, srv)
	return rep, srv
}

func checkDialed(t *testing.T, rep *Report) {
	t.Helper()
	if len(rep.Dialed) == 0 {
		t.Error("report lists no dialed address")
	}
	for _, a := range rep.Dialed {
		if ap, err := netip.ParseAddrPort(a); err != nil || !ap.Addr().IsLoopback() {
			t.Errorf("dialed %q", a)
		}
	}
}

// checkNoClearPassword asserts that no session without TLS saw PASS.
func checkNoClearPassword(t *testing.T, srv *sim.Server) {
	t.Helper()
	for _, s := range srv.Sessions() {
		if s.ControlTLS().Version != 0 {
			continue
		}
		for _, line := range s.Transcript().Lines(ftp.EntryCommand) {
			if strings.HasPrefix(strings.ToUpper(line), "PASS") {
				t.Errorf("session %s received PASS in clear", s.ID)
			}
		}
	}
}

// assertFindings checks that each wanted check reported with its
// severity, and that the problems are exactly the wanted problems.
func assertFindings(t *testing.T, rep *Report, wants ...want) {
	t.Helper()
	var wantProblems []string
	for _, w := range wants {
		f, ok := rep.Find(w.check)
		switch {
		case !ok:
			t.Errorf("no %s finding", w.check)
		case f.Severity != w.sev:
			t.Errorf("%s: severity %s, want %s: %s\n%s", w.check, f.Severity, w.sev, f.Summary, f.Evidence)
		}
		if w.sev == SeverityProblem {
			wantProblems = append(wantProblems, w.check)
		}
	}
	var got []string
	for _, f := range rep.Problems() {
		got = append(got, f.Check)
	}
	slices.Sort(got)
	slices.Sort(wantProblems)
	if !slices.Equal(got, wantProblems) {
		t.Errorf("problems %v, want %v", got, wantProblems)
	}
	if t.Failed() {
		t.Log(dumpReport(rep))
	}
}

func dumpReport(rep *Report) string {
	var b strings.Builder
	b.WriteString("report for " + rep.Target + " (" + rep.Server + ")\n")
	for _, f := range rep.Findings {
		b.WriteString("  " + f.Severity.String() + " " + f.Check + ": " + f.Summary + "\n")
		if f.Evidence != "" {
			b.WriteString("      " + strings.ReplaceAll(f.Evidence, "\n", "\n      ") + "\n")
		}
	}
	return b.String()
}

func TestProbeSimWellConfigured(t *testing.T) {
	rep, _ := probeSim(t, false)
	assertFindings(t, rep,
		want{CheckGreeting, SeverityOK}, want{CheckCleartext, SeverityOK}, want{CheckAuthTLS, SeverityOK},
		want{CheckAuthSSL, SeverityOK}, want{CheckFEAT, SeverityOK}, want{CheckTLSVersions, SeverityOK},
		want{CheckCertChain, SeverityOK}, want{CheckCertName, SeverityOK}, want{CheckCertValidity, SeverityOK},
		want{CheckCertKey, SeverityOK}, want{CheckLogin, SeverityOK}, want{CheckProt, SeverityOK},
		want{CheckPASVAddress, SeverityOK}, want{CheckPassivePorts, SeverityOK}, want{CheckEPSV, SeverityOK},
		want{CheckReuse, SeverityWarning}, want{CheckTransfer, SeverityOK}, want{CheckClearData, SeverityInfo})
	if rep.Server != ServerSim {
		t.Errorf("server guessed as %q, want %q", rep.Server, ServerSim)
	}
	if _, ok := rep.Find(CheckImplicit); ok {
		t.Error("implicit FTPS probed without an implicit address")
	}
}

func TestProbeSimMisconfigured(t *testing.T) {
	cert := func(k pki.Kind) func(*sim.Server) {
		return func(srv *sim.Server) {
			c := srv.PKI.Get(k).TLSCertificate()
			srv.Certificate = &c
		}
	}
	cases := []struct {
		name      string
		insecure  bool
		configure func(*sim.Server)
		wants     []want
	}{
		{"pasv-127.0.0.2", false, func(s *sim.Server) { s.PassiveAddr = netip.MustParseAddr("127.0.0.2") },
			[]want{{CheckPASVAddress, SeverityProblem}, {CheckPassivePorts, SeverityOK}, {CheckTransfer, SeverityOK}}},
		{"expired", false, cert(pki.Expired), []want{{CheckCertValidity, SeverityProblem}, {CheckCertChain, SeverityOK}}},
		{"not-yet-valid", false, cert(pki.NotYetValid), []want{{CheckCertValidity, SeverityProblem}}},
		{"wrong-host", false, cert(pki.WrongHost), []want{{CheckCertName, SeverityProblem}, {CheckCertChain, SeverityOK}}},
		{"ip-missing", false, cert(pki.IPMissing), []want{{CheckCertName, SeverityProblem}}},
		{"missing-intermediate", false, cert(pki.MissingIntermediate), []want{{CheckCertChain, SeverityProblem}}},
		{"self-signed", false, cert(pki.SelfSigned), []want{{CheckCertChain, SeverityProblem}}},
		{"unknown-ca", false, cert(pki.UnknownCA), []want{{CheckCertChain, SeverityProblem}}},
		{"weak-key", false, cert(pki.WeakKey), []want{{CheckCertKey, SeverityProblem}, {CheckTransfer, SeverityOK}}},
		{"expired-insecure", true, cert(pki.Expired), []want{{CheckCertValidity, SeverityProblem}, {CheckTransfer, SeverityOK}}},
		{"tls-optional", false, func(s *sim.Server) { s.ControlTLS = sim.TLSOptional },
			[]want{{CheckCleartext, SeverityWarning}, {CheckTransfer, SeverityOK}}},
		{"reuse-off", false, func(s *sim.Server) { s.Reuse = sim.ReuseOff }, []want{{CheckReuse, SeverityOK}}},
		{"reuse-any", false, func(s *sim.Server) { s.Reuse = sim.ReuseAny }, []want{{CheckReuse, SeverityWarning}}},
		{"data-tls-required", false, func(s *sim.Server) { s.DataTLS = sim.TLSRequired }, []want{{CheckClearData, SeverityOK}}},
		{"tls-off", false, func(s *sim.Server) { s.ControlTLS = sim.TLSDisabled },
			[]want{{CheckAuthTLS, SeverityProblem}, {CheckCleartext, SeverityWarning}, {CheckAuthSSL, SeverityInfo}}},
		{"auth-answered-200", false, func(s *sim.Server) {
			s.Replies = map[sim.ReplyKey]ftp.Reply{sim.ReplyAuthOK: {Code: 200, Lines: []string{"AUTH command ok; starting SSL connection..."}}}
		}, []want{{CheckAuthTLS, SeverityProblem}, {CheckAuthSSL, SeverityProblem}}},
		{"address-denied", false, func(s *sim.Server) { s.DenyIPs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} },
			[]want{{CheckGreeting, SeverityProblem}}},
		{"read-only-user", false, func(s *sim.Server) {
			s.Users = []sim.User{{Name: sim.DefaultUser, Password: sim.DefaultPassword, Perm: sim.PermReadOnly}}
		}, []want{{CheckTransfer, SeverityInfo}, {CheckReuse, SeverityWarning}}},
		{"passive-ports-closed", false, func(s *sim.Server) {
			// Passive listeners on 127.0.0.3 while 227 and EPSV point
			// clients at 127.0.0.1: the range "is not forwarded".
			s.ListenPassive = func(network, addr string) (net.Listener, error) {
				_, port, _ := net.SplitHostPort(addr)
				return net.Listen(network, net.JoinHostPort("127.0.0.3", port))
			}
		}, []want{{CheckPASVAddress, SeverityOK}, {CheckPassivePorts, SeverityProblem}, {CheckEPSV, SeverityProblem},
			{CheckReuse, SeverityInfo}, {CheckTransfer, SeverityInfo}, {CheckClearData, SeverityInfo}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, _ := probeSim(t, tc.insecure, tc.configure)
			assertFindings(t, rep, tc.wants...)
			if testing.Verbose() {
				t.Log(dumpReport(rep))
			}
		})
	}
}

// The sim personas answer like the real servers; the probe must recognise
// each and find nothing wrong with their default setups.
func TestProbeSimPersonas(t *testing.T) {
	set := testSet(t)
	cases := []struct {
		persona sim.Persona
		server  string
		reuse   Severity
		authSSL Severity
	}{
		{sim.Vsftpd(), ServerVsftpd, SeverityWarning, SeverityOK},
		{sim.ProFTPD(), ServerProFTPD, SeverityWarning, SeverityOK},
		{sim.PureFTPd(), ServerPureFTPd, SeverityOK, SeverityInfo},
		{sim.FileZillaServer(), ServerFileZilla, SeverityWarning, SeverityOK},
		{sim.Pyftpdlib(), ServerPyftpdlib, SeverityOK, SeverityOK},
	}
	for _, tc := range cases {
		t.Run(tc.persona.Name, func(t *testing.T) {
			srv := sim.NewUnstartedPersonaServer(tc.persona)
			srv.PKI = set
			srv.Start()
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
			defer cancel()
			rep := Run(ctx, &scenarios.Target{Addr: srv.Addr, User: sim.DefaultUser, Password: sim.DefaultPassword,
				RootCAs: set.CA.Pool(), Dial: loopbackDialer(t)}, Options{Timeout: 5 * time.Second})
			assertFindings(t, rep, want{CheckCleartext, SeverityOK}, want{CheckReuse, tc.reuse},
				want{CheckAuthSSL, tc.authSSL}, want{CheckTransfer, SeverityOK})
			if rep.Server != tc.server {
				t.Errorf("server guessed as %q, want %q", rep.Server, tc.server)
			}
		})
	}
}

// With one connection per address, the further connections some checks
// open are refused with 421: those checks say they could not tell instead
// of blaming TLS versions, AUTH SSL or the reuse policy.
func TestProbeSimConnectionLimit(t *testing.T) {
	rep, _ := probeSim(t, false, func(s *sim.Server) { s.MaxConnectionsPerIP = 1 })
	if testing.Verbose() {
		t.Log(dumpReport(rep))
	}
	if f, _ := rep.Find(CheckAuthTLS); f.Severity != SeverityOK {
		// The greeting connection's slot was not yet free: the main
		// connection itself got 421, which is a connect problem.
		if !strings.Contains(f.Evidence, "421") || !strings.Contains(f.Summary, "421") {
			t.Errorf("auth-tls: %+v", f)
		}
		return
	}
	for _, c := range []string{CheckAuthSSL, CheckTLSVersions, CheckReuse} {
		if f, _ := rep.Find(c); f.Severity != SeverityInfo || !strings.Contains(f.Summary, "could not tell") {
			t.Errorf("%s: %s: %s", c, f.Severity, f.Summary)
		}
	}
	if len(rep.Problems()) != 0 {
		t.Errorf("problems: %v\n%s", rep.Problems(), dumpReport(rep))
	}
}

// A certificate that does not verify keeps the password at home.
func TestProbeSimBadCertSkipsLogin(t *testing.T) {
	rep, srv := probeSim(t, false, func(s *sim.Server) {
		c := s.PKI.Get(pki.SelfSigned).TLSCertificate()
		s.Certificate = &c
	})
	f, ok := rep.Find(CheckLogin)
	if !ok || !f.Skipped || f.Severity != SeverityInfo {
		t.Errorf("login finding %+v, want skipped", f)
	}
	for _, s := range srv.Sessions() {
		if slices.ContainsFunc(s.Transcript().Lines(ftp.EntryCommand), func(l string) bool { return strings.HasPrefix(l, "PASS") }) {
			t.Errorf("session %s received PASS although the certificate did not verify", s.ID)
		}
	}
}

func TestProbeSimImplicit(t *testing.T) {
	set := testSet(t)
	srv := sim.NewUnstartedServer()
	srv.PKI = set
	wellConfigured(srv)
	srv.Implicit = true
	srv.Start()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	base := scenarios.Target{User: sim.DefaultUser, Password: sim.DefaultPassword, RootCAs: set.CA.Pool(), Dial: loopbackDialer(t)}

	both := base
	both.Addr, both.ImplicitAddr = srv.Addr, srv.ImplicitAddr
	rep := Run(ctx, &both, Options{Timeout: 5 * time.Second})
	assertFindings(t, rep, want{CheckImplicit, SeverityOK}, want{CheckAuthTLS, SeverityOK}, want{CheckReuse, SeverityWarning})

	only := base
	only.ImplicitAddr = srv.ImplicitAddr
	rep = Run(ctx, &only, Options{Timeout: 5 * time.Second})
	assertFindings(t, rep, want{CheckGreeting, SeverityOK}, want{CheckImplicit, SeverityOK}, want{CheckLogin, SeverityOK},
		want{CheckTransfer, SeverityOK}, want{CheckReuse, SeverityWarning})
	if _, ok := rep.Find(CheckCleartext); ok {
		t.Error("an implicit-only probe sent USER in clear")
	}

	wrong := base // the explicit port probed as implicit
	wrong.ImplicitAddr = srv.Addr
	rep = Run(ctx, &wrong, Options{Timeout: 2 * time.Second})
	if f, _ := rep.Find(CheckGreeting); f.Severity != SeverityProblem || !slices.Contains(f.Cases, "S22") {
		t.Errorf("explicit port probed as implicit: %+v", f)
	}
	checkDialed(t, rep)
}

func TestProbeUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	rep := Run(ctx, &scenarios.Target{Addr: addr, Dial: loopbackDialer(t)}, Options{Timeout: 2 * time.Second})
	assertFindings(t, rep, want{CheckGreeting, SeverityProblem})

	// A listener that never greets: an implicit port probed as explicit.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	rep = Run(ctx, &scenarios.Target{Addr: silent.Addr().String(), Dial: loopbackDialer(t)}, Options{Timeout: 500 * time.Millisecond})
	if f, _ := rep.Find(CheckGreeting); f.Severity != SeverityProblem || !slices.Contains(f.Cases, "S22") {
		t.Errorf("silent server: %+v", f)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("probe of a silent server took %v", d)
	}
}

// The hand-made checks of the certificate: missing intermediate is told
// apart from an unknown CA, and expiry soon is a warning.
func TestCertChecks(t *testing.T) {
	set := testSet(t)
	now := time.Now()
	judge := func(k pki.Kind, roots bool, at time.Time) certInput {
		in := certInput{certs: set.Get(k).Chain, name: "127.0.0.1", now: at, soon: 30 * 24 * time.Hour}
		if roots {
			in.roots, in.haveCA = set.CA.Pool(), true
		}
		return in
	}
	if f := judge(pki.GoodChain, true, now).chain(); f.Severity != SeverityOK {
		t.Errorf("good chain: %+v", f)
	}
	if f := judge(pki.SelfSigned, true, now).chain(); f.Severity != SeverityProblem || !strings.Contains(f.Summary, "self-signed") {
		t.Errorf("self-signed: %+v", f)
	}
	if f := judge(pki.MissingIntermediate, true, now).chain(); f.Severity != SeverityProblem || !strings.Contains(f.Summary, "missing intermediate") {
		t.Errorf("missing intermediate: %+v", f)
	}
	// ftpsim serve without --ca: a leaf signed directly by a private root,
	// sent alone. The chain is complete; only the client lacks the root.
	// From the leaf alone that cannot be told from a missing intermediate,
	// so the finding names both and claims neither.
	for _, k := range []pki.Kind{pki.Good, pki.MissingIntermediate} {
		f := judge(k, false, now).chain()
		issuer := set.Get(k).Leaf.Issuer.CommonName
		if f.Severity != SeverityProblem || strings.Contains(f.Summary, "is missing") ||
			!strings.Contains(f.Summary, issuer) || !strings.Contains(f.Summary, "root CA") ||
			!strings.Contains(f.Summary, "missing intermediate") {
			t.Errorf("%v without --ca, summary: %+v", k, f)
		}
		if !strings.Contains(f.Fix, "--ca") || !strings.Contains(f.Fix, "full chain") {
			t.Errorf("%v without --ca, fix names only one cause: %q", k, f.Fix)
		}
	}
	// A leaf sent alone whose issuer is an unknown root looks exactly like
	// one whose intermediate is missing; only self-signed stands apart.
	if f := judge(pki.UnknownCA, true, now).chain(); f.Severity != SeverityProblem || strings.Contains(f.Summary, "self-signed") {
		t.Errorf("unknown CA: %+v", f)
	}
	if f := judge(pki.WrongEKU, true, now).chain(); f.Severity != SeverityProblem || !strings.Contains(f.Summary, "serverAuth") {
		t.Errorf("wrong EKU: %+v", f)
	}
	leaf := set.Get(pki.Good).Leaf
	if f := judge(pki.Good, true, leaf.NotAfter.Add(-24*time.Hour)).validity(); f.Severity != SeverityWarning {
		t.Errorf("expiring tomorrow: %+v", f)
	}
	if f := judge(pki.Good, true, now).validity(); f.Severity != SeverityOK {
		t.Errorf("good validity: %+v", f)
	}
	in := judge(pki.IPMissing, true, now)
	if f := in.hostname(); f.Severity != SeverityProblem || !strings.Contains(f.Summary, "IP") {
		t.Errorf("IP SAN missing: %+v", f)
	}
	in.name = "localhost"
	if f := in.hostname(); f.Severity != SeverityOK {
		t.Errorf("ip-missing by name: %+v", f)
	}
}

func TestAddrClassAndGuess(t *testing.T) {
	for addr, want := range map[string]string{
		"10.1.2.3": "private, RFC 1918", "192.168.178.2": "private, RFC 1918", "100.64.1.1": "carrier-grade NAT, RFC 6598",
		"127.0.0.2": "loopback", "169.254.1.1": "link-local", "203.0.113.9": "public", "0.0.0.0": "unspecified",
	} {
		if got := addrClass(netip.MustParseAddr(addr)); got != want {
			t.Errorf("addrClass(%s) = %q, want %q", addr, got, want)
		}
	}
	for text, want := range map[string]string{
		"220 (vsFTPd 3.0.3)":                                            ServerVsftpd,
		"220 ProFTPD Server (Debian) [::ffff:1]":                        ServerProFTPD,
		"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------": ServerPureFTPd,
		"234 Using authentication type TLS.":                            ServerFileZilla,
		"220 ftpsim vsftpd\n234 Proceed with negotiation.":              ServerVsftpd,
		"220 Microsoft FTP Service":                                     "",
	} {
		if got := guessServer(text); got != want {
			t.Errorf("guessServer(%q) = %q, want %q", text, got, want)
		}
	}
	if h := hint("", issueNAT); !strings.Contains(h, "pasv_address") || !strings.Contains(h, "MasqueradeAddress") {
		t.Errorf("generic NAT hint lacks servers: %s", h)
	}
	if h := hint(ServerProFTPD, issueReuse); !strings.Contains(h, "NoSessionReuseRequired") || strings.Contains(h, "require_ssl_reuse") {
		t.Errorf("ProFTPD reuse hint: %s", h)
	}
}

func TestJudgeFEAT(t *testing.T) {
	feat := func(lines ...string) *ftp.Reply {
		return &ftp.Reply{Code: ftp.CodeSystemStatus, Lines: append(append([]string{"Features:"}, lines...), "End")}
	}
	refused := &ftp.Reply{Code: 500, Lines: []string{"FEAT not understood"}}
	cases := []struct {
		name           string
		before, after  *ftp.Reply
		authOK, implic bool
		want           Severity
	}{
		{"all listed", feat("AUTH TLS", "PBSZ", "PROT"), nil, true, false, SeverityOK},
		{"AUTH stripped", feat("PBSZ", "PROT", "EPSV"), feat("AUTH TLS", "PBSZ", "PROT"), true, false, SeverityWarning},
		{"bare AUTH (Axway)", feat("AUTH", "PBSZ", "PROT"), nil, true, false, SeverityWarning},
		{"no PBSZ/PROT", feat("AUTH TLS"), nil, true, false, SeverityInfo},
		{"FEAT refused", refused, refused, true, false, SeverityWarning},
		{"refused before AUTH only", refused, feat("AUTH TLS", "PBSZ", "PROT"), true, false, SeverityOK},
		{"no TLS at all", feat("EPSV", "SIZE"), nil, false, false, SeverityInfo},
		{"implicit lists no AUTH", nil, feat("PBSZ", "PROT"), false, true, SeverityOK},
	}
	for _, tc := range cases {
		f := Finding{}
		judgeFEAT(&f, tc.before, tc.after, tc.authOK, tc.implic)
		if f.Severity != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, f.Severity, f.Summary, tc.want)
		}
	}
}

// peerCerts writes an RSA-2048 set (vsftpd and ProFTPD are configured with
// RSA files) and returns the good certificate's files.
func peerCerts(t *testing.T) (set *pki.Set, certFile, keyFile string) {
	t.Helper()
	set, err := pki.NewSet(pki.SetOptions{KeyType: pki.RSA2048})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := set.Get(pki.Good).WriteFiles(dir, "good"); err != nil {
		t.Fatal(err)
	}
	return set, filepath.Join(dir, "good.crt"), filepath.Join(dir, "good.key")
}

func startPeer(t *testing.T, start func(context.Context) (*peers.Server, error)) *peers.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := start(ctx)
	var nie *peers.NotInstalledError
	if errors.As(err, &nie) {
		t.Skip(nie.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func probePeer(t *testing.T, srv *peers.Server, set *pki.Set) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	tgt := &scenarios.Target{Addr: srv.Addr, User: srv.User, Password: srv.Password, RootCAs: set.CA.Pool(), Dial: loopbackDialer(t)}
	rep := Run(ctx, tgt, Options{Timeout: 10 * time.Second})
	checkDialed(t, rep)
	if testing.Verbose() {
		t.Log(dumpReport(rep))
	}
	return rep
}

func TestProbeRealPeers(t *testing.T) {
	set, crt, key := peerCerts(t)
	cfg := func() peers.Config { return peers.Config{Dir: t.TempDir(), CertFile: crt, KeyFile: key} }
	good := []want{{CheckGreeting, SeverityOK}, {CheckCleartext, SeverityOK}, {CheckAuthTLS, SeverityOK},
		{CheckCertChain, SeverityOK}, {CheckCertName, SeverityOK}, {CheckLogin, SeverityOK}, {CheckProt, SeverityOK},
		{CheckPASVAddress, SeverityOK}, {CheckPassivePorts, SeverityOK}, {CheckTransfer, SeverityOK}}
	with := func(extra ...want) []want {
		out := slices.Clone(good)
		for _, e := range extra {
			out = slices.DeleteFunc(out, func(w want) bool { return w.check == e.check })
			out = append(out, e)
		}
		return out
	}
	cases := []struct {
		name   string
		start  func(context.Context) (*peers.Server, error)
		server string
		wants  []want
	}{
		{"vsftpd", peers.Vsftpd{Config: cfg(), NoSSLReuse: true}.Start, ServerVsftpd, with(want{CheckReuse, SeverityOK})},
		{"vsftpd-reuse", peers.Vsftpd{Config: cfg()}.Start, ServerVsftpd, with(want{CheckReuse, SeverityWarning})},
		{"vsftpd-nat", peers.Vsftpd{Config: cfg(), PASVAddress: "127.0.0.2", NoSSLReuse: true}.Start, ServerVsftpd, with(want{CheckPASVAddress, SeverityProblem})},
		{"proftpd-noreuse", peers.ProFTPD{Config: cfg(), NoSessionReuseRequired: true}.Start, ServerProFTPD, with(want{CheckReuse, SeverityOK})},
		{"proftpd", peers.ProFTPD{Config: cfg()}.Start, ServerProFTPD, with(want{CheckReuse, SeverityWarning})},
		{"pure-ftpd", peers.PureFTPd{Config: cfg()}.Start, ServerPureFTPd, with(want{CheckReuse, SeverityOK}, want{CheckAuthSSL, SeverityInfo})},
		{"pure-ftpd-tls-optional", peers.PureFTPd{Config: cfg(), TLS: 1}.Start, ServerPureFTPd, with(want{CheckCleartext, SeverityWarning})},
		{"pyftpdlib", peers.Pyftpdlib{Config: cfg()}.Start, ServerPyftpdlib, with(want{CheckReuse, SeverityOK})},
		{"pyftpdlib-masquerade", peers.Pyftpdlib{Config: cfg(), Masquerade: "127.0.0.2"}.Start, ServerPyftpdlib,
			with(want{CheckPASVAddress, SeverityProblem})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startPeer(t, tc.start)
			rep := probePeer(t, srv, set)
			assertFindings(t, rep, tc.wants...)
			if t.Failed() {
				t.Log(srv.Logs())
			}
			if rep.Server != tc.server {
				t.Errorf("server guessed as %q, want %q", rep.Server, tc.server)
			}
			if f, _ := rep.Find(CheckReuse); f.Severity == SeverityWarning && !strings.Contains(f.Fix, map[string]string{
				ServerVsftpd: "require_ssl_reuse", ServerProFTPD: "NoSessionReuseRequired"}[tc.server]) {
				t.Errorf("reuse fix lacks the server's setting: %s", f.Fix)
			}
		})
	}
}

func ExampleRun() {
	srv := sim.NewUnstartedServer()
	srv.ControlTLS = sim.TLSRequired
	srv.PassiveAddr = netip.MustParseAddr("127.0.0.2") // the NAT mistake: an address nobody can reach
	srv.Start()
	defer srv.Close()
	t, _ := scenarios.ParseTarget("ftp://ftpsim:ftpsim@" + srv.Addr)
	t.RootCAs = srv.RootCAs()
	rep := Run(context.Background(), t, Options{Timeout: 5 * time.Second})
	for _, f := range rep.Problems() {
		fmt.Println(f.Check, f.Cases)
	}
	// Output:
	// pasv-address [S10 S11]
}

// FuzzProbeReplies feeds arbitrary reply text to the code that judges
// what a server said.
func FuzzProbeReplies(f *testing.F) {
	f.Add("Features:\n AUTH TLS\n PBSZ\n PROT\nEnd", "220 (vsFTPd 3.0.3)", 211)
	f.Add("Features:\n AUTH\nEnd", "500 OOPS: vsftpd", 500)
	f.Add("", "\x16\x03\x01", 0)
	f.Fuzz(func(t *testing.T, feat, other string, code int) {
		r := ftp.Reply{Code: code, Lines: strings.Split(feat, "\n")}
		for _, implicit := range []bool{false, true} {
			var fd Finding
			judgeFEAT(&fd, &r, &r, !implicit, implicit)
			if fd.Summary == "" {
				t.Fatalf("no summary for FEAT %q", feat)
			}
		}
		parseFEAT(r)
		guessServer(feat, other)
		printable([]byte(other))
	})
}
