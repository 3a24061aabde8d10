package scenarios

import (
	"time"

	"github.com/ftpsim/ftpsim/faults"
)

var reuseFix = "make the client resume the control connection's TLS session on data connections (FileZilla, curl and lftp do; for Python ftplib pass session=self.sock.session when wrapping the data socket)"

func personaScenarios() []Scenario {
	noReuse := ClientSpec{Reuse: "none"}
	// A WAN between client and server: upload bytes are in flight when
	// the client closes.
	wan := &NetworkSpec{Toxics: []faults.ToxicRule{{Toxic: faults.Latency{Latency: 20 * time.Millisecond}, Stream: faults.Upstream, Channel: faults.Data}}}
	upload := []Step{{Op: "login"}, {Op: "upload", Path: "big.bin", Size: 1 << 20}, {Op: "download", Path: "big.bin"}, {Op: "quit"}} // the download proves what was stored
	uploadResetCause := "vsftpd (OpenSSL) sends its TLS 1.3 session ticket on the resumed data connection after the handshake; a client that uploads and closes without reading the connection (curl, jlaffaye/ftp) leaves the ticket unread, so its kernel answers the close with a reset instead of a FIN and discards the upload bytes still in flight: 426 Failure reading network stream., vsftpd logs FAIL UPLOAD with a partial byte count. On loopback the race is lost about 0-40% of the time; across a WAN, almost always"
	uploadResetFix := "client: after an upload, read the data connection until the server's close_notify before closing (Python ftplib's storbinary does, through unwrap; curl and jlaffaye/ftp do not), or cap TLS at 1.2 for FTP (curl --tls-max 1.2); server: vsftpd 3.0.3 has no setting that stops the ticket; ProFTPD 1.3.8 and pure-ftpd 1.0.50 take the same upload whole, while pyftpdlib 1.5.7 may store it short and still answer 226 (measured, suites/fidelity TestUploadResetAcrossWAN and TestGoClientFidelity); verify uploads by size or checksum meanwhile"
	return []Scenario{
		{
			Name: "vsftpd-tls13-upload-reset", Cases: []string{"S07"}, Labels: []string{"tls", "transfer", "persona", "truncation"},
			Summary: "a curl-style client uploads 1 MiB over TLS 1.3 to vsftpd across a 20 ms path and closes without reading the data connection: 426",
			Server:  ServerSpec{Persona: "vsftpd"}, Client: ClientSpec{NoDrain: true}, Network: wan, Steps: upload,
			Expect:    fail("transfer", 426, "reply"),
			Diagnosis: Diagnosis{Cause: uploadResetCause, Fix: uploadResetFix},
		},
		{
			Name: "vsftpd-tls13-upload-drained", Cases: []string{"S07"}, Labels: []string{"tls", "transfer", "persona"},
			Summary: "the same upload from a client that reads the data connection until the server's close_notify: stored whole",
			Server:  ServerSpec{Persona: "vsftpd"}, Network: wan, Steps: upload, Expect: ok,
			Diagnosis: Diagnosis{Cause: "the client reads the ticket before it closes, so its close is a FIN and every byte arrives", Fix: "nothing to fix"},
		},
		{
			Name: "vsftpd-tls12-upload-no-drain", Cases: []string{"S07"}, Labels: []string{"tls", "transfer", "persona"},
			Summary: "the curl-style upload capped at TLS 1.2: the ticket comes inside the handshake, nothing is left unread",
			Server:  ServerSpec{Persona: "vsftpd"}, Client: ClientSpec{NoDrain: true, TLSMax: "1.2"}, Network: wan, Steps: upload, Expect: ok,
			Diagnosis: Diagnosis{Cause: "in TLS 1.2 the server's NewSessionTicket precedes its Finished, so the client reads it during the handshake", Fix: "nothing to fix; this is the TLS 1.2 workaround for the 426 of vsftpd-tls13-upload-reset"},
		},
		{
			Name: "vsftpd-reuse-required", Cases: []string{"S01"}, Labels: []string{"tls", "reuse", "persona"},
			Summary: "vsftpd (require_ssl_reuse=YES) refuses a data connection that does a full TLS handshake",
			Server:  ServerSpec{Persona: "vsftpd"}, Client: noReuse, Expect: fail("data-tls", 522, "reply"),
			Diagnosis: Diagnosis{Cause: "vsftpd answers 150, then 522 SSL connection failed: session reuse required", Fix: reuseFix + "; or set require_ssl_reuse=NO (weaker)"},
		},
		{
			Name: "vsftpd-tls12-session-id", Cases: []string{"S01"}, Labels: []string{"tls", "reuse", "persona", "limitation"},
			Summary: "a TLS 1.2 client that resumes by session ID (curl with OpenSSL) against vsftpd: crypto/tls cannot decide it",
			Server:  ServerSpec{Persona: "vsftpd"}, Client: ClientSpec{TLSMax: "1.2", NoTickets: true},
			Expect: fail("data-tls", 522, ClassNotReproducible),
			Diagnosis: Diagnosis{
				Cause: "the client offers no session ticket, so it can only resume by session ID; the real vsftpd (OpenSSL) issues session IDs and accepts such a resumption, Go's crypto/tls issues none, so the simulator's 522 is not vsftpd's verdict and is marked not reproducible",
				Fix:   "get the real verdict from the real vsftpd: go test ./suites/docker -ginkgo.label-filter=not-reproducible (docker.RunVsftpd in your own test); with real curl against real vsftpd this case succeeds",
			},
		},
		{
			Name: "proftpd-reuse-required", Cases: []string{"S01"}, Labels: []string{"tls", "reuse", "persona"},
			Summary: "ProFTPD mod_tls refuses a data connection that does not resume the control session",
			Server:  ServerSpec{Persona: "proftpd"}, Client: noReuse, Expect: fail("data-tls", 425, "reply"),
			Diagnosis: Diagnosis{Cause: "ProFTPD answers 425 Unable to build data connection: Operation not permitted (log: client did not reuse SSL session)", Fix: reuseFix + "; or TLSOptions NoSessionReuseRequired (weaker)"},
		},
		{
			Name: "proftpd-tls13-download-after-upload", Cases: []string{"S01"}, Labels: []string{"tls", "reuse", "persona", "transfer"},
			Summary: "a curl-style client (OpenSSL session cache) uploads, then downloads on the same control connection over TLS 1.3: ProFTPD refuses the download's data connection",
			Server:  ServerSpec{Persona: "proftpd"}, Client: ClientSpec{Reuse: "openssl", NoDrain: true},
			Steps:  []Step{{Op: "login"}, {Op: "upload", Path: "a.bin", Size: 64 << 10}, {Op: "download", Path: "a.bin"}, {Op: "quit"}},
			Expect: fail("data-tls", 425, "reply"),
			Diagnosis: Diagnosis{
				Cause: "ProFTPD 1.3.8 sends a data connection's TLS 1.3 session ticket with its first write, so an upload's data connection brings the client no new ticket; curl (OpenSSL) offers each TLS 1.3 session once and spent the one it had on the upload, so the next data connection is a full handshake and mod_tls rejects it (tls.log: client did not reuse TLS session, rejecting data connection); real curl 7.88 reports (18) transfer closed with N bytes remaining to read, or (55) for a second upload (measured: upload then download fails every time, downloads and listings alone never)",
				Fix:   "client: resume the control connection's own session on every data connection (lftp, jlaffaye/ftp with a ClientSessionCache, and Python ftplib's session=self.sock.session subclass do, and pass), or run each transfer after an upload on a new control connection (one curl invocation per transfer), or cap TLS at 1.2 (curl --tls-max 1.2 resumes by session ID); server: TLSOptions NoSessionReuseRequired (weaker)",
			},
		},
		{
			Name: "proftpd-tls13-download-after-upload-control-session", Cases: []string{"S01"}, Labels: []string{"tls", "reuse", "persona", "transfer"},
			Summary:   "the same upload and download from a client that offers the control connection's session every time (lftp, jlaffaye/ftp): both succeed",
			Server:    ServerSpec{Persona: "proftpd"},
			Steps:     []Step{{Op: "login"}, {Op: "upload", Path: "a.bin", Size: 64 << 10}, {Op: "download", Path: "a.bin"}, {Op: "quit"}},
			Expect:    ok,
			Diagnosis: Diagnosis{Cause: "the control connection's TLS 1.3 ticket resumes any number of data connections at ProFTPD, so the missing ticket of the upload does not matter", Fix: "nothing to fix; this is the client-side fix of proftpd-tls13-download-after-upload"},
		},
		{
			Name: "filezilla-server-reuse-required", Cases: []string{"S01"}, Labels: []string{"tls", "reuse", "persona"},
			Summary: "FileZilla Server 1.x always requires the data connection to resume the control session",
			Server:  ServerSpec{Persona: "filezilla-server"}, Client: noReuse, Expect: fail("data-tls", 425, "reply"),
			Diagnosis: Diagnosis{Cause: "FileZilla Server answers 425 Unable to build data connection: TLS session of data connection not resumed.", Fix: reuseFix},
		},
		{
			Name: "pure-ftpd-no-reuse-needed", Cases: []string{"S01"}, Labels: []string{"tls", "reuse", "persona"},
			Summary: "pure-ftpd does not require session reuse: a client without it works",
			Server:  ServerSpec{Persona: "pure-ftpd"}, Client: noReuse, Expect: ok,
			Diagnosis: Diagnosis{Cause: "pure-ftpd accepts full handshakes on data connections", Fix: "nothing to fix (and nothing protects the data connection from stealing but the source-address check)"},
		},
		{
			Name: "pure-ftpd-auth-ssl-refused", Cases: []string{"S19"}, Labels: []string{"tls", "auth", "persona"},
			Summary: "pure-ftpd answers AUTH SSL with 500; a client that only tries AUTH SSL gives up",
			Server:  ServerSpec{Persona: "pure-ftpd"}, Client: ClientSpec{Auth: "SSL"}, Expect: fail("tls", 500, "tls-required"),
			Diagnosis: Diagnosis{Cause: "pure-ftpd implements only AUTH TLS: 500 This security scheme is not implemented", Fix: "send AUTH TLS (curl falls back to it by itself)"},
		},
		{
			Name: "pure-ftpd-auth-fallback", Cases: []string{"S19"}, Labels: []string{"tls", "auth", "persona"},
			Summary: "a curl-style client falls back from AUTH SSL to AUTH TLS against pure-ftpd",
			Server:  ServerSpec{Persona: "pure-ftpd"}, Client: ClientSpec{Auth: "fallback"}, Expect: ok,
			Diagnosis: Diagnosis{Cause: "AUTH SSL is refused, AUTH TLS accepted", Fix: "nothing to fix"},
		},
		{
			Name: "pure-ftpd-ccc-lftp-race", Cases: []string{"S15"}, Labels: []string{"tls", "ccc", "persona", "lftp"},
			Summary: "lftp with ftp:ssl-use-ccc against pure-ftpd: pure-ftpd's close_notify after its 200 to CCC arrives before lftp's own and lftp takes it for a hang-up (Peer closed connection); the real server loses this race only part of the time, depending on timing, and the scenario makes the losing order deterministic",
			Server:  ServerSpec{Persona: "pure-ftpd", CCCCloseNotify: "with-reply"},
			Client:  ClientSpec{CCC: true, CCCShutdown: "lftp", Passive: "pasv"},
			Expect:  fail("tls", 0, ClassOther),
			Diagnosis: Diagnosis{
				Cause: "after its 200 to CCC pure-ftpd 1.0.50 sends its TLS close_notify at once (10-15 us after the 200, on the wire) without waiting for the client's; lftp 4.9.2 sends its own only after it has read the 200, and a close_notify that is already there it takes for the server hanging up: '---> CCC', '<--- 200 Control connection unencrypted', '**** Peer closed connection', then it reconnects, fails again and ends with max-retries exceeded (exit 1). The real pair fails only part of the time (measured 6 to 9 runs of 10 on an idle machine, none with pure-ftpd slowed under strace): who sends first depends on timing and load. This scenario sends pure-ftpd's close_notify in the same write as the 200 (sim.CCCNotifyWithReply), so lftp's losing order happens every time",
				Fix:   "client: turn CCC off (lftp: set ftp:ssl-use-ccc no); if CCC was there so that a firewall's FTP helper can read the 227 replies, keep the control channel encrypted and open the firewall's passive port range instead (and set the server's passive address and ports); pure-ftpd has no setting that makes it wait for the client's close_notify",
			},
		},
		{
			Name: "pure-ftpd-ccc-lftp-race-won", Cases: []string{"S15"}, Labels: []string{"tls", "ccc", "persona", "lftp"},
			Summary: "the same lftp-style CCC against a pure-ftpd that sends its close_notify only after the client's: lftp wins the race every time and goes on in cleartext",
			Server:  ServerSpec{Persona: "pure-ftpd", CCCCloseNotify: "after-client"},
			Client:  ClientSpec{CCC: true, CCCShutdown: "lftp", Passive: "pasv"},
			Expect:  ok,
			Diagnosis: Diagnosis{
				Cause: "with the server's close_notify after the client's (sim.CCCNotifyAfterClient), lftp never sees it before its own, so the close_notify exchange completes and the control channel continues in cleartext; this is the winning order of pure-ftpd-ccc-lftp-race, which the real pure-ftpd gets only when it happens to be slower than lftp",
				Fix:   "nothing to fix in this order; against the real pure-ftpd do not rely on it: see pure-ftpd-ccc-lftp-race",
			},
		},
		{
			Name: "vsftpd-plain-login-refused", Cases: []string{"S21"}, Labels: []string{"tls", "policy", "persona"},
			Summary: "vsftpd with force_local_logins_ssl refuses a cleartext login",
			Server:  ServerSpec{Persona: "vsftpd"}, Client: ClientSpec{TLS: "plain"}, Expect: fail("login", 530, "reply"),
			Diagnosis: Diagnosis{Cause: "530 Non-anonymous sessions must use encryption.", Fix: "use explicit FTPS (AUTH TLS) on the client"},
		},
		{
			Name: "proftpd-plain-login-refused", Cases: []string{"S21"}, Labels: []string{"tls", "policy", "persona"},
			Summary: "ProFTPD with TLSRequired on refuses a cleartext login",
			Server:  ServerSpec{Persona: "proftpd"}, Client: ClientSpec{TLS: "plain"}, Expect: fail("login", 550, "reply"),
			Diagnosis: Diagnosis{Cause: "550 SSL/TLS required on the control channel", Fix: "use explicit FTPS (AUTH TLS) on the client"},
		},
	}
}

