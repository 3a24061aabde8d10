package probe

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// checkGreeting connects in clear to the explicit address, reads the
// greeting, sends FEAT and then USER (never PASS) to learn whether a login
// in clear would go ahead. It reports false when the server cannot be
// talked to at all.
func (p *prober) checkGreeting() bool {
	c, tr, err := p.dial(p.t.Addr, false, clientsim.WithPlain())
	if err != nil {
		p.add(p.connectFailure(CheckGreeting, p.t.Addr, false, err, tr))
		p.skip("the server did not greet", CheckCleartext, CheckAuthTLS)
		return false
	}
	defer p.quit(c)
	greet := firstReply(tr)
	p.seen(greet)
	p.add(Finding{Check: CheckGreeting, Severity: SeverityOK, Summary: greet})
	ctx, cancel := p.step()
	defer cancel()
	if r, err := c.Quote(ctx, "FEAT"); err == nil {
		p.featClear = &r
	}
	p.checkCleartext(c)
	return true
}

// checkCleartext sends USER in clear (never PASS) and reads the answer.
func (p *prober) checkCleartext(c *clientsim.Conn) {
	user := p.t.User
	if user == "" {
		user = "ftpsim-probe"
	}
	ctx, cancel := p.step()
	defer cancel()
	r, err := c.Quote(ctx, "USER "+user)
	f := Finding{Check: CheckCleartext, Evidence: "USER " + user + " (in clear, before AUTH) → " + wire(r)}
	switch {
	case err != nil:
		f.Severity, f.Summary = SeverityInfo, "could not tell: USER in clear got no reply"
		f.Evidence = "USER " + user + ": " + err.Error()
	case r.Code == ftp.CodeNeedPassword || r.Code == ftp.CodeNeedAccount:
		f.Severity = SeverityWarning
		f.Summary = "the server accepts USER in clear and asks for the password: a client that does not insist on TLS sends the password in clear"
		f.Why = "Credentials and data can travel unencrypted. A middlebox that strips AUTH TLS from FEAT or refuses it (S20) silently downgrades clients that fall back to plain FTP."
		f.Fix = "Require TLS before login. " + hint(p.rep.Server, issueCleartext)
		f.Cases = []string{"S20", "S21"}
	case ftp.Class(r.Code) == 2:
		f.Severity = SeverityWarning
		f.Summary = "the server logs USER in without a password in clear"
		f.Why = "Anyone on the path can use this account; nothing protects the session."
		f.Fix = "Require TLS before login and a password. " + hint(p.rep.Server, issueCleartext)
		f.Cases = []string{"S21"}
	case ftp.Class(r.Code) == 4 || ftp.Class(r.Code) == 5:
		// 530 vsftpd, 550 ProFTPD and pyftpdlib, 421 pure-ftpd and
		// ftpserverlib, 503 FileZilla Server: no password is asked for.
		f.Severity, f.Summary = SeverityOK, fmt.Sprintf("a login in clear is refused (%d): TLS is required before USER", r.Code)
	default:
		f.Severity, f.Summary = SeverityInfo, fmt.Sprintf("USER in clear got %d; could not tell whether TLS is required", r.Code)
	}
	if err == nil {
		p.seen(r.Message())
	}
	p.add(f)
}

// openMain opens the control connection the later checks use: explicit
// (AUTH TLS) when the target has an explicit address, else implicit. It
// reports the AUTH TLS (or implicit) finding.
func (p *prober) openMain() {
	implicit := p.t.Addr == ""
	addr := p.t.Addr
	if implicit {
		addr = p.t.ImplicitAddr
	}
	c, tr, err := p.dial(addr, implicit, clientsim.WithoutPROT())
	p.mainAddr, p.mainImplicit, p.mainTr = addr, implicit, tr
	if implicit {
		if err != nil {
			p.add(p.connectFailure(CheckGreeting, addr, true, err, tr))
			return
		}
		greet := firstReply(tr)
		p.seen(greet)
		p.add(Finding{Check: CheckGreeting, Severity: SeverityOK, Summary: greet + " (after the implicit TLS handshake)"})
		p.add(p.implicitOK(c, addr, greet))
		p.setMain(c)
		return
	}
	if clientsim.PhaseOf(err) == clientsim.PhaseConnect {
		p.add(p.connectFailure(CheckAuthTLS, addr, false, err, tr))
		return
	}
	f := p.authFinding("TLS", err, tr)
	p.add(f)
	if err == nil {
		p.authOK = true
		p.setMain(c)
	}
}

