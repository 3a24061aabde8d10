package probe

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// afterLogin are the checks that need a logged-in session.
var afterLogin = []string{CheckProt, CheckPASVAddress, CheckEPSV, CheckReuse, CheckTransfer, CheckClearData}

// login logs in on the main connection, over TLS only, and only when the
// certificate verified or the user asked for --insecure.
func (p *prober) login() bool {
	why := ""
	switch {
	case p.t.User == "":
		why = "no user in the URL (ftp://user:pass@host:port)"
	case !p.certTrusted && !p.t.Insecure:
		why = "the certificate did not verify, so the password is not sent over this connection (give --ca FILE, or --insecure to go on)"
	}
	if why != "" {
		p.skip(why, CheckLogin)
		p.skip("needs a login", afterLogin...)
		return false
	}
	ctx, cancel := p.step()
	defer cancel()
	err := p.main.Login(ctx, p.t.User, p.t.Password)
	ev := "USER " + p.t.User + " → " + replyTo(p.mainTr, "USER")
	if r := replyTo(p.mainTr, "PASS"); r != "" {
		ev += "\nPASS **** → " + r
	}
	if err != nil {
		f := Finding{Check: CheckLogin, Severity: SeverityProblem, Evidence: ev + "\n" + err.Error()}
		if clientsim.PhaseOf(err) == clientsim.PhaseLogin && clientsim.ReplyCode(err) != 0 {
			f.Summary = "login refused over TLS: " + replyText(err)
			f.Fix = "Check the user name and password in the URL (percent-encode special characters), and that the account may log in over FTP (vsftpd: PAM and local_enable; ProFTPD: a valid shell or RequireValidShell off)."
		} else {
			f.Summary = "login failed: " + err.Error()
		}
		p.add(f)
		p.skip("login failed", afterLogin...)
		return false
	}
	p.add(Finding{Check: CheckLogin, Severity: SeverityOK, Summary: "logged in as " + p.t.User + " over TLS", Evidence: ev})
	return true
}

// checkProt sends PBSZ 0, PROT C (remembered for checkClearData) and
// PROT P, leaving the session protected.
func (p *prober) checkProt() bool {
	ctx, cancel := p.step()
	defer cancel()
	var replies [3]ftp.Reply
	for i, cmd := range []string{"PBSZ 0", "PROT C", "PROT P"} {
		r, err := p.main.Quote(ctx, cmd)
		if err != nil {
			p.add(Finding{Check: CheckProt, Severity: SeverityProblem, Summary: cmd + ": no reply", Evidence: err.Error()})
			p.skip("the control connection broke", afterLogin[1:]...)
			return false
		}
		replies[i] = r
	}
	pbsz, protC, protP := replies[0], replies[1], replies[2]
	p.protC = &protC
	f := Finding{Check: CheckProt, Evidence: "PBSZ 0 → " + wire(pbsz) + "\nPROT P → " + wire(protP)}
	switch {
	case ftp.Class(protP.Code) != 2:
		f.Severity, f.Summary = SeverityProblem, "PROT P is refused: data connections cannot be protected"
		f.Why = "Listings and files would travel in clear, and clients that insist on PROT P stop."
		f.Fix = "Enable TLS on data connections (vsftpd: ssl_enable=YES applies to data too; ProFTPD: mod_tls; pure-ftpd: -Y 1 or higher)."
		f.Cases = []string{"S23"}
		p.add(f)
		p.skip("PROT P was refused", afterLogin[1:]...)
		return false
	case ftp.Class(pbsz.Code) != 2:
		f.Severity, f.Summary = SeverityWarning, "PBSZ 0 is refused although PROT P is accepted"
		f.Why = "RFC 4217 has clients send PBSZ 0 before PROT; strict clients stop at the refusal."
		f.Fix = "Accept PBSZ 0 after AUTH TLS (and in implicit mode)."
	default:
		f.Severity, f.Summary = SeverityOK, "PBSZ 0 and PROT P accepted"
	}
	p.add(f)
	return true
}

