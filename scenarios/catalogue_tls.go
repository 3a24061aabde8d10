package scenarios

import "github.com/ftpsim/ftpsim/sim/pki"

func reuse() []Scenario {
	return []Scenario{
		{
			Name: "reuse-required-client-no-reuse", Cases: []string{"S01"},
			Summary: "the server requires TLS session reuse on data; the client does a full handshake (Python ftplib)",
			Labels:  []string{"tls", "reuse"}, Server: ServerSpec{Reuse: "any"}, Client: ClientSpec{Reuse: "none"},
			Expect: fail("data-tls", 522, "reply"),
			Diagnosis: Diagnosis{
				Cause: "the data connection's TLS handshake did not resume the control connection's session; vsftpd (require_ssl_reuse=YES), ProFTPD and FileZilla Server refuse it, vsftpd with 150 then 522",
				Fix:   "make the client resume the control session on data connections (FileZilla, curl and lftp do; for Python ftplib wrap the data socket with session=self.sock.session); or, less safely, turn the server's requirement off (vsftpd require_ssl_reuse=NO, ProFTPD TLSOptions NoSessionReuseRequired)",
			},
		},
		{
			Name: "reuse-same-session-ok", Summary: "the client resumes its control session on every data connection",
			Labels: []string{"tls", "reuse"}, Server: ServerSpec{Reuse: "same"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "the client offers the control session's ticket on each data connection", Fix: "nothing to fix"},
		},
		{
			Name: "reuse-go-cache-keyed-by-address", Cases: []string{"S02"},
			Summary: "a Go client shares a tls.ClientSessionCache but sets no ServerName, so data connections miss the cache",
			Labels:  []string{"tls", "reuse", "go"}, Server: ServerSpec{Reuse: "same"}, Client: ClientSpec{Reuse: "shared"},
			Expect: fail("data-tls", 522, "reply"),
			Diagnosis: Diagnosis{
				Cause: "crypto/tls keys its client session cache by Config.ServerName, or by the remote address when that is empty: the control session is stored under ip:21 and the data connection looks under ip:<passive port>, so it does a full handshake",
				Fix:   "set tls.Config.ServerName (the same value for control and data connections) when sharing a ClientSessionCache",
			},
		},
		{
			Name: "reuse-go-cache-with-servername", Cases: []string{"S02"},
			Summary: "the same Go client with ServerName set resumes and transfers",
			Labels:  []string{"tls", "reuse", "go"}, Server: ServerSpec{Reuse: "same"},
			Client: ClientSpec{Reuse: "shared", ServerName: "localhost"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "with ServerName set, control and data connections share one cache key", Fix: "nothing to fix"},
		},
		{
			Name: "reuse-off-full-handshake", Summary: "a server that does not require reuse (pure-ftpd, pyftpdlib) accepts full handshakes",
			Labels: []string{"tls", "reuse"}, Server: ServerSpec{Reuse: "off"}, Client: ClientSpec{Reuse: "none"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "no reuse requirement, so a full handshake on data is accepted", Fix: "consider requiring reuse: it blocks data-connection stealing"},
		},
	}
}