func (p *prober) setMain(c *clientsim.Conn) {
	p.main = c
	for _, ev := range c.Evidence() {
		if ev.Channel == "control" {
			p.controlIP = hostIP(ev.Addr)
			break
		}
	}
	if !p.controlIP.IsValid() {
		host, _, _ := net.SplitHostPort(p.mainAddr)
		p.controlIP = hostIP(host)
	}
}

// authFinding judges the answer to AUTH mech and the handshake after it.
func (p *prober) authFinding(mech string, err error, tr *ftp.Transcript) Finding {
	check := CheckAuthTLS
	if mech == "SSL" {
		check = CheckAuthSSL
	}
	reply := replyTo(tr, "AUTH")
	p.seen(reply)
	f := Finding{Check: check, Evidence: "AUTH " + mech + " → " + reply}
	code := clientsim.ReplyCode(err)
	var rh tls.RecordHeaderError
	switch {
	case err == nil:
		c := p.lastControl(tr)
		f.Severity, f.Summary = SeverityOK, fmt.Sprintf("AUTH %s accepted (%s), TLS handshake done", mech, reply)
		f.Evidence += "; " + c
	case code != 0 && code != ftp.CodeAuthOK && ftp.Class(code) <= 3:
		f.Severity = SeverityProblem
		f.Summary = fmt.Sprintf("the server answers AUTH %s with %d, a non-234 success: a middlebox or broken server", mech, code)
		f.Why = "RFC 4217 wants 234 and then the TLS handshake; clients that insist on TLS stop here, clients that do not may carry on in clear."
		f.Fix = "Find what answers (a firewall's FTP inspection, an ALG, a proxy) and turn its FTP handling off for this server, or fix the server to answer 234."
		f.Cases = []string{"S19", "S20"}
	case code != 0 && mech == "SSL":
		f.Severity, f.Summary = SeverityInfo, fmt.Sprintf("AUTH SSL is refused (%s); only very old clients need it, curl falls back to AUTH TLS", reply)
		f.Cases = []string{"S19"}
	case code != 0:
		f.Severity = SeverityProblem
		f.Summary = fmt.Sprintf("the server does not offer explicit FTPS: AUTH TLS is refused with %d", code)
		f.Why = "Clients that require TLS cannot connect; others send the password and the files in clear."
		f.Fix = "Enable TLS. " + hint(p.rep.Server, issueNoTLS)
		f.Cases = []string{"S19", "S21"}
	case errors.As(err, &rh):
		f.Severity = SeverityProblem
		f.Summary = fmt.Sprintf("after 234 the server sent clear text instead of a TLS handshake (%q)", printable(rh.RecordHeader[:]))
		f.Evidence += "; handshake: " + err.Error()
		f.Why = "No client can complete the handshake. vsftpd does this when it fails after AUTH (\"500 OOPS: ...\", e.g. a writable chroot without allow_writeable_chroot=YES)."
		f.Fix = "Read the server's log for the error it wrote in clear; on vsftpd look for 500 OOPS."
		f.Cases = []string{"S19"}
	default:
		f.Severity = SeverityProblem
		f.Summary = fmt.Sprintf("AUTH %s: the TLS handshake failed", mech)
		f.Evidence += "; " + err.Error()
		f.Why = "No FTPS client can log in."
		f.Fix = "Check the server's certificate and key files and its TLS versions and ciphers (the server log names the error)."
		f.Cases = []string{"S19"}
	}
	if mech == "SSL" && f.Severity == SeverityProblem && code == 0 {
		f.Severity = SeverityWarning
	}
	return f
}

// lastControl describes the last control handshake of a transcript's Conn.
func (p *prober) lastControl(tr *ftp.Transcript) string {
	lines := tr.Lines(ftp.EntryTLS)
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "control handshake done") {
			return lines[i]
		}
	}
	return "handshake done"
}

