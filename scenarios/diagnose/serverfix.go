package diagnose

import "github.com/ftpsim/ftpsim/scenarios"

// serverSettings names, per server program and scenario family, the
// settings a fix changes (from the programs' documentation, as collected
// in the field notes' reference-server table).
var serverSettings = map[string]map[string]string{
	"vsftpd": {
		"reuse":    "require_ssl_reuse=YES is the cause; make the client resume, or set require_ssl_reuse=NO",
		"passive":  "pasv_min_port/pasv_max_port set the range to forward; pasv_address (with pasv_addr_resolve) the address in 227",
		"cert":     "rsa_cert_file holds the certificate and its chain (leaf first, then intermediates); rsa_private_key_file the key",
		"policy":   "force_local_logins_ssl / force_local_data_ssl decide what must be encrypted",
		"transfer": "strict_ssl_read_eof=YES makes vsftpd reject uploads ended without close_notify",
	},
	"proftpd": {
		"reuse":   "mod_tls requires reuse by default; TLSOptions NoSessionReuseRequired turns it off (weaker)",
		"passive": "PassivePorts sets the range to forward; MasqueradeAddress the address in 227",
		"cert":    "TLSRSACertificateFile and TLSCertificateChainFile (the intermediates) in the mod_tls section",
		"policy":  "TLSRequired on|ctrl|data|auth+data decides what must be encrypted",
	},
	"pure-ftpd": {
		"passive": "-p LOW:HIGH (--passiveportrange) sets the range to forward; -P (--forcepassiveip) the address in 227",
		"cert":    "the certificate and its chain go in /etc/ssl/private/pure-ftpd.pem (or --certfile)",
		"policy":  "-Y 2 requires TLS for logins, -Y 3 also for data",
		"tls":     "pure-ftpd accepts AUTH TLS only, never AUTH SSL",
	},
	"filezilla-server": {
		"reuse":   "FileZilla Server 1.x always requires the data connection to resume; only the client can change",
		"passive": "the passive port range (pasv.port_range) and the public IP (host_override) are in the server's passive-mode settings",
		"cert":    "the certificate and its chain are set in the server's FTPS (TLS) settings",
		"policy":  "the listener's TLS mode (require explicit TLS) decides whether plain FTP is refused",
	},
}

// family is the part of serverSettings a scenario belongs to.
func family(sc scenarios.Scenario) string {
	switch {
	case sc.HasLabel("reuse") || sc.HasLabel("tickets"):
		return "reuse"
	case sc.HasLabel("cert"):
		return "cert"
	case sc.HasLabel("nat") || sc.HasLabel("firewall") || sc.HasLabel("pasv") || sc.HasLabel("epsv"):
		return "passive"
	case sc.HasLabel("policy") || sc.HasLabel("prot"):
		return "policy"
	case sc.HasLabel("auth"):
		return "tls"
	case sc.HasLabel("transfer"):
		return "transfer"
	}
	return ""
}

// ServerFix returns what to change on the incident's server, named in
// that program's own settings, for the scenario c; "" when the server is
// unknown or has nothing specific to it.
func (r *Report) ServerFix(c Candidate) string {
	return serverSettings[r.Incident.Server][family(c.Scenario)]
}