func policy() []Scenario {
	return []Scenario{
		{
			Name: "tls-required-plain-client", Cases: []string{"S21"},
			Summary: "the server requires TLS on the control channel; the client logs in without AUTH TLS",
			Labels:  []string{"tls", "policy"}, Server: ServerSpec{TLS: "required"}, Client: ClientSpec{TLS: "plain"},
			Expect: fail("login", 530, "reply"),
			Diagnosis: Diagnosis{
				Cause: "the client sent USER in cleartext; the server refuses logins before AUTH TLS (vsftpd: 530 Non-anonymous sessions must use encryption; ProFTPD/pyftpdlib: 550 SSL/TLS required on the control channel)",
				Fix:   "configure the client for explicit FTPS (curl --ssl-reqd, lftp set ftp:ssl-force yes, FileZilla 'Require explicit FTP over TLS')",
			},
		},
		{
			Name: "data-tls-required-prot-c", Cases: []string{"S21", "S23"},
			Summary: "the server requires PROT P; the client asks for a cleartext data channel (PROT C)",
			Labels:  []string{"tls", "policy", "prot"}, Server: ServerSpec{DataTLS: "required"}, Client: ClientSpec{Prot: "C"},
			Expect: fail("data-tls", 521, "reply"),
			Diagnosis: Diagnosis{
				Cause: "the data channel must be protected but the client chose PROT C (pure-ftpd -Y 3: 521; vsftpd: 522 Data connections must be encrypted)",
				Fix:   "send PBSZ 0 and PROT P after login (curl does with --ssl-reqd; lftp set ftp:ssl-protect-data yes)",
			},
		},
		{
			Name: "tls-not-offered", Cases: []string{"S19", "S20"},
			Summary: "the server has no TLS; a client that requires TLS stops before sending credentials",
			Labels:  []string{"tls", "auth"}, Server: ServerSpec{TLS: "off", DataTLS: "off"},
			Expect: fail("tls", 502, "tls-required"),
			Diagnosis: Diagnosis{
				Cause: "AUTH TLS was refused (502), so the control channel cannot be protected; the client correctly refuses to send USER/PASS in clear",
				Fix:   "enable TLS on the server (vsftpd ssl_enable=YES, pure-ftpd --tls=2); if a middlebox answers AUTH itself, bypass it or disable its FTP inspection",
			},
		},
		{
			Name: "wrong-password", Summary: "the password is wrong",
			Labels: []string{"login"}, Client: ClientSpec{Password: "not-the-password"},
			Expect:    fail("login", 530, "reply"),
			Diagnosis: Diagnosis{Cause: "the server rejected the credentials", Fix: "check the user name and password; servers do not say which one is wrong"},
		},
		{
			Name: "read-only-user-upload", Summary: "a read-only account tries to upload",
			Labels: []string{"login", "permissions"}, Server: ServerSpec{Users: []string{"reader:secret:ro"}},
			Client:    ClientSpec{User: "reader", Password: "secret"},
			Steps:     []Step{{Op: "login"}, {Op: "upload", Path: "x.bin", Size: 10}},
			Expect:    fail("", 550, "reply"),
			Diagnosis: Diagnosis{Cause: "the account may read but not write (vsftpd write_enable=NO, a read-only virtual user)", Fix: "grant write permission to the account, or upload with another one"},
		},
		{
			Name: "client-address-denied", Summary: "the server refuses the client's address (IP deny list)",
			Labels: []string{"policy", "ip"}, Server: ServerSpec{DenyIPs: []string{"127.0.0.0/8", "::1/128"}},
			Expect:    fail("connect", 421, "reply"),
			Diagnosis: Diagnosis{Cause: "the client's address is on the server's deny list (or not on its allow list)", Fix: "add the client's public address to the server's allow list"},
		},
		{
			Name: "anonymous-read", Summary: "anonymous login can download but not upload",
			Labels: []string{"login", "anonymous"}, Server: ServerSpec{Anonymous: true, Files: []File{{Path: "/pub/readme.txt", Text: "hello\n"}}},
			Client: ClientSpec{User: "anonymous", Password: "guest@example.com"},
			Steps:  []Step{{Op: "login"}, {Op: "download", Path: "/pub/readme.txt"}, {Op: "quit"}},
			Expect: ok, Diagnosis: Diagnosis{Cause: "anonymous users are read-only", Fix: "nothing to fix"},
		},
	}
}

// certScenario builds a scenario where the server presents one certificate
// of the standard set.
func certScenario(kind pki.Kind, class Class, cause, fix string, cases ...string) Scenario {
	s := Scenario{
		Name:    "cert-" + kind.String(),
		Summary: "the server presents a certificate that is " + kind.Description(),
		Labels:  []string{"tls", "cert"}, Cases: cases,
		Server:    ServerSpec{Certificate: kind.String()},
		Client:    ClientSpec{ServerName: kind.ServerName()},
		Expect:    fail("tls", 0, class),
		Diagnosis: Diagnosis{Cause: cause, Fix: fix},
	}
	if class == "" {
		s.Expect = ok
	}
	return s
}