// checkAuthSSL tries the legacy AUTH SSL on a connection of its own.
func (p *prober) checkAuthSSL() {
	c, tr, err := p.dial(p.t.Addr, false, clientsim.WithAuthMechanism("SSL"))
	p.quit(c)
	if err != nil && (clientsim.ReplyCode(err) == 0 || refusedAtConnect(err)) && clientsim.PhaseOf(err) != clientsim.PhaseTLS {
		p.add(Finding{Check: CheckAuthSSL, Severity: SeverityInfo, Summary: "could not tell: " + couldNotTell(err)})
		return
	}
	p.add(p.authFinding("SSL", err, tr))
}

// checkImplicit probes implicit FTPS when the main connection is explicit.
func (p *prober) checkImplicit() {
	c, tr, err := p.dial(p.t.ImplicitAddr, true)
	if err != nil {
		p.add(p.connectFailure(CheckImplicit, p.t.ImplicitAddr, true, err, tr))
		return
	}
	defer p.quit(c)
	greet := firstReply(tr)
	p.seen(greet)
	p.add(p.implicitOK(c, p.t.ImplicitAddr, greet))
}

func (p *prober) implicitOK(c *clientsim.Conn, addr, greet string) Finding {
	st, _ := c.ControlTLS()
	return Finding{Check: CheckImplicit, Severity: SeverityOK,
		Summary:  fmt.Sprintf("implicit FTPS works on %s (%s)", addr, tls.VersionName(st.Version)),
		Evidence: "TLS handshake at connect, then " + greet}
}

// connectFailure explains why a control connection could not be opened.
func (p *prober) connectFailure(check, addr string, implicit bool, err error, tr *ftp.Transcript) Finding {
	f := Finding{Check: check, Severity: SeverityProblem, Evidence: err.Error()}
	if r := firstReply(tr); r != "" {
		f.Evidence = r
		p.seen(r)
	}
	var rh tls.RecordHeaderError
	switch code := clientsim.ReplyCode(err); {
	case code == ftp.CodeServiceNotAvail:
		f.Summary = fmt.Sprintf("%s refuses the connection with 421: your address is refused or a connection limit is reached", addr)
		f.Why = "No client from this address gets in until the limit or the address rule changes."
		f.Fix = "Check the server's connection limits and address rules. " + hint(p.rep.Server, issueLimits)
	case errors.Is(err, syscall.ECONNREFUSED):
		f.Summary = fmt.Sprintf("nothing listens on %s (connection refused)", addr)
		f.Fix = "Check the address and port, that the server runs, and for implicit FTPS that it has a listener of its own. " + implicitHint(p, implicit)
	case implicit && errors.As(err, &rh):
		f.Summary = fmt.Sprintf("%s speaks plain FTP, not implicit TLS: it answered the TLS handshake with %q", addr, printable(rh.RecordHeader[:]))
		f.Why = "Implicit clients (ftps://, port 990) start with a TLS handshake; this port expects AUTH TLS after a clear greeting."
		f.Fix = "Use explicit FTPS (ftp:// with AUTH TLS) on this port, or configure an implicit listener. " + hint(p.rep.Server, issueImplicit)
		f.Cases = []string{"S22"}
	case isOpError(err, "greeting") && errors.Is(err, os.ErrDeadlineExceeded) && !implicit:
		f.Summary = fmt.Sprintf("%s accepts TCP but sends no greeting: an implicit-FTPS port (it waits for a TLS handshake) or a stuck server", addr)
		f.Why = "Explicit clients wait for 220 before they send AUTH TLS."
		f.Fix = "If this is an implicit-FTPS port (often 990), probe it as ftps://host:port or with --implicit-addr."
		f.Cases = []string{"S22"}
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT):
		f.Summary = fmt.Sprintf("no answer from %s within %s: a firewall drops the connection, or the address is wrong", addr, p.opts.Timeout)
		f.Fix = "Check the address, port and firewall rules between you and the server."
	default:
		f.Summary = fmt.Sprintf("cannot open a control connection to %s", addr)
	}
	return f
}

func implicitHint(p *prober, implicit bool) string {
	if !implicit {
		return ""
	}
	return hint(p.rep.Server, issueImplicit)
}

