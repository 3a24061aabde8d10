package probe

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/sim/ftp"
)

// probeFileSize is the size of the file the transfer check uploads.
const probeFileSize = 32 << 10

// checkReuse lists the directory twice: on the main connection, whose data
// connections resume the control session (like curl, lftp, FileZilla),
// and on a second connection that never resumes (like Python's stock
// ftplib).
func (p *prober) checkReuse() {
	ctx, cancel := p.step()
	_, errPer := p.main.List(ctx, "")
	cancel()
	perEv := lastData(p.main)
	perLine := "resuming the control session: LIST " + outcome(errPer, perEv)

	c, _, err := p.dial(p.mainAddr, p.mainImplicit, clientsim.WithSessionReuse(clientsim.ReuseNone))
	errNone := err
	if err == nil {
		ctx, cancel := p.step()
		if errNone = c.Login(ctx, p.t.User, p.t.Password); errNone == nil {
			_, errNone = c.List(ctx, "")
		}
		cancel()
	}
	var noneEv *clientsim.TLSEvidence
	if c != nil {
		noneEv = lastData(c)
		p.quit(c)
	}
	noneLine := "full handshake (no resumption): LIST " + outcome(errNone, noneEv)
	f := Finding{Check: CheckReuse, Evidence: perLine + "\n" + noneLine}
	if errPer == nil && refusedAtConnect(errNone) {
		f.Severity, f.Summary = SeverityInfo, "could not tell: "+couldNotTell(errNone)
		p.add(f)
		return
	}
	if p.portsBlocked && clientsim.PhaseOf(errPer) == clientsim.PhaseDataConnect {
		// Already reported as the cause; do not count it again.
		p.noData = true
		f.Severity, f.Skipped = SeverityInfo, true
		f.Summary = "not checked: data connections cannot be opened (see " + CheckPassivePorts + " and " + CheckEPSV + ")"
		p.add(f)
		return
	}
	switch {
	case errPer == nil && errNone == nil:
		f.Severity = SeverityOK
		f.Summary = "data connections work with and without TLS session resumption (the server does not require it)"
	case errPer == nil && refusedForReuse(errNone):
		f.Severity = SeverityWarning
		f.Summary = "the server requires TLS session reuse on data connections (" + reuseLike(p.rep.Server) + "): clients without reuse (Python ftplib, some Go clients) fail"
		f.Why = "Resumption binds data connections to the control session, which stops connection stealing (S30), but clients that do a full handshake on data connections get " + replyText(errNone) + " on every LIST, RETR and STOR."
		f.Fix = hint(p.rep.Server, issueReuse)
		f.Cases = []string{"S01", "S02"}
	case errPer == nil:
		f.Severity = SeverityProblem
		f.Summary = "a data connection without TLS session resumption fails: " + replyText(errNone)
		f.Cases = []string{"S01"}
	default:
		f = p.dataFailure(f, errPer, errNone)
	}
	p.add(f)
	p.checkDataCert(perEv)
}

// dataFailure judges a LIST that failed even when resuming the session.
func (p *prober) dataFailure(f Finding, errPer, errNone error) Finding {
	f.Severity = SeverityProblem
	switch clientsim.PhaseOf(errPer) {
	case clientsim.PhaseDataConnect:
		f.Summary = "data connections cannot be opened: " + replyText(errPer)
		f.Why = "Logins work but every LIST, RETR and STOR fails."
		f.Fix = "Open and forward the passive port range. " + hint(p.rep.Server, issuePassivePorts)
		f.Cases = []string{"S12", "S14"}
	case clientsim.PhaseDataTLS:
		f.Summary = "the TLS handshake on data connections fails, even when resuming the control session: " + replyText(errPer)
		f.Why = "No FTPS client can list or transfer."
		f.Fix = "Read the server's TLS log for the data connection; check that data connections use the same certificate and that session tickets or a session cache are enabled."
		f.Cases = []string{"S01", "S06", "S23"}
	default:
		f.Summary = "LIST fails: " + replyText(errPer)
	}
	if errNone == nil {
		f.Summary += " (a full handshake without resumption works)"
	}
	return f
}