func certs() []Scenario {
	list := []Scenario{
		certScenario(pki.GoodChain, "", "the chain includes the intermediate, so clients that trust the root verify it", "nothing to fix"),
		certScenario(pki.SelfSigned, "unknown-authority", "the certificate signs itself; no client trusts it (Go: x509: certificate signed by unknown authority; openssl: self-signed certificate)", "use a certificate from a CA the clients trust, or give clients the certificate to pin (curl --cacert)", "S24"),
		certScenario(pki.Expired, "expired", "the certificate's NotAfter has passed", "renew the certificate; monitor expiry", "S26"),
		certScenario(pki.NotYetValid, "not-yet-valid", "the certificate's NotBefore is in the future (often a wrong clock)", "check the server's and client's clocks; reissue with a correct start date", "S26"),
		certScenario(pki.WrongHost, "hostname", "the certificate is for another name than the one the client connects to", "issue the certificate for the host name clients use, or connect by that name", "S25"),
		certScenario(pki.IPMissing, "ip-san-missing", "the client connects by IP address but the certificate has no IP SAN (Go: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs)", "connect by DNS name, or add the IP address to the certificate's SANs", "S25"),
		certScenario(pki.UnknownCA, "unknown-authority", "the certificate is signed by a CA the client does not trust (a private CA)", "install the private CA in the client's trust store (curl --cacert, lftp ssl:ca-file)", "S24"),
		certScenario(pki.MissingIntermediate, "unknown-authority", "the server sends its certificate without the intermediate that links it to the root (openssl: unable to get local issuer certificate)", "configure the server with the full chain file (leaf then intermediates)", "S24"),
		certScenario(pki.WrongEKU, "incompatible-usage", "the certificate is for client authentication only, not for a server", "issue a certificate with the serverAuth extended key usage", "S24"),
	}
	list = append(list,
		Scenario{
			Name: "cert-self-signed-insecure", Summary: "a client that skips verification accepts a self-signed certificate",
			Labels: []string{"tls", "cert"}, Server: ServerSpec{Certificate: "self-signed"}, Client: ClientSpec{Verify: "insecure"},
			Expect:    ok,
			Diagnosis: Diagnosis{Cause: "verification is off, so any certificate is accepted: the connection is encrypted but not authenticated", Fix: "do not ship insecure mode; trust the server's CA instead"},
		},
		Scenario{
			Name: "cert-different-on-data", Cases: []string{"S25"},
			Summary: "the data connection presents a different certificate than the control connection",
			Labels:  []string{"tls", "cert"}, Server: ServerSpec{DataCertificate: "unknown-ca"},
			Expect: fail("data-tls", 0, "unknown-authority"),
			Diagnosis: Diagnosis{
				Cause: "a load balancer or second server answers the data connection with another certificate, which the client does not trust",
				Fix:   "serve the same certificate on control and data connections (route the passive range to the same server)",
			},
		},
	)
	return list
}

func addressing() []Scenario {
	return []Scenario{
		{
			Name: "nat-pasv-address-trusted", Cases: []string{"S10"},
			Summary: "the server advertises an address nobody listens on (NAT misconfiguration); the client trusts the 227 address and uses PASV",
			Labels:  []string{"nat", "pasv"}, Server: ServerSpec{PassiveAddr: "127.0.0.2"},
			Client: ClientSpec{Passive: "pasv", PASV: "trust"},
			Expect: fail("data-connect", 0, "refused"),
			Diagnosis: Diagnosis{
				Cause: "the 227 reply carries an address the client cannot reach (the server's private address behind NAT, or a stale masquerade address)",
				Fix:   "set the server's public address for passive replies (vsftpd pasv_address, ProFTPD MasqueradeAddress, pure-ftpd -P); on the client use EPSV or ignore the 227 address (curl does by default)",
			},
		},
		{
			Name: "nat-pasv-address-skipped", Cases: []string{"S10"},
			Summary: "the same server with a curl-style client that ignores the 227 address",
			Labels:  []string{"nat", "pasv"}, Server: ServerSpec{PassiveAddr: "127.0.0.2"},
			Client: ClientSpec{Passive: "pasv", PASV: "skip"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "the client dials the control connection's address with the 227 port", Fix: "fix the server's passive address anyway: other clients trust it"},
		},
		{
			Name: "nat-pasv-address-epsv", Cases: []string{"S10", "S17"},
			Summary: "the same server with a client that uses EPSV, whose reply has no address",
			Labels:  []string{"nat", "epsv"}, Server: ServerSpec{PassiveAddr: "127.0.0.2"},
			Client: ClientSpec{PASV: "trust"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "EPSV (RFC 2428) replies carry only a port, so a wrong advertised address does not matter", Fix: "prefer EPSV; fix the server's passive address for PASV clients"},
		},
	}
}