func ticketScenarios() []Scenario {
	twoTransfers := []Step{{Op: "login"}, {Op: "upload", Path: "a.bin", Size: 1000}, {Op: "download", Path: "a.bin"}, {Op: "quit"}}
	return []Scenario{
		{
			Name: "tickets-single-use", Cases: []string{"S04"}, Labels: []string{"tls", "reuse", "tickets"},
			Summary: "the server accepts each TLS ticket once; a client that keeps offering the control ticket fails on its second transfer",
			Server:  ServerSpec{Reuse: "same", Tickets: &TicketSpec{SingleUse: true}}, Steps: twoTransfers,
			Expect: fail("data-tls", 522, "reply"),
			Diagnosis: Diagnosis{
				Cause: "TLS 1.3 tickets are single-use on OpenSSL servers; the client resumed once with the control session's ticket and had no fresh one for the next data connection",
				Fix:   "store the tickets received on data connections too (or ask the server for a new one before each transfer, as FileZilla Server and ProFTPD 1.3.8b do)",
			},
		},
		{
			Name: "tickets-single-use-fresh-tickets", Cases: []string{"S04"}, Labels: []string{"tls", "reuse", "tickets", "go"},
			Summary: "the same server with a client whose shared cache stores each new ticket: every transfer resumes",
			Server:  ServerSpec{Reuse: "same", Tickets: &TicketSpec{SingleUse: true}}, Client: ClientSpec{Reuse: "shared", ServerName: "localhost"},
			Steps: twoTransfers, Expect: ok,
			Diagnosis: Diagnosis{Cause: "each data connection's new ticket replaces the used one", Fix: "nothing to fix"},
		},
		{
			Name: "tickets-expire-mid-session", Cases: []string{"S05"}, Labels: []string{"tls", "reuse", "tickets"},
			Summary: "the control session's ticket expires during a long session; the next transfer cannot resume",
			Server:  ServerSpec{Reuse: "same", Tickets: &TicketSpec{MaxAge: "1h"}},
			Steps: []Step{{Op: "login"}, {Op: "upload", Path: "a.bin", Size: 1000}, {Op: "advance-clock", Duration: "2h"},
				{Op: "download", Path: "a.bin"}},
			Expect: fail("data-tls", 522, "reply"),
			Diagnosis: Diagnosis{
				Cause: "the ticket issued at login is older than the server's ticket lifetime, so the data connection does a full handshake and is refused (FileZilla: TLS session resumption on data connection failed)",
				Fix:   "reconnect when resumption fails; servers can issue a fresh ticket before each transfer (ProFTPD #1932)",
			},
		},
		{
			Name: "tickets-withheld", Cases: []string{"S06"}, Labels: []string{"tls", "reuse", "tickets"},
			Summary: "the control connection never delivers a session ticket, so no data connection can resume",
			Server:  ServerSpec{Reuse: "any", Tickets: &TicketSpec{Withhold: true}},
			Expect:  fail("data-tls", 522, "reply"),
			Diagnosis: Diagnosis{
				Cause: "without a ticket from the control connection the client can only do a full handshake on data connections (TLS 1.3 tickets arrive after the handshake and must be read before the first transfer)",
				Fix:   "read the control connection after the handshake before opening data connections; make sure the server sends tickets",
			},
		},
		{
			Name: "zero-byte-upload", Cases: []string{"S09"}, Labels: []string{"tls", "transfer"},
			Summary:   "an empty upload still completes the TLS handshake on the data connection",
			Server:    ServerSpec{Reuse: "same"},
			Steps:     []Step{{Op: "login"}, {Op: "upload", Path: "empty.bin"}, {Op: "download", Path: "empty.bin"}, {Op: "quit"}},
			Expect:    ok,
			Diagnosis: Diagnosis{Cause: "the client handshakes explicitly even with nothing to send", Fix: "nothing to fix; clients that skip the handshake on empty files get 425/522"},
		},
	}
}