// refusedForReuse reports whether err is how servers refuse a data
// connection that did not resume the control session.
func refusedForReuse(err error) bool {
	switch clientsim.ReplyCode(err) {
	case ftp.CodeTLSNegotiation, ftp.CodeCantOpenData, ftp.CodeFileUnavailable, ftp.CodeTransferAborted:
		return true
	}
	return clientsim.PhaseOf(err) == clientsim.PhaseDataTLS
}

// checkDataCert reports a data connection that presented another
// certificate than the control connection.
func (p *prober) checkDataCert(ev *clientsim.TLSEvidence) {
	st, _ := p.main.ControlTLS()
	if ev == nil || ev.Err != nil || len(ev.PeerCertificates) == 0 || len(st.PeerCertificates) == 0 {
		return
	}
	if bytes.Equal(ev.PeerCertificates[0].Raw, st.PeerCertificates[0].Raw) {
		return
	}
	p.add(Finding{Check: CheckDataCert, Severity: SeverityWarning,
		Summary:  "data connections present a different certificate than the control connection",
		Evidence: "control: " + describeChain(st.PeerCertificates) + "\ndata: " + describeChain(ev.PeerCertificates),
		Why:      "Clients verify the data certificate too, often against the PASV address; a second endpoint also cannot resume the control session.",
		Fix:      "Serve one certificate on control and data connections.",
		Cases:    []string{"S25"}})
}

// checkTransfer uploads a small file under a unique name, downloads it,
// compares SHA-256 and deletes it.
func (p *prober) checkTransfer() {
	switch {
	case p.opts.ReadOnly:
		p.skip("read-only probe", CheckTransfer)
		return
	case p.noData:
		p.skip("data connections cannot be opened", CheckTransfer)
		return
	}
	name := probeFileName()
	data := make([]byte, probeFileSize)
	rand.Read(data)
	want := sha256.Sum256(data)
	ctx, cancel := p.step()
	_, err := p.main.Store(ctx, name, bytes.NewReader(data))
	cancel()
	f := Finding{Check: CheckTransfer}
	if err != nil {
		if writeRefused(err) {
			f.Severity = SeverityInfo
			f.Summary = "no write permission (" + replyText(err) + "): upload, download and delete not tested; the other checks ran read-only"
			p.add(f)
			return
		}
		f.Severity, f.Summary, f.Evidence = SeverityProblem, "upload of "+name+" failed: "+replyText(err), err.Error()
		f.Cases = []string{"S07", "S08", "S09"}
		p.add(f)
		p.deleteQuietly(name)
		return
	}
	var got bytes.Buffer
	ctx, cancel = p.step()
	_, err = p.main.Retrieve(ctx, name, &got)
	cancel()
	sum := sha256.Sum256(got.Bytes())
	f.Evidence = fmt.Sprintf("STOR %s → %s\nRETR %s → %s; %d bytes, sha256 %s (sent %d bytes, sha256 %s)",
		name, replyTo(p.mainTr, "STOR"), name, replyTo(p.mainTr, "RETR"), got.Len(), short(sum), len(data), short(want))
	switch {
	case err != nil:
		f.Severity, f.Summary = SeverityProblem, "download of the uploaded file failed: "+replyText(err)
		f.Evidence += "\n" + err.Error()
		f.Cases = []string{"S07", "S08"}
	case sum != want:
		f.Severity, f.Summary = SeverityProblem, fmt.Sprintf("the file came back different: %d bytes sent, %d received", len(data), got.Len())
		f.Why = "Truncated or altered transfers that report success corrupt data silently."
		f.Cases = []string{"S07", "S08"}
	default:
		f.Severity, f.Summary = SeverityOK, fmt.Sprintf("uploaded, downloaded and deleted %d bytes; SHA-256 matches", len(data))
	}
	ctx, cancel = p.step()
	defer cancel()
	if derr := p.main.Delete(ctx, name); derr != nil {
		f.Evidence += "\nDELE " + name + " → " + replyText(derr)
		if f.Severity == SeverityOK {
			f.Severity, f.Summary = SeverityWarning, "transfer works, but the test file "+name+" could not be deleted: remove it by hand"
		}
	}
	p.add(f)
}

