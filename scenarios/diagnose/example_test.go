package diagnose_test

import (
	"fmt"
	"strings"

	"github.com/ftpsim/ftpsim/scenarios/diagnose"
)

// A Python ftplib debug log against vsftpd: the data connection's full
// TLS handshake is refused with 522.
func Example() {
	log := `*cmd* 'AUTH TLS'
*resp* '234 Proceed with negotiation.'
*cmd* 'USER ftpsuser'
*resp* '331 Please specify the password.'
*cmd* 'PASS ********'
*resp* '230 Login successful.'
*cmd* 'PBSZ 0'
*resp* '200 PBSZ set to 0.'
*cmd* 'PROT P'
*resp* '200 PROT now Private.'
*cmd* 'PASV'
*resp* '227 Entering Passive Mode (127,0,0,1,117,50).'
*cmd* 'LIST'
*resp* '150 Here comes the directory listing.'
*resp* '522 SSL connection failed: session reuse required'
ftplib.error_perm: 522 SSL connection failed: session reuse required`
	l, err := diagnose.ParseLog("ftplib.log", strings.NewReader(log))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep := diagnose.Diagnose(l)
	fmt.Println(l.Format, "|", rep.Incident.Server, "|", rep.Incident.Outcome)
	best := rep.Top(1)[0]
	fmt.Println(best.Name)
	fmt.Println(best.Scenario.Diagnosis.Fix[:60])
	// Output:
	// Python ftplib debug | vsftpd | failure at data-tls, code 522
	// vsftpd-reuse-required
	// make the client resume the control connection's TLS session
}
