package probe

import "strings"

// Server software [Run] can recognise, as Report.Server names it.
const (
	ServerVsftpd    = "vsftpd"
	ServerProFTPD   = "ProFTPD"
	ServerPureFTPd  = "pure-ftpd"
	ServerFileZilla = "FileZilla Server"
	ServerPyftpdlib = "pyftpdlib"
	ServerSim       = "ftpsim"
)

// serverMarks are reply fragments that give a server away (lower case):
// default banners and the texts of their 234 replies (ftps-field-notes
// §1d, real-peers.md). The first match wins, so banners that name the
// program come before reply texts that several servers share.
var serverMarks = []struct{ mark, server string }{
	{"vsftpd", ServerVsftpd},
	{"proftpd", ServerProFTPD},
	{"pure-ftpd", ServerPureFTPd},
	{"filezilla", ServerFileZilla},
	{"pyftpdlib", ServerPyftpdlib},
	{"ftpsim ftps simulator", ServerSim},
	{"proceed with negotiation", ServerVsftpd},                  // vsftpd's 234
	{"auth tls ok.", ServerPureFTPd},                            // pure-ftpd's 234
	{"using authentication type tls", ServerFileZilla},          // FileZilla Server's 234
	{"this security scheme is not implemented", ServerPureFTPd}, // pure-ftpd's AUTH SSL
	{"non-anonymous sessions must use encryption", ServerVsftpd},
}

// guessServer names the server software the replies come from, or "".
func guessServer(texts ...string) string {
	all := strings.ToLower(strings.Join(texts, "\n"))
	for _, m := range serverMarks {
		if strings.Contains(all, m.mark) {
			return m.server
		}
	}
	return ""
}

// issue names a misconfiguration that has server-specific fixes.
type issue int

const (
	issueNAT issue = iota
	issuePassivePorts
	issueReuse
	issueChain
	issueCleartext
	issueNoTLS
	issueImplicit
	issueLimits
	issueTLS12
	issueModernTLS
)

