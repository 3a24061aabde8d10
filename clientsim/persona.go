package clientsim

import (
	"crypto/tls"
	"strings"
)

// Persona is a set of options that makes a [Conn] behave like a real FTPS
// client on the TLS paths: which AUTH mechanisms it tries and in what
// order, whether data connections resume the control session (and how the
// session cache is keyed), EPSV or PASV, and what it does with the address
// in a 227 reply. Options given after the persona's override it:
//
//	c, err := clientsim.Dial(ctx, addr, clientsim.Curl().Options(
//		clientsim.WithRootCAs(pool),
//		clientsim.WithPassive(clientsim.PASVOnly), // curl --disable-epsv
//	)...)
//
// What a persona does not reproduce: commands outside the TLS paths (lftp's
// FEAT, OPTS UTF8 and HOST before login, PWD, TYPE A for listings, SIZE,
// MDTM), and curl's habit of starting the data connection's TLS handshake
// before the transfer command (Conn handshakes after the 1xx).
// suites/fidelity compares the curl, lftp and ftplib personas with the
// real programs.
type Persona struct {
	// Name is the short name: "curl", "lftp", "ftplib", "filezilla" or
	// "go".
	Name string
	// Version is the version the behaviour was taken from.
	Version string
	// Setup says which invocation of the real client the persona
	// reproduces and how its variants map to options.
	Setup string
	// Verified is true when the persona is checked against the real
	// program by the differential tests.
	Verified bool

	options func() []Option
}

// Options returns the persona's options followed by extra. Each call
// builds them afresh (the Go persona gets a new session cache).
func (p Persona) Options(extra ...Option) []Option {
	var opts []Option
	if p.options != nil {
		opts = p.options()
	}
	return append(opts, extra...)
}

// String returns "curl 7.88.1".
func (p Persona) String() string { return strings.TrimSpace(p.Name + " " + p.Version) }

// Personas returns every client persona, in a fixed order.
func Personas() []Persona { return []Persona{Curl(), Lftp(), Ftplib(), FileZilla(), GoClient()} }