// checkPassive compares the 227 address with the control connection's
// address and dials both: the advertised address, and the control address
// with the port of a second PASV.
func (p *prober) checkPassive() {
	ctx, cancel := p.step()
	defer cancel()
	r, err := p.main.Quote(ctx, "PASV")
	switch {
	case err != nil:
		p.add(Finding{Check: CheckPASVAddress, Severity: SeverityProblem, Summary: "PASV: no reply", Evidence: err.Error()})
		return
	case r.Code != ftp.CodePassive:
		p.pasvRefused = true
		p.add(Finding{Check: CheckPASVAddress, Severity: SeverityInfo, Evidence: "PASV → " + wire(r),
			Summary: fmt.Sprintf("PASV is refused (%d); clients must use EPSV", r.Code)})
		return
	}
	ap, perr := ftp.ParsePASV(r.Message())
	if perr != nil {
		p.add(Finding{Check: CheckPASVAddress, Severity: SeverityProblem, Summary: "the 227 reply does not parse",
			Evidence: "PASV → " + wire(r) + "\n" + perr.Error(), Cases: []string{"S16"},
			Why: "Clients that use PASV cannot open data connections.", Fix: "Look for a middlebox rewriting the reply (an FTP ALG)."})
		return
	}
	adv, ctrl := ap.Addr().Unmap(), p.controlIP
	ev := []string{"PASV → " + wire(r)}
	advErr := "not dialed: an address nobody should connect to"
	if !adv.IsUnspecified() && !adv.IsMulticast() {
		advErr = p.rawDial(ap.String())
		ev = append(ev, dialResult(ap.String(), "the advertised address", advErr))
	}
	if adv == ctrl {
		p.add(Finding{Check: CheckPASVAddress, Severity: SeverityOK, Evidence: strings.Join(ev, "\n"),
			Summary: "PASV advertises the control connection's address " + ctrl.String()})
		p.addPassivePorts(ap.Port(), advErr, ev[len(ev)-1])
		return
	}
	ctrlErr, port, ctrlEv := "second PASV failed", ap.Port(), ""
	if r2, err := p.main.Quote(ctx, "PASV"); err == nil && r2.Code == ftp.CodePassive {
		ev = append(ev, "PASV → "+wire(r2))
		if ap2, err := ftp.ParsePASV(r2.Message()); err == nil {
			port = ap2.Port()
			target := netip.AddrPortFrom(ctrl, port).String()
			ctrlErr = p.rawDial(target)
			ctrlEv = dialResult(target, "the control address, port of the second PASV", ctrlErr)
			ev = append(ev, ctrlEv)
		}
	}
	p.add(p.pasvMismatch(adv, ctrl, advErr, ev))
	p.addPassivePorts(port, ctrlErr, ctrlEv)
}

// pasvMismatch judges a 227 address that is not the control address.
func (p *prober) pasvMismatch(adv, ctrl netip.Addr, advErr string, ev []string) Finding {
	f := Finding{Check: CheckPASVAddress, Evidence: strings.Join(ev, "\n"), Cases: []string{"S10", "S11"}}
	what := fmt.Sprintf("PASV advertises %s (%s), which differs from the control address %s (%s)", adv, addrClass(adv), ctrl, addrClass(ctrl))
	if isPrivateAddr(adv) && !isPrivateAddr(ctrl) {
		what = fmt.Sprintf("the server is behind NAT and advertises its private address %s (%s) in PASV, while you reach it at %s", adv, addrClass(adv), ctrl)
	}
	switch {
	case adv.IsUnspecified() || adv.IsMulticast():
		f.Severity, f.Summary = SeverityWarning, what+"; clients that use it connect to their own machine or nowhere"
	case advErr == "":
		f.Severity, f.Summary = SeverityWarning, what+"; it is reachable from here, but clients that substitute the control address connect elsewhere"
	default:
		f.Severity, f.Summary = SeverityProblem, what+": a data connection to it fails"
	}
	f.Why = "Clients that dial the 227 address as given (Python ftplib with trust_server_pasv_ipv4_address, curl --no-ftp-skip-pasv-ip, many Java, .NET and embedded clients) time out or are refused; curl (since 7.74), lftp, FileZilla and ftplib's default substitute the control address, so it looks like a client bug. EPSV replies carry no address."
	f.Fix = "Advertise the address clients connect to. " + hint(p.rep.Server, issueNAT)
	return f
}