// hints holds, per issue, a generic sentence and the setting of each server.
var hints = map[issue]struct {
	generic string
	servers map[string]string
}{
	issueNAT: {"", map[string]string{
		ServerVsftpd:    "vsftpd: pasv_address=<public IP> (pasv_addr_resolve=YES to give a name), and forward pasv_min_port-pasv_max_port",
		ServerProFTPD:   "ProFTPD: MasqueradeAddress <public IP or name>, and forward the PassivePorts range",
		ServerPureFTPd:  "pure-ftpd: -P <public IP> (--forcepassiveip), and forward the -p first:last range",
		ServerFileZilla: "FileZilla Server: Passive mode settings, \"Use the following IP\" with the public address, and forward the passive port range",
		ServerPyftpdlib: "pyftpdlib: masquerade_address (or masquerade_address_map per network), and forward passive_ports",
	}},
	issuePassivePorts: {"", map[string]string{
		ServerVsftpd:    "vsftpd: fix the range with pasv_min_port/pasv_max_port and forward exactly that",
		ServerProFTPD:   "ProFTPD: PassivePorts <first> <last>, forwarded as is",
		ServerPureFTPd:  "pure-ftpd: -p first:last, forwarded as is",
		ServerFileZilla: "FileZilla Server: the passive port range of the listener, forwarded as is",
		ServerPyftpdlib: "pyftpdlib: passive_ports, forwarded as is",
	}},
	issueReuse: {
		"Better fix the clients: they must resume the control connection's TLS session on data connections. curl, lftp and FileZilla do; Python ftplib needs an FTP_TLS subclass whose ntransfercmd wraps the data socket with session=self.sock.session; Go clients need a tls.ClientSessionCache and the same tls.Config.ServerName on data connections (S02). Relaxing the server gives up protection against connection stealing (S30).",
		map[string]string{
			ServerVsftpd:    "vsftpd: require_ssl_reuse=NO relaxes it",
			ServerProFTPD:   "ProFTPD: TLSOptions NoSessionReuseRequired relaxes it",
			ServerFileZilla: "FileZilla Server 1.x always requires it",
			ServerSim:       "ftpsim: --reuse off relaxes it",
		}},
	issueChain: {"", map[string]string{
		ServerVsftpd:    "vsftpd: rsa_cert_file must hold the server certificate followed by the intermediate(s) (the full-chain PEM)",
		ServerProFTPD:   "ProFTPD: TLSCertificateChainFile with the intermediate(s), or append them to TLSRSACertificateFile",
		ServerPureFTPd:  "pure-ftpd: the certificate file (/etc/ssl/private/pure-ftpd.pem) must hold the certificate, the intermediate(s), then the key",
		ServerFileZilla: "FileZilla Server: import the full chain (certificate and intermediates) for the listener",
		ServerPyftpdlib: "pyftpdlib: certfile must hold the certificate followed by the intermediate(s)",
	}},
	issueCleartext: {"", map[string]string{
		ServerVsftpd:    "vsftpd: force_local_logins_ssl=YES and force_local_data_ssl=YES",
		ServerProFTPD:   "ProFTPD: TLSRequired on (or auth+data)",
		ServerPureFTPd:  "pure-ftpd: -Y 2 (TLS required for login) or -Y 3 (also for data)",
		ServerFileZilla: "FileZilla Server: set the listener to \"Require explicit FTP over TLS\"",
		ServerPyftpdlib: "pyftpdlib: tls_control_required = True and tls_data_required = True",
		ServerSim:       "ftpsim: --tls required",
	}},
	issueNoTLS: {"", map[string]string{
		ServerVsftpd:    "vsftpd: ssl_enable=YES with rsa_cert_file and rsa_private_key_file",
		ServerProFTPD:   "ProFTPD: LoadModule mod_tls.c, TLSEngine on, TLSRSACertificateFile and TLSRSACertificateKeyFile",
		ServerPureFTPd:  "pure-ftpd: -Y 1 (or 2, 3) with the certificate in /etc/ssl/private/pure-ftpd.pem",
		ServerFileZilla: "FileZilla Server: give the listener a TLS certificate",
		ServerPyftpdlib: "pyftpdlib: TLS_FTPHandler with certfile and keyfile",
		ServerSim:       "ftpsim: --tls optional or required",
	}},
	issueImplicit: {"", map[string]string{
		ServerVsftpd:    "vsftpd: implicit_ssl=YES in a second instance on port 990",
		ServerProFTPD:   "ProFTPD: a <VirtualHost> on port 990 with TLSOptions UseImplicitSSL",
		ServerPureFTPd:  "pure-ftpd: implicit TLS only in builds configured --with-implicittls",
		ServerFileZilla: "FileZilla Server: add a listener with \"Implicit FTP over TLS\"",
		ServerPyftpdlib: "pyftpdlib has no implicit mode",
	}},
	issueLimits: {"", map[string]string{
		ServerVsftpd:    "vsftpd: max_clients, max_per_ip, tcp_wrappers (/etc/hosts.deny)",
		ServerProFTPD:   "ProFTPD: MaxClients, MaxClientsPerHost, <Limit LOGIN> rules",
		ServerPureFTPd:  "pure-ftpd: -c (clients) and -C (clients per IP)",
		ServerFileZilla: "FileZilla Server: the autobanner and the allowed/disallowed IP lists",
	}},
	issueTLS12: {"", map[string]string{
		ServerVsftpd:    "vsftpd: ssl_ciphers=HIGH gives TLS 1.2 ciphers for RSA and ECDSA keys; a vsftpd that has ssl_tlsv1_2 (3.0.3 has none) needs ssl_tlsv1_2=YES",
		ServerProFTPD:   "ProFTPD: TLSProtocol TLSv1.2 TLSv1.3, and a TLSCipherSuite with TLS 1.2 ciphers for the key (HIGH)",
		ServerPureFTPd:  "pure-ftpd: -J HIGH (--tlsciphersuite), a list with TLS 1.2 ciphers for the key",
		ServerFileZilla: "FileZilla Server: set the minimum allowed TLS version to 1.2",
		ServerPyftpdlib: "pyftpdlib: the TLS_FTPHandler's ssl_protocol and ssl_options must not exclude TLS 1.2",
	}},
	issueModernTLS: {"", map[string]string{
		ServerVsftpd:    "vsftpd uses what its OpenSSL offers (TLS 1.3 needs OpenSSL 1.1.1): upgrade it, and set ssl_ciphers=HIGH",
		ServerProFTPD:   "ProFTPD: TLSProtocol TLSv1.2 TLSv1.3",
		ServerPureFTPd:  "pure-ftpd uses what its OpenSSL offers: upgrade it, and set -J HIGH",
		ServerFileZilla: "FileZilla Server: set the minimum allowed TLS version to 1.2",
		ServerPyftpdlib: "pyftpdlib: the TLS_FTPHandler's ssl_protocol must allow TLS 1.2 and 1.3",
	}},
}

// hintOrder is the order servers are listed in when the server is unknown.
var hintOrder = []string{ServerVsftpd, ServerProFTPD, ServerPureFTPd, ServerFileZilla, ServerPyftpdlib}

// hint returns the fix of an issue for the given server, or for every
// server when it is unknown, followed by the generic advice.
func hint(server string, i issue) string {
	h := hints[i]
	var parts []string
	if s, ok := h.servers[server]; ok && server != "" {
		parts = append(parts, s+".")
	} else {
		var all []string
		for _, name := range hintOrder {
			if s, ok := h.servers[name]; ok {
				all = append(all, s)
			}
		}
		if len(all) > 0 {
			parts = append(parts, strings.Join(all, "; ")+".")
		}
	}
	if h.generic != "" {
		parts = append(parts, h.generic)
	}
	return strings.Join(parts, " ")
}
