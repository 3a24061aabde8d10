package suites

import (
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/ftpsim/ftpsim/clientsim"
	"github.com/ftpsim/ftpsim/scenarios"
	"github.com/ftpsim/ftpsim/sim"
)

// HaveResumedTLS succeeds when TLS sessions were resumed, as FTPS servers
// that require session reuse on data connections (vsftpd
// require_ssl_reuse, ProFTPD, FileZilla Server) demand. The actual value
// may be
//   - one handshake: a [clientsim.TLSEvidence] (no error, Resumed), a
//     [sim.TLSEvidence] (Resumed) or a [sim.DataEvidence] (Protected and
//     TLS.Resumed);
//   - the evidence of a session: []clientsim.TLSEvidence, a
//     [*clientsim.Conn] (its Evidence) or a [*scenarios.Result] (its
//     ClientTLS): there is at least one data-connection handshake and
//     every one resumed (the control connection's own handshake is full by
//     nature and is not counted);
//   - []sim.DataEvidence (a sim.Session's Data, or Result.ServerData): at
//     least one data connection and every one protected and resumed.
//
// Example:
//
//	Expect(conn.Evidence()).To(suites.HaveResumedTLS())
//	Expect(srv.Sessions()[0].Data()).To(suites.HaveResumedTLS())
//
// fails with
//
//	Expected
//	    control 127.0.0.1:2121: TLS 1.3 full handshake
//	    data 127.0.0.1:30001: TLS 1.3 full handshake
//	to have resumed the TLS session on every data connection
func HaveResumedTLS() types.GomegaMatcher {
	return makeMatcher("have resumed the TLS session on every data connection", describeTLS,
		func(actual any) (bool, error) {
			switch v := actual.(type) {
			case clientsim.TLSEvidence:
				return v.Err == nil && v.Resumed, nil
			case *clientsim.TLSEvidence:
				return v != nil && v.Err == nil && v.Resumed, nil
			case sim.TLSEvidence:
				return v.Resumed, nil
			case sim.DataEvidence:
				return v.Protected && v.TLS.Resumed, nil
			case []sim.DataEvidence:
				return allData(v, func(d sim.DataEvidence) bool { return d.Protected && d.TLS.Resumed }), nil
			}
			ev, ok := clientEvidence(actual)
			if !ok {
				return false, wrongType("HaveResumedTLS",
					"TLS evidence (clientsim.TLSEvidence, sim.TLSEvidence, sim.DataEvidence, slices of them), a *clientsim.Conn or a *scenarios.Result",
					actual)
			}
			n := 0
			for _, e := range ev {
				if e.Channel != "data" {
					continue
				}
				n++
				if e.Err != nil || !e.Resumed {
					return false, nil
				}
			}
			return n > 0, nil
		})
}

// HaveProtectedData succeeds when every data connection was protected by
// TLS (PROT P): nothing the session transferred crossed the network in
// clear. The actual value may be
//   - [sim.DataEvidence] or []sim.DataEvidence (the server's view; at
//     least one data connection);
//   - a [*scenarios.Result]: its ServerData when it has some (in-process
//     runs), otherwise its client transcript, as for a transcript;
//   - a transcript (string, [*ftp.Transcript], [*clientsim.Conn]): no
//     transfer completed (226/250) while the data channel was unprotected
//     (before PROT P, or after PROT C).
//
// Example:
//
//	Expect(res).To(suites.HaveProtectedData())
//
// fails with
//
//	Expected
//	    cleartext transfers: STOR upload.bin, RETR upload.bin
//	to have protected every data connection with TLS (PROT P)
func HaveProtectedData() types.GomegaMatcher {
	return makeMatcher("have protected every data connection with TLS (PROT P)", describeProtection,
		func(actual any) (bool, error) {
			if res, ok := actual.(*scenarios.Result); ok && res != nil {
				return res.DataProtected(), nil
			}
			if data, ok := serverData(actual); ok {
				return allData(data, func(d sim.DataEvidence) bool { return d.Protected }), nil
			}
			entries, ok := transcriptOf(actual)
			if !ok {
				return false, wrongType("HaveProtectedData",
					"sim.DataEvidence, []sim.DataEvidence, a *scenarios.Result or a transcript", actual)
			}
			return len(entries.CleartextTransfers()) == 0, nil
		})
}

// serverData returns the server's data evidence held by actual, if any.
func serverData(actual any) ([]sim.DataEvidence, bool) {
	switch v := actual.(type) {
	case sim.DataEvidence:
		return []sim.DataEvidence{v}, true
	case []sim.DataEvidence:
		return v, true
	case *scenarios.Result:
		if v != nil && len(v.ServerData) > 0 {
			return v.ServerData, true
		}
	}
	return nil, false
}

func allData(data []sim.DataEvidence, ok func(sim.DataEvidence) bool) bool {
	for _, d := range data {
		if !ok(d) {
			return false
		}
	}
	return len(data) > 0
}

// clientEvidence returns the client TLS evidence held by actual.
func clientEvidence(actual any) ([]clientsim.TLSEvidence, bool) {
	switch v := actual.(type) {
	case []clientsim.TLSEvidence:
		return v, true
	case *clientsim.Conn:
		if v != nil {
			return v.Evidence(), true
		}
	case *scenarios.Result:
		if v != nil {
			return v.ClientTLS, true
		}
	}
	return nil, false
}

func describeTLS(actual any) string {
	var lines []string
	switch v := actual.(type) {
	case clientsim.TLSEvidence:
		lines = append(lines, clientLine(v))
	case *clientsim.TLSEvidence:
		if v != nil {
			lines = append(lines, clientLine(*v))
		}
	case sim.TLSEvidence:
		lines = append(lines, "server handshake: "+v.String())
	case sim.DataEvidence:
		lines = append(lines, dataLine(v))
	case []sim.DataEvidence:
		for _, d := range v {
			lines = append(lines, dataLine(d))
		}
	default:
		ev, _ := clientEvidence(actual)
		for _, e := range ev {
			lines = append(lines, clientLine(e))
		}
	}
	if len(lines) == 0 {
		return "no TLS handshakes at all"
	}
	return strings.Join(lines, "\n")
}

func clientLine(e clientsim.TLSEvidence) string {
	s := e.Channel + " " + e.Addr + ": "
	switch {
	case e.Err != nil:
		return s + "handshake failed: " + e.Err.Error()
	case e.Resumed:
		return s + tls.VersionName(e.Version) + " resumed"
	}
	return s + tls.VersionName(e.Version) + " full handshake"
}

func dataLine(d sim.DataEvidence) string {
	s := fmt.Sprintf("data %d (%s) from %s: ", d.N, d.Command, d.Peer)
	if !d.Protected {
		return s + "cleartext (PROT C)"
	}
	return s + d.TLS.String()
}

func describeProtection(actual any) string {
	if data, ok := serverData(actual); ok {
		if len(data) == 0 {
			return "no data connections"
		}
		return describeTLS(data)
	}
	entries, _ := transcriptOf(actual)
	if clear := entries.CleartextTransfers(); len(clear) > 0 {
		return "cleartext transfers: " + strings.Join(clear, ", ")
	}
	return "a transcript whose transfers were all protected"
}
