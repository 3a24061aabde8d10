package sim

// WellConfigured sets on s the policies of a well-configured FTPS server:
// TLS required on the control channel (no login before AUTH TLS) and on
// the data channel (PROT P enforced), and TLS session reuse required on
// data connections, tied to the control connection ([ReuseSame], like
// ProFTPD and FileZilla Server; vsftpd's require_ssl_reuse is [ReuseAny]).
// Other settings are left alone. It is the one definition of that server:
// suites/conformance measures targets against it, "ftpsim serve
// --well-configured" runs it, and so does the ftpsim container image
// (docker.FTPSim, which also accepts uploads without close_notify).
//
// The zero [Server] is more permissive on purpose, like httptest's: TLS
// optional and no reuse requirement, so any client works against it.
func WellConfigured(s *Server) {
	s.ControlTLS, s.DataTLS, s.Reuse = TLSRequired, TLSRequired, ReuseSame
}