// PersonaByName returns the persona with that name (as in [Persona.Name],
// case-insensitive).
func PersonaByName(name string) (Persona, bool) {
	for _, p := range Personas() {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Persona{}, false
}

// Curl is curl 7.88.1 (OpenSSL 3.0) run as "curl --ssl-reqd ftp://...":
// AUTH SSL first and AUTH TLS if that is refused, PBSZ 0 and PROT P after
// login, EPSV first (PASV after a 5xx), the 227 address ignored in favour
// of the control connection's (--ftp-skip-pasv-ip, the default since
// 7.74), and data connections resuming the newest session OpenSSL saved
// (ReuseLikeOpenSSL: a ticket from a data connection replaces the
// control's, and a TLS 1.3 session is offered only once), and uploads
// closed without reading the data connection (WithoutUploadDrain).
//
// Variants: --disable-epsv is WithPassive(PASVOnly); --no-ftp-skip-pasv-ip
// is WithPASVAddress(Trust); --ftp-ssl-ccc is WithCCC.
func Curl() Persona {
	return Persona{
		Name: "curl", Version: "7.88.1", Verified: true,
		Setup: "curl --ssl-reqd (explicit FTPS), OpenSSL session cache",
		options: func() []Option {
			return []Option{WithAuthFallback(), WithSessionReuse(ReuseLikeOpenSSL), WithoutUploadDrain(),
				WithPassive(EPSVFirst), WithPASVAddress(SkipLikeCurl)}
		},
	}
}

// Lftp is lftp 4.9.2 (GnuTLS) with ftp:ssl-force and ftp:ssl-protect-data:
// AUTH TLS, PBSZ 0 and PROT P after login, PASV (ftp:prefer-epsv no), the
// 227 address replaced by the control connection's when lftp finds it
// wrong (ftp:fix-pasv-address, see [FixReservedLikeLftp]), and every data
// connection resuming the control session. Its CCC is lftp's
// ([CCCLikeLftp]): the client's close_notify only after the 200, and a
// server's close_notify that comes first is a hang-up ("Peer closed
// connection", [*CCCRaceError]).
//
// Variants: ftp:prefer-epsv yes is WithPassive(EPSVFirst);
// ftp:ssl-auth SSL is WithAuthMechanism("SSL"); ftp:ssl-use-ccc yes is
// WithCCC.
func Lftp() Persona {
	return Persona{
		Name: "lftp", Version: "4.9.2", Verified: true,
		Setup: "lftp -e 'set ftp:ssl-force yes; set ftp:ssl-protect-data yes' ftp://...",
		options: func() []Option {
			return []Option{WithAuthMechanism("TLS"), WithSessionReuse(ReusePerConnection),
				WithPassive(PASVOnly), WithPASVAddress(FixReservedLikeLftp), WithCCCShutdown(CCCLikeLftp)}
		},
	}
}

// Ftplib is Python 3.11's ftplib.FTP_TLS with login() and prot_p(): AUTH
// TLS, PBSZ 0 and PROT P, PASV over IPv4, the 227 address ignored
// (trust_server_pasv_ipv4_address is False by default since Python 3.9
// and 3.6.14), and no session resumption on data connections: stock
// FTP_TLS wraps the data socket without the control session, so vsftpd
// (require_ssl_reuse), ProFTPD and FileZilla Server refuse its transfers.
//
// Variants: the usual ReusingFTP_TLS subclass (ntransfercmd passing
// session=self.sock.session) is WithSessionReuse(ReusePerConnection);
// trust_server_pasv_ipv4_address = True is WithPASVAddress(Trust).
func Ftplib() Persona {
	return Persona{
		Name: "ftplib", Version: "Python 3.11", Verified: true,
		Setup: "ftplib.FTP_TLS(context=ssl.create_default_context(cafile=...)); login(); prot_p()",
		options: func() []Option {
			return []Option{WithAuthMechanism("TLS"), WithSessionReuse(ReuseNone),
				WithPassive(PASVOnly), WithPASVAddress(SkipLikeCurl)}
		},
	}
}

// FileZilla is the FileZilla 3.x client with "Require explicit FTP over
// TLS": AUTH TLS, then AUTH SSL if refused, PBSZ 0 and PROT P, PASV over
// IPv4, a 227 address that is not routable replaced by the server's
// ("Server sent passive reply with unroutable address. Using server
// address instead."), and data connections resuming the control session.
// It is written from FileZilla's documented log messages, not checked
// against the program.
func FileZilla() Persona {
	return Persona{
		Name: "filezilla", Version: "3.x", Verified: false,
		Setup: "FileZilla client, Encryption: Require explicit FTP over TLS",
		options: func() []Option {
			return []Option{WithAuthMechanisms("TLS", "SSL"), WithSessionReuse(ReusePerConnection),
				WithPassive(PASVOnly), WithPASVAddress(FallbackUnroutableLikeFileZilla)}
		},
	}
}

// GoClient is a Go client in the style of jlaffaye/ftp with
// DialWithExplicitTLS and a tls.Config whose ClientSessionCache is a
// tls.NewLRUClientSessionCache and whose ServerName is unset: crypto/tls
// then keys the cache by the remote address, so data connections (another
// port) never find the control session and do full handshakes (S02).
// EPSV first; a 227 address is replaced when jlaffaye's isBogusDataIP says
// so ([FixBogusLikeLftp]).
//
// Variants: setting the ServerName (WithServerName) makes every
// connection use one key, and data connections resume.
func GoClient() Persona {
	return Persona{
		Name: "go", Version: "crypto/tls", Verified: false,
		Setup: "jlaffaye/ftp DialWithExplicitTLS(&tls.Config{ClientSessionCache: tls.NewLRUClientSessionCache(0)})",
		options: func() []Option {
			return []Option{WithAuthMechanism("TLS"),
				WithSessionReuse(ReuseShared(tls.NewLRUClientSessionCache(0))),
				WithPassive(EPSVFirst), WithPASVAddress(FixBogusLikeLftp)}
		},
	}
}