func protocolScenarios() []Scenario {
	return []Scenario{
		{
			Name: "implicit-client-on-explicit-port", Cases: []string{"S22"}, Labels: []string{"tls", "implicit"},
			Summary: "the client starts TLS at connect (implicit FTPS) on the server's explicit port",
			Client:  ClientSpec{TLS: "implicit", Port: "explicit"}, Expect: fail("tls", 0, "not-tls"),
			Diagnosis: Diagnosis{
				Cause: "the server greets in clear (220) and the client reads it as a TLS record (Go: first record does not look like a TLS handshake; OpenSSL: wrong version number)",
				Fix:   "use ftp:// with AUTH TLS (explicit) on port 21, or ftps:// only on the implicit port (990)",
			},
		},
		{
			Name: "explicit-client-on-implicit-port", Cases: []string{"S22"}, Labels: []string{"tls", "implicit"},
			Summary: "the client waits for a cleartext greeting on the server's implicit-FTPS port",
			Server:  ServerSpec{Implicit: true}, Client: ClientSpec{Port: "implicit", Timeout: "1s"},
			Expect: fail("connect", 0, "timeout"),
			Diagnosis: Diagnosis{
				Cause: "an implicit-FTPS server sends nothing until the TLS handshake; the explicit client waits for 220 until it times out",
				Fix:   "connect to the explicit port (21) for AUTH TLS, or switch the client to implicit FTPS for port 990",
			},
		},
		{
			Name: "auth-answered-with-200", Cases: []string{"S19", "S29"}, Labels: []string{"tls", "auth"},
			Summary: "the server answers AUTH TLS with 200 instead of 234 (seen on embedded servers)",
			Server:  ServerSpec{Replies: map[string]ReplySpec{"auth-ok": {Code: 200, Text: "AUTH command ok; starting SSL connection..."}}},
			Expect:  fail("tls", 200, ""),
			Diagnosis: Diagnosis{
				Cause: "RFC 4217 requires 234 before the handshake; a client cannot know whether TLS starts after 200, so a strict client stops (and never sends credentials)",
				Fix:   "fix the server's AUTH reply; some clients have a lenient mode for such servers",
			},
		},
		{
			Name: "nat-wrong-public-pasv-address", Cases: []string{"S11"}, Labels: []string{"nat", "pasv"},
			Summary: "the server advertises a routable but wrong address (stale masquerade address)",
			Network: &NetworkSpec{ServerNAT: true}, Server: ServerSpec{PassiveAddr: "198.18.0.9"},
			Client: ClientSpec{Passive: "pasv", PASV: "trust"}, Expect: fail("data-connect", 0, "timeout"),
			Diagnosis: Diagnosis{
				Cause: "the 227 address is public, so heuristics that replace private addresses do not help; nothing at that address serves the data",
				Fix:   "correct the server's passive address (vsftpd pasv_address, ProFTPD MasqueradeAddress); clients that ignore the 227 address (curl) are not affected",
			},
		},
	}
}
