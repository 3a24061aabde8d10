package scenarios

// Catalogue returns the built-in scenarios, in a stable order. Each call
// returns fresh copies, safe to modify.
func Catalogue() []Scenario {
	var all []Scenario
	for _, family := range [][]Scenario{basics(), reuse(), policy(), certs(), addressing(),
		natScenarios(), algScenarios(), middleboxScenarios(), toxicScenarios(), personaScenarios(), ticketScenarios(), protocolScenarios()} {
		all = append(all, family...)
	}
	return all
}

// Lookup returns the catalogue scenario with the given name.
func Lookup(name string) (Scenario, bool) {
	for _, s := range Catalogue() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

var ok = Outcome{Result: Success}

func fail(phase string, code int, class Class) Outcome {
	return Outcome{Result: Failure, Phase: phase, Code: code, Class: class}
}

func basics() []Scenario {
	return []Scenario{
		{
			Name: "explicit-tls", Summary: "explicit FTPS (AUTH TLS, PBSZ 0, PROT P): login, upload, download, list",
			Labels: []string{"tls", "explicit"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "a well-configured explicit FTPS server and client", Fix: "nothing to fix"},
		},
		{
			Name: "implicit-tls", Summary: "implicit FTPS: TLS from the first byte on its own port",
			Labels: []string{"tls", "implicit"}, Server: ServerSpec{Implicit: true}, Client: ClientSpec{TLS: "implicit"},
			Expect:    ok,
			Diagnosis: Diagnosis{Cause: "implicit FTPS (port 990 style) on both sides", Fix: "nothing to fix"},
		},
		{
			Name: "tls12-only", Summary: "a TLS 1.2-only client resumes sessions with tickets and transfers",
			Labels: []string{"tls", "reuse"}, Server: ServerSpec{Reuse: "same"}, Client: ClientSpec{TLSMax: "1.2"},
			Expect:    ok,
			Diagnosis: Diagnosis{Cause: "TLS 1.2 session tickets resume the control session on data connections", Fix: "nothing to fix"},
		},
		{
			Name: "plain-ftp", Summary: "plain FTP against a server where TLS is optional",
			Labels: []string{"plain"}, Client: ClientSpec{TLS: "plain"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "TLS is optional on the server, so cleartext FTP works", Fix: "require TLS on the server if credentials matter"},
		},
		{
			Name: "auth-ssl-fallback", Summary: "a curl-style client sends AUTH SSL first; the server accepts it",
			Labels: []string{"tls", "auth"}, Client: ClientSpec{Auth: "fallback"}, Expect: ok, Cases: []string{"S19"},
			Diagnosis: Diagnosis{Cause: "AUTH SSL is a legacy synonym of AUTH TLS that vsftpd, ProFTPD and this server accept", Fix: "nothing to fix"},
		},
		{
			Name: "ccc", Summary: "CCC clears the control channel after login; data stays protected",
			Labels: []string{"tls", "ccc"}, Client: ClientSpec{CCC: true}, Expect: ok, Cases: []string{"S15"},
			Diagnosis: Diagnosis{Cause: "RFC 4217 CCC with a bidirectional close_notify exchange", Fix: "nothing to fix"},
		},
		{
			Name: "active-port", Summary: "active mode with PORT: the server connects back to the client",
			Labels: []string{"active"}, Client: ClientSpec{Active: "port"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "active mode on one host, no NAT in between", Fix: "nothing to fix"},
		},
		{
			Name: "active-eprt", Summary: "active mode with EPRT",
			Labels: []string{"active"}, Client: ClientSpec{Active: "eprt"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "active mode on one host, no NAT in between", Fix: "nothing to fix"},
		},
		{
			Name: "resume-transfers", Summary: "an interrupted download and upload resume with REST",
			Labels: []string{"transfer"}, Server: ServerSpec{Files: []File{{Path: "/big.bin", Size: 1 << 20}}},
			Steps: []Step{{Op: "login"}, {Op: "resume-download", Path: "big.bin", Size: 300 << 10},
				{Op: "resume-upload", Path: "up.bin", Size: 1 << 20}, {Op: "download", Path: "up.bin"}, {Op: "quit"}},
			Expect:    ok,
			Diagnosis: Diagnosis{Cause: "REST STREAM resumes both directions", Fix: "nothing to fix"},
		},
		{
			Name: "ascii-line-endings", Summary: "TYPE A converts CRLF on the wire to the server's LF",
			Labels: []string{"transfer", "ascii"},
			Steps: []Step{{Op: "login"}, {Op: "type-ascii"}, {Op: "upload", Path: "notes.txt", Text: "one\r\ntwo\r\n"},
				{Op: "check-server-file", Path: "notes.txt", Text: "one\ntwo\n"}, {Op: "quit"}},
			Expect:    ok,
			Diagnosis: Diagnosis{Cause: "ASCII mode rewrites line endings; binary files sent in TYPE A get corrupted", Fix: "send TYPE I for anything that is not text"},
		},
	}
}