// addPassivePorts reports whether a passive port answered at the address
// clients fall back to.
func (p *prober) addPassivePorts(port uint16, dialErr, ev string) {
	f := Finding{Check: CheckPassivePorts, Evidence: ev}
	if dialErr == "" {
		f.Severity, f.Summary = SeverityOK, fmt.Sprintf("passive data port %d is reachable at %s", port, p.controlIP)
	} else {
		p.portsBlocked = true
		f.Severity = SeverityProblem
		f.Summary = fmt.Sprintf("passive data port %d is not reachable at the control address %s: the passive port range is not forwarded or is firewalled", port, p.controlIP)
		f.Why = "Logins work but every LIST, RETR and STOR times out or is refused."
		f.Fix = "Open and forward the server's passive port range (only the control port is not enough). " + hint(p.rep.Server, issuePassivePorts)
		f.Cases = []string{"S12", "S14"}
	}
	p.add(f)
}

// checkEPSV asks for an extended passive port and dials it.
func (p *prober) checkEPSV() {
	ctx, cancel := p.step()
	defer cancel()
	r, err := p.main.Quote(ctx, "EPSV")
	f := Finding{Check: CheckEPSV, Evidence: "EPSV → " + wire(r)}
	switch {
	case err != nil:
		f.Severity, f.Summary, f.Evidence = SeverityProblem, "EPSV: no reply", err.Error()
	case r.Code == ftp.CodeExtendedPassive:
		port, perr := ftp.ParseEPSV(r.Message())
		if perr != nil {
			f.Severity, f.Summary, f.Cases = SeverityProblem, "the 229 reply does not parse", []string{"S17"}
			f.Evidence += "\n" + perr.Error()
			break
		}
		target := netip.AddrPortFrom(p.controlIP, port).String()
		derr := p.rawDial(target)
		f.Evidence += "\n" + dialResult(target, "the control address", derr)
		if derr == "" {
			f.Severity, f.Summary = SeverityOK, "EPSV supported; its port is reachable"
		} else {
			p.portsBlocked = true
			f.Severity, f.Summary, f.Cases = SeverityProblem, "EPSV answers, but its port is not reachable", []string{"S12", "S17"}
			f.Why = "curl and lftp try EPSV first and wait for the data connection to time out."
			f.Fix = "Open and forward the passive port range. " + hint(p.rep.Server, issuePassivePorts)
		}
	case p.pasvRefused:
		f.Severity, f.Summary = SeverityProblem, "neither EPSV nor PASV is available: no passive data connections"
		f.Why = "Clients behind NAT need passive mode."
	default:
		f.Severity, f.Summary, f.Cases = SeverityInfo, fmt.Sprintf("EPSV is not supported (%d); clients fall back to PASV", r.Code), []string{"S17"}
	}
	p.add(f)
}

// dialResult renders one test dial.
func dialResult(addr, what, err string) string {
	if err == "" {
		return "dial " + addr + " (" + what + "): connected"
	}
	return "dial " + addr + " (" + what + "): " + err
}

// hostIP parses the IP of "ip:port".
func hostIP(addr string) netip.Addr {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		a, _ := netip.ParseAddr(addr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// isPrivateAddr reports whether a is not routable on the Internet: RFC 1918
// and unique-local, loopback, link-local, carrier-grade NAT, unspecified.
func isPrivateAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || cgnat.Contains(a) || a.IsUnspecified()
}

// addrClass names the kind of address a is.
func addrClass(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "unknown"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate() && a.Is4():
		return "private, RFC 1918"
	case a.IsPrivate():
		return "unique local"
	case cgnat.Contains(a):
		return "carrier-grade NAT, RFC 6598"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsMulticast():
		return "multicast"
	}
	return "public"
}