// checkFEAT judges the FEAT lists: before AUTH (what clients decide on)
// and, on the main connection, after it.
func (p *prober) checkFEAT() {
	ctx, cancel := p.step()
	defer cancel()
	var after *ftp.Reply
	if p.main != nil {
		if r, err := p.main.Quote(ctx, "FEAT"); err == nil {
			after = &r
		}
	}
	f := Finding{Check: CheckFEAT}
	before := p.featClear
	var ev []string
	if before != nil {
		ev = append(ev, "FEAT before AUTH → "+wire(*before))
	}
	if after != nil {
		ev = append(ev, "FEAT over TLS → "+wire(*after))
	}
	f.Evidence = strings.Join(ev, "\n")
	judgeFEAT(&f, before, after, p.authOK, p.mainImplicit)
	p.add(f)
}

func judgeFEAT(f *Finding, before, after *ftp.Reply, authOK, implicit bool) {
	list := before
	if list == nil || list.Code != ftp.CodeSystemStatus {
		list = after
	}
	switch {
	case list == nil:
		f.Severity, f.Summary = SeverityInfo, "FEAT not answered"
		return
	case list.Code != ftp.CodeSystemStatus:
		f.Severity, f.Summary = SeverityWarning, fmt.Sprintf("FEAT is not supported (%d)", list.Code)
		f.Why = "Clients that discover TLS through FEAT (FluentFTP's auto-detect, some GUIs) do not offer it."
		f.Fix = "Enable FEAT (RFC 2389) on the server, or find the middlebox that refuses it."
		f.Cases = []string{"S20"}
		return
	}
	feats := parseFEAT(*list)
	auth, hasAuth := feats["AUTH"]
	_, pbsz := feats["PBSZ"]
	_, prot := feats["PROT"]
	tlsListed := hasAuth && strings.Contains(strings.ToUpper(auth), "TLS")
	switch {
	case authOK && !implicit && !tlsListed:
		f.Severity = SeverityWarning
		f.Summary = "AUTH TLS works but FEAT does not list it"
		if hasAuth {
			f.Summary = "AUTH TLS works but FEAT lists a bare AUTH without TLS"
		}
		f.Why = "Clients that look for AUTH TLS in FEAT decide the server has no TLS and fall back to plain FTP; a middlebox that strips it is a downgrade attack."
		f.Fix = "List \"AUTH TLS\", \"PBSZ\" and \"PROT\" in FEAT (RFC 4217 6); if the server does and this list differs, something on the path rewrites FEAT."
		f.Cases = []string{"S20"}
	case (authOK || implicit) && (!pbsz || !prot):
		f.Severity, f.Summary = SeverityInfo, "FEAT does not list PBSZ and PROT (RFC 4217 asks for both)"
	case tlsListed:
		f.Severity, f.Summary = SeverityOK, "FEAT lists AUTH "+strings.ReplaceAll(auth, ";", "/")+", PBSZ, PROT"
	case implicit:
		f.Severity, f.Summary = SeverityOK, "FEAT lists PBSZ and PROT"
	default:
		f.Severity, f.Summary = SeverityInfo, "FEAT lists no TLS (consistent with AUTH being refused)"
	}
}

// parseFEAT maps feature names to their parameters (several lines of the
// same name joined with ';').
func parseFEAT(r ftp.Reply) map[string]string {
	feats := map[string]string{}
	if len(r.Lines) < 3 {
		return feats
	}
	for _, line := range r.Lines[1 : len(r.Lines)-1] {
		name, params, _ := strings.Cut(strings.TrimSpace(line), " ")
		if name == "" {
			continue
		}
		name = strings.ToUpper(name)
		if prev := feats[name]; prev != "" {
			params = prev + ";" + params
		}
		feats[name] = strings.TrimSpace(params)
	}
	return feats
}

// printable renders bytes seen where TLS was expected.
func printable(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			s.WriteByte(c)
		} else {
			fmt.Fprintf(&s, "\\x%02x", c)
		}
	}
	return s.String()
}

// refusedAtConnect reports whether a further control connection was turned
// away with 421 before anything was tried on it: a connection limit, not
// the answer a check looks for.
func refusedAtConnect(err error) bool {
	return clientsim.PhaseOf(err) == clientsim.PhaseConnect && clientsim.ReplyCode(err) == ftp.CodeServiceNotAvail
}

// couldNotTell explains a further connection that failed before the check.
func couldNotTell(err error) string {
	if refusedAtConnect(err) {
		return "the server refused another control connection while the probe had one open (" + replyText(err) + "): a connection limit per address?"
	}
	return err.Error()
}