func (p *prober) deleteQuietly(name string) {
	ctx, cancel := p.step()
	defer cancel()
	p.main.Delete(ctx, name)
}

// writeRefused reports whether an upload failed for lack of permission.
func writeRefused(err error) bool {
	if clientsim.PhaseOf(err) != clientsim.PhaseTransfer {
		return false
	}
	switch clientsim.ReplyCode(err) {
	case ftp.CodeFileNotFound, ftp.CodeBadFileName, ftp.CodeNeedAccountStore, ftp.CodeFileUnavailable,
		ftp.CodeInsufficientSpace, ftp.CodeExceededStorage:
		return true
	}
	return false
}

// checkClearData tries a listing under PROT C when the server accepted
// PROT C, on a connection of its own.
func (p *prober) checkClearData() {
	f := Finding{Check: CheckClearData}
	switch {
	case p.protC == nil:
		p.skip("PROT C was not sent", CheckClearData)
		return
	case p.noData && ftp.Class(p.protC.Code) == 2:
		p.skip("data connections cannot be opened", CheckClearData)
		return
	case ftp.Class(p.protC.Code) != 2:
		f.Severity, f.Summary, f.Evidence = SeverityOK, "clear data is refused: PROT C gets "+wire(*p.protC), "PROT C → "+wire(*p.protC)
		p.add(f)
		return
	}
	c, _, err := p.dial(p.mainAddr, p.mainImplicit, clientsim.WithProt('C'))
	if err == nil {
		ctx, cancel := p.step()
		if err = c.Login(ctx, p.t.User, p.t.Password); err == nil {
			_, err = c.List(ctx, "")
		}
		cancel()
		p.quit(c)
	}
	f.Evidence = "PROT C → " + wire(*p.protC) + "\nLIST under PROT C → " + outcome(err, nil)
	switch phase := clientsim.PhaseOf(err); {
	case err != nil && clientsim.ReplyCode(err) == 0 && (phase == clientsim.PhaseDataConnect || phase == clientsim.PhaseConnect),
		refusedAtConnect(err):
		f.Severity, f.Summary = SeverityInfo, "could not tell whether clear data is allowed: "+couldNotTell(err)
	case err != nil:
		f.Severity, f.Summary = SeverityOK, "PROT C is accepted, but clear transfers are refused ("+replyText(err)+")"
	default:
		f.Severity, f.Summary = SeverityInfo, "clear data is allowed: after PROT C a listing travels unencrypted"
		f.Why = "A client that asks for PROT C (or a misconfigured one) sends files in clear."
		f.Fix = "If data must be protected, refuse PROT C. " + hint(p.rep.Server, issueCleartext)
		f.Cases = []string{"S21"}
	}
	p.add(f)
}

// lastData returns the evidence of the last data handshake of c.
func lastData(c *clientsim.Conn) *clientsim.TLSEvidence {
	evs := c.Evidence()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Channel == "data" {
			return &evs[i]
		}
	}
	return nil
}

// outcome renders the result of one listing with its data handshake.
func outcome(err error, ev *clientsim.TLSEvidence) string {
	var tlsPart string
	if ev != nil && ev.Err == nil {
		tlsPart = fmt.Sprintf(" (data %s, resumed=%t)", tls.VersionName(ev.Version), ev.Resumed)
	}
	if err != nil {
		return "failed: " + replyText(err) + tlsPart
	}
	return "ok" + tlsPart
}

// probeFileName is a name no one else uses.
func probeFileName() string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("ftpsim-probe-%s-%s.bin", time.Now().UTC().Format("20060102T150405"), hex.EncodeToString(b[:]))
}

func short(sum [32]byte) string { return strings.ToLower(hex.EncodeToString(sum[:8])) + "…" }

// reuseLike names the setting behind a reuse requirement.
func reuseLike(server string) string {
	switch server {
	case ServerVsftpd:
		return "vsftpd require_ssl_reuse=YES"
	case ServerProFTPD:
		return "ProFTPD's default, unless TLSOptions NoSessionReuseRequired"
	case ServerFileZilla:
		return "always on in FileZilla Server 1.x"
	}
	return "like vsftpd require_ssl_reuse=YES, ProFTPD's default, FileZilla Server 1.x"
}
